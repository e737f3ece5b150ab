/**
 * The task protocol: the socket.io events that humans (browser), LLM judge workers and the dashboard use.
 * Server: `Server<ClientToServerEvents, ServerToClientEvents, {}, SocketData>`;
 * clients: `Socket<ServerToClientEvents, ClientToServerEvents>`.
 *
 * Commands are `domain:verb`, take `(input, ack)` and are acknowledged with {@link Ack}.
 */
import type { ErrorBody } from './errors';
import type { AnnotatorKind, JudgeCreate, JudgeStatusReport, Order, RatingScale, Range, RationaleMode, TaskType } from './schemas';

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckFn<T> = (res: Ack<T>) => void;

/** What an annotator (human or judge) sees of an item: content only, never gold, metadata or labels. */
export interface TaskItem {
  id: string;
  question: string;
  /** Pairwise: in display order, so `answer_a` is the answer shown first. */
  answer_a?: string;
  answer_b?: string;
  answer?: string;
  options?: string[];
  reference?: string;
  persona?: string;
  rubric?: string;
}

export interface Task {
  leaseId: string;
  /** Epoch ms at which the lease lapses unless it is submitted or kept alive with `task:heartbeat`. */
  expiresAt: number;
  item: TaskItem;
  /** Pairwise: which canonical answer is shown first (`BA` = the item's answer_b is shown as A). */
  order?: Order;
  /** Judges only: which of the judge's samples of this item (and order) this task is. */
  sample?: number;
}

/** What a connected annotator needs to render the project (sent by `session:get`). */
export interface SessionInfo {
  kind: AnnotatorKind;
  /** `id` is null for a crowd worker until their first label is stored (an id becomes an annotator only then). */
  annotator: { id: number | null; name: string };
  project: {
    id: number;
    /** The public study title (the project's `public_title`, else its name). The internal name is not sent. */
    title: string;
    type: TaskType;
    instructions: string;
    options: string[] | null;
    scale: RatingScale | null;
    certainty: Range | null;
    rationale: RationaleMode;
    /** Only once `finished`: the code a crowd platform pays on, and where to send the annotator. */
    completion_code: string | null;
    redirect_url: string | null;
    /**
     * How long a task is held without a heartbeat, in seconds. A heartbeat extends a lease only up to three times
     * this from when the task was handed out, so a page keeps a task by heartbeats only while its person is active.
     */
    lease_seconds?: number;
  };
  progress: AnnotatorProgress;
  /** A human who has labelled and has nothing left to do here, even once leases held by others lapse. */
  finished: boolean;
  /**
   * Nothing to hand out right now, but items leased by others may come back when their leases lapse: the
   * annotator should come back (or wait) rather than be told they are done.
   */
  waiting: boolean;
  /** Why this human is served nothing more: stopped by a researcher, or by the project's gold-check bar. */
  blocked: 'researcher' | 'qualification' | null;
}

export interface AnnotatorProgress {
  /** Labels this annotator has given in the project. */
  done: number;
  /** The most this annotator may give (the project's cap for humans, the judge's plan), or null if open-ended. */
  target: number | null;
}

export interface SubmitResult {
  labelId: number;
  /** True when this clientLabelId had already been stored: the label was not stored twice. */
  duplicate: boolean;
  progress: AnnotatorProgress;
  /** Set when this annotator is served nothing more (e.g. this label put them below the gold-check bar). */
  blocked?: 'researcher' | 'qualification';
}

/**
 * What a blocked human is told (the `forbidden` message of `task:next`, and the annotator page's end screen):
 * kind words, no blame, and no hint of how the checks work.
 */
export const BLOCKED_MESSAGES: Record<'researcher' | 'qualification', string> = {
  researcher: 'Thank you for your work. The researcher has closed this study to you, so there are no more tasks for you.',
  qualification: 'Thank you for your work. This study needs answers that match its checks more closely, so there are no more tasks for you.',
};

export interface ProjectProgress {
  projectId: number;
  items: { total: number; complete: number; gold: number };
  labels: { human: number; llm: number };
  /** Labels stored in the last 60 seconds, by kind. */
  labels_per_minute: { human: number; llm: number };
  connected: { human: number; llm: number };
  leases: { human: number; llm: number };
  annotators: Array<{
    id: number;
    name: string;
    kind: AnnotatorKind;
    labels: number;
    connected: boolean;
    /** Humans: labels on gold items (quality checks) and how many matched gold; null for judges. */
    gold_checks: { n: number; correct: number } | null;
  }>;
  at: number;
}

export interface ClientToServerEvents {
  'session:get': (input: Record<string, never> | undefined, ack: AckFn<SessionInfo>) => void;
  /** Lease the next task, or `null` when nothing is left for this annotator. */
  'task:next': (input: Record<string, never> | undefined, ack: AckFn<Task | null>) => void;
  'label:submit': (
    input: {
      leaseId: string;
      value: string | number | null;
      certainty?: number | null;
      rationale?: string | null;
      clientLabelId: string;
      meta?: Record<string, unknown>;
    },
    ack: AckFn<SubmitResult>,
  ) => void;
  'task:release': (input: { leaseId: string }, ack: AckFn<null>) => void;
  /** Keeps a lease alive; answers with the new expiry. */
  'task:heartbeat': (input: { leaseId: string }, ack: AckFn<{ expiresAt: number }>) => void;
  /** Researchers only: receive `project:progress` pushes for one project. */
  'project:watch': (input: { projectId: number }, ack: AckFn<ProjectProgress>) => void;
  'project:unwatch': (input: { projectId: number }, ack: AckFn<null>) => void;
  /** Judges only: the judge's registration (what to judge and how), for the worker that runs it. */
  'judge:get': (input: Record<string, never> | undefined, ack: AckFn<JudgeInfo>) => void;
  /** Judges only: the worker's state, counts and last error, shown by `GET /api/projects/:id/judges`. */
  'judge:status': (input: JudgeStatusReport, ack: AckFn<null>) => void;
}

/** A judge's registration as its worker receives it (`judge:get`). */
export interface JudgeInfo {
  id: number;
  name: string;
  config: JudgeCreate;
}

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

export interface ServerToClientEvents {
  'project:progress': (progress: ProjectProgress) => void;
}

/** What the server knows about a socket once its token is accepted. */
export type SocketData =
  | { role: 'admin' }
  | { role: 'annotator'; kind: 'llm'; projectId: number; annotatorId: number; inviteId: null }
  /**
   * A crowd worker who joined by a link: `annotatorId` is null until their first label creates the annotator (see
   * server/auth/crowd.ts); `study` and `session` are the crowd platform's ids from the join URL, stored on each label.
   */
  | { role: 'annotator'; kind: 'human'; projectId: number; annotatorId: number | null; inviteId: number; worker: string; study: string | null; session: string | null };

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
