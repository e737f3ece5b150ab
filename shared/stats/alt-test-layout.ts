/**
 * The alt-test's data laid out for speed (./alt-test.ts has the test itself and its sources): the humans' labels
 * grouped by item in typed arrays, built once and shared by every judge, with each label's score against the other
 * humans; and one judge's pass over them. The scores are the notebook's `accuracy` and `neg_rmse`, summed in the
 * order the notebook sums them, so every result is the same to the last bit.
 */
import type { AltTestHuman, AltTestOptions } from './alt-test';

/**
 * The humans' labels grouped by item, laid out once and shared by every judge tested against the same humans (the
 * report tests each judge against all of them): compressed sparse rows over typed arrays, no object per item.
 */
export interface AltTestLayout {
  metric: AltTestOptions['metric'];
  ids: string[];
  /** One more than the largest item index. */
  nItems: number;
  /** Item u's labels are at start[u] … start[u + 1] − 1 of `value` and `score`, in the order of the humans. */
  start: Int32Array;
  value: Float64Array;
  /**
   * Each label's own score against the OTHER humans' labels on its item (the notebook's `accuracy` or `neg_rmse`),
   * which does not depend on the judge; NaN on an item with a single human.
   */
  score: Float64Array;
  /** Each label's human (an index into `ids`). */
  human: Int32Array;
  /**
   * Each label's place among all the humans' labels listed human by human, each human's in the order of their
   * items: human h's are places from[h] … from[h + 1] − 1. The notebook sums each human's differences in that order.
   */
  rank: Int32Array;
  from: Int32Array;
}

/**
 * Lays the humans' labels out by item (see {@link AltTestLayout}), checking them against the data's contract: items
 * and values of equal length, finite values, no human labelling an item twice, item indices ≥ 0. Linear in the
 * labels, plus the pairs of humans on each item for the scores.
 */
export function altTestLayout(humans: readonly AltTestHuman[], metric: AltTestOptions['metric']): AltTestLayout {
  let nItems = 0;
  const from = new Int32Array(humans.length + 1);
  humans.forEach((h, hi) => {
    const n = Math.min(h.items.length, h.values.length);
    for (let k = 0; k < n; k++) {
      const item = h.items[k]!;
      if (item < 0) throw new Error(`altTest: annotator ${h.id}: item index ${item} is negative`);
      if (item >= nItems) nItems = item + 1;
    }
    from[hi + 1] = from[hi]! + n;
  });
  const start = new Int32Array(nItems + 1);
  humans.forEach((h) => {
    const n = Math.min(h.items.length, h.values.length);
    for (let k = 0; k < n; k++) start[h.items[k]! + 1]!++;
  });
  for (let u = 0; u < nItems; u++) start[u + 1]! += start[u]!;
  const total = start[nItems]!;
  const fill = start.slice(0, nItems);
  const lastHuman = new Int32Array(nItems).fill(-1);
  const value = new Float64Array(total);
  const human = new Int32Array(total);
  const rank = new Int32Array(total);
  // Humans in order, so each item's labels are in the order of the humans, as the notebook's `others` lists are.
  humans.forEach((h, hi) => {
    if (h.items.length !== h.values.length) throw new Error(`altTest: annotator ${h.id}: items and values differ in length`);
    for (let k = 0, t = from[hi]!; k < h.items.length; k++, t++) {
      const u = h.items[k]!;
      const v = h.values[k]!;
      if (!Number.isFinite(v)) throw new Error(`altTest: annotator ${h.id}: item ${u} has no finite value`);
      if (lastHuman[u] === hi) throw new Error(`altTest: annotator ${h.id} labels item ${u} twice`);
      lastHuman[u] = hi;
      const e = fill[u]!++;
      value[e] = v;
      human[e] = hi;
      rank[e] = t;
    }
  });
  return { metric, ids: humans.map((h) => h.id), nItems, start, value, score: ownScores(metric, start, value), human, rank, from };
}

/**
 * {@link altTestLayout} from labels already grouped by item, as the report holds them: item u's labels at
 * rows.start[u] … rows.start[u + 1] − 1, by human `rows.rater` (an index into `ids`) with value `rows.value`. The
 * layout of {@link altTestLayout} given the humans with a label, in the order of `ids`, each with its items in
 * ascending order; built without visiting the items in each human's order (a transposition that costs a cache miss a
 * label on large projects).
 */
