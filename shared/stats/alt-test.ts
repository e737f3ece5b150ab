/**
 * The Alternative Annotator Test (alt-test) of Calderon, Reichart & Dror (2025), "The Alternative Annotator Test for
 * LLM-as-a-Judge: How to Statistically Justify Replacing Human Annotators with LLMs", ACL 2025, pp. 16051–16081.
 *
 * This follows the authors' released code, not a paraphrase of the paper: the `alt_test`, `accuracy`, `neg_rmse`,
 * `ttest` and `by_procedure` functions of `alt_test_example.ipynb` in github.com/nitaytech/AltTest (commit
 * 18428b1f4f34ac61c4978bc180263b90111e7337), whose printed results the tests reproduce. The notebook's details:
 * - An item counts when at least two humans and the judge labelled it (`min_humans_per_instance = 2`).
 * - A human is tested when at least `minItems` of their items count (`min_instances_per_human = 30`).
 * - On each of the human's items, the human and the judge are scored by how well they match the OTHER humans' labels
 *   there: accuracy = the share of the others' labels equal to one's own; neg_rmse = −√(mean of squared differences).
 *   The judge wins when its score ≥ the human's, the human when theirs ≥ the judge's, so a tie counts for both.
 * - ε enters as the population mean of a one-sample t-test on the paired difference d = (human wins) − (judge wins),
 *   each 0/1: `ttest_1samp(d, ε, alternative='less')`, i.e. H0: E[d] ≥ ε against H1: E[d] < ε. Rejecting H0 means
 *   the judge is at least as good as this human once the human carries the cost–benefit penalty ε.
 * - The annotators' p-values are corrected with the Benjamini–Yekutieli step-up procedure at q.
 * - ω (winning rate) = rejected / tested; ρ (advantage probability) = the mean over tested humans of the judge's
 *   winning share on their items, ties counted as wins (the `>=` of the code); passed when ω ≥ 0.5.
 */
import tCdf from '@stdlib/stats-base-dists-t-cdf';
import { REPORT_TEST_DEFAULTS } from '../constants';

/** One human's labels: `items[k]` (distinct item indices, ≥ 0) carries `values[k]`. */
export interface AltTestHuman {
  id: string;
  items: Int32Array;
  values: Float64Array;
}

/** One value per labelled item: category codes for `accuracy`, the rating for `neg_rmse`. */
export interface AltTestData {
  /** Each human's labels. */
  humans: AltTestHuman[];
  /**
   * The judge's one value per item it labelled: a Map from item to value, or an array indexed by item with NaN
   * where it gave none (what the report passes: no Map of hundreds of thousands of entries per judge).
   */
  judge: Map<number, number> | Float64Array;
}

export interface AltTestOptions {
  /** The cost–benefit margin ε the human is penalised by (the notebook's suggestions: 0.1 to 0.2). */
  epsilon: number;
  /** Least number of counted items a human needs to be tested (default 30, as the notebook). */
  minItems?: number;
  /** The Benjamini–Yekutieli false discovery rate (default 0.05, as the notebook). */
  q?: number;
  metric: 'accuracy' | 'neg_rmse';
}

export interface AltTestAnnotator {
  annotator: string;
  /** The human's counted items (each with another human's label and the judge's). */
  items: number;
  /** Items where the judge matched the other humans at least as well as this human (ties included). */
  judgeWins: number;
  /** Items where this human matched the others at least as well as the judge (ties included). */
  humanWins: number;
  /** One-sided t-test p-value of H0: mean(human wins − judge wins) ≥ ε; NaN when undefined (see `oneSidedTTestP`). */
  pValue: number;
  /** Whether H0 was rejected by the Benjamini–Yekutieli procedure across the tested humans. */
  rejected: boolean;
}

export interface AltTestResult {
  /** Humans tested. */
  annotators: number;
  /** Distinct items scored for at least one tested human. */
  items: number;
  /** ω: the share of tested humans whose null hypothesis was rejected. */
  winningRate: number;
  /** ρ: the mean over tested humans of the judge's winning share (ties count as wins). */
  advantageProbability: number;
  /** ω ≥ 0.5. */
  passed: boolean;
  perAnnotator: AltTestAnnotator[];
}

