/**
 * Cohen's kappa for two raters, unweighted and weighted, from a contingency table or from two label vectors.
 */
import { categoryList, type Category } from './ratings';

/** Disagreement weights for ordered categories. */
export type KappaWeights = 'linear' | 'quadratic';

/**
 * Cohen's kappa from a k × k contingency table (row = first rater, column = second), flattened row-major.
 * Unweighted: Cohen (1960), κ = (p_o − p_e)/(1 − p_e). Weighted: Cohen (1968), κ_w = 1 − Σ w·O / Σ w·E with
 * disagreement weights on the ranks i, j of the categories the two raters used, |i−j| (linear) or (i−j)²
 * (quadratic), the convention of
 * scikit-learn's `cohen_kappa_score(weights=…)` and of R irr's `kappa2(…, "equal" | "squared")`.
 * Returns NaN when the chance term leaves nothing to correct (e.g. both raters always used one category): the
 * ratio is 0/0 there, and scikit-learn and irr give NaN too.
 */
export function kappaFromTable(table: ArrayLike<number>, k: number, weights?: KappaWeights): number {
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  let n = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      const v = table[i * k + j]!;
      rows[i]! += v;
      cols[j]! += v;
      n += v;
    }
  }
  if (n === 0) return NaN;
  if (!weights) {
    let po = 0;
    let pe = 0;
    for (let i = 0; i < k; i++) {
      po += table[i * k + i]!;
      pe += rows[i]! * cols[i]!;
    }
    po /= n;
    pe /= n * n;
    return 1 - pe === 0 ? NaN : (po - pe) / (1 - pe);
  }
  // Weights count steps between the categories either rater used, in order (R irr's kappa2 and scikit-learn's
  // cohen_kappa_score build their levels from the ratings), so an unused scale point does not widen a distance.
  const rank = new Int32Array(k);
  for (let i = 0, r = 0; i < k; i++) {
    rank[i] = r;
    if (rows[i]! + cols[i]! > 0) r++;
  }
  let observed = 0;
  let expected = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      if (i === j) continue;
      const d = Math.abs(rank[i]! - rank[j]!);
      const w = weights === 'linear' ? d : d * d;
      observed += w * table[i * k + j]!;
      expected += (w * rows[i]! * cols[j]!) / n;
    }
  }
  return expected === 0 ? NaN : 1 - observed / expected;
}

/** Share of the table on its diagonal: raw agreement between the two raters. NaN for an empty table. */
export function agreementFromTable(table: ArrayLike<number>, k: number): number {
  let n = 0;
  let d = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) n += table[i * k + j]!;
    d += table[i * k + i]!;
  }
  return n === 0 ? NaN : d / n;
}

/**
 * Cohen's kappa between two raters given as parallel label vectors; positions where either is null/undefined are
 * left out. `levels` fixes the ordered category list that weights are computed on (default: the sorted union of
 * the labels both raters used, as irr and scikit-learn do; pass the full scale to weigh by scale distance).
 * Source: Cohen (1960) and Cohen (1968); reference implementation scikit-learn `cohen_kappa_score`.
 */
export function cohenKappa(
  a: ReadonlyArray<Category | null | undefined>,
  b: ReadonlyArray<Category | null | undefined>,
  options: { weights?: KappaWeights; levels?: readonly Category[] } = {},
): number {
  if (a.length !== b.length) throw new Error('cohenKappa: the two raters must label the same items');
  const both: [Category, Category][] = [];
  for (let i = 0; i < a.length; i++) {
    const x = a[i];
    const y = b[i];
    if (x !== null && x !== undefined && y !== null && y !== undefined) both.push([x, y]);
  }
  const levels = options.levels ?? categoryList(both.flat());
  if (options.weights && !levels.every((l) => typeof l === 'number') && !options.levels) {
    throw new Error('cohenKappa: weighted kappa on strings needs an explicit ordered `levels` list');
  }
  const index = new Map(levels.map((l, i) => [l, i]));
  const k = levels.length;
  const table = new Float64Array(k * k);
  for (const [x, y] of both) {
    const i = index.get(x);
    const j = index.get(y);
    if (i === undefined || j === undefined) throw new Error(`cohenKappa: label outside levels: ${String(i === undefined ? x : y)}`);
    table[i * k + j]!++;
  }
  return kappaFromTable(table, k, options.weights);
}
