import type { Summary } from '../lib/stats';

/**
 * The IPC contract between the assign benchmark's server process (parent) and its annotator swarm (child).
 * The parent drives the phases so that its server-side samples and the swarm's round trips cover the same span.
 */
export type Phase = 'warmup' | 'paced' | 'saturated';

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
}

export type ToSwarm = { type: 'config'; config: SwarmConfig } | { type: 'phase'; phase: Phase } | { type: 'stop' };

export interface PhaseReport {
  seconds: number;
  /** Labels whose ack arrived during the phase. */
  labels: number;
  labelsPerSecond: number;
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
  disconnects: number;
  rssMiB: number;
}

/** One acknowledged label as the NDJSON file holds it: [worker, item external id, leaseId, clientLabelId, labelId]. */
export type AckedLabel = [worker: string, item: string, leaseId: string, clientLabelId: string, labelId: number];

export type FromSwarm =
  | { type: 'connected'; connected: number; seconds: number; errors: string[] }
  | { type: 'report'; report: SwarmReport }
  | { type: 'fatal'; message: string };
