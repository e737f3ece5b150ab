/**
 * The report's length bias (pairwise projects): how often decisive labels prefer the longer answer, on pairs whose
 * lengths (in code points, as Python's len) differ by more than the threshold; alpaca_eval's definition, on
 * `lengthBiasOf`.
 */
import { lengthBiasCounts } from '../pairwise';
import type { Coded } from './coded';
import { num, type LengthBiasJson } from './json';

/** Length bias of the labels at `indices` (null outside pairwise projects, or when answer lengths are unknown). */
export function lengthBiasFor(c: Coded, indices: ArrayLike<number>): LengthBiasJson | null {
  const counts = lengthBiasCountsFor(c, indices);
  return counts && lengthBiasJson(counts);
}

/** The counts behind {@link lengthBiasFor} (../pairwise.ts `lengthBiasCounts`): they add up over disjoint sets of labels. */
export function lengthBiasCountsFor(c: Coded, indices: ArrayLike<number>): { n: number; longer: number } | null {
  const { lenA, lenB } = c;
  if (!lenA || !lenB) return null;
  const { item, code } = c.labels;
  const la = new Float32Array(indices.length);
  const lb = new Float32Array(indices.length);
  const ch = new Float32Array(indices.length);
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t]!;
    la[t] = lenA[item[i]!]!;
    lb[t] = lenB[item[i]!]!;
    ch[t] = choiceOf(c, code[i]!);
  }
  return lengthBiasCounts(la, lb, ch, c.options.lengthThreshold ?? 30);
}

/** The length bias of labels with these counts, as lengthBiasOf gives it. */
export const lengthBiasJson = ({ n, longer }: { n: number; longer: number }): LengthBiasJson => ({ n, prefer_longer: num(n ? longer / n : NaN) });

/** A verdict as length bias reads it: 1 for A, -1 for B, 0 for a tie, NaN for none. */
function choiceOf(c: Coded, code: number): number {
  return code === c.aCode ? 1 : code === c.bCode ? -1 : code === c.tieCode ? 0 : NaN;
}
