/**
 * The routing benchmark's simulated annotators: socket.io clients of the real task protocol, humans joining by an
 * invite with a worker id (as bench/assign's swarm does) and judges by their token (as judge-worker/connection.ts
 * does), each looping `task:next` → `label:submit` through shared/socket-command.ts. Under escalation an annotator
 * may be told nothing is free while items wait for a judge or a threshold (`session:get` says `waiting: true`):
 * it polls after a short sleep, and stops only when `task:next` is null and nothing is waiting.
 */
import { io } from 'socket.io-client';
import type { Task } from '../../shared/protocol';
import { sendCommand, type CommandSocket } from '../../shared/socket-command';
import { sleep } from '../lib/machine';

const ACK_MS = 30_000;

export function connect(url: string, auth: { token: string; worker?: string }): Promise<CommandSocket> {
  return new Promise((resolve, reject) => {
    const socket: CommandSocket = io(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true, timeout: 30_000 });
    socket.once('connect', () => resolve(socket));
    socket.once('connect_error', (e) => {
      socket.close();
      reject(new Error(`${auth.worker ?? 'judge'} could not connect: ${e.message}`));
    });
  });
}

/** What an annotator gives for a task, or null to release it unanswered; `settled` hears whether the label was stored. */
export interface Answerer {
  answer(task: Task): { value: string; certainty?: number } | null;
  settled?(task: Task, stored: boolean): void;
}

export interface LoopStats {
  labels: number;
  /** `session:get` calls that said waiting (each followed by a sleep). */
  waits: number;
  /** Acks that were not ok, by error code. */
  errors: Record<string, number>;
}

/** Loops until nothing is left for this annotator and nothing waits; `stop()` (a deadline) ends it early. */
export async function annotate(socket: CommandSocket, name: string, a: Answerer, o: { pollMs: number; stopped: () => boolean }): Promise<LoopStats> {
  const stats: LoopStats = { labels: 0, waits: 0, errors: {} };
  const fail = (code: string) => (stats.errors[code] = (stats.errors[code] ?? 0) + 1);
  let seq = 0;
  /** The last `task:next` was null and nothing waited then. */
  let idle = false;
  while (!o.stopped()) {
    if (!socket.connected) throw new Error(`${name} lost its connection`);
    const next = await sendCommand(socket, 'task:next', {}, ACK_MS);
    if (!next.ok) throw new Error(`${name}: task:next refused: ${next.error.code}: ${next.error.message}`);
    const task = next.data;
    if (task === null) {
      const session = await sendCommand(socket, 'session:get', {}, ACK_MS);
      if (!session.ok) throw new Error(`${name}: session:get failed: ${session.error.message}`);
      const { waiting, finished, kind } = session.data;
      if (waiting) {
        stats.waits++;
        await sleep(o.pollMs);
        continue;
      }
      // `waiting` is false both when nothing is left and when work arrived between the two calls (a judge just
      // passed an item on): a human who has labelled is told which by `finished`; otherwise a second null in a
      // row, with nothing waiting, is the end.
      if (finished) return stats;
      const told = kind === 'human' && session.data.progress.done > 0; // then `finished` is the answer: work arrived
      if (!told && idle) return stats;
      idle = true;
      continue;
    }
    idle = false;
    const given = a.answer(task);
    if (given === null) {
      await sendCommand(socket, 'task:release', { leaseId: task.leaseId }, ACK_MS);
      a.settled?.(task, false);
      continue;
    }
    const submit = await sendCommand(socket, 'label:submit', { leaseId: task.leaseId, value: given.value, certainty: given.certainty, clientLabelId: `${name}-${++seq}` }, ACK_MS);
    a.settled?.(task, submit.ok);
    if (submit.ok) stats.labels++;
    // A lapsed lease is the protocol at work (the item goes back to the pool); any other refusal is the benchmark's bug.
    else if (submit.error.code === 'lease-expired') fail(submit.error.code);
    else throw new Error(`${name}: label:submit refused: ${submit.error.code}: ${submit.error.message}`);
  }
  return stats;
}
