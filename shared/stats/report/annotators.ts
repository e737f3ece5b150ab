/**
 * The report's `annotators` section: one row per annotator, human or judge, with its label count, accuracy on
 * gold, agreement with the majority (for a human: with the other humans, leave-one-out; for a judge: its accuracy
 * against the human majority), median seconds per label and certainty calibration.
 */
import { leaveOneOutAgreement } from '../agreement';
import { certaintyFor, humanReferenceOf, referenceOf } from './certainty';
import { effectiveCode, labelsOf, type Coded } from './coded';
import { num, type N, type ReportJson } from './json';

/** The rows, in the order of the annotators; `judges` is the judges section (a judge's row reads its accuracy). */
export function annotatorsSection(c: Coded, judges: ReportJson['judges']): ReportJson['annotators'] {
  const loo = leaveOneOutAgreement(c.hr);
  let nextJudge = 0; // judges are in the order of the annotators, humans skipped
  return c.annotators.map((an, a) => {
    const mine = labelsOf(c, a);
    const human = c.humanRater[a]!;
    return {
      annotator: an.id,
      kind: an.kind,
      labels: mine.length,
      gold_accuracy: goldAccuracy(c, mine),
      majority_agreement: human >= 0 ? num(loo[human]!.agreement) : judges[nextJudge++]!.vs_majority.accuracy,
      median_seconds: medianSeconds(c, mine),
      certainty: certaintyFor(c, mine, human >= 0 ? humanReferenceOf(c) : referenceOf(c)),
    };
  });
}

/** Share of the labels on gold items that match the gold label (null when none is on a gold item). */
function goldAccuracy(c: Coded, mine: Int32Array): N {
  let n = 0;
  let hit = 0;
  for (let t = 0; t < mine.length; t++) {
    const i = mine[t]!;
    const g = c.gold[c.labels.item[i]!]!;
    const p = effectiveCode(c, i);
    if (g >= 0 && p >= 0) {
      n++;
      if (p === g) hit++;
    }
  }
  return n ? hit / n : null;
}

function medianSeconds(c: Coded, mine: Int32Array): N {
  const secs = new Float64Array(mine.length);
  let n = 0;
  for (let t = 0; t < mine.length; t++) {
    const s = c.labels.seconds[mine[t]!]!;
    if (Number.isFinite(s)) secs[n++] = s;
  }
  if (n === 0) return null;
  const sorted = secs.subarray(0, n).sort();
  const h = n >> 1;
  return n % 2 ? sorted[h]! : (sorted[h - 1]! + sorted[h]!) / 2;
}