/**
 * The Benjamini–Yekutieli (2001, Theorem 1.3) step-up procedure controlling the false discovery rate at `q` under
 * arbitrary dependence: with the m p-values sorted, p₍₁₎ ≤ … ≤ p₍ₘ₎, and c(m) = Σᵢ₌₁ᵐ 1/i, reject the hypotheses
 * of p₍₁₎ … p₍ₖ₎ for the largest k with p₍ₖ₎ ≤ k·q / (m·c(m)). As the notebook's `by_procedure` and statsmodels'
 * `multipletests(method='fdr_by')`. A NaN p-value counts in m, sorts last and is never rejected (NumPy's `argsort`
 * and `<=` treat NaN so). Returns, in input order, whether each hypothesis is rejected.
 */
export function benjaminiYekutieli(p: readonly number[], q: number): boolean[] {
  const m = p.length;
  const rejected = new Array<boolean>(m).fill(false);
  if (m === 0) return rejected;
  let harmonic = 0;
  for (let i = 1; i <= m; i++) harmonic += 1 / i;
  const order = p.map((_, i) => i);
  order.sort((a, b) => {
    const pa = p[a]!;
    const pb = p[b]!;
    if (Number.isNaN(pa) || Number.isNaN(pb)) return Number(Number.isNaN(pa)) - Number(Number.isNaN(pb));
    return pa - pb;
  });
  let last = -1;
  for (let k = 0; k < m; k++) {
    // The notebook's threshold, (k/m)·(q/H_m), computed in the same order for the same rounding.
    if (p[order[k]!]! <= ((k + 1) / m) * (q / harmonic)) last = k;
  }
  for (let k = 0; k <= last; k++) rejected[order[k]!] = true;
  return rejected;
}

/**
 * The p-value of the one-sided one-sample Student t-test of H0: mean ≥ ε against H1: mean < ε, as the notebook's
 * `ttest`, i.e. `scipy.stats.ttest_1samp(diffs, epsilon, alternative='less').pvalue`: t = (x̄ − ε)/(s/√n) with the
 * sample standard deviation s (n − 1 in the denominator), p = F_{n−1}(t). Like scipy, zero variance gives t = ±∞,
 * so p = 0 when x̄ < ε and 1 when x̄ > ε, and NaN when x̄ = ε or n < 2 (the notebook passes these on to the BY
 * procedure, where a NaN is never rejected).
 */
export function oneSidedTTestP(diffs: ArrayLike<number>, epsilon: number): number {
  const n = diffs.length;
  if (n < 2) return NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += diffs[i]!;
  const mean = sum / n;
  let ss = 0;
  for (let i = 0; i < n; i++) {
    const d = diffs[i]! - mean;
    ss += d * d;
  }
  // scipy: the biased variance scaled by n/(n − 1), then t = (x̄ − ε)/√(v/n).
  const variance = (ss / n) * (n / (n - 1));
  const t = (mean - epsilon) / Math.sqrt(variance / n);
  return tCdf(t, n - 1);
}

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
  const { start, rater } = rows;
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
      const v = rows.value[j]!;
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
interface JudgeScores {
  /** Per human: counted items, and wins of the judge and of the human there (a tie counts for both). */
  items: Int32Array;
  judgeWins: Int32Array;
  humanWins: Int32Array;
  /** By label place (`rank`): the difference (human wins) − (judge wins) on a counted item, else NO_DIFF. */
  diffs: Int8Array;
  /** Per item: whether it counts (two humans or more, and the judge). */
  counted: Uint8Array;
}

const NO_DIFF = 2;

/**
 * One pass over the items for a judge: on each counted item, for each human label there, the judge's score and the
 * human's against the item's other humans; the judge wins when its score ≥ the human's, the human when theirs ≥ the
 * judge's. Null when no item counts. Item by item rather than human by human: the labels are stored by item.
 */
