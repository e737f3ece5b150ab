/**
 * The REST API's response bodies, as the server sends them and the dashboard reads them: one copy of each.
 * REST JSON is snake_case (see the README's "Names on the wire"). Types only: nothing here runs.
 */
import type { AnnotatorKind, JudgeCreate } from './schemas';

/**
 * Where a judge's latest run stands: `idle` (none since the server started), `running`, `done` (nothing left),
 * `stopped` (by the researcher or its worker), `error` (it ended on an error: see `last_error`).
 */
export type JudgeRunState = 'idle' | 'running' | 'done' | 'stopped' | 'error';

/** A judge as `GET /api/projects/:id/judges` lists it (and `PATCH …/judges/:judge` returns it). */
export interface JudgeView {
  id: number;
  name: string;
  config: JudgeCreate;
  progress: { done: number; target: number | null };
  created_at: string;
  /** Archived judges keep their labels but are left out of the report, plots and gold; their token is refused. */
  archived: boolean;
  archived_at: string | null;
  state: JudgeRunState;
  /** The error the latest run ended on (or its latest retry reason while running). */
  last_error: string | null;
  /** Every label the judge has stored (any run): how many, tokens from their meta, invalid outputs, cost at its price. */
  labels: number;
  tokens: { prompt: number; completion: number };
  invalid: number;
  cost: number | null;
  /** The latest run, if one reported since the server started. */
  run: {
    in_server: boolean;
    connected: boolean;
    started_at: string;
    labels: number;
    invalid: number;
    retries: number;
    errors: number;
    in_flight: number;
    tokens: { prompt: number; completion: number };
  } | null;
}

/** A join link as the REST API returns it (`POST/GET/DELETE /api/projects/:id/invites`). */
export interface InviteView {
  id: number;
  label: string | null;
  token: string;
  /** The join link; crowd platforms append the worker id (`?worker=` + Prolific's PROLIFIC_PID or MTurk's workerId). */
  url: string;
  created_at: string;
  revoked_at: string | null;
  /** Most distinct worker ids this link admits, or null for no cap. */
  max_workers: number | null;
  /** Distinct worker ids that have labelled through this link. */
  workers: number;
}

/** An annotator as `GET /api/projects/:id/annotators` lists it. */
export interface AnnotatorView {
  id: number;
  name: string;
  kind: AnnotatorKind;
  labels: number;
  /** Humans: gold checks answered and how many matched; null for judges. */
  gold_checks: { n: number; correct: number } | null;
  blocked: boolean;
  blocked_reason: 'researcher' | 'qualification' | null;
  blocked_at: string | null;
  /** Labels left out of the report and the gold set (kept; restorable). */
  excluded: boolean;
  created_at: string;
}
