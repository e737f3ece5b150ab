/**
 * A certified certainty threshold for one judge: the lowest certainty above which, with probability at least 1 − δ
 * over the calibration draw, the judge agrees with the humans at least `target` of the time. Labels below it are
 * escalated to humans. After Jung, Brahman & Choi (2025), "Trust or Escalate: LLM Judges with Provable Guarantees
 * for Human Agreement", ICLR 2025 (selective evaluation; the authors' code:
 * github.com/jaehunjung1/cascaded-selective-evaluation, `cascaded_evaluation/util.py`).
 */
import betaQuantile from '@stdlib/stats-base-dists-beta-quantile';

/**
 * One-sided Clopper–Pearson upper confidence bound for a binomial proportion (Clopper & Pearson 1934, Biometrika
 * 26(4)): the largest error rate r with P(Binomial(n, r) ≤ errors) ≥ δ, i.e. the 1 − δ quantile of
 * Beta(errors + 1, n − errors); 1 when every label is an error (or there are none). The authors' release solves
 * `binom.cdf(errors, n, r) = δ` for r with brentq, the same bound.
 */
export function clopperPearsonUpper(errors: number, n: number, delta: number): number {
  if (n <= 0 || errors >= n) return 1;
  return betaQuantile(1 - delta, errors + 1, n - errors);
}

/** One tested threshold: the labels at or above it, their errors and the bound on their error rate. */
export interface SelectiveStep {
  threshold: number;
  n: number;
  errors: number;
  upperBound: number;
  accepted: boolean;
}

/** The certified threshold and the path that found it. */
export interface SelectiveResult {
  /** Lowest accepted certainty; null when even the most certain `minItems` labels fail the bound. */
  threshold: number | null;
  /** Labels with a certainty (NaN certainties are not calibration items). */
  calibrationItems: number;
  /** Share of the calibration items at or above the threshold. */
  coverage: number | null;
  /** Observed agreement of the labels at or above the threshold. */
  agreement: number | null;
  /** Every tested threshold, high to low, up to and including the first that failed. */
  steps: SelectiveStep[];
}

/**
 * Fixed-sequence testing (Bauer 1991; Angelopoulos et al. 2021, "Learn then Test") of H(t): "the error rate of the
 * labels with certainty ≥ t exceeds α = 1 − target", from the highest certainty down, each at level δ by the
 * Clopper–Pearson bound, stopping at the first t not rejected. Every accepted t then has error ≤ α with
 * probability ≥ 1 − δ jointly, so the lowest one (the threshold) does: Jung et al.'s guarantee of human agreement.
 *
 * The candidates are the judge's distinct certainty values with at least `minItems` labels at or above them.
 * The release instead tests a fixed grid, `linspace(0, 1, 5000)` with ≥ 30 labels above each point: a grid
 * point selects the same labels as the lowest certainty value above it, so both test the same sets (the grid can
 * skip a value when two share a cell) and land on the same labels; where the first test fails the release
 * still returns its highest grid point, which certifies nothing, and this returns null.
 *
 * @param certainty the judge's certainty per label (any scale where higher means surer; NaN: none given)
 * @param correct 1 where the label agrees with the human reference, 0 where not
 */
export function certifiedThreshold(
  certainty: Float64Array,
  correct: Uint8Array,
  options: { target: number; delta: number; minItems: number },
): SelectiveResult {
  if (certainty.length !== correct.length) throw new Error('certifiedThreshold: lengths differ');
  const alpha = 1 - options.target;
  const { values, labels, wrong, calibrationItems } = tallyByCertainty(certainty, correct);
  const steps: SelectiveStep[] = [];
  let best: SelectiveStep | null = null;
  let n = 0;
  let errors = 0;
  // From the highest certainty down; "certainty ≥ t" takes every label tied at t.
  for (let k = 0; k < values.length; k++) {
    n += labels[k]!;
    errors += wrong[k]!;
    if (n < options.minItems) continue;
    const upperBound = clopperPearsonUpper(errors, n, options.delta);
    const step = { threshold: values[k]!, n, errors, upperBound, accepted: upperBound <= alpha };
    steps.push(step);
    if (!step.accepted) break;
    best = step;
  }
  return {
    threshold: best ? best.threshold : null,
    calibrationItems,
    coverage: best ? best.n / calibrationItems : null,
    agreement: best ? 1 - best.errors / best.n : null,
    steps,
  };
}

/** Distinct certainties past which {@link tallyByCertainty} stops hashing and sorts instead. */
const DISTINCT_LIMIT = 4096;

/**
 * The distinct certainties, highest first, with the labels and the errors at each; NaN certainties left out. A
 * judge states few distinct certainties (a 1–100 scale: 100), so they are counted in a Map and only those few are
 * sorted (10 ms for 380,000 labels, against 45 ms for the native sort of them all); with more than
 * {@link DISTINCT_LIMIT} distinct values, every certainty is sorted, and those of the errors apart.
 */
function tallyByCertainty(
  certainty: Float64Array,
  correct: Uint8Array,
): { values: Float64Array; labels: Float64Array; wrong: Float64Array; calibrationItems: number } {
  const index = new Map<number, number>();
  const seen: number[] = [];
  const labels: number[] = [];
  const wrong: number[] = [];
  let calibrationItems = 0;
  for (let i = 0; i < certainty.length; i++) {
    const c = certainty[i]!;
    if (Number.isNaN(c)) continue;
    let k = index.get(c);
    if (k === undefined) {
      if (seen.length === DISTINCT_LIMIT) return tallyBySorting(certainty, correct);
      index.set(c, (k = seen.length));
      seen.push(c);
      labels.push(0);
      wrong.push(0);
    }
    labels[k]!++;
    if (!correct[i]) wrong[k]!++;
    calibrationItems++;
  }
  const values = Float64Array.from(seen).sort().reverse();
  return {
    values,
    labels: values.map((v) => labels[index.get(v)!]!),
    wrong: values.map((v) => wrong[index.get(v)!]!),
    calibrationItems,
  };
}

/** {@link tallyByCertainty} by the typed arrays' native numeric sort of every certainty and of the errors'. */
function tallyBySorting(certainty: Float64Array, correct: Uint8Array): ReturnType<typeof tallyByCertainty> {
  const all = new Float64Array(certainty.length);
  const errs = new Float64Array(certainty.length);
  let m = 0;
  let e = 0;
  for (let i = 0; i < certainty.length; i++) {
    const c = certainty[i]!;
    if (Number.isNaN(c)) continue;
    all[m++] = c;
    if (!correct[i]) errs[e++] = c;
  }
  const sorted = all.subarray(0, m).sort();
  const sortedWrong = errs.subarray(0, e).sort();
  const values: number[] = [];
  const labels: number[] = [];
  const wrong: number[] = [];
  for (let k = m - 1, w = e - 1; k >= 0; ) {
    const t = sorted[k]!;
    let n = 0;
    let errors = 0;
    for (; k >= 0 && sorted[k] === t; k--) n++;
    for (; w >= 0 && sortedWrong[w]! >= t; w--) errors++;
    values.push(t);
    labels.push(n);
    wrong.push(errors);
  }
  return { values: Float64Array.from(values), labels: Float64Array.from(labels), wrong: Float64Array.from(wrong), calibrationItems: m };
}
