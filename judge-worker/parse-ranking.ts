/**
 * Reading a ranking judge's answer. Both read display positions (Assistant 1 / `[1]` = the answer shown first) and
 * give a ranking of display positions from 0 (the worker never knows the item's order; the server maps it). An
 * answer that is not a complete ranking of all n answers yields `null` (an invalid label with the raw text): unlike
 * RankGPT's `receive_permutation`, which fills in whatever the model left out in the order shown, since a filled-in
 * order is the position bias this project measures.
 */
import type { Ranking } from '../shared/ranking';
import { parseRanking } from '../shared/ranking';

export interface RankingParsed {
  value: Ranking | null;
  /** JudgeLM: the scores read, one per display position. */
  scores?: number[];
  rationale: string | null;
}

const NUM = String.raw`[-+]?\d+(?:\.\d+)?`;

/** Display positions ordered by score, best first, equal scores in one group (JudgeLM: a higher score is better). */
export function rankByScores(scores: readonly number[]): Ranking {
  const distinct = [...new Set(scores)].sort((a, b) => b - a);
  return distinct.map((s) => scores.flatMap((x, i) => (x === s ? [i] : [])));
}

/**
 * JudgeLM's multi-answer output: the first non-empty line holds n scores (`8 6 9`; commas as JudgeLM's
 * `parse_score` accepts; Markdown bold around the line tolerated), the rest is the explanation.
 */
export function parseScores(text: string, n: number): RankingParsed {
  const lines = text.split(/\r?\n/);
  const first = lines.findIndex((l) => l.trim() !== '');
  const line = first >= 0 ? lines[first]!.replace(/\*\*/g, '').trim() : '';
  const tokens = line.split(/[\s,;]+/).filter((x) => x !== '');
  const ok = n >= 2 && tokens.length === n && tokens.every((x) => new RegExp(`^${NUM}$`).test(x));
  if (!ok) return { value: null, rationale: text.trim() || null };
  const scores = tokens.map(Number);
  const rationale =
    lines
      .slice(first + 1)
      .join('\n')
      .replace(/certainty\s*[:=]?\s*\[*\s*\d+(?:\.\d+)?\s*\]*\s*$/i, '')
      .trim() || null;
  return { value: rankByScores(scores), scores, rationale };
}

/**
 * A listwise order, RankGPT's format: `[2] > [1] > [3]` (the last such chain in the text, since an explanation may
 * quote the format's example); with `ties`, `[2] = [1] > [3]` puts 2 and 1 in one group.
 */
export function parseListwise(text: string, n: number, ties: boolean): RankingParsed {
  const chains = [...text.matchAll(/\[\s*\d+\s*\](?:\s*[>=]\s*\[\s*\d+\s*\])+/g)];
  const chain = chains[chains.length - 1];
  const rationale = chain ? text.slice(0, chain.index).trim() || null : text.trim() || null;
  if (!chain) return { value: null, rationale };
  const groups: number[][] = [[]];
  for (const m of chain[0].matchAll(/([>=])?\s*\[\s*(\d+)\s*\]/g)) {
    if (m[1] === '=' && !ties) return { value: null, rationale };
    if (m[1] === '>') groups.push([]);
    groups[groups.length - 1]!.push(Number(m[2]) - 1);
  }
  return { value: complete(groups, n), rationale };
}

/** A ranking of all n display positions, or null (a position missing, repeated or out of range). */
export function complete(groups: ReadonlyArray<number | readonly number[]>, n: number): Ranking | null {
  const r = parseRanking(groups, n);
  return typeof r === 'string' ? null : r;
}

/** A structured listwise ranking: identifiers from 1, best first, ties (when allowed) as groups. */
export function structuredRanking(ranking: ReadonlyArray<number | readonly number[]>, n: number, ties: boolean): Ranking | null {
  if (!ties && ranking.some((g) => Array.isArray(g) && g.length > 1)) return null;
  return complete(
    ranking.map((g) => (Array.isArray(g) ? g.map((x: number) => x - 1) : (g as number) - 1)),
    n,
  );
}
