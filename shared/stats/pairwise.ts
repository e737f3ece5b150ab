/**
 * Statistics specific to pairwise verdicts: position bias under swapping, swap aggregation, and length bias.
 * Verdicts are canonical: 'A' always names answer_a, whatever order the answers were shown in.
 */

/** A canonical pairwise verdict. */
export type Verdict = 'A' | 'B' | 'tie';

/** Display order of a pairwise task: AB shows answer_a first. */
export type Order = 'AB' | 'BA';

/** How to read an unparseable judge output (null): leave the unit out, or count it as a tie (PandaLM). */
export type InvalidPolicy = 'exclude' | 'tie';

/** +1 for A, −1 for B, 0 for a tie. */
function score(v: Verdict): number {
  return v === 'A' ? 1 : v === 'B' ? -1 : 0;
}

/**
 * The verdict of one item judged in both orders (canonical verdicts of the AB and the BA run):
 * - `net`: JudgeBench (Tan et al. 2024, "JudgeBench", swap aggregation): +1 to an answer for each order that
 *   prefers it; the sign of the sum decides, zero is a tie, so one vote and one tie count as that vote.
 * - `strict`: MT-Bench (Zheng et al. 2023, §3.4 "conservative approach"): a verdict that changes with the order
 *   becomes a tie.
 */
export function aggregateSwap(ab: Verdict, ba: Verdict, rule: 'net' | 'strict'): Verdict {
  return aggregateVerdicts([ab, ba], rule);
}

/**
 * One verdict from any number of runs of one judge on one item (both orders, several samples), by the rules of
 * {@link aggregateSwap}, which is this rule on two runs: `net` sums +1 for A and −1 for B over the runs and takes
 * the sign (zero is a tie); `strict` keeps a verdict only when every run gave it, else a tie. No runs: a tie.
 */
export function aggregateVerdicts(verdicts: readonly Verdict[], rule: 'net' | 'strict'): Verdict {
  if (rule === 'strict') return verdicts.length > 0 && verdicts.every((v) => v === verdicts[0]) ? verdicts[0]! : 'tie';
  let s = 0;
  for (const v of verdicts) s += score(v);
  return s > 0 ? 'A' : s < 0 ? 'B' : 'tie';
}

/** An item judged in both orders: the canonical verdict of each run, null when the output was unparseable. */
export interface SwapPair {
  ab: Verdict | null;
  ba: Verdict | null;
}

/** Position bias of one judge over the items it judged in both orders. */
export interface PositionBias {
  /** Pairs counted (after the invalid policy). */
  items: number;
  /** Share of pairs whose two canonical verdicts agree (MT-Bench Table 2 "Consistency"). */
  consistency: number;
  /**
   * Share of the non-tie verdicts (both runs of every counted pair) that chose the answer shown first:
   * 0.5 is no position preference, 1 is always-first. Our definition, a label-level rate; see `biasedTowardFirst`
   * for MT-Bench's item-level one.
   */
  firstPositionRate: number;
  /** MT-Bench Table 2 "Biased toward first": share of pairs where both runs chose the answer shown first. */
  biasedTowardFirst: number;
  /** MT-Bench Table 2 "Biased toward second": share of pairs where both runs chose the answer shown second. */
  biasedTowardSecond: number;
}

/**
 * Consistency and first-position preference (Zheng et al. 2023, "Judging LLM-as-a-Judge with MT-Bench and
 * Chatbot Arena", §3.3 and Table 2; Wang et al. 2023, "Large Language Models are not Fair Evaluators").
 * In the AB run the answer shown first is canonical A; in the BA run it is canonical B. Invalid outputs are left
 * out (the pair is dropped) or read as ties, per `invalid`.
 */
export function positionBias(pairs: readonly SwapPair[], invalid: InvalidPolicy = 'exclude'): PositionBias {
  const tally = new Float64Array(16);
  for (const p of pairs) tally[swapCell(p.ab, p.ba)]!++;
  return positionBiasOfTally(tally, invalid);
}

/** A verdict's index in a swap tally (see {@link swapCell}); 3 is an invalid output. */
export const SWAP_VERDICTS: readonly (Verdict | null)[] = ['A', 'B', 'tie', null];
const swapIndex = (v: Verdict | null): number => (v === 'A' ? 0 : v === 'B' ? 1 : v === 'tie' ? 2 : 3);

