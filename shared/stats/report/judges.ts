/**
 * The report's `judges` section: each LLM judge compared per label (every order and sample is one comparison) with
 * the human majority and with gold, its swap consistency, certainty calibration, length bias and invalid outputs;
 * and, on its one vote per item, the alt-test against the humans (./alt.ts) and its certified certainty threshold
 * (./selective.ts).
 */
import { altTestFor, altTestHumans } from './alt';
import { certaintyFor, referenceOf } from './certainty';
import { labelsOf, type Coded } from './coded';
import { compareAgainst, emptyComparison } from './comparison';
import type { ReportJson } from './json';
import { lengthBiasFor } from './length-bias';
import { selectiveFor } from './selective';
import { swapFor } from './swap';

export type JudgeJson = ReportJson['judges'][number];

/** One entry per judge, in the order of the annotators; `votes[a]` is judge a's one vote per item (./one-vote.ts). */
export function judgesSection(c: Coded, votes: readonly (Int32Array | null)[]): ReportJson['judges'] {
  const judges: ReportJson['judges'] = [];
  const humans = altTestHumans(c);
  c.annotators.forEach((an, a) => {
    if (c.humanRater[a]! >= 0) return;
    const mine = labelsOf(c, a);
    let invalid = 0;
    const code = c.labels.code;
    for (let t = 0; t < mine.length; t++) if (code[mine[t]!]! < 0) invalid++;
    judges.push({
      annotator: an.id,
      vs_majority: compareAgainst(c, mine, c.majority.winner) ?? emptyComparison(c.numericRatings),
      vs_gold: c.goldItems > 0 ? compareAgainst(c, mine, c.gold) : null,
      swap: c.pairwise ? swapFor(c, mine) : null,
      certainty: certaintyFor(c, mine, referenceOf(c)),
      length_bias: lengthBiasFor(c, mine),
      invalid,
      ...altTestFor(c, humans, votes[a]!),
      selective: selectiveFor(c, mine),
    });
  });
  return judges;
}
