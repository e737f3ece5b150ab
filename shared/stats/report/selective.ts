/**
 * The report's `judges[].selective`: the certainty above which the judge's agreement with the reference is
 * certified (Jung, Brahman & Choi 2025; ../selective.ts), from the judge's labels that state a certainty on items
 * with a reference (gold, else the human majority).
 */
import { REPORT_TEST_DEFAULTS } from '../../constants';
import { certifiedThreshold } from '../selective';
import type { Coded } from './coded';
import { num, type SelectiveJson } from './json';

/**
 * The certified threshold of judge labels `mine`: each label with a certainty (its certainty column, on the
 * project's scale) and a reference on its item is one calibration point, right when its effective code equals the
 * reference. An invalid output is left out as in the certainty section (or, under the `tie` policy, is a tie).
 * Null when no label qualifies. Target, δ and least labels from the options, defaults {@link REPORT_TEST_DEFAULTS}.
 */
export function selectiveFor(c: Coded, mine: Int32Array): SelectiveJson | null {
  const { certainty: certOf, code, item } = c.labels;
  const { reference, invalidAs } = c;
  const cert = new Float64Array(mine.length);
  const correct = new Uint8Array(mine.length);
  let n = 0;
  for (let t = 0; t < mine.length; t++) {
    const i = mine[t]!;
    const certainty = certOf[i]!;
    if (!Number.isFinite(certainty)) continue;
    const p = code[i]! >= 0 ? code[i]! : invalidAs; // effectiveCode, inlined
    const r = reference[item[i]!]!;
    if (p < 0 || r < 0) continue;
    cert[n] = certainty;
    correct[n++] = p === r ? 1 : 0;
  }
  if (n === 0) return null;
  const target = c.options.target ?? REPORT_TEST_DEFAULTS.target;
  const delta = c.options.delta ?? REPORT_TEST_DEFAULTS.delta;
  const minItems = c.options.minItems ?? REPORT_TEST_DEFAULTS.minItems;
  const fit = certifiedThreshold(cert.subarray(0, n), correct.subarray(0, n), { target, delta, minItems });
  return {
    target,
    delta,
    min_items: minItems,
    threshold: fit.threshold,
    calibration_items: fit.calibrationItems,
    coverage: fit.coverage === null ? null : num(fit.coverage),
    agreement: fit.agreement === null ? null : num(fit.agreement),
    steps: fit.steps.map((s) => ({ threshold: s.threshold, n: s.n, errors: s.errors, upper_bound: s.upperBound, accepted: s.accepted })),
  };
}
