/**
 * The report tab's controls as a request: `GET /api/projects/:id/report?method=&by=&epsilon=&target=&delta=&min_items=`
 * (the query parameters the server, the CLI and the dashboard agree on; defaults in shared/constants.ts).
 */
import { REPORT_TEST_DEFAULTS } from '../../../../shared/constants';
import type { AggregationMethod } from '../../../../shared/stats/crowd/types';

/** What the controls hold. Numbers bound to an emptied `<input type="number">` come back as null. */
export interface ReportControls {
  method: AggregationMethod;
  /** The meta key to slice by; '' for no slices. */
  by: string;
  epsilon: number | null;
  target: number | null;
  delta: number | null;
  minItems: number | null;
}

/** The controls as a project's report opens: its own consensus method, the tests' defaults, no slices. */
export function defaultControls(method: AggregationMethod): ReportControls {
  const d = REPORT_TEST_DEFAULTS;
  return { method, by: '', epsilon: d.epsilon, target: d.target, delta: d.delta, minItems: d.minItems };
}

/** A number worth sending: an emptied or half-typed input is left out, so the server uses its default. */
const usable = (v: number | null): v is number => v !== null && Number.isFinite(v);

/** The report's URL for these controls. */
export function reportPath(projectId: number, c: ReportControls): string {
  const q = new URLSearchParams({ method: c.method });
  if (c.by) q.set('by', c.by);
  if (usable(c.epsilon)) q.set('epsilon', String(c.epsilon));
  if (usable(c.target)) q.set('target', String(c.target));
  if (usable(c.delta)) q.set('delta', String(c.delta));
  if (usable(c.minItems)) q.set('min_items', String(c.minItems));
  return `/api/projects/${projectId}/report?${q}`;
}

/**
 * Calls `fn` once `ms` have passed without another call (typing "0.85" into a field is one request, not four);
 * `cancel` drops a pending call (the panel going away).
 */
export function debounce(fn: () => void, ms: number): { (): void; cancel(): void } {
  let timer: ReturnType<typeof setTimeout> | null = null;
  const call = () => {
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      fn();
    }, ms);
  };
  call.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  };
  return call;
}
