/**
 * Rankings as the dashboard writes and reads them. Stored rankings are answer indexes from 0 (`[[2],[0,1]]`, the
 * import and export format); the dashboard numbers answers from 1, as people count, so that ranking reads
 * "3 > 1 = 2" and a researcher types "3 > 1 = 2" (or "3 1=2") to adjudicate it.
 */
import { parseRanking, readRanking, type Ranking } from '../../../shared/ranking';

/** A ranking of the item's answers in words: best first, `>` between places, `=` inside a tie (answers from 1). */
export const rankingWords = (r: Ranking): string => r.map((g) => g.map((i) => i + 1).join(' = ')).join(' > ');

/** A stored ranking's text shown in words; anything that is not a ranking of `n` answers is shown as it is. */
export function showRanking(value: string | number | null, n: number): string {
  if (value === null) return 'no answer';
  const r = readRanking(String(value), n);
  return r ? rankingWords(r) : String(value);
}

/**
 * Reads what a researcher typed: answer numbers from 1, best first, separated by `>`, commas or spaces, tied ones
 * joined by `=`. Returns the ranking in the item's indexes (from 0), or a sentence saying what is wrong.
 */
export function readTypedRanking(text: string, n: number): Ranking | string {
  const places = text.trim().replace(/\s*=\s*/g, '=').split(/[>,\s]+/).filter(Boolean);
  if (!places.length) return `type the ${n} answers' numbers best first, e.g. ${[...Array(n).keys()].map((i) => i + 1).join(' > ')}`;
  const seen = new Set<number>();
  const groups: number[][] = [];
  for (const p of places) {
    const g: number[] = [];
    for (const x of p.split('=')) {
      const k = /^\d+$/.test(x) ? Number(x) : NaN;
      if (!(k >= 1 && k <= n)) return `"${x}" is not an answer number (1 to ${n})`;
      if (seen.has(k)) return `answer ${k} appears twice`;
      seen.add(k);
      g.push(k - 1);
    }
    groups.push(g);
  }
  const missing = [...Array(n).keys()].map((i) => i + 1).filter((k) => !seen.has(k));
  if (missing.length) return `every answer must be ranked: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`;
  const r = parseRanking(groups, n);
  return r;
}
