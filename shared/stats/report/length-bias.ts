/**
 * The report's length bias (pairwise projects): how often decisive labels prefer the longer answer, on pairs whose
 * lengths (in code points, as Python's len) differ by more than the threshold; alpaca_eval's definition, on
 * `lengthBiasOf`.
 */
import type { Coded } from './coded';
import { num, type LengthBiasJson } from './json';

/** Length bias of the labels at `indices` (null outside pairwise projects, or when answer lengths are unknown). */
export function lengthBiasFor(c: Coded, indices: ArrayLike<number>): LengthBiasJson | null {
  const counts = lengthBiasCountsFor(c, indices);
  return counts && lengthBiasJson(counts);
}

/**
 * The counts behind {@link lengthBiasFor} (../pairwise.ts `lengthBiasCounts`): they add up over disjoint sets of
 * labels. One pass, no arrays: each length read as a 32-bit float (`Math.fround`, as it was when the lengths were
 * copied into Float32Array columns for lengthBiasOf) and each verdict as its choice, so the counts are the same.
 */
export function lengthBiasCountsFor(c: Coded, indices: ArrayLike<number>): { n: number; longer: number } | null {
  const { lenA, lenB, aCode, bCode } = c;
  if (!lenA || !lenB) return null;
  const { item, code } = c.labels;
  const threshold = c.options.lengthThreshold ?? 30;
  let n = 0;
  let longer = 0;
  for (let t = 0; t < indices.length; t++) {
    const i = indices[t]!;
    const k = code[i]!;
    // lengthBiasCounts counts only A (+1) and B (−1); a tie (0) or an invalid output (NaN) is left out.
    if (k !== aCode && k !== bCode) continue;
    const u = item[i]!;
    const a = Math.fround(lenA[u]!);
    const b = Math.fround(lenB[u]!);
    if (!(Math.abs(a - b) > threshold)) continue;
    n++;
    if ((k === aCode) === a > b) longer++;
  }
  return { n, longer };
}

/** The length bias of labels with these counts, as lengthBiasOf gives it. */
export const lengthBiasJson = ({ n, longer }: { n: number; longer: number }): LengthBiasJson => ({ n, prefer_longer: num(n ? longer / n : NaN) });
