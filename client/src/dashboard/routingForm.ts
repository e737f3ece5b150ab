/**
 * The routing setting (issue 13 part 2, shared/routing.ts) as the dashboard edits and shows it: the form's values,
 * the PATCH body, the server's per-field errors keyed by their path inside `routing`, and the sentences the
 * progress card and the report state. Pure (the e2e test reads the same figures from the REST answers).
 */
import { REPORT_TEST_DEFAULTS } from '../../../shared/constants';
import type { ProjectProgress } from '../../../shared/protocol';
import type { Routing, RoutingJudgeState, RoutingMode, RoutingState } from '../../../shared/routing';
import { ServerError } from '../lib/errors';

/** The calibration share the form offers (shared/routing-schema.ts's default; that module loads zod, so not imported). */
const DEFAULT_CALIBRATION = 0.1;

export interface RoutingForm {
  mode: RoutingMode;
  /** Judge annotator ids in cascade order. */
  judges: number[];
  /** Numbers bound to `<input type="number">`: null when left empty (the server then names the field). */
  target: number | null;
  delta: number | null;
  /** The calibration share as a percentage (0–100]; the body sends it as a fraction. */
  calibrationPct: number | null;
}

/** The form for a project's stored routing (null: parallel, with the defaults). */
export function routingFormOf(r: Routing | null): RoutingForm {
  return {
    mode: r?.mode ?? 'parallel',
    judges: [...(r?.judges ?? [])],
    target: r?.target ?? REPORT_TEST_DEFAULTS.target,
    delta: r?.delta ?? REPORT_TEST_DEFAULTS.delta,
    calibrationPct: roundPct((r?.calibration ?? DEFAULT_CALIBRATION) * 100),
  };
}

/** Percentages without a float's trailing noise (0.07 × 100 = 7.000000000000001). */
const roundPct = (x: number) => Number(x.toPrecision(10));

/** `PATCH /api/projects/:id` `{ routing }`: the cascade is kept in both modes, so switching back loses nothing. */
export function routingBodyOf(f: RoutingForm): { routing: Record<string, unknown> } {
  return {
    routing: {
      mode: f.mode,
      judges: f.judges,
      target: f.target,
      delta: f.delta,
      calibration: f.calibrationPct === null ? null : roundPct(f.calibrationPct / 100),
    },
  };
}

/**
 * The server's messages about `routing`, keyed by the path inside it (`routing.judges.1` → `judges.1`, `routing`
 * alone → `''`); messages about other fields (none expected from this PATCH) go under `''` too, so none is lost.
 */
export function routingErrorsOf(err: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!(err instanceof ServerError)) return out;
  for (const d of err.body.details ?? []) {
    const f = d.field ?? '';
    const key = f === 'routing' ? '' : f.startsWith('routing.') ? f.slice('routing.'.length) : '';
    out[key] = key in out ? `${out[key]} ${d.message}` : d.message;
  }
  return out;
}

/** Moves the judge at `i` by `by` places (−1 up, +1 down); the list as it was when that leaves the ends. */
export function moved(ids: number[], i: number, by: -1 | 1): number[] {
  const j = i + by;
  if (i < 0 || j < 0 || j >= ids.length) return ids;
  const out = [...ids];
  [out[i], out[j]] = [out[j]!, out[i]!];
  return out;
}

/** A fraction as a whole or one-decimal percentage: 0.9 → "90%", 0.925 → "92.5%". */
export const pct = (x: number | null | undefined): string => (x === null || x === undefined ? '—' : `${Number((x * 100).toFixed(1))}%`);

/**
 * Human labels the judges saved: items they decided (outside the calibration share, which humans always label)
 * would each have taken the fixed budget's labels per item (`human_budget.budget` = items × the most per item).
 */
export function routingSavings(p: Pick<ProjectProgress, 'items' | 'human_budget'>, r: RoutingState): { spent: number; budget: number; saved: number; share: number } {
  const { spent, budget } = p.human_budget;
  const perItem = p.items.total ? budget / p.items.total : 0;
  const saved = Math.round(r.items.judges * perItem);
  return { spent, budget, saved, share: budget ? saved / budget : 0 };
}

/** The guarantee a judge's threshold was certified at, in words. */
export function guarantee(r: Pick<RoutingState, 'target' | 'delta'>, j: Pick<RoutingJudgeState, 'threshold' | 'calibration_points'>): string {
  const items = `${j.calibration_points} calibration item${j.calibration_points === 1 ? '' : 's'}`;
  if (j.threshold === null) return `not certified yet: no certainty reaches ${pct(r.target)} agreement with the humans with probability ≥ ${pct(1 - r.delta)} on ${items}`;
  return `at least ${pct(r.target)} agreement with the humans, with probability ≥ ${pct(1 - r.delta)}, certified on ${items}`;
}

/** What a judge reached on the calibration share (the empirical side of the guarantee), in words; '' while uncertified. */
export function reached(j: Pick<RoutingJudgeState, 'agreement' | 'coverage'>): string {
  if (j.agreement === null) return '';
  return `; reached ${pct(j.agreement)} agreement on its calibration verdicts at or above the threshold (${pct(j.coverage)} of them)`;
}

/** A threshold on the project's certainty scale, without float noise; "not certified yet" while none is. */
export const thresholdText = (t: number | null): string => (t === null ? 'not certified yet' : `certainty ≥ ${Number(t.toPrecision(6))}`);
