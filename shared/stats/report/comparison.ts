/**
 * One annotator's labels compared with a reference per item (the human majority, or gold): the confusion matrix
 * and everything ../classification.ts derives from it with its bootstrap intervals, and for numeric ratings the
 * correlations against the mean human rating (../correlation.ts).
 */
import { compareConfusion, type Comparison } from '../classification';
import { agreementWithin, kendallTauB, meanAbsoluteError, pearson, spearman } from '../correlation';
import type { Coded } from './coded';
import { num, type ComparisonJson } from './json';

/** The labels at `indices` against `ref` (a code per item, negative: none); null when no label has a reference. */
export function compareAgainst(c: Coded, indices: ArrayLike<number>, ref: Int32Array): ComparisonJson | null {
  const k = c.categories.length;
  const { item, code } = c.labels;
  const { invalidAs, numericRatings, humanMean } = c;
  const numeric = c.categories as readonly number[];
  const confusion = new Float64Array(k * k);
  // Numeric ratings: the label's value (x), the item's mean human rating (y) and the reference's value.
  const x: number[] = [];
  const y: number[] = [];
  const refValue: number[] = [];
  let n = 0;
  const seen = new Uint8Array(c.nItems);
  let nItemsCompared = 0;
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t]!;
    const u = item[i]!;
    const r = ref[u]!;
    const p = code[i]! >= 0 ? code[i]! : invalidAs; // effectiveCode, inlined
    if (r < 0 || p < 0) continue;
    confusion[r * k + p]!++;
    n++;
    if (!seen[u]) {
      seen[u] = 1;
      nItemsCompared++;
    }
    if (numericRatings) {
      x.push(numeric[p]!);
      refValue.push(numeric[r]!);
      const m = humanMean[u]!;
      if (Number.isFinite(m)) y.push(m);
      else y.push(NaN);
    }
  }
  if (n === 0) return null;
  const comparison = compareConfusion(confusion, c.categories, { resamples: c.options.resamples, seed: c.options.seed });
  return comparisonJson(c, comparison, nItemsCompared, x, y, refValue);
}

function comparisonJson(c: Coded, cmp: Comparison, nItemsCompared: number, x: number[], y: number[], refValue: number[]): ComparisonJson {
  // Keep the whole domain for verdicts and options; for ratings only the levels that occur.
  const keep: number[] = [];
  for (let i = 0; i < cmp.classes.length; i++) {
    const used = cmp.confusion[i]!.some((v) => v > 0) || cmp.confusion.some((row) => row[i]! > 0);
    if (used || (!c.rating && c.domain.includes(cmp.classes[i]!))) keep.push(i);
  }
  const out: ComparisonJson = {
    n: cmp.n,
    n_labels: cmp.n,
    n_items: nItemsCompared,
    accuracy: num(cmp.accuracy),
    accuracy_without_ties: num(cmp.accuracyWithoutTies),
    cohen_kappa: num(cmp.cohenKappa),
    macro_precision: num(cmp.macroPrecision),
    macro_recall: num(cmp.macroRecall),
    macro_f1: num(cmp.macroF1),
    confusion: { classes: keep.map((i) => cmp.classes[i]!), matrix: keep.map((i) => keep.map((j) => cmp.confusion[i]![j]!)) },
    ci95: {
      accuracy: [num(cmp.ci95.accuracy[0]), num(cmp.ci95.accuracy[1])],
      cohen_kappa: [num(cmp.ci95.cohenKappa[0]), num(cmp.ci95.cohenKappa[1])],
    },
  };
  if (c.numericRatings) Object.assign(out, ratingCorrelations(x, y, refValue));
  return out;
}

/** Correlations with the mean human rating (labels on items no human rated drop out) and agreement within one point. */
function ratingCorrelations(x: number[], y: number[], refValue: number[]): Partial<ComparisonJson> {
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(y[i]!)) {
      xs.push(x[i]!);
      ys.push(y[i]!);
    }
  }
  return {
    pearson: num(pearson(xs, ys)),
    spearman: num(spearman(xs, ys)),
    kendall_tau_b: num(kendallTauB(xs, ys)),
    mae: num(meanAbsoluteError(xs, ys)),
    within_one: num(agreementWithin(x, refValue, 1)),
  };
}

/** The comparison of a judge with no label to compare: every count 0, every statistic null. */
export function emptyComparison(withRatings: boolean): ComparisonJson {
  const out: ComparisonJson = {
    n: 0,
    n_labels: 0,
    n_items: 0,
    accuracy: null,
    accuracy_without_ties: null,
    cohen_kappa: null,
    macro_precision: null,
    macro_recall: null,
    macro_f1: null,
    confusion: { classes: [], matrix: [] },
    ci95: { accuracy: [null, null], cohen_kappa: [null, null] },
  };
  if (withRatings) Object.assign(out, { pearson: null, spearman: null, kendall_tau_b: null, mae: null, within_one: null });
  return out;
}
