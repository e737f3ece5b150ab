/**
 * The report's certainty sections: how well the certainty annotators state matches how often they are right
 * (thresholds, reliability bins, ECE and Brier score; ../calibration.ts names the definitions), judged against the
 * item's gold label when it has one, else the human majority (for a human: the majority of the other humans).
 */
import { calibration, type Calibration } from '../calibration';
import { Plurality } from '../votes';
import type { Coded } from './coded';
import type { CertaintyJson } from './json';

/** Calibration of the labels at `indices` that carry a certainty, against `refOf(label)`; null when none does. */
export function certaintyFor(c: Coded, indices: ArrayLike<number>, refOf: (i: number) => number): CertaintyJson | null {
  const { certainty: certOf, code } = c.labels;
  const invalidAs = c.invalidAs;
  const cert = new Float32Array(indices.length).fill(NaN);
  const ok = new Uint8Array(indices.length);
  let any = false;
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t]!;
    const certainty = certOf[i]!;
    if (!Number.isFinite(certainty)) continue;
    const p = code[i]! >= 0 ? code[i]! : invalidAs; // effectiveCode, inlined
    if (p < 0) continue;
    const r = refOf(i);
    if (r < 0) continue;
    cert[t] = certainty;
    ok[t] = p === r ? 1 : 0;
    any = true;
  }
  if (!any) return null;
  return certaintyJson(calibration(cert, ok, c.certaintyScale));
}

/** The reference of label i: its item's gold, else the human majority. */
export const referenceOf = (c: Coded) => (i: number): number => c.reference[c.labels.item[i]!]!;

/**
 * The reference of a human's label i: its item's gold, else the plurality of the other humans there (-1 none or
 * tied). The vote counts are one scratch array per reference, cleared after each label, not a tally per label.
 */
export const humanReferenceOf = (c: Coded) => {
  const counts = new Float64Array(c.categories.length);
  const vote = new Plurality<number>();
  return (i: number): number => {
    const g = c.gold[c.labels.item[i]!]!;
    return g >= 0 ? g : othersMajority(c, i, counts, vote);
  };
};

/** The plurality of the other humans on label i's item (-1 none or tied); `counts` is all zeros, and left so. */
function othersMajority(c: Coded, i: number, counts: Float64Array, vote: Plurality<number>): number {
  const { start, rater, code } = c.hr;
  const u = c.labels.item[i]!;
  const me = c.labels.humanRater[i]!;
  const s = start[u]!;
  const e = start[u + 1]!;
  vote.reset();
  for (let j = s; j < e; j++) if (rater[j] !== me) vote.see(code[j]!, ++counts[code[j]!]!);
  for (let j = s; j < e; j++) counts[code[j]!] = 0;
  return vote.winner ?? -1;
}

function certaintyJson(c: Calibration): CertaintyJson {
  return {
    thresholds: c.thresholds.map((t) => ({ min: t.min, n: t.n, coverage: t.coverage, accuracy: t.accuracy })),
    bins: c.bins.map((b) => ({ min: b.min, max: b.max, n: b.n, confidence: b.confidence, accuracy: b.accuracy })),
    ece: c.ece,
    brier: c.brier,
  };
}
