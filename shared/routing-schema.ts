/**
 * The zod schema of a project's `routing` (issue 13, part 2; types and meaning in routing.ts): `null` or
 * `{ mode: "parallel" }` keeps judges and humans side by side; `escalate` needs at least one judge. Which ids are
 * this project's judges, and that escalation has certainties to read, the server checks against the project.
 */
import { z } from 'zod';
import { LIMITS, REPORT_TEST_DEFAULTS, ROUTING_MODES } from './constants';

/** The calibration share when none is given: one item in ten is labelled by humans whatever the judges say. */
export const DEFAULT_CALIBRATION = 0.1;

export const RoutingSetting = z
  .strictObject({
    mode: z.enum(ROUTING_MODES),
    judges: z.array(z.int().positive()).max(LIMITS.routingJudges).default([]),
    target: z.number().gt(0.5, { error: 'must be above 0.5' }).lt(1, { error: 'must be below 1' }).default(REPORT_TEST_DEFAULTS.target),
    delta: z.number().gt(0, { error: 'must be above 0' }).lt(0.5, { error: 'must be below 0.5' }).default(REPORT_TEST_DEFAULTS.delta),
    calibration: z.number().gt(0, { error: 'must be above 0 (thresholds are certified on it)' }).max(1).default(DEFAULT_CALIBRATION),
  })
  .superRefine((r, ctx) => {
    if (r.mode === 'escalate' && r.judges.length === 0)
      ctx.addIssue({ code: 'custom', path: ['judges'], message: 'escalate needs at least one judge (their ids, in cascade order)' });
    const seen = new Set<number>();
    r.judges.forEach((id, i) => {
      if (seen.has(id)) ctx.addIssue({ code: 'custom', path: ['judges', i], message: `judge ${id} is named twice` });
      seen.add(id);
    });
  });
