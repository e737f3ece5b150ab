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
import { altTestLayout, NO_DIFF, scoreJudge, type AltTestLayout } from './alt-test-layout';

export { altTestLayout, altTestLayoutFromRows, type AltTestLayout } from './alt-test-layout';

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
  const none = NO_DIFF; // read once: an imported binding is a getter call under CommonJS, and this loop runs a million times
  layout.ids.forEach((id, h) => {
    if (items[h]! < minItems) return;
    // The notebook's paired differences d = (human wins) − (judge wins), in the order of the human's items.
    let n = 0;
    for (let t = from[h]!; t < from[h + 1]!; t++) if (diffs[t] !== none) d[n++] = diffs[t]!;
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