function scoreJudge(layout: AltTestLayout, judge: Float64Array): JudgeScores | null {
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

/** Throws unless every value the judge gave is finite (NaN in an array is "no value", not an error). */
function checkJudge(judge: AltTestData['judge']): void {
  const fail = (item: number): never => {
    throw new Error(`altTest: the judge's value on item ${item} is not finite`);
  };
  if (judge instanceof Float64Array) {
    for (let u = 0; u < judge.length; u++) if (judge[u] === Infinity || judge[u] === -Infinity) fail(u);
  } else {
    for (const [item, value] of judge) if (!Number.isFinite(value)) fail(item);
  }
}

/** A judge's Map as an array indexed by item, NaN where it gave no value (items ≥ nItems no human labelled). */
function judgeArray(judge: Map<number, number>, nItems: number): Float64Array {
  const out = new Float64Array(nItems).fill(NaN);
  for (const [item, value] of judge) if (item >= 0 && item < nItems) out[item] = value;
  return out;
}

/**
 * The alt-test of one judge against the humans (see the module comment for the definition and its source). Returns
 * `{ reason }` when no item has labels from two humans and the judge, or no human has `minItems` such items (the
 * notebook divides by zero there).
 */
export function altTest(data: AltTestData, options: AltTestOptions): AltTestResult | { reason: string } {
  checkJudge(data.judge);
  const layout = altTestLayout(data.humans, options.metric);
  return altTestOnLayout(layout, data.judge instanceof Float64Array ? data.judge : judgeArray(data.judge, layout.nItems), options);
}

/**
 * {@link altTest} on humans laid out once ({@link altTestLayout}, whose metric it uses) and the judge's value per
 * item (NaN: none). The report tests every judge against the same layout.
 */
export function altTestOnLayout(
  layout: AltTestLayout,
  judge: Float64Array,
  options: Omit<AltTestOptions, 'metric'>,
): AltTestResult | { reason: string } {
  const minItems = options.minItems ?? REPORT_TEST_DEFAULTS.altTestMinItems;
  const q = options.q ?? REPORT_TEST_DEFAULTS.altTestQ;
  checkJudge(judge);
  const scored = scoreJudge(layout, judge);
  if (!scored) return { reason: 'no item has labels from at least two humans and from the judge' };
  const { items, judgeWins, humanWins, diffs, counted } = scored;
  const { from } = layout;
  const rows: Omit<AltTestAnnotator, 'rejected'>[] = [];
  let longest = 0;
  for (let h = 0; h < layout.ids.length; h++) longest = Math.max(longest, items[h]!);
  const d = new Float64Array(longest);
  layout.ids.forEach((id, h) => {
    if (items[h]! < minItems) return;
    // The notebook's paired differences d = (human wins) − (judge wins), in the order of the human's items.
    let n = 0;
    for (let t = from[h]!; t < from[h + 1]!; t++) if (diffs[t] !== NO_DIFF) d[n++] = diffs[t]!;
    rows.push({ annotator: id, items: n, judgeWins: judgeWins[h]!, humanWins: humanWins[h]!, pValue: oneSidedTTestP(d.subarray(0, n), options.epsilon) });
  });
  if (rows.length === 0) {
    return { reason: `no human annotator has ${minItems} items that another human and the judge also labelled` };
  }

  // Distinct items scored for a tested human.
  let usedItems = 0;
  const { start, human } = layout;
  for (let u = 0; u < layout.nItems; u++) {
    if (!counted[u]) continue;
    for (let x = start[u]!; x < start[u + 1]!; x++) {
      if (items[human[x]!]! >= minItems) {
        usedItems++;
        break;
      }
    }
  }
  const rejected = benjaminiYekutieli(rows.map((r) => r.pValue), q);
  const perAnnotator = rows.map((r, i) => ({ ...r, rejected: rejected[i]! }));
  const winningRate = rejected.filter(Boolean).length / rows.length;
  let share = 0;
  for (const r of rows) share += r.judgeWins / r.items;
  return {
    annotators: rows.length,
    items: usedItems,
    winningRate,
    advantageProbability: share / rows.length,
    passed: winningRate >= 0.5,
    perAnnotator,
  };
}
