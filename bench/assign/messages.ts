import type { Summary } from '../lib/stats';
import type { AssignKind } from './setup';

/**
 * The IPC contract between the assign benchmark's server process (parent) and its annotator swarm (child).
 * The parent drives the phases so that its server-side samples and the swarm's round trips cover the same span.
 */
export type Phase = 'warmup' | 'paced' | 'saturated' | 'drain';

/**
 * `--routing escalate` (issue 13, part 2): the project's judges, simulated in the swarm (one socket per judge token,
 * `lanes` loops each answering at once), and the humans' accuracy against each item's drawn truth.
 */
export interface EscalateConfig {
  judges: Array<{ name: string; token: string }>;
  lanes: number;
  /** Chance a human answers an item's truth (the rest split between the other two verdicts). */
  humanAccuracy: number;
  seed: number;
}

export interface SwarmConfig {
  url: string;
  token: string;
  clients: number;
  /** Connections opened at once while connecting. */
  connectConcurrency: number;
  /** Think time between receiving a task and submitting it in the paced phases, in ms (uniform). */
  thinkMinMs: number;
  thinkMaxMs: number;
  /** Round trips that take longer count as timeouts. */
  ackTimeoutMs: number;
  /** NDJSON file the swarm writes every acknowledged label to. */
  labelsFile: string;
  /** What the items are, so the swarm answers each task with a value of the right type and checks its shape. */
  kind: AssignKind;
  /** Escalation: judges first, humans answer the drawn truth, and every client waits while the server says `waiting`. */
  escalate?: EscalateConfig;
}

/** `drain`: go on without think time until every annotator and judge is told nothing is left (escalate only). */
export type ToSwarm = { type: 'config'; config: SwarmConfig } | { type: 'phase'; phase: Phase } | { type: 'stop' };

export interface PhaseReport {
  seconds: number;
  /** Human labels whose ack arrived during the phase. */
  labels: number;
  labelsPerSecond: number;
  /** Judge labels whose ack arrived during the phase (escalate), and per second. */
  judgeLabels: number;
  judgeLabelsPerSecond: number;
  /** Round trips of commands sent during the phase, ms. */
  rtt: { 'task:next': Summary; 'label:submit': Summary };
  /** Swarm process CPU during the phase, as a share of one core. */
  cpu: number;
  /** Swarm event-loop delay p99, ms: how much of a round trip may be the client's own queueing. */
  loopDelayP99: number;
}

export interface SwarmReport {
  connected: number;
  phases: Partial<Record<Phase, PhaseReport>>;
  labels: number;
  /** Acks that were not ok, by error code (and `timeout`). */
  errors: Record<string, number>;
  /** Annotators told nothing was left for them. */
  exhausted: number;
  /** Escalate: judge labels acknowledged, `session:get` asks after a `task:next` of null that said to wait (humans, judges). */
  judgeLabels: number;
  waits: { humans: number; judges: number };
  disconnects: number;
  rssMiB: number;
  /** What the tasks carried (issue 11): each task's shape is checked; sizes are of the `task:next` ack's data. */
  tasks: TaskShapes;
}

export interface TaskShapes {
  received: number;
  /** Tasks without what their kind must carry (both conversations, the answers, every image as a `data:` URL). */
  malformed: number;
  /** The first few problems found, for the report. */
  problems: string[];
  /** Mean characters of a task as JSON, from every 50th task (stringifying all would load the swarm). */
  meanJsonChars: number | null;
  /** Images received, and the mean bytes of their attached files per task. */
  images: number;
  meanImageBytes: number | null;
}

/**
 * One acknowledged label as the NDJSON file holds it: [worker, item external id, leaseId, clientLabelId, labelId],
 * and for a ranking the ranking sent, in display positions (the check maps it through the stored permutation).
 */
export type AckedLabel = [worker: string, item: string, leaseId: string, clientLabelId: string, labelId: number, shown?: number[][]];

export type FromSwarm =
  | { type: 'connected'; connected: number; seconds: number; errors: string[] }
  | { type: 'report'; report: SwarmReport }
  | { type: 'drained'; seconds: number; finished: boolean }
  | { type: 'fatal'; message: string };
