/**
 * A classifier (a judge, or a human treated as one) against a reference labelling: the confusion matrix and what
 * follows from it, with a seeded bootstrap interval.
 */
import { kappaFromTable } from './kappa';
import { multinomial, mulberry32, quantileSorted } from './random';
import { categoryList, type Category } from './ratings';

/** Macro-averaged precision, recall and F1. */
export interface MacroScores {
  precision: number;
  recall: number;
  f1: number;
}

/**
 * Macro precision, recall and F1 from a k × k confusion matrix (row = reference, column = prediction), in
 * scikit-learn's convention (`precision_recall_fscore_support(average='macro')`): the classes are those that occur
 * in the reference or the predictions (codes of the matrix that are never used are skipped); a class never
 * predicted has precision 0, a class never in the reference has recall 0, and F1 is 0 where precision + recall
 * is 0 (scikit-learn's `zero_division` default, which warns and scores 0). F1 is averaged per class, not computed
 * from the averaged precision and recall.
 */
export function macroScores(confusion: ArrayLike<number>, k: number): MacroScores {
  let p = 0;
  let r = 0;
  let f = 0;
  let classes = 0;
  for (let c = 0; c < k; c++) {
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += confusion[c * k + j]!;
      col += confusion[j * k + c]!;
    }
    if (row === 0 && col === 0) continue;
    classes++;
    const tp = confusion[c * k + c]!;
    const precision = col === 0 ? 0 : tp / col;
    const recall = row === 0 ? 0 : tp / row;
    p += precision;
    r += recall;
    f += precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  }
  return classes === 0 ? { precision: NaN, recall: NaN, f1: NaN } : { precision: p / classes, recall: r / classes, f1: f / classes };
}

/** Share of the confusion matrix on its diagonal. NaN when empty. */
export function accuracyFromConfusion(confusion: ArrayLike<number>, k: number, skip = -1): number {
  let n = 0;
  let hit = 0;
  for (let i = 0; i < k; i++) {
    if (i === skip) continue;
    for (let j = 0; j < k; j++) if (j !== skip) n += confusion[i * k + j]!;
    hit += confusion[i * k + i]!;
  }
  return n === 0 ? NaN : hit / n;
}

/** A seeded percentile bootstrap interval for accuracy and Cohen's kappa. */
export interface BootstrapCI {
  accuracy: [number, number];
  cohenKappa: [number, number];
}

/**
 * 95% (by default) percentile bootstrap interval (Efron & Tibshirani 1993, "An Introduction to the Bootstrap",
 * ch. 13) for accuracy and Cohen's kappa, resampling the compared labels with replacement. Both statistics depend
 * only on the confusion matrix, so a resample of n labels is drawn as one Multinomial(n, cells/n) draw over the
 * cells: the same distribution as resampling labels, in O(k²) per resample instead of O(n). Percentiles use
 * NumPy's default (linear) quantile; resamples where kappa is undefined are left out of its interval.
 * Seeded with mulberry32, so the interval is reproducible.
 */
export function bootstrapCI(
  confusion: ArrayLike<number>,
  k: number,
  options: { resamples?: number; seed?: number; level?: number } = {},
): BootstrapCI {
  const resamples = options.resamples ?? 1000;
  const level = options.level ?? 0.95;
  const rng = mulberry32(options.seed ?? 20240601);
  let n = 0;
  for (let i = 0; i < k * k; i++) n += confusion[i]!;
  const nan: [number, number] = [NaN, NaN];
  if (n === 0 || resamples <= 0) return { accuracy: nan, cohenKappa: nan };
  // Only non-empty cells can be drawn.
  const cells: number[] = [];
  const weights: number[] = [];
  for (let i = 0; i < k * k; i++) {
    if (confusion[i]! > 0) {
      cells.push(i);
      weights.push(confusion[i]!);
    }
  }
  const draw = new Float64Array(cells.length);
  const table = new Float64Array(k * k);
  const acc = new Float64Array(resamples);
  const kap: number[] = [];
  for (let b = 0; b < resamples; b++) {
    multinomial(n, weights, rng, draw);
    table.fill(0);
    let hit = 0;
    for (let c = 0; c < cells.length; c++) {
      const cell = cells[c]!;
      table[cell] = draw[c]!;
      if (Math.floor(cell / k) === cell % k) hit += draw[c]!;
    }
    acc[b] = hit / n;
    const kappa = kappaFromTable(table, k);
    if (Number.isFinite(kappa)) kap.push(kappa);
  }
  acc.sort();
  const lo = (1 - level) / 2;
  const hi = 1 - lo;
  const kapSorted = Float64Array.from(kap).sort();
  return {
    accuracy: [quantileSorted(acc, lo), quantileSorted(acc, hi)],
    cohenKappa: kapSorted.length ? [quantileSorted(kapSorted, lo), quantileSorted(kapSorted, hi)] : nan,
  };
}

