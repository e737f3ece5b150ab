/**
 * A judge's one vote per item, for the sections that compare annotators item by item (the alt-test, the paired
 * comparisons): the rule of ../votes.ts `oneVote`, on codes in one pass over typed arrays. A judge run in both
 * orders and several samples has several labels on an item; counted one by one it would weigh that item several
 * times against one rating per human.
 */
import { NO_MEMO, type Memo } from './cache';
import { labelsOf, type Coded } from './coded';

/**
 * Per item, the code of judge labels `mine` reduced to one vote (-1 none), as `oneVote` does: pairwise verdicts by
 * JudgeBench's `net` rule (+1 per A, −1 per B, the sign decides, 0 is a tie), anything else by plurality (a shared
 * top count is no vote); a single label is its own vote. Labels count by their effective code: an invalid output is
 * left out, or read as a tie under the `tie` policy, as in every other judge statistic of the report.
 */
export function judgeVotes(c: Coded, mine: Int32Array): Int32Array {
  const { nItems, aCode, bCode, tieCode, invalidAs } = c;
  const { item, code } = c.labels;
  const vote = new Int32Array(nItems).fill(-1);
  // The labels grouped by item (counting sort), then each item's few labels reduced.
  const from = new Int32Array(nItems + 1);
  for (let t = 0; t < mine.length; t++) {
    const i = mine[t]!;
    if ((code[i]! >= 0 ? code[i]! : invalidAs) >= 0) from[item[i]! + 1]!++;
  }
  for (let u = 0; u < nItems; u++) from[u + 1]! += from[u]!;
  const fill = from.slice(0, nItems);
  const grouped = new Int32Array(from[nItems]!);
  for (let t = 0; t < mine.length; t++) {
    const i = mine[t]!;
    const p = code[i]! >= 0 ? code[i]! : invalidAs; // effectiveCode, inlined
    if (p >= 0) grouped[fill[item[i]!]!++] = p;
  }
  const counts = new Int32Array(c.categories.length);
  for (let u = 0; u < nItems; u++) {
    const s = from[u]!;
    const e = from[u + 1]!;
    if (s === e) continue;
    if (e - s === 1) {
      vote[u] = grouped[s]!;
      continue;
    }
    let net = 0;
    let verdicts = c.pairwise;
    for (let x = s; x < e; x++) {
      const p = grouped[x]!;
      if (p === aCode) net++;
      else if (p === bCode) net--;
      else if (p !== tieCode) verdicts = false;
    }
    vote[u] = verdicts ? (net > 0 ? aCode : net < 0 ? bCode : tieCode) : plurality(grouped, s, e, counts);
  }
  return vote;
}

/** The plurality code of grouped[s … e − 1] (-1 when the top count is shared); `counts` is zeros, and left so. */
function plurality(grouped: Int32Array, s: number, e: number, counts: Int32Array): number {
  let best = -1;
  let top = 0;
  let shared = false;
  for (let x = s; x < e; x++) {
    const p = grouped[x]!;
    const n = ++counts[p]!;
    if (n > top) {
      top = n;
      best = p;
      shared = false;
    } else if (n === top && p !== best) shared = true;
  }
  for (let x = s; x < e; x++) counts[grouped[x]!] = 0;
  return shared ? -1 : best;
}

/**
 * Each judge's votes (see {@link judgeVotes}), indexed by annotator (null for a human); through `memo` (./cache.ts),
 * a judge's are kept while its labels (their count: they are only appended) and the coding (`key`: the humans
 * are not read) stay the same.
 */
export function allJudgeVotes(c: Coded, memo: Memo = NO_MEMO, key = ''): (Int32Array | null)[] {
  return c.annotators.map((_, a) => {
    if (c.humanRater[a]! >= 0) return null;
    const mine = labelsOf(c, a);
    return memo.get(`votes:${a}`, `${key}|${mine.length}`, () => judgeVotes(c, mine));
  });
}
