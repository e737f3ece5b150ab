/**
 * Correlation and error between two numeric ratings of the same items.
 */

type Nums = ArrayLike<number>;

function sameLength(x: Nums, y: Nums, what: string): void {
  if (x.length !== y.length) throw new Error(`${what}: x and y differ in length`);
}

/**
 * Pearson's product-moment correlation (Pearson 1895), by the two-pass formula; reference implementation
 * `scipy.stats.pearsonr`. NaN when either side is constant or there are fewer than two points.
 */
export function pearson(x: Nums, y: Nums): number {
  sameLength(x, y, 'pearson');
  const n = x.length;
  if (n < 2) return NaN;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i]!;
    my += y[i]!;
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i]! - mx;
    const dy = y[i]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx === 0 || syy === 0) return NaN;
  return Math.max(-1, Math.min(1, sxy / Math.sqrt(sxx * syy)));
}

/** Indices 0…n-1 sorted by x ascending, ties broken by y ascending when y is given (a stable lexsort). */
function lexsort(x: Nums, y?: Nums): Uint32Array {
  const idx = new Uint32Array(x.length);
  for (let i = 0; i < idx.length; i++) idx[i] = i;
  return idx.sort(y ? (a, b) => x[a]! - x[b]! || y[a]! - y[b]! || a - b : (a, b) => x[a]! - x[b]! || a - b);
}

/**
 * Ranks 1…n with tied values given the mean of the ranks they span (`scipy.stats.rankdata(method='average')`).
 */
export function averageRanks(x: Nums): Float64Array {
  const n = x.length;
  const idx = lexsort(x);
  const ranks = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && x[idx[j]!] === x[idx[i]!]) j++;
    const r = (i + 1 + j) / 2;
    for (let t = i; t < j; t++) ranks[idx[t]!] = r;
    i = j;
  }
  return ranks;
}

/**
 * Spearman's rank correlation (Spearman 1904): Pearson's r on average ranks, so ties are handled as in
 * `scipy.stats.spearmanr`. NaN when either side is constant.
 */
export function spearman(x: Nums, y: Nums): number {
  sameLength(x, y, 'spearman');
  return pearson(averageRanks(x), averageRanks(y));
}

/**
 * Kendall's tau-b (Kendall 1945, "The treatment of ties in ranking problems"), in O(n log n) by Knight's algorithm
 * (Knight 1966, JASA 61(314)): sort by (x, y), count discordant pairs as the inversions a merge sort of y removes,
 * and correct for ties exactly as `scipy.stats.kendalltau` (variant 'b') does:
 * τ_b = (P − Q) / √((P + Q + T)(P + Q + U)). NaN when either side is constant or n < 2.
 */
export function kendallTauB(x: Nums, y: Nums): number {
  sameLength(x, y, 'kendallTauB');
  const n = x.length;
  if (n < 2) return NaN;
  const idx = lexsort(x, y);
  let ys = new Float64Array(n);
  for (let i = 0; i < n; i++) ys[i] = y[idx[i]!]!;
  // Ties in x, and joint ties in (x, y), from runs in the (x, y) order.
  let xtie = 0;
  let ntie = 0;
  let i = 0;
  while (i < n) {
    let j = i + 1;
    while (j < n && x[idx[j]!] === x[idx[i]!]) j++;
    const t = j - i;
    xtie += (t * (t - 1)) / 2;
    ntie += tiedPairs(ys, i, j);
    i = j;
  }
  // Bottom-up merge sort of y, counting strict inversions (discordant pairs).
  let buf = new Float64Array(n);
  let dis = 0;
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let a = lo;
      let b = mid;
      let k = lo;
      while (a < mid && b < hi) {
        if (ys[b]! < ys[a]!) {
          buf[k++] = ys[b++]!;
          dis += mid - a;
        } else {
          buf[k++] = ys[a++]!;
        }
      }
      while (a < mid) buf[k++] = ys[a++]!;
      while (b < hi) buf[k++] = ys[b++]!;
    }
    [ys, buf] = [buf, ys];
  }
  const ytie = tiedPairs(ys, 0, n);
  const tot = (n * (n - 1)) / 2;
  if (xtie === tot || ytie === tot) return NaN;
  const conMinusDis = tot - xtie - ytie + ntie - 2 * dis;
  return Math.max(-1, Math.min(1, conMinusDis / Math.sqrt((tot - xtie) * (tot - ytie))));
}

/** Pairs of equal values in sorted[from … to − 1] (sorted, so equal values form runs): Σ t(t − 1)/2 over runs of t. */
function tiedPairs(sorted: Float64Array, from: number, to: number): number {
  let pairs = 0;
  let a = from;
  while (a < to) {
    let b = a + 1;
    while (b < to && sorted[b] === sorted[a]) b++;
    pairs += ((b - a) * (b - a - 1)) / 2;
    a = b;
  }
  return pairs;
}

/** Mean absolute error, mean of |x − y|. NaN for no points. */
export function meanAbsoluteError(x: Nums, y: Nums): number {
  sameLength(x, y, 'meanAbsoluteError');
  if (x.length === 0) return NaN;
  let s = 0;
  for (let i = 0; i < x.length; i++) s += Math.abs(x[i]! - y[i]!);
  return s / x.length;
}

/** Share of points where |x − y| ≤ tolerance: exact agreement with 0, "within one point" with 1. NaN for none. */
export function agreementWithin(x: Nums, y: Nums, tolerance = 0): number {
  sameLength(x, y, 'agreementWithin');
  if (x.length === 0) return NaN;
  let hit = 0;
  // A hair of slack so that 7.0 vs 6.0 counts as within one despite floating point.
  for (let i = 0; i < x.length; i++) if (Math.abs(x[i]! - y[i]!) <= tolerance + 1e-9) hit++;
  return hit / x.length;
}
