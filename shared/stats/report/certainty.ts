/**
 * The report's certainty sections: how well the certainty annotators state matches how often they are right
 * (thresholds, reliability bins, ECE and Brier score; ../calibration.ts names the definitions), judged against the
 * item's gold label when it has one, else the human majority (for a human: the majority of the other humans).
 */
import { calibration, type Calibration } from '../calibration';
import { tally } from '../votes';
import { effectiveCode, type Coded } from './coded';
import type { CertaintyJson } from './json';

/** Calibration of the labels at `indices` that carry a certainty, against `refOf(label)`; null when none does. */
export function certaintyFor(c: Coded, indices: ArrayLike<number>, refOf: (i: number) => number): CertaintyJson | null {
  const certOf = c.labels.certainty;
  const cert = new Float32Array(indices.length).fill(NaN);
  const ok = new Uint8Array(indices.length);
  let any = false;
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t]!;
    const certainty = certOf[i]!;
    if (!Number.isFinite(certainty)) continue;
    const p = effectiveCode(c, i);
    const r = refOf(i);
    if (p < 0 || r < 0) continue;
    cert[t] = certainty;
    ok[t] = p === r ? 1 : 0;
    any = true;
  }
  if (!any) return null;
  return certaintyJson(calibration(cert, ok, c.certaintyScale));
}

/** The reference of label i: its item's gold, else the human majority. */
export const referenceOf = (c: Coded) => (i: number): number => c.reference[c.labels.item[i]!]!;

/** The reference of a human's label i: its item's gold, else the plurality of the other humans there (-1 none or tied). */
export const humanReferenceOf = (c: Coded) => (i: number): number => {
  const g = c.gold[c.labels.item[i]!]!;
  return g >= 0 ? g : othersMajority(c, i);
};

/** The plurality of the other humans on label i's item (-1 none or tied). */
function othersMajority(c: Coded, i: number): number {
  const { hr } = c;
  const u = c.labels.item[i]!;
  const me = c.labels.humanRater[i]!;
  const others: number[] = [];
  for (let j = hr.start[u]!; j < hr.start[u + 1]!; j++) if (hr.rater[j] !== me) others.push(hr.code[j]!);
  return tally(others).winner ?? -1;
}

function certaintyJson(c: Calibration): CertaintyJson {
  return {
    thresholds: c.thresholds.map((t) => ({ min: t.min, n: t.n, coverage: t.coverage, accuracy: t.accuracy })),
    bins: c.bins.map((b) => ({ min: b.min, max: b.max, n: b.n, confidence: b.confidence, accuracy: b.accuracy })),
    ece: c.ece,
    brier: c.brier,
  };
}
