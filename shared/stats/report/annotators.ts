/**
 * The report's `annotators` section: one row per annotator, human or judge, with its label count, accuracy on
 * gold, agreement with the majority (for a human: with the other humans, leave-one-out; for a judge: its accuracy
 * against the human majority), median seconds per label and certainty calibration.
 */
import { leaveOneOutAgreement } from '../agreement';
import { certaintyFor, humanReferenceOf } from './certainty';
import type { Competences } from './aggregation';
import { NO_KEYS, NO_MEMO, type Memo, type SectionKeys } from './cache';
import { labelsOf, type Coded } from './coded';
import { num, type N, type ReportJson } from './json';

/**
 * The rows, in the order of the annotators; `judges` is the judges section (a judge's row reads its accuracy),
 * `fit` each annotator's competence and spammer flag under the report's aggregation (./aggregation.ts).
 */
export function annotatorsSection(c: Coded, judges: ReportJson['judges'], fit: Competences, memo: Memo = NO_MEMO, keys: SectionKeys = NO_KEYS): ReportJson['annotators'] {
  let loo: ReturnType<typeof leaveOneOutAgreement> | null = null;
  const looOnce = () => (loo ??= memo.get('loo', `${keys.humans}|${c.humanIds.length}`, () => leaveOneOutAgreement(c.hr)));
  let nextJudge = 0; // judges are in the order of the annotators, humans skipped
  return c.annotators.map((an, a) => {
    const mine = labelsOf(c, a);
    const human = c.humanRater[a]!;
    const judge = human >= 0 ? null : judges[nextJudge++]!;
    // Through `memo` (./cache.ts): kept while the annotator's labels (their count) and the coding and options stay
    // the same, a human's calibration (against the other humans) also while the humans' ratings do.
    const own = memo.get(`annotator:${a}`, `${keys.own}|${mine.length}`, () => ({ gold_accuracy: goldAccuracy(c, mine), median_seconds: medianSeconds(c, mine) }));
    const certainty = judge ? judge.certainty : memo.get(`annotator-certainty:${a}`, `${keys.humans}|${mine.length}`, () => certaintyFor(c, mine, humanReferenceOf(c)));
    return {
      annotator: an.id,
      kind: an.kind,
      labels: mine.length,
      gold_accuracy: own.gold_accuracy,
      majority_agreement: judge ? judge.vs_majority.accuracy : num(looOnce()[human]!.agreement),
      median_seconds: own.median_seconds,
      // A judge's calibration is its judges-section entry's (the same labels against the same reference).
      certainty,
      competence: fit.competence[a] ?? null,
      spammer: fit.spammer[a] ?? null,
    };
  });
}

/** Share of the labels on gold items that match the gold label (null when none is on a gold item). */
function goldAccuracy(c: Coded, mine: Int32Array): N {
  const { gold, invalidAs } = c;
  const { item, code } = c.labels;
  let n = 0;
  let hit = 0;
  for (let t = 0; t < mine.length; t++) {
    const i = mine[t]!;
    const g = gold[item[i]!]!;
    const p = code[i]! >= 0 ? code[i]! : invalidAs; // effectiveCode, inlined
    if (g >= 0 && p >= 0) {
      n++;
      if (p === g) hit++;
    }
  }
  return n ? hit / n : null;
}

function medianSeconds(c: Coded, mine: Int32Array): N {
  const seconds = c.labels.seconds;
  const secs = new Float64Array(mine.length);
  let n = 0;
  for (let t = 0; t < mine.length; t++) {
    const s = seconds[mine[t]!]!;
    if (Number.isFinite(s)) secs[n++] = s;
  }
  return n === 0 ? null : median(secs, n);
}

/**
 * The median of xs[0 … n − 1] (n ≥ 1), found by selection rather than a full sort (a judge has hundreds of
 * thousands of labels); reorders xs. The same value a sort gives: the middle one, or the mean of the middle two.
 */
function median(xs: Float64Array, n: number): number {
  const h = n >> 1;
  select(xs, n, h);
  if (n % 2) return xs[h]!;
  let below = xs[0]!; // the largest of xs[0 … h − 1], all at most xs[h] after the selection
  for (let i = 1; i < h; i++) if (xs[i]! > below) below = xs[i]!;
  return (below + xs[h]!) / 2;
}

/**
 * Reorders xs[0 … n − 1] so that xs[k] holds the value a sort puts there, nothing larger before it and nothing
 * smaller after it (Hoare's FIND, as Wirth writes it, with a median-of-three pivot; runs of equal values split evenly).
 */
function select(xs: Float64Array, n: number, k: number): void {
  let lo = 0;
  let hi = n - 1;
  while (lo < hi) {
    const a = xs[lo]!;
    const b = xs[k]!;
    const c = xs[hi]!;
    const pivot = a < b ? (b < c ? b : a < c ? c : a) : a < c ? a : b < c ? c : b;
    let i = lo;
    let j = hi;
    do {
      while (xs[i]! < pivot) i++;
      while (pivot < xs[j]!) j--;
      if (i <= j) {
        const t = xs[i]!;
        xs[i++] = xs[j]!;
        xs[j--] = t;
      }
    } while (i <= j);
    if (j < k) lo = i;
    if (k < i) hi = j;
  }
}
