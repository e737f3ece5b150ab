/**
 * When a human's label on a gold item counts as correct (the gold checks the qualification bar reads). Pairwise,
 * rating and choice: the stored value equals the gold value, as before. Ranking: the answers ranked best (the top
 * group, ties included) are exactly gold's top group.
 *
 * Why the top group and not the whole order: a gold check asks whether the annotator is paying attention, and on
 * a ranking item that is whether they found the best answer (a gold item is written so that one answer is plainly
 * best). An exact match of a 5-answer order would fail an attentive annotator on any swap of two middling answers,
 * out of 541 possible weak orders, and a bar that fails attentive people blocks them. It is the question the
 * report's `top1_accuracy` asks of judges (shared/stats/ranking.ts `top1Score`), which scores a tie at the top as a
 * share; a gold check is counted as passed or not, so here a tie at the top matches only the same tie.
 */
import { readRanking } from '../../shared/ranking';

/**
 * The key a label must have to match gold: the gold value itself, or for a ranking item (`answers` > 0) the text of
 * its top group ('[1]', '[0,2]'); null when a stored ranking cannot be read (it then matches nothing).
 */
export function goldKey(value: unknown, answers: number): string | number | null {
  if (answers === 0) return typeof value === 'string' || typeof value === 'number' ? value : null;
  const r = readRanking(value, answers);
  return r ? JSON.stringify(r[0]) : null;
}

/** Whether a stored label value (canonical: a ranking in its rankingText) matches the item's gold key. */
export function matchesGold(key: string | number | null, value: unknown, answers: number): boolean {
  return key !== null && goldKey(value, answers) === key;
}
