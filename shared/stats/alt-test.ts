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

/** One value per labelled item: category codes for `accuracy`, the rating for `neg_rmse`. */
export interface AltTestData {
  /** Each human's labels: `items[k]` (distinct item indices) carries `values[k]`. */
  humans: Array<{ id: string; items: Int32Array; values: Float64Array }>;
  /** The judge's one value per item it labelled. */
  judge: Map<number, number>;
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

/** The notebook's alignment scores of one prediction against the other humans' labels. */
function score(metric: AltTestOptions['metric'], pred: number, others: readonly number[]): number {
  if (metric === 'accuracy') {
    let same = 0;
    for (const v of others) if (v === pred) same++;
    return same / others.length;
  }
  let ss = 0;
  for (const v of others) ss += (pred - v) * (pred - v);
  return -Math.sqrt(ss / others.length);
}

/** Each item's human labels, in the order of `data.humans`, checked against the data's contract. */
function labelsByItem(data: AltTestData): Map<number, { human: number[]; value: number[] }> {
  const byItem = new Map<number, { human: number[]; value: number[] }>();
  data.humans.forEach((h, hi) => {
    if (h.items.length !== h.values.length) throw new Error(`altTest: annotator ${h.id}: items and values differ in length`);
    for (let k = 0; k < h.items.length; k++) {
      const item = h.items[k]!;
      const value = h.values[k]!;
      if (!Number.isFinite(value)) throw new Error(`altTest: annotator ${h.id}: item ${item} has no finite value`);
      let entry = byItem.get(item);
      if (!entry) byItem.set(item, (entry = { human: [], value: [] }));
      if (entry.human[entry.human.length - 1] === hi) throw new Error(`altTest: annotator ${h.id} labels item ${item} twice`);
      entry.human.push(hi);
      entry.value.push(value);
    }
  });
  return byItem;
}

/** One human's leave-one-out comparison with the judge on their counted items. */
function compareOne(
  hi: number,
  human: AltTestData['humans'][number],
  counted: Map<number, { human: number[]; value: number[] }>,
  judge: Map<number, number>,
  options: { epsilon: number; metric: AltTestOptions['metric'] },
): { items: number[]; judgeWins: number; humanWins: number; pValue: number } {
  const items: number[] = [];
  const diffs: number[] = [];
  let judgeWins = 0;
  let humanWins = 0;
  for (let k = 0; k < human.items.length; k++) {
    const item = human.items[k]!;
    const entry = counted.get(item);
    if (!entry) continue;
    const others: number[] = [];
    for (let j = 0; j < entry.human.length; j++) if (entry.human[j] !== hi) others.push(entry.value[j]!);
    const humanScore = score(options.metric, human.values[k]!, others);
    const judgeScore = score(options.metric, judge.get(item)!, others);
    const judgeWin = judgeScore >= humanScore ? 1 : 0;
    const humanWin = humanScore >= judgeScore ? 1 : 0;
    judgeWins += judgeWin;
    humanWins += humanWin;
    diffs.push(humanWin - judgeWin);
    items.push(item);
  }
  return { items, judgeWins, humanWins, pValue: oneSidedTTestP(diffs, options.epsilon) };
}

/**
 * The alt-test of one judge against the humans (see the module comment for the definition and its source). Returns
 * `{ reason }` when no item has labels from two humans and the judge, or no human has `minItems` such items (the
 * notebook divides by zero there).
 */
export function altTest(data: AltTestData, options: AltTestOptions): AltTestResult | { reason: string } {
  const minItems = options.minItems ?? REPORT_TEST_DEFAULTS.altTestMinItems;
  const q = options.q ?? REPORT_TEST_DEFAULTS.altTestQ;
  for (const [item, value] of data.judge) {
    if (!Number.isFinite(value)) throw new Error(`altTest: the judge's value on item ${item} is not finite`);
  }
  const counted = new Map<number, { human: number[]; value: number[] }>();
  for (const [item, entry] of labelsByItem(data)) {
    if (entry.human.length >= 2 && data.judge.has(item)) counted.set(item, entry);
  }
  if (counted.size === 0) return { reason: 'no item has labels from at least two humans and from the judge' };

  const rows: Omit<AltTestAnnotator, 'rejected'>[] = [];
  const used = new Set<number>();
  data.humans.forEach((human, hi) => {
    let n = 0;
    for (const item of human.items) if (counted.has(item)) n++;
    if (n < minItems) return;
    const r = compareOne(hi, human, counted, data.judge, options);
    for (const item of r.items) used.add(item);
    rows.push({ annotator: human.id, items: n, judgeWins: r.judgeWins, humanWins: r.humanWins, pValue: r.pValue });
  });
  if (rows.length === 0) {
    return { reason: `no human annotator has ${minItems} items that another human and the judge also labelled` };
  }

  const rejected = benjaminiYekutieli(rows.map((r) => r.pValue), q);
  const perAnnotator = rows.map((r, i) => ({ ...r, rejected: rejected[i]! }));
  const winningRate = rejected.filter(Boolean).length / rows.length;
  let share = 0;
  for (const r of rows) share += r.judgeWins / r.items;
  return {
    annotators: rows.length,
    items: used.size,
    winningRate,
    advantageProbability: share / rows.length,
    passed: winningRate >= 0.5,
    perAnnotator,
  };
}
