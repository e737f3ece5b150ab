/**
 * The agreement and judge-reliability report (issue 3) as one pure function of plain data. The JSON it returns
 * (./json.ts) is a contract that outside scripts read. Each section has its builder here (humans, judges,
 * annotators; a judge's swap, certainty and length bias), all reading the input coded once (./coded.ts).
 *
 * Speed: labels are integer-coded into typed arrays once, grouped by item and by annotator with counting sorts,
 * and every statistic is a linear pass (plus O(n log n) sorts for rank correlations and medians). Nothing is
 * quadratic in the number of items; 200k items and 1.8M labels took well under two seconds before issue 10. Its
 * sections here are linear passes too (one vote per judge and item, leave-one-out pairs, slices split in two
 * passes over the labels); the crowd fit, the alt-test, the paired bootstrap and the certified threshold carry the
 * costs of their own modules (../crowd, ../alt-test.ts, ../paired.ts, ../selective.ts). Measured on that project
 * (2 judges, a loaded 2-core machine): the alt-test 55 ms to lay the humans out once plus 35 ms a judge, the
 * certified threshold 18 ms a judge, the three paired comparisons 45 ms together, the votes 12 ms a judge.
 *
 * Definitions and choices (each statistic's own source is on its function):
 * - Humans are annotators of kind `human`; judges are those of kind `llm`. Among human labels, an annotator's
 *   first label on an item is its rating of that item (later ones, e.g. extra samples, are ignored), and null values
 *   are ignored.
 * - The human majority of an item is the plurality of its human ratings; an item whose top count is shared has no
 *   majority and is left out of every comparison against the majority (and counted in `humans.majority.tied`).
 *   An item with a single human label has that label as its majority.
 * - Judges are compared per label (every order and sample is one comparison). A null value is an invalid
 *   (unparseable) output: always counted in `invalid`; with `options.invalid = 'exclude'` (default) it is left out
 *   of the comparisons, with `'tie'` it is read as a tie, as PandaLM does (only for pairwise projects; elsewhere
 *   there is no tie and it is left out).
 * - `swap`: a judge's AB and BA labels of the same item and sample form one pair. `*.accuracy` is per pair, on the
 *   aggregated verdict, against the gold label when the item has one, else the human majority.
 * - `certainty` and `length_bias` are computed against the gold label when the item has one, else the human
 *   majority (for a human: the majority of the other humans on the item).
 * - Degenerate cases: no human labels or a single human rater → humans' statistics null and `pairs` empty; every
 *   rater always choosing the same category → percent agreement 1, kappas and alpha null (0/0), AC1 1 (Gwet's
 *   chance term is 0 when one of q ≥ 2 known categories takes all ratings); an item with one label has no pair:
 *   it drops out of Krippendorff's alpha, of every rater pair and of p_a, still counts in the category shares π_k
 *   of Fleiss' kappa and AC1 (Gwet's generalisation), and still has a majority; no judges → `judges` is [];
 *   no gold → `vs_gold` null.
 * - Issue 10 adds, each in its own file: `aggregation` and each human's `competence` (./aggregation.ts: the crowd
 *   model of `options.method`, on the humans' votes only); per judge the alt-test (./alt.ts) and the certified
 *   certainty threshold (./selective.ts); the paired `comparisons` of judges with each other and with the humans
 *   (./comparisons.ts); and `slices` by an item meta key (./slices.ts). The item-by-item sections reduce a judge's
 *   labels on an item to one vote (./one-vote.ts, the rule of ../votes.ts `oneVote`).
 * - Issue 11: a ranking project is reported on the decomposition of its rankings into answer pairs
 *   (./ranking-pairs.ts), plus Kendall's W and each judge's ranking statistics (./ranking-stats.ts).
 */
import { aggregationFor } from './aggregation';
import { annotatorsSection } from './annotators';
import { NO_MEMO, sectionKeys, type Memo, type ReportCache } from './cache';
import { codeColumns } from './coded';
import { comparisonsSection } from './comparisons';
import { humansSection } from './humans';
import { toColumns, type ReportColumns, type ReportInput } from './input';
import type { ReportJson } from './json';
import { judgesSection } from './judges';
import { allJudgeVotes } from './one-vote';
import { rankingReport } from './ranking-report';
import { slicesSection } from './slices';

/** The report of issue 3 from label objects (see {@link buildReportFromColumns}). Pure and deterministic (the bootstrap is seeded). */
export function buildReport(input: ReportInput): ReportJson {
  return buildReportFromColumns(toColumns(input));
}

/**
 * The report from columns; see the file comment for every definition. A ranking project's report is the report of
 * its answer pairs with the ranking statistics added (./ranking-report.ts). `cache`: what a long-lived store keeps
 * between reports of the same columns (./cache.ts; not for ranking projects, whose pairs are decomposed anew).
 */
export function buildReportFromColumns(input: ReportColumns, cache?: ReportCache): ReportJson {
  return input.project.type === 'ranking' ? rankingReport(input, (columns) => sectionsReport(columns)) : sectionsReport(input, cache);
}

function sectionsReport(input: ReportColumns, cache?: ReportCache): ReportJson {
  const { coded: c, ...epochs } = cache ? cache.coded(input) : { coded: codeColumns(input), epoch: 0, coding: 0, refs: 0 };
  const memo: Memo = cache ?? NO_MEMO;
  const keys = sectionKeys(epochs, c.options);
  const humansKey = `${keys.humans}|${JSON.stringify(c.humanIds)}`;
  const humans = memo.get('humans', humansKey, () => humansSection(c, memo, keys));
  const method = input.options?.method ?? '';
  const aggregation = memo.get(`aggregation:${method}`, `${humansKey}|${c.annotators.length}`, () => aggregationFor(input, humans.majority.items));
  const votes = allJudgeVotes(c, memo, keys.own);
  const judges = judgesSection(c, votes, memo, keys);
  return {
    project: { id: c.project.id, type: c.project.type, items: c.nItems, labels: { human: c.labels.humanLabels, llm: c.labels.llmLabels } },
    aggregation: aggregation.json,
    humans,
    judges,
    annotators: annotatorsSection(c, judges, aggregation.competences, memo, keys),
    comparisons: comparisonsSection(c, votes, memo, keys),
    slices: slicesSection(input, aggregation.competences),
  };
}
