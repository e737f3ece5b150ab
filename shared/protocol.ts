/**
 * The task protocol: the socket.io events that humans (browser), LLM judge workers and the dashboard use.
 * Server: `Server<ClientToServerEvents, ServerToClientEvents, {}, SocketData>`;
 * clients: `Socket<ServerToClientEvents, ClientToServerEvents>`.
 *
 * Commands are `domain:verb`, take `(input, ack)` and are acknowledged with {@link Ack}.
 */
import type { ErrorBody } from './errors';
import type { ChatTurn, ImageRef } from './conversation';
import type { RoutingState } from './routing';
import type { z } from 'zod';
import type { AnnotatorKind, COMMAND_INPUTS as CommandInputs, JudgeCreate, Order, RatingScale, Range, RationaleMode, TaskType } from './schemas';

export type Ack<T> = { ok: true; data: T } | { ok: false; error: ErrorBody };
export type AckFn<T> = (res: Ack<T>) => void;

/**
 * What an annotator (human or judge) sees of an item: content only, never gold, metadata or labels. Images are
 * `data:` URLs for files stored with the import (only a task carries them) or the item's own http(s) URLs.
 */
export interface TaskItem {
  id: string;
  /** Conversations: the judged turn's user message. */
  question: string;
  /** Pairwise: in display order, so `answer_a` is the answer shown first. Conversations: the judged turn's last reply. */
  answer_a?: string;
  answer_b?: string;
  answer?: string;
  /** Ranking: the answers in display order (shuffled per task; the server keeps the order with the lease). */
  answers?: string[];
  options?: string[];
  reference?: string;
  persona?: string;
  rubric?: string;
  /**
   * Conversations, up to the end of the judged turn (later turns are not context): pairwise in display order
   * (`conversation_a` is the one shown first), rating as `conversation`.
   */
  conversation_a?: ChatTurn[];
  conversation_b?: ChatTurn[];
  conversation?: ChatTurn[];
  /** Conversations: the judged turn (1-based count of user messages). */
  turn?: number;
  images?: ImageRef[];
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

/**
 * A project's live progress: the `project:watch` snapshot and `project:progress` pushes, and the body of
 * `GET /api/projects/:id/progress`. One object on both transports, so it keeps the REST API's snake_case names.
 */
export interface ProjectProgress {
  project_id: number;
  items: { total: number; complete: number; gold: number };
  labels: { human: number; llm: number };
  /** Labels stored in the last 60 seconds, by kind. */
  labels_per_minute: { human: number; llm: number };
  connected: { human: number; llm: number };
  leases: { human: number; llm: number };
  /**
   * Human labels spent against the fixed-redundancy budget (items × the most labels an item may get: `redundancy`,
   * or its `max` when adaptive), and `per_item[k]` = how many items have k human labels.
   */
  human_budget: { spent: number; budget: number; per_item: number[] };
  /** Under `escalate` routing: who decides the items, and each judge's certified threshold; null otherwise. */
  routing: RoutingState | null;
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

/**
 * What each command answers with (inside its {@link Ack}). Each command's input is its zod schema's input type
 * (`COMMAND_INPUTS` in schemas.ts), so a schema change is a type error in the server, the browser and the worker.
 */
export interface CommandResults {
  'session:get': SessionInfo;
  /** The next task, or `null` when nothing is left for this annotator. */
  'task:next': Task | null;
  'label:submit': SubmitResult;
  'task:release': null;
  /** Keeps a lease alive; answers with the new expiry. */
  'task:heartbeat': { expiresAt: number };
  /** Researchers only: a snapshot, then `project:progress` pushes for that project. */
  'project:watch': ProjectProgress;
  'project:unwatch': null;
  /** Judges only: the judge's registration (what to judge and how), for the worker that runs it. */
  'judge:get': JudgeInfo;
  /** Judges only: the worker's state, counts and last error, shown by `GET /api/projects/:id/judges`. */
  'judge:status': null;
}

export type CommandName = keyof CommandResults;
/** What a client sends with a command (before the server's defaults apply). */
export type CommandInput<E extends CommandName> = z.input<(typeof CommandInputs)[E]>;
/** What the server's handler receives, after validation. */
export type CommandPayload<E extends CommandName> = z.output<(typeof CommandInputs)[E]>;
export type CommandResult<E extends CommandName> = CommandResults[E];

/** The socket.io event map, derived from the two maps above. */
export type ClientToServerEvents = { [E in CommandName]: (input: CommandInput<E>, ack: AckFn<CommandResult<E>>) => void };

/** A judge's registration as its worker receives it (`judge:get`). */
export interface JudgeInfo {
  id: number;
  name: string;
  config: JudgeCreate;
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


