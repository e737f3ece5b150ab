/** `GET /api/projects/:id/report`'s query string, read into the report's options. */
import { z } from 'zod';
import { REPORT_TEST_DEFAULTS } from '../../shared/constants';
import { AggregationMethod } from '../../shared/schemas';
import type { ReportOptions } from '../../shared/stats/report/input';
import type { Project } from '../../shared/views';
import { parseOrThrow } from '../errors';

/**
 * What a meta key to slice by may be. The worker looks the key up among each item's top-level meta keys with a bound
 * parameter (json_each's `key` column), never inside a JSON path or SQL text, so any text would be safe; control
 * characters are refused because the key is shown back as the report's `slices.by`, and 100 characters is far beyond
 * any real key.
 */
export const META_KEY_RULE = '1 to 100 characters, none of them a control character';
const META_KEY = /^[^\u0000-\u001f\u007f-\u009f]{1,100}$/u;

/** A probability strictly between 0 and 1 (a margin, a target agreement, an error level). */
const open01 = (name: string) =>
  z.coerce
    .number({ error: `${name} must be a number` })
    .gt(0, `${name} must be above 0 and below 1`)
    .lt(1, `${name} must be above 0 and below 1`);

export const ReportQuery = z.object({
  /** How an unparseable judge output counts: left out (default) or as a tie, as PandaLM does. */
  invalid: z.enum(['exclude', 'tie']).default('exclude'),
  resamples: z.coerce.number().int().min(0).max(10_000).default(1000),
  seed: z.coerce.number().int().default(1),
  /** The consensus method behind `aggregation` and each human's competence; the project's `aggregation` by default. */
  method: AggregationMethod.optional(),
  /** A top-level key of the items' meta to slice the report by (`slices`): see GET /projects/:id/meta-keys. */
  by: z.string().regex(META_KEY, `a meta key is ${META_KEY_RULE}`).optional(),
  /** The alt-test's cost–benefit margin ε (Calderon et al. 2025). */
  epsilon: open01('epsilon').default(REPORT_TEST_DEFAULTS.epsilon),
  /** The certified threshold's target agreement 1 − α and error level δ (Jung et al. 2025). */
  target: open01('target').default(REPORT_TEST_DEFAULTS.target),
  delta: open01('delta').default(REPORT_TEST_DEFAULTS.delta),
  /** Least labels at or above a certainty value for the certified threshold to test it. */
  min_items: z.coerce.number().int('min_items must be a whole number').min(1, 'min_items must be 1 or more').default(REPORT_TEST_DEFAULTS.minItems),
});

/**
 * The report's options from a query string; the method defaults to the project's. Every option is set, so the
 * report cache's key (the options as JSON) names each one and two spellings of one request share an entry.
 */
export function reportOptions(query: unknown, project: Project): ReportOptions {
  const q = parseOrThrow(ReportQuery, query, 'report options');
  const options: ReportOptions = {
    invalid: q.invalid,
    resamples: q.resamples,
    seed: q.seed,
    method: q.method ?? project.aggregation,
    epsilon: q.epsilon,
    target: q.target,
    delta: q.delta,
    minItems: q.min_items,
  };
  if (q.by !== undefined) options.by = q.by;
  return options;
}