export function altTestLayoutFromRows(
  ids: readonly string[],
  rows: { start: Int32Array; rater: Int32Array; value: Float64Array },
  metric: AltTestOptions['metric'],
): AltTestLayout {
  const { start, rater, value: given } = rows;
  const nItems = start.length - 1;
  const total = start[nItems]!;
  // Humans with a label keep their order; `keep[h]` is h's index among them.
  const labelsOf = new Int32Array(ids.length);
  for (let j = 0; j < total; j++) labelsOf[rater[j]!]!++;
  const keep = new Int32Array(ids.length).fill(-1);
  const kept: string[] = [];
  const from = new Int32Array(ids.length + 1);
  ids.forEach((id, h) => {
    if (labelsOf[h]! === 0) return;
    keep[h] = kept.length;
    kept.push(id);
    from[kept.length] = from[kept.length - 1]! + labelsOf[h]!;
  });
  let longest = 0;
  for (let u = 0; u < nItems; u++) longest = Math.max(longest, start[u + 1]! - start[u]!);
  const row = new Int32Array(longest); // one row's labels sorted by human (insertion sort: rows are short)
  const value = new Float64Array(total);
  const human = new Int32Array(total);
  const rank = new Int32Array(total);
  const fill = from.slice(0, kept.length);
  for (let u = 0; u < nItems; u++) {
    const s = start[u]!;
    const m = start[u + 1]! - s;
    for (let a = 0; a < m; a++) {
      const j = s + a;
      const r = rater[j]!;
      let x = a;
      for (; x > 0 && rater[row[x - 1]!]! > r; x--) row[x] = row[x - 1]!;
      if (x > 0 && rater[row[x - 1]!] === r) throw new Error(`altTest: annotator ${ids[r]} labels item ${u} twice`);
      row[x] = j;
    }
    for (let a = 0; a < m; a++) {
      const j = row[a]!;
      const v = given[j]!;
      if (!Number.isFinite(v)) throw new Error(`altTest: annotator ${ids[rater[j]!]}: item ${u} has no finite value`);
      const h = keep[rater[j]!]!;
      value[s + a] = v;
      human[s + a] = h;
      rank[s + a] = fill[h]!++;
    }
  }
  return { metric, ids: kept, nItems, start, value, score: ownScores(metric, start, value), human, rank, from: from.subarray(0, kept.length + 1) };
}

/** Each label's score against the other humans' labels on its item (NaN on an item with a single human). */
function ownScores(metric: AltTestOptions['metric'], start: Int32Array, value: Float64Array): Float64Array {
  const score = new Float64Array(value.length).fill(NaN);
  for (let u = 0; u + 1 < start.length; u++) {
    const s = start[u]!;
    const e = start[u + 1]!;
    if (e - s < 2) continue;
    for (let x = s; x < e; x++) score[x] = othersScore(metric, value[x]!, value, s, e, x);
  }
  return score;
}

/**
 * The notebook's alignment score of prediction `pred` against the other humans' labels value[s … e − 1] less the
 * one at `skip`: accuracy = the share equal to `pred`; neg_rmse = −√(mean squared difference),
 * summed in the humans' order as the notebook sums its `others` list, so the result is the same to the last bit.
 */
function othersScore(metric: AltTestOptions['metric'], pred: number, value: Float64Array, s: number, e: number, skip: number): number {
  const others = e - s - 1;
  if (metric === 'accuracy') {
    let same = 0;
    for (let j = s; j < e; j++) if (j !== skip && value[j] === pred) same++;
    return same / others;
  }
  let ss = 0;
  for (let j = s; j < e; j++) if (j !== skip) ss += (pred - value[j]!) * (pred - value[j]!);
  return -Math.sqrt(ss / others);
}

/** What one judge's pass over the items gives each human: see {@link scoreJudge}. */
export interface JudgeScores {
  /** Per human: counted items, and wins of the judge and of the human there (a tie counts for both). */
  items: Int32Array;
  judgeWins: Int32Array;
  humanWins: Int32Array;
  /** By label place (`rank`): the difference (human wins) − (judge wins) on a counted item, else NO_DIFF. */
  diffs: Int8Array;
  /** Per item: whether it counts (two humans or more, and the judge). */
  counted: Uint8Array;
}

/** The `diffs` entry of a label on an item that does not count. */
export const NO_DIFF = 2;

/**
 * One pass over the items for a judge: on each counted item, for each human label there, the judge's score and the
 * human's against the item's other humans; the judge wins when its score ≥ the human's, the human when theirs ≥ the
 * judge's. Null when no item counts. Item by item rather than human by human: the labels are stored by item.
 */
export function scoreJudge(layout: AltTestLayout, judge: Float64Array): JudgeScores | null {
  const { start, value, score, metric, nItems, human, rank } = layout;
  const nHumans = layout.ids.length;
  const out: JudgeScores = {
    items: new Int32Array(nHumans),
    judgeWins: new Int32Array(nHumans),
    humanWins: new Int32Array(nHumans),
    diffs: new Int8Array(value.length).fill(NO_DIFF),
    counted: new Uint8Array(nItems),
  };
  let any = false;
  for (let u = 0; u < nItems && u < judge.length; u++) {
    const s = start[u]!;
    const e = start[u + 1]!;
    const jv = judge[u]!;
    if (e - s < 2 || Number.isNaN(jv)) continue;
    out.counted[u] = 1;
    any = true;
    // Accuracy: the judge's matches among the item's labels, less the human's own where it matches.
    let matches = 0;
    if (metric === 'accuracy') for (let x = s; x < e; x++) if (value[x] === jv) matches++;
    for (let x = s; x < e; x++) {
      const judgeScore = metric === 'accuracy' ? (matches - (value[x] === jv ? 1 : 0)) / (e - s - 1) : othersScore(metric, jv, value, s, e, x);
      const humanScore = score[x]!;
      const judgeWin = judgeScore >= humanScore ? 1 : 0;
      const humanWin = humanScore >= judgeScore ? 1 : 0;
      const h = human[x]!;
      out.items[h]!++;
      out.judgeWins[h]! += judgeWin;
      out.humanWins[h]! += humanWin;
      out.diffs[rank[x]!] = humanWin - judgeWin;
    }
  }
  return any ? out : null;
}