/** A pair's cell in a 16-cell tally of pairs by their AB and BA verdicts: 4 × AB's index + BA's (SWAP_VERDICTS). */
export const swapCell = (ab: Verdict | null, ba: Verdict | null): number => swapIndex(ab) * 4 + swapIndex(ba);

/**
 * {@link positionBias} from the pairs' tally by cell ({@link swapCell}): the figures depend only on how many pairs
 * have each couple of verdicts, so millions of pairs need no object each.
 */
export function positionBiasOfTally(tally: ArrayLike<number>, invalid: InvalidPolicy = 'exclude'): PositionBias {
  let items = 0;
  let same = 0;
  let decisive = 0;
  let first = 0;
  let bothFirst = 0;
  let bothSecond = 0;
  for (let cell = 0; cell < 16; cell++) {
    const w = tally[cell]!;
    if (!w) continue;
    let ab = SWAP_VERDICTS[cell >> 2]!;
    let ba = SWAP_VERDICTS[cell & 3]!;
    if (ab === null || ba === null) {
      if (invalid === 'exclude') continue;
      ab ??= 'tie';
      ba ??= 'tie';
    }
    items += w;
    if (ab === ba) same += w;
    if (ab !== 'tie') {
      decisive += w;
      if (ab === 'A') first += w;
    }
    if (ba !== 'tie') {
      decisive += w;
      if (ba === 'B') first += w;
    }
    if (ab === 'A' && ba === 'B') bothFirst += w;
    if (ab === 'B' && ba === 'A') bothSecond += w;
  }
  return {
    items,
    consistency: items ? same / items : NaN,
    firstPositionRate: decisive ? first / decisive : NaN,
    biasedTowardFirst: items ? bothFirst / items : NaN,
    biasedTowardSecond: items ? bothSecond / items : NaN,
  };
}

/**
 * Length of a string in Unicode code points, as Python's `len` counts it (alpaca_eval measures lengths with `len`);
 * JavaScript's `.length` counts UTF-16 units and would count an emoji twice.
 */
export function codePointLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** How often the longer answer is preferred. */
export interface LengthBias {
  /** Decisive verdicts on pairs whose lengths differ by more than the threshold. */
  n: number;
  /** Share of those that chose the longer answer (NaN for n = 0). */
  preferLonger: number;
}

/**
 * alpaca_eval's length bias (`Analyzer.get_length_biases`, `significant_delta_length=30`): among comparisons whose
 * two answers differ in length by more than `threshold` characters, the share where the preferred answer is the
 * longer one. `choice` is +1 for A, −1 for B; ties (0) and invalid outputs (NaN) are left out. (alpaca_eval would
 * count a tie as preferring output_2; we leave ties out, as a tie prefers neither.)
 */
export function lengthBiasOf(
  lengthA: ArrayLike<number>,
  lengthB: ArrayLike<number>,
  choice: ArrayLike<number>,
  threshold = 30,
): LengthBias {
  const { n, longer } = lengthBiasCounts(lengthA, lengthB, choice, threshold);
  return { n, preferLonger: n ? longer / n : NaN };
}

/** {@link lengthBiasOf}'s counts: the decisive verdicts it counts, and those that chose the longer answer. */
export function lengthBiasCounts(lengthA: ArrayLike<number>, lengthB: ArrayLike<number>, choice: ArrayLike<number>, threshold = 30): { n: number; longer: number } {
  let n = 0;
  let longer = 0;
  for (let i = 0; i < choice.length; i++) {
    const c = choice[i]!;
    if (!(c === 1 || c === -1)) continue;
    const a = lengthA[i]!;
    const b = lengthB[i]!;
    if (!(Math.abs(a - b) > threshold)) continue;
    n++;
    if ((c === 1) === a > b) longer++;
  }
  return { n, longer };
}

/** `lengthBiasOf` on answer texts and verdicts (null = invalid). */
export function lengthBias(
  comparisons: ReadonlyArray<{ answerA: string; answerB: string; verdict: Verdict | null }>,
  threshold = 30,
): LengthBias {
  return lengthBiasOf(
    comparisons.map((c) => codePointLength(c.answerA)),
    comparisons.map((c) => codePointLength(c.answerB)),
    comparisons.map((c) => (c.verdict === null ? NaN : score(c.verdict))),
    threshold,
  );
}
