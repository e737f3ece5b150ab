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
  // Every certainty, and those of the errors, each sorted by the typed arrays' native numeric sort and walked from
  // the top: "certainty ≥ t" is a suffix of both (a comparator sort of label indices took 10× as long).
  const all = new Float64Array(certainty.length);
  const wrong = new Float64Array(certainty.length);
  let calibrationItems = 0;
  let nWrong = 0;
  for (let i = 0; i < certainty.length; i++) {
    const c = certainty[i]!;
    if (Number.isNaN(c)) continue;
    all[calibrationItems++] = c;
    if (!correct[i]) wrong[nWrong++] = c;
  }
  const sorted = all.subarray(0, calibrationItems).sort();
  const sortedWrong = wrong.subarray(0, nWrong).sort();
  const steps: SelectiveStep[] = [];
  let best: SelectiveStep | null = null;
  let n = 0;
  let errors = 0;
  for (let k = calibrationItems - 1, w = nWrong - 1; k >= 0; ) {
    const t = sorted[k]!;
    // Take every label tied at t: "certainty ≥ t" includes them all.
    for (; k >= 0 && sorted[k] === t; k--) n++;
    for (; w >= 0 && sortedWrong[w]! >= t; w--) errors++;
    if (n < options.minItems) continue;
    const upperBound = clopperPearsonUpper(errors, n, options.delta);
    const step = { threshold: t, n, errors, upperBound, accepted: upperBound <= alpha };
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
