/**
 * What a judge run tells its caller (the CLI's summary, an in-server run's outcome) and the server (`judge:status`,
 * shown by `GET /api/projects/:id/judges`).
 */
import type { JudgeStatusReport } from '../shared/schemas';

export interface WorkerSummary {
  judge: { id: number; name: string; model: string } | null;
  template: { name: string; version: string } | null;
  state: 'running' | 'done' | 'stopped' | 'error';
  /** Labels stored by this run (each once, even when its ack was lost and it was sent again). */
  labels: number;
  /** Of those, outputs that could not be read (stored with a null value and their raw text). */
  invalid: number;
  /** Model requests retried (429, 5xx, timeouts, dropped connections). */
  retries: number;
  /** Socket commands sent again after a lost ack or a reconnect. */
  resubmits: number;
  /** Tasks released after their tries ran out (not labelled). */
  errors: number;
  /**
   * Judgments the server did not store because the task was no longer this run's when they were sent: the lease
   * lapsed or was lost when the server restarted (the task went back to the pool and is judged again), or another
   * worker of the same judge holds or stored it. Not errors of the run: nothing is lost; a model call was spent twice.
   */
  lapsed: number;
  in_flight: number;
  tokens: { prompt: number; completion: number };
  /** US dollars, when the registration gives a price per million tokens. */
  cost: number | null;
  /** The judge's progress: labels stored (by any run) and its plan. */
  progress: { done: number; target: number | null };
  wall_ms: number;
  /** From the first task asked for to the last label acknowledged (the wall time without connecting). */
  judging_ms: number;
  last_error: string | null;
  /** The endpoint refused structured output and the run went on in the text format. */
  structured_fallback: boolean;
}

/** The summary of a run that has not yet begun. */
export function newSummary(): WorkerSummary {
  return {
    judge: null,
    template: null,
    state: 'running',
    labels: 0,
    invalid: 0,
    retries: 0,
    resubmits: 0,
    errors: 0,
    lapsed: 0,
    in_flight: 0,
    tokens: { prompt: 0, completion: 0 },
    cost: null,
    progress: { done: 0, target: null },
    wall_ms: 0,
    judging_ms: 0,
    last_error: null,
    structured_fallback: false,
  };
}

/** What the worker reports to the server (`judge:status`) of a run started at `startedAt` (epoch ms). */
export function statusReport(s: WorkerSummary, startedAt: number): JudgeStatusReport {
  return {
    state: s.state,
    labels: s.labels,
    invalid: s.invalid,
    retries: s.retries,
    errors: s.errors,
    in_flight: s.in_flight,
    tokens: { ...s.tokens },
    last_error: s.last_error?.slice(0, 2000) ?? null,
    started_at: startedAt,
  };
}
