/**
 * The report's `judges[].alt_test`: may the judge replace a human annotator? The alternative annotator test of
 * Calderon, Reichart & Dror (2025), ../alt-test.ts, on the humans' ratings (each human's first label on an item, as
 * every human statistic of the report reads them) and the judge's one vote per item (./one-vote.ts).
 */
import { REPORT_TEST_DEFAULTS } from '../../constants';
import { altTestLayoutFromRows, altTestOnLayout, type AltTestLayout } from '../alt-test';
import type { Coded } from './coded';
import { num, type AltTestJson } from './json';

/** The humans' ratings laid out by item once per report (../alt-test.ts `altTestLayoutFromRows`), for every judge. */
export type AltTestHumans = AltTestLayout;

const metricOf = (c: Coded): 'accuracy' | 'neg_rmse' => (c.numericRatings ? 'neg_rmse' : 'accuracy');

/**
 * Each human's ratings as the alt-test reads them: item indices and values (the category code, or for numeric
 * rating projects the rating itself, for the `neg_rmse` metric), laid out by item with each rating's score against
 * the other humans. Humans with no rating are left out. Built once per report and shared by every judge.
 */
export function altTestHumans(c: Coded): AltTestHumans {
  const { hr, humanIds } = c;
  const numeric = c.numericRatings ? (c.categories as readonly number[]) : null;
  const value = new Float64Array(hr.code.length);
  for (let j = 0; j < value.length; j++) value[j] = numeric ? numeric[hr.code[j]!]! : hr.code[j]!;
  return altTestLayoutFromRows(humanIds, { start: hr.start, rater: hr.rater, value }, metricOf(c));
}

/**
 * The alt-test of the judge whose one vote per item is `votes` (-1 none): metric `neg_rmse` for numeric rating
 * projects, else `accuracy`; ε from the options (default {@link REPORT_TEST_DEFAULTS}.epsilon), at least
 * `altTestMinItems` items per human, Benjamini–Yekutieli at `altTestQ`. Only items that at least two humans rated
 * are passed on: an item needs another human's rating besides the one being tested to count.
 */
export function altTestFor(c: Coded, humans: AltTestHumans, votes: Int32Array): { alt_test: AltTestJson | null; alt_test_reason: string | null } {
  const metric = metricOf(c);
  const numeric = c.numericRatings ? (c.categories as readonly number[]) : null;
  const epsilon = c.options.epsilon ?? REPORT_TEST_DEFAULTS.epsilon;
  const minItems = REPORT_TEST_DEFAULTS.altTestMinItems;
  const judge = new Float64Array(c.nItems).fill(NaN);
  const start = c.hr.start;
  for (let u = 0; u < c.nItems; u++) {
    const v = votes[u]!;
    if (v >= 0 && start[u + 1]! - start[u]! >= 2) judge[u] = numeric ? numeric[v]! : v;
  }
  const result = altTestOnLayout(humans, judge, { epsilon, minItems, q: REPORT_TEST_DEFAULTS.altTestQ });
  if ('reason' in result) return { alt_test: null, alt_test_reason: result.reason };
  return {
    alt_test: {
      epsilon,
      metric,
      min_items: minItems,
      annotators: result.annotators,
      items: result.items,
      winning_rate: result.winningRate,
      advantage_probability: result.advantageProbability,
      passed: result.passed,
      per_annotator: result.perAnnotator.map((p) => ({
        annotator: p.annotator,
        items: p.items,
        judge_wins: p.judgeWins,
        human_wins: p.humanWins,
        p_value: num(p.pValue),
        rejected: p.rejected,
      })),
    },
    alt_test_reason: null,
  };
}
