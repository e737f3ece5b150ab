/**
 * Rankings of several answers (issue 11): the one form every side stores and compares. A ranking lists an item's
 * answers best first as groups of answer indexes; answers in one group are tied (`[[2],[0,1]]`: answer 2 best,
 * answers 0 and 1 tied behind it). A flat list (`[2,0,1]`) is the same with no ties. Pure: no zod, no DOM, no Node.
 */

/** Groups of answer indexes, best first; canonical when each group is sorted ascending. */
export type Ranking = number[][];

/** What a label or an import may give: groups, or a flat list with no ties, or a mix (`[2,[0,1]]`). */
export type RankingInput = ReadonlyArray<number | ReadonlyArray<number>>;

/**
 * Reads a ranking of `n` answers: every index from 0 to n − 1 exactly once, no empty group. Returns the canonical
 * groups, or a sentence naming the problem.
 */
export function parseRanking(value: unknown, n: number): Ranking | string {
  if (!Array.isArray(value)) return `must be a list of answer indexes best first, e.g. [2, 0, 1] (ties as groups: [[2], [0, 1]]), not ${JSON.stringify(value)}`;
  const seen = new Set<number>();
  const out: Ranking = [];
  for (const entry of value as unknown[]) {
    const group = Array.isArray(entry) ? (entry as unknown[]) : [entry];
    if (group.length === 0) return 'a group of tied answers cannot be empty';
    const g: number[] = [];
    for (const i of group) {
      if (typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i >= n) return `${JSON.stringify(i)} is not an answer index (0 to ${n - 1})`;
      if (seen.has(i)) return `answer ${i} appears twice`;
      seen.add(i);
      g.push(i);
    }
    out.push(g.sort((a, b) => a - b));
  }
  if (seen.size !== n) {
    const missing = [...Array(n).keys()].filter((i) => !seen.has(i));
    return `every answer must be ranked: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`;
  }
  return out;
}

/**
 * A ranking given in display positions turned into the item's own answer indexes: `permutation[p]` is the item's
 * answer shown at position p (recorded with the lease, as a pair's AB/BA order is).
 */
export function toItemFrame(shown: Ranking, permutation: readonly number[]): Ranking {
  return shown.map((g) => g.map((p) => permutation[p]!).sort((a, b) => a - b));
}

/** Scores given per display position, reordered to the item's answers. */
export function scoresToItemFrame(scores: readonly number[], permutation: readonly number[]): number[] {
  const out = new Array<number>(scores.length);
  for (let p = 0; p < scores.length; p++) out[permutation[p]!] = scores[p]!;
  return out;
}

/** The stored text of a ranking (the `value` column, the gold column, exports): compact JSON of the groups. */
export const rankingText = (r: Ranking): string => JSON.stringify(r);

/** Reads a stored ranking text back; null when it is not one of `n` answers. */
export function readRanking(text: unknown, n: number): Ranking | null {
  if (typeof text !== 'string') return null;
  try {
    const r = parseRanking(JSON.parse(text), n);
    return typeof r === 'string' ? null : r;
  } catch {
    return null;
  }
}

/**
 * Each answer's rank, 1 = best, tied answers sharing the mean of the places they cover (mid-ranks, as Kendall's W
 * and τ-b with ties take them): `[[2],[0,1]]` gives answer 2 rank 1 and answers 0 and 1 rank 2.5.
 */
export function ranksOf(r: Ranking, n: number): Float64Array {
  const ranks = new Float64Array(n).fill(NaN);
  let place = 1;
  for (const g of r) {
    const mid = place + (g.length - 1) / 2;
    for (const i of g) ranks[i] = mid;
    place += g.length;
  }
  return ranks;
}

/**
 * The preference a ranking induces on answers i < j: `A` when i is ranked above j, `B` when below, `tie` when they
 * share a group (the decomposition of a ranking into answer pairs that pairwise statistics are computed on).
 */
export function pairPreference(ranks: Float64Array, i: number, j: number): 'A' | 'B' | 'tie' {
  const a = ranks[i]!;
  const b = ranks[j]!;
  return a < b ? 'A' : a > b ? 'B' : 'tie';
}

/** A uniformly random order of n answers (Fisher–Yates), from a random source in [0, 1). */
export function randomPermutation(n: number, random: () => number): number[] {
  const p = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}
