/**
 * The report's `judges` section: each LLM judge compared per label (every order and sample is one comparison) with
 * the human majority and with gold, its swap consistency, certainty calibration, length bias and invalid outputs;
 * and, on its one vote per item, the alt-test against the humans (./alt.ts) and its certified certainty threshold
 * (./selective.ts).
 */
import { altTestFor, altTestHumans, type AltTestHumans } from './alt';
import { NO_KEYS, NO_MEMO, type Memo, type SectionKeys } from './cache';
import { certaintyFor, referenceOf } from './certainty';
import { labelsOf, type Coded } from './coded';
import { compareAgainst, emptyComparison } from './comparison';
import type { ReportJson } from './json';
import { lengthBiasFor } from './length-bias';
import { selectiveFor } from './selective';
import { swapJson, swapOwn } from './swap';

export type JudgeJson = ReportJson['judges'][number];

/**
 * One entry per judge, in the order of the annotators; `votes[a]` is judge a's one vote per item (./one-vote.ts).
 * Through `memo` (./cache.ts), each part of a judge's entry is kept while its labels (their count), its name and what
 * the part reads stay the same (`keys`): its own part the coding and options, its reference part also the items'
 * references, its alt-test the humans' ratings and names; the humans' alt-test layout while the humans stay the same.
 */
export function judgesSection(c: Coded, votes: readonly (Int32Array | null)[], memo: Memo = NO_MEMO, keys: SectionKeys = NO_KEYS): ReportJson['judges'] {
  const judges: ReportJson['judges'] = [];
  const humanIds = JSON.stringify(c.humanIds); // the alt-test names the humans
  let humans: AltTestHumans | null = null;
  const humansOnce = (): AltTestHumans => (humans ??= memo.get('alt-humans', `${keys.humans}|${humanIds}`, () => altTestHumans(c)));
  c.annotators.forEach((an, a) => {
    if (c.humanRater[a]! >= 0) return;
    const mine = labelsOf(c, a);
    const labels = `${JSON.stringify(an.id)}|${mine.length}`;
    const own = memo.get(`judge-own:${a}`, `${keys.own}|${labels}`, () => judgeOwn(c, mine));
    const ref = memo.get(`judge-ref:${a}`, `${keys.ref}|${labels}`, () => judgeRef(c, mine, own));
    const alt = memo.get(`judge-alt:${a}`, `${keys.humans}|${humanIds}|${labels}`, () => altTestFor(c, humansOnce(), votes[a]!));
    judges.push({
      annotator: an.id,
      vs_majority: ref.vs_majority,
      vs_gold: c.numericRatings ? ref.vs_gold : own.vs_gold,
      swap: ref.swap,
      certainty: ref.certainty,
      length_bias: own.length_bias,
      invalid: own.invalid,
      ...alt,
      selective: ref.selective,
    });
  });
  return judges;
}

/**
 * The parts of a judge's entry that read only its own labels: its invalid outputs, its length bias, its swap pairs
 * and position bias, and (except for numeric ratings, whose correlations read the mean human rating) its comparison
 * with gold.
 */
function judgeOwn(c: Coded, mine: Int32Array) {
  let invalid = 0;
  const code = c.labels.code;
  for (let t = 0; t < mine.length; t++) if (code[mine[t]!]! < 0) invalid++;
  return {
    vs_gold: c.goldItems > 0 && !c.numericRatings ? compareAgainst(c, mine, c.gold) : null,
    swap: c.pairwise ? swapOwn(c, mine) : null,
    length_bias: lengthBiasFor(c, mine),
    invalid,
  };
}

/** The parts of a judge's entry that read each item's majority, reference or mean human rating. */
function judgeRef(c: Coded, mine: Int32Array, own: ReturnType<typeof judgeOwn>) {
  return {
    vs_majority: compareAgainst(c, mine, c.majority.winner) ?? emptyComparison(c.numericRatings),
    vs_gold: c.goldItems > 0 && c.numericRatings ? compareAgainst(c, mine, c.gold) : null,
    swap: c.pairwise ? swapJson(c, own.swap) : null,
    certainty: certaintyFor(c, mine, referenceOf(c)),
    selective: selectiveFor(c, mine),
  };
}
