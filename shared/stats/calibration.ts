/**
 * Is an annotator that says it is certain right more often? Accuracy by certainty, expected calibration error and
 * Brier score, with certainty on the project's scale mapped linearly onto [0, 1].
 */

/** A certainty scale, inclusive. */
export interface Scale {
  min: number;
  max: number;
}

/** Accuracy of the labels with certainty ≥ `min`. */
export interface ThresholdRow {
  min: number;
  n: number;
  /** n over all labels with a certainty: one point of the coverage–accuracy curve. */
  coverage: number;
  accuracy: number | null;
}

/** Accuracy of the labels with certainty in [min, max] (upper end exclusive except for the last bin). */
export interface BinRow {
  min: number;
  max: number;
  n: number;
  /** Mean certainty of the bin, mapped onto [0, 1]. */
  confidence: number | null;
  accuracy: number | null;
}

/** Calibration of one annotator's certainties. */
export interface Calibration {
  n: number;
  thresholds: ThresholdRow[];
  bins: BinRow[];
  ece: number | null;
  brier: number | null;
}

/**
 * Threshold levels for a scale: every integer level when the scale has at most 21 levels (1–5, 1–10, 0–20);
 * otherwise the minimum and every multiple of 10 above it (1, 10, 20, …, 100 on the default 1–100 scale). A
 * scale narrower than 5 (e.g. probabilities 0–1) gets ten equal steps from its minimum instead.
 */
export function certaintyLevels(scale: Scale): number[] {
  const { min, max } = scale;
  if (max - min < 4) {
    const step = (max - min) / 10;
    // Rounded to 12 digits so 0.1 + 0.2 style drift does not leave a threshold just above a certainty it should include.
    return Array.from({ length: 10 }, (_, i) => Math.round((min + i * step) * 1e12) / 1e12);
  }
  if (max - min + 1 <= 21) {
    const out: number[] = [];
    for (let t = Math.ceil(min); t <= max; t++) out.push(t);
    return out.length ? out : [min];
  }
  const out = [min];
  for (let t = Math.floor(min / 10) * 10 + 10; t <= max; t += 10) out.push(t);
  return out;
}

/**
 * Certainty calibration:
 * - thresholds: for each level t of `certaintyLevels`, n and accuracy of the labels with certainty ≥ t, with
 *   coverage n/N: the accuracy–coverage analysis of "Can LLM be a Personalized Judge?" (Dong et al. 2024) and
 *   the selective-prediction curve of El-Yaniv & Wiener (2010);
 * - bins: one per level on a short scale, otherwise [t_i, t_{i+1}) between consecutive thresholds with the top
 *   bin closed at the scale maximum;
 * - ECE: Σ_b (n_b/N)·|accuracy_b − confidence_b| over those bins (Naeini, Cooper & Hauskrecht 2015; Guo et al.
 *   2017), confidence = (certainty − min)/(max − min);
 * - Brier score: mean of (confidence − correct)² (Brier 1950).
 * Entries with a non-finite certainty are skipped. `correct` is 1/true for a right label.
 */
export function calibration(
  certainty: ArrayLike<number>,
  correct: ArrayLike<number | boolean>,
  scale: Scale,
): Calibration {
  if (certainty.length !== correct.length) throw new Error('calibration: lengths differ');
  const span = scale.max - scale.min;
  const conf = (c: number): number => (span > 0 ? Math.min(1, Math.max(0, (c - scale.min) / span)) : 1);
  const levels = certaintyLevels(scale);
  // One bin per level on a short integer scale; otherwise bins run between consecutive thresholds.
  const short = span >= 4 && span + 1 <= 21;
  const starts = short || levels.length < 2 || levels[levels.length - 1] !== scale.max ? levels : levels.slice(0, -1);
  const t = levels.length;
  const b = starts.length;
  const atLeast = new Float64Array(t);
  const hitAtLeast = new Float64Array(t);
  const binN = new Float64Array(b);
  const binHit = new Float64Array(b);
  const binConf = new Float64Array(b);
  let n = 0;
  let brier = 0;
  for (let i = 0; i < certainty.length; i++) {
    const c = certainty[i]!;
    if (!Number.isFinite(c)) continue;
    const ok = correct[i] === true || correct[i] === 1 ? 1 : 0;
    const p = conf(c);
    n++;
    brier += (p - ok) * (p - ok);
    for (let j = 0; j < t && c >= levels[j]!; j++) {
      atLeast[j]!++;
      hitAtLeast[j]! += ok;
    }
    let bin = 0;
    while (bin + 1 < b && c >= starts[bin + 1]!) bin++;
    binN[bin]!++;
    binHit[bin]! += ok;
    binConf[bin]! += p;
  }
  const thresholds: ThresholdRow[] = levels.map((min, j) => ({
    min,
    n: atLeast[j]!,
    coverage: n ? atLeast[j]! / n : 0,
    accuracy: atLeast[j]! ? hitAtLeast[j]! / atLeast[j]! : null,
  }));
  let ece = 0;
  const bins: BinRow[] = starts.map((min, j) => {
    const m = binN[j]!;
    if (m) ece += (m / n) * Math.abs(binHit[j]! / m - binConf[j]! / m);
    const upper = j + 1 < b ? starts[j + 1]! : scale.max;
    return {
      min,
      max: short ? min : upper,
      n: m,
      confidence: m ? binConf[j]! / m : null,
      accuracy: m ? binHit[j]! / m : null,
    };
  });
  return { n, thresholds, bins, ece: n ? ece : null, brier: n ? brier / n : null };
}
