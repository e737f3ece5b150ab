/**
 * The one shape every multi-rater statistic reads: units (items) each holding the values that raters gave it,
 * integer-coded and stored contiguously (compressed sparse rows), so a pass over a million labels is a loop over
 * typed arrays. Missing values are simply absent; a rater that rated a unit twice keeps only its first value.
 */

/** A category as annotators give it: a verdict or option (string) or a rating (number). */
export type Category = string | number;

/** Integer-coded reliability data, one row of values per unit. */
export interface Ratings {
  /** Category of each code. When every category is a number they are ascending, so codes are ordered. */
  readonly categories: readonly Category[];
  readonly units: number;
  readonly raters: number;
  /** Values of unit u are at positions start[u] … start[u+1]-1. Length units + 1. */
  readonly start: Int32Array;
  readonly rater: Int32Array;
  readonly code: Int32Array;
}

/**
 * The category list for a set of values: the given domain first (in its order), then unseen values in the order
 * met; when every category is a number the list is sorted ascending, so that ordinal and interval statistics can
 * use code order.
 */
export function categoryList(values: Iterable<Category | null | undefined>, domain: readonly Category[] = []): Category[] {
  const seen = new Set<Category>(domain);
  const out: Category[] = [...domain];
  for (const v of values) {
    if (v === null || v === undefined || seen.has(v)) continue;
    seen.add(v);
    out.push(v);
  }
  if (out.every((c) => typeof c === 'number')) (out as number[]).sort((a, b) => a - b);
  return out;
}

/**
 * Ratings from flat, already coded arrays (one entry per label). Entries with a negative code are ignored; of
 * several entries for the same (unit, rater), only the first is kept. O(labels): a counting sort by unit.
 */
export function ratingsFromCoded(
  categories: readonly Category[],
  units: number,
  raters: number,
  unitOf: ArrayLike<number>,
  raterOf: ArrayLike<number>,
  codeOf: ArrayLike<number>,
): Ratings {
  const n = unitOf.length;
  const start = new Int32Array(units + 1);
  for (let i = 0; i < n; i++) if (codeOf[i]! >= 0) start[unitOf[i]! + 1]!++;
  for (let u = 0; u < units; u++) start[u + 1]! += start[u]!;
  const fill = start.slice(0, units);
  const rater = new Int32Array(start[units]!);
  const code = new Int32Array(start[units]!);
  for (let i = 0; i < n; i++) {
    const c = codeOf[i]!;
    if (c < 0) continue;
    const u = unitOf[i]!;
    const r = raterOf[i]!;
    let dup = false;
    for (let j = start[u]!; j < fill[u]!; j++) {
      if (rater[j] === r) {
        dup = true;
        break;
      }
    }
    if (dup) continue;
    const at = fill[u]!++;
    rater[at] = r;
    code[at] = c;
  }
  // Compact away the slots that duplicates left empty.
  let w = 0;
  const compactStart = new Int32Array(units + 1);
  for (let u = 0; u < units; u++) {
    compactStart[u] = w;
    for (let j = start[u]!; j < fill[u]!; j++) {
      rater[w] = rater[j]!;
      code[w] = code[j]!;
      w++;
    }
  }
  compactStart[units] = w;
  return { categories, units, raters, start: compactStart, rater: rater.subarray(0, w), code: code.subarray(0, w) };
}

/** How a matrix of reliability data is laid out. */
export type Layout = 'raters-by-units' | 'units-by-raters';

/**
 * Ratings from a matrix with `null`/`undefined`/`NaN` for missing values. The default layout is Krippendorff's
 * canonical one (a row per observer, a column per unit); `units-by-raters` is the layout of R's irr and irrCAC.
 */
export function ratingsFromMatrix(
  matrix: ReadonlyArray<ReadonlyArray<Category | null | undefined>>,
  options: { layout?: Layout; categories?: readonly Category[] } = {},
): Ratings {
  const byUnits = options.layout === 'units-by-raters';
  const rows = matrix.length;
  const cols = Math.max(0, ...matrix.map((r) => r.length));
  const units = byUnits ? rows : cols;
  const raters = byUnits ? cols : rows;
  const present = (v: Category | null | undefined): v is Category =>
    v !== null && v !== undefined && !(typeof v === 'number' && Number.isNaN(v));
  const cats = categoryList(matrix.flat().filter(present), options.categories);
  const index = new Map(cats.map((c, i) => [c, i]));
  const unitOf: number[] = [];
  const raterOf: number[] = [];
  const codeOf: number[] = [];
  for (let i = 0; i < rows; i++) {
    const row = matrix[i]!;
    for (let j = 0; j < row.length; j++) {
      const v = row[j];
      if (!present(v)) continue;
      unitOf.push(byUnits ? i : j);
      raterOf.push(byUnits ? j : i);
      codeOf.push(index.get(v)!);
    }
  }
  return ratingsFromCoded(cats, units, raters, unitOf, raterOf, codeOf);
}

/**
 * Ratings from a subjects × categories table of counts (the layout of Fleiss 1971 and of Wikipedia's worked
 * example). Rater identities are not known in this layout, so statistics that need them (Cohen's kappa per pair,
 * leave-one-out agreement) are meaningless on the result; Fleiss' kappa, Krippendorff's alpha and Gwet's AC1 are not.
 */
export function ratingsFromCounts(counts: ReadonlyArray<ReadonlyArray<number>>, categories?: readonly Category[]): Ratings {
  const k = Math.max(0, ...counts.map((r) => r.length));
  const cats = categories ? [...categories] : Array.from({ length: k }, (_, i) => i);
  const unitOf: number[] = [];
  const raterOf: number[] = [];
  const codeOf: number[] = [];
  let maxRaters = 0;
  counts.forEach((row, u) => {
    let r = 0;
    row.forEach((n, c) => {
      for (let t = 0; t < n; t++) {
        unitOf.push(u);
        raterOf.push(r++);
        codeOf.push(c);
      }
    });
    maxRaters = Math.max(maxRaters, r);
  });
  return ratingsFromCoded(cats, counts.length, maxRaters, unitOf, raterOf, codeOf);
}