/** A labelling compared with a reference. */
export interface Comparison {
  n: number;
  accuracy: number;
  /** Accuracy over the comparisons where neither side is the tie category (equals `accuracy` without a tie class). */
  accuracyWithoutTies: number;
  cohenKappa: number;
  macroPrecision: number;
  macroRecall: number;
  macroF1: number;
  /** Category list indexing the matrix; rows = reference, columns = prediction. */
  classes: Category[];
  confusion: number[][];
  ci95: BootstrapCI;
}

/** Options shared by the comparison functions. */
export interface CompareOptions {
  /** Category that counts as a tie for `accuracyWithoutTies` (default 'tie'). */
  tie?: Category;
  /** Fixed class order for the matrix (default: the union of both labellings, numbers ascending). */
  classes?: readonly Category[];
  resamples?: number;
  seed?: number;
}

/**
 * Everything in `Comparison` from a k × k confusion matrix over `classes` (row = reference, column = prediction).
 * Accuracy without ties follows MT-Bench (Zheng et al. 2023, `compute_agreement.py`, "w/o tie"): every comparison
 * where either side is a tie is left out. Kappa: Cohen (1960). Macro scores: see `macroScores`.
 */
export function compareConfusion(
  confusion: ArrayLike<number>,
  classes: readonly Category[],
  options: CompareOptions = {},
): Comparison {
  const k = classes.length;
  const tie = classes.indexOf(options.tie ?? 'tie');
  let n = 0;
  for (let i = 0; i < k * k; i++) n += confusion[i]!;
  const macro = macroScores(confusion, k);
  const matrix: number[][] = [];
  for (let i = 0; i < k; i++) matrix.push(Array.from({ length: k }, (_, j) => confusion[i * k + j]!));
  return {
    n,
    accuracy: accuracyFromConfusion(confusion, k),
    accuracyWithoutTies: tie < 0 ? accuracyFromConfusion(confusion, k) : accuracyFromConfusion(confusion, k, tie),
    cohenKappa: kappaFromTable(confusion, k),
    macroPrecision: macro.precision,
    macroRecall: macro.recall,
    macroF1: macro.f1,
    classes: [...classes],
    confusion: matrix,
    ci95: bootstrapCI(confusion, k, { resamples: options.resamples, seed: options.seed }),
  };
}

/**
 * Compare predictions with reference labels position by position; positions where either is null/undefined are
 * left out. See `compareConfusion` for the definitions.
 */
export function compareLabels(
  reference: ReadonlyArray<Category | null | undefined>,
  predicted: ReadonlyArray<Category | null | undefined>,
  options: CompareOptions = {},
): Comparison {
  if (reference.length !== predicted.length) throw new Error('compareLabels: lengths differ');
  const classes = options.classes ? [...options.classes] : categoryList([...reference, ...predicted]);
  const index = new Map(classes.map((c, i) => [c, i]));
  const k = classes.length;
  const confusion = new Float64Array(k * k);
  for (let i = 0; i < reference.length; i++) {
    const a = reference[i];
    const b = predicted[i];
    if (a === null || a === undefined || b === null || b === undefined) continue;
    const r = index.get(a);
    const p = index.get(b);
    if (r === undefined || p === undefined) throw new Error('compareLabels: label outside classes');
    confusion[r * k + p]!++;
  }
  return compareConfusion(confusion, classes, options);
}
