/**
 * The report's `judges` section: each LLM judge compared per label (every order and sample is one comparison) with
 * the human majority and with gold, its swap consistency, certainty calibration, length bias and invalid outputs;
 * and, on its one vote per item, the alt-test against the humans (./alt.ts) and its certified certainty threshold
 * (./selective.ts).
 */
import { altTestFor, altTestHumans, type AltTestHumans } from './alt';
import { NO_MEMO, type Memo } from './cache';
import { certaintyFor, referenceOf } from './certainty';
import { labelsOf, type Coded } from './coded';
import { compareAgainst, emptyComparison } from './comparison';
import type { ReportJson } from './json';
import { lengthBiasFor } from './length-bias';
import { selectiveFor } from './selective';
import { swapFor } from './swap';

export type JudgeJson = ReportJson['judges'][number];

/**
 * One entry per judge, in the order of the annotators; `votes[a]` is judge a's one vote per item (./one-vote.ts).
 * Through `memo` (./cache.ts), a judge's entry is kept while its labels (their count), its name, the humans' names and
 * the coding and options (`key`) stay the same; the humans' alt-test layout while the humans stay the same.
 */
export function judgesSection(c: Coded, votes: readonly (Int32Array | null)[], memo: Memo = NO_MEMO, key = ''): ReportJson['judges'] {
  const judges: ReportJson['judges'] = [];
  const humanIds = JSON.stringify(c.humanIds); // the alt-test names the humans
  let humans: AltTestHumans | null = null;
  const humansOnce = (): AltTestHumans => (humans ??= memo.get('alt-humans', `${key}|${humanIds}`, () => altTestHumans(c)));
  c.annotators.forEach((an, a) => {
    if (c.humanRater[a]! >= 0) return;
    const mine = labelsOf(c, a);
    judges.push(memo.get(`judge:${a}`, `${key}|${humanIds}|${JSON.stringify(an.id)}|${mine.length}`, () => judgeEntry(c, an.id, mine, humansOnce, votes[a]!)));
  });
  return judges;
}

function judgeEntry(c: Coded, id: string, mine: Int32Array, humans: () => AltTestHumans, votes: Int32Array): JudgeJson {
  let invalid = 0;
  const code = c.labels.code;
  for (let t = 0; t < mine.length; t++) if (code[mine[t]!]! < 0) invalid++;
  return {
    annotator: id,
    vs_majority: compareAgainst(c, mine, c.majority.winner) ?? emptyComparison(c.numericRatings),
    vs_gold: c.goldItems > 0 ? compareAgainst(c, mine, c.gold) : null,
    swap: c.pairwise ? swapFor(c, mine) : null,
    certainty: certaintyFor(c, mine, referenceOf(c)),
    length_bias: lengthBiasFor(c, mine),
    invalid,
    ...altTestFor(c, humans(), votes),
    selective: selectiveFor(c, mine),
  };
}
