/**
 * The annotator swarm: a separate process (forked by ./index.ts) so that 1,000 socket.io clients do not share
 * an event loop with the server they measure. Every annotator loops `task:next` → `label:submit`; the parent
 * switches the phases over IPC (see ./messages.ts). Under `--routing escalate` the project's judges loop here too
 * (one socket per judge token, answering at once), humans answer each item's drawn truth (./simulate.ts), and a
 * `task:next` of null is followed by `session:get`: while it says `waiting`, the client asks again after a pause.
 */
import fs from 'node:fs';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents, SessionInfo, SubmitResult, Task } from '../../shared/protocol';
import { WAIT_FIRST_MS, WAIT_MAX_MS } from '../../judge-worker/worker';
import { Samples } from '../lib/stats';
import type { AckedLabel, FromSwarm, Phase, PhaseReport, SwarmConfig, SwarmReport, ToSwarm } from './messages';
import { asShown, humanAnswer, humanCertainty, judgeAnswer } from './simulate';
import { answer, TaskShapeCheck } from './task-shape';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;
type Command = 'task:next' | 'label:submit' | 'session:get';
type Measured = 'task:next' | 'label:submit';

const send = (m: FromSwarm) => process.send!(m);
// The parent owns this process: if it goes away, so do we.
process.on('disconnect', () => process.exit(1));

let phase: Phase | 'idle' | 'stopped' = 'idle';
/** The phase now (a call, so TypeScript does not narrow it across awaits). */
const current = () => phase;
const acked: AckedLabel[] = [];
const errors: Record<string, number> = {};
let exhausted = 0;
let disconnects = 0;
let judgeLabels = 0;
const waits = { humans: 0, judges: 0 };

interface PhaseStats {
  startedAt: number;
  endedAt?: number;
  cpuAt: NodeJS.CpuUsage;
  cpu?: number;
  loopDelayP99?: number;
  labels: number;
  judgeLabels: number;
  rtt: Record<Measured, Samples>;
}
const stats = new Map<Phase, PhaseStats>();
const loopDelay = monitorEventLoopDelay({ resolution: 10 });

function enter(next: Phase | 'stopped'): void {
  const now = performance.now();
  if (phase !== 'idle' && phase !== 'stopped') {
    const s = stats.get(phase)!;
    s.endedAt = now;
    const cpu = process.cpuUsage(s.cpuAt);
    s.cpu = (cpu.user + cpu.system) / 1000 / (now - s.startedAt);
    s.loopDelayP99 = loopDelay.percentile(99) / 1e6;
  }
  loopDelay.reset();
  if (next !== 'stopped') {
    stats.set(next, { startedAt: now, cpuAt: process.cpuUsage(), labels: 0, judgeLabels: 0, rtt: { 'task:next': new Samples(), 'label:submit': new Samples() } });
  }
  const wasIdle = phase === 'idle';
  phase = next;
  // Think times end at once when pacing stops, so the saturated phase starts saturated.
  if (next === 'saturated' || next === 'drain' || next === 'stopped') wakeAll();
  if (wasIdle && next !== 'stopped') startLoops();
}

// ---------------------------------------------------------------------------------------------
// Cancellable sleeps: paced think time, woken early when the phase changes.

const sleepers = new Set<() => void>();
function think(ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(t);
      sleepers.delete(done);
      resolve();
    };
    const t = setTimeout(done, ms);
    sleepers.add(done);
  });
}
function wakeAll(): void {
  for (const wake of [...sleepers]) wake();
}

// ---------------------------------------------------------------------------------------------

let config: SwarmConfig;
const clients: Array<{ worker: string; socket: Client }> = [];
const judges: Array<{ name: string; socket: Client }> = [];
const loops: Array<Promise<void>> = [];

/** Sends a command and resolves with its ack; a missing ack after the timeout counts as `timeout`. */
async function request<T>(socket: Client, event: Command, input?: unknown): Promise<{ ack: Ack<T> | null; rtt: number; phase: Phase | 'idle' | 'stopped' }> {
  const at = phase;
  const started = performance.now();
  const emitter = socket.timeout(config.ackTimeoutMs) as unknown as { emitWithAck(e: string, ...a: unknown[]): Promise<Ack<T>> };
  try {
    // No payload at all for task:next: socket.io would send `undefined` as null, which the schema refuses.
    const ack = await (input === undefined ? emitter.emitWithAck(event) : emitter.emitWithAck(event, input));
    return { ack, rtt: performance.now() - started, phase: at };
  } catch {
    errors.timeout = (errors.timeout ?? 0) + 1;
    return { ack: null, rtt: performance.now() - started, phase: at };
  }
}

function record(event: Measured, r: { rtt: number; phase: Phase | 'idle' | 'stopped' }): void {
  if (r.phase !== 'idle' && r.phase !== 'stopped') stats.get(r.phase)!.rtt[event].add(r.rtt);
}

function failed(ack: Ack<unknown> | null): boolean {
  if (ack === null) return true;
  if (!ack.ok) errors[ack.error.code] = (errors[ack.error.code] ?? 0) + 1;
  return !ack.ok;
}

const paced = () => phase === 'warmup' || phase === 'paced';
const thinkMs = () => config.thinkMinMs + Math.random() * (config.thinkMaxMs - config.thinkMinMs);
let shapes: TaskShapeCheck;

async function annotate(worker: string, socket: Client): Promise<void> {
  // Stagger the start over one think time so the paced load arrives as a steady stream, not in waves.
  if (paced()) await think(Math.random() * config.thinkMaxMs);
  let seq = 0;
  let waiter = newWaiter();
  while (current() !== 'stopped' && socket.connected) {
    const next = await request<Task | null>(socket, 'task:next');
    record('task:next', next);
    if (failed(next.ack)) {
      await think(100);
      continue;
    }
    const task = (next.ack as { ok: true; data: Task | null }).data;
    if (task === null) {
      if (config.escalate && (await waitForWork(socket, 'humans', waiter))) continue;
      if (current() !== 'stopped') exhausted++;
      return;
    }
    waiter = newWaiter();
    shapes.check(task);
    if (paced()) await think(thinkMs());
    if (current() === 'stopped') return;
    const clientLabelId = `${worker}-${++seq}`;
    const e = config.escalate;
    const value = e ? asShown(humanAnswer(e.seed, worker, task.item.id, e.humanAccuracy), task.order) : answer(config.kind, task);
    const certainty = e ? { certainty: humanCertainty(e.seed, worker, task.item.id) } : {};
    const submit = await request<SubmitResult>(socket, 'label:submit', { leaseId: task.leaseId, value, clientLabelId, ...certainty });
    record('label:submit', submit);
    if (failed(submit.ack)) continue;
    const result = (submit.ack as { ok: true; data: SubmitResult }).data;
    acked.push(Array.isArray(value) ? [worker, task.item.id, task.leaseId, clientLabelId, result.labelId, value] : [worker, task.item.id, task.leaseId, clientLabelId, result.labelId]);
    const now = current();
    if (now !== 'idle' && now !== 'stopped') stats.get(now)!.labels++;
  }
}

/** A client loop's waiting state (a human's, or one judge lane's): its next pause, and whether it took its last look. */
interface Waiter {
  pauseMs: number;
  lastLook: boolean;
}
const newWaiter = (): Waiter => ({ pauseMs: WAIT_FIRST_MS, lastLook: false });

/**
 * After a `task:next` of null: whether to ask again. While the server says work may still come (`session:get`'s
 * `waiting`), after a pause (the judge worker's: 250 ms, doubling to 2 s; a phase change ends one). Told not to
 * wait, the client looks once more, as the judge worker does: work can arrive between the two questions, and then
 * the server no longer says `waiting`.
 */
async function waitForWork(socket: Client, who: 'humans' | 'judges', w: Waiter): Promise<boolean> {
  const r = await request<SessionInfo>(socket, 'session:get', {});
  if (failed(r.ack)) return current() !== 'stopped';
  if (!(r.ack as { ok: true; data: SessionInfo }).data.waiting) {
    if (w.lastLook) return false;
    w.lastLook = true;
    return current() !== 'stopped';
  }
  waits[who]++;
  w.lastLook = false;
  const ms = w.pauseMs;
  w.pauseMs = Math.min(2 * ms, WAIT_MAX_MS);
  await think(ms);
  return current() !== 'stopped';
}

/** One lane of cascade judge `k`: takes a task and answers at once with the drawn verdict and certainty. */
async function judgeLane(k: number, name: string, socket: Client, lane: number): Promise<void> {
  const seed = config.escalate!.seed;
  let seq = 0;
  let waiter = newWaiter();
  while (current() !== 'stopped' && socket.connected) {
    const next = await request<Task | null>(socket, 'task:next');
    if (failed(next.ack)) {
      await think(100);
      continue;
    }
    const task = (next.ack as { ok: true; data: Task | null }).data;
    if (task === null) {
      if (await waitForWork(socket, 'judges', waiter)) continue;
      return;
    }
    waiter = newWaiter();
    const { value, certainty } = judgeAnswer(seed, k, task.item.id);
    const clientLabelId = `${name}-${lane}-${++seq}`;
    const submit = await request<SubmitResult>(socket, 'label:submit', { leaseId: task.leaseId, value: asShown(value, task.order), certainty, clientLabelId });
    if (failed(submit.ack)) continue;
    acked.push([name, task.item.id, task.leaseId, clientLabelId, (submit.ack as { ok: true; data: SubmitResult }).data.labelId]);
    judgeLabels++;
    const now = current();
    if (now !== 'idle' && now !== 'stopped') stats.get(now)!.judgeLabels++;
  }
}

function startLoops(): void {
  for (const c of clients) loops.push(annotate(c.worker, c.socket));
  judges.forEach((j, k) => {
    for (let lane = 0; lane < config.escalate!.lanes; lane++) loops.push(judgeLane(k, j.name, j.socket, lane));
  });
}

/** One connection: a crowd annotator (the invite token and a worker id), or a judge (its own token, no worker). */
function connectOne(worker: string, judgeToken?: string): Promise<Client> {
  return new Promise((resolve, reject) => {
    const socket: Client = ioClient(config.url, {
      auth: judgeToken ? { token: judgeToken } : { token: config.token, worker },
      transports: ['websocket'],
      reconnection: false,
      forceNew: true,
      timeout: 30_000,
    });
    socket.once('connect', () => {
      socket.on('disconnect', () => {
        if (phase !== 'stopped') disconnects++;
      });
      resolve(socket);
    });
    socket.once('connect_error', (e) => {
      socket.close();
      reject(e);
    });
  });
}

async function connectAll(): Promise<void> {
  const started = performance.now();
  const errs: string[] = [];
  let nextIndex = 0;
  const worker = async () => {
    while (nextIndex < config.clients) {
      const i = nextIndex++;
      const id = `bench-worker-${String(i).padStart(5, '0')}`;
      try {
        clients.push({ worker: id, socket: await connectOne(id) });
      } catch (e) {
        if (errs.length < 10) errs.push(`${id}: ${(e as Error).message}`);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(config.connectConcurrency, config.clients) }, worker));
  for (const j of config.escalate?.judges ?? []) {
    try {
      judges.push({ name: j.name, socket: await connectOne(j.name, j.token) });
    } catch (e) {
      errs.push(`judge ${j.name}: ${(e as Error).message}`);
    }
  }
  send({ type: 'connected', connected: clients.length, seconds: (performance.now() - started) / 1000, errors: errs });
}

function phaseReport(s: PhaseStats): PhaseReport {
  const seconds = ((s.endedAt ?? performance.now()) - s.startedAt) / 1000;
  return {
    seconds,
    labels: s.labels,
    labelsPerSecond: s.labels / seconds,
    judgeLabels: s.judgeLabels,
    judgeLabelsPerSecond: s.judgeLabels / seconds,
    rtt: { 'task:next': s.rtt['task:next'].summary(), 'label:submit': s.rtt['label:submit'].summary() },
    cpu: s.cpu ?? 0,
    loopDelayP99: s.loopDelayP99 ?? 0,
  };
}

async function stop(): Promise<void> {
  enter('stopped');
  // Let in-flight commands finish (their acks still count as acknowledged labels), but not forever.
  await Promise.race([Promise.all(loops), new Promise((r) => setTimeout(r, config.ackTimeoutMs + 1000))]);
  fs.writeFileSync(config.labelsFile, acked.map((a) => JSON.stringify(a)).join('\n') + (acked.length ? '\n' : ''));
  const report: SwarmReport = {
    connected: clients.length,
    phases: Object.fromEntries([...stats].map(([p, s]) => [p, phaseReport(s)])),
    labels: acked.length - judgeLabels,
    judgeLabels,
    waits,
    errors,
    exhausted,
    disconnects,
    rssMiB: process.memoryUsage().rss / 2 ** 20,
    tasks: shapes.report(),
  };
  for (const c of [...clients, ...judges]) c.socket.disconnect();
  send({ type: 'report', report });
  process.disconnect();
}

process.on('message', (m: ToSwarm) => {
  const run = async () => {
    if (m.type === 'config') {
      config = m.config;
      shapes = new TaskShapeCheck(config.kind);
      loopDelay.enable();
      await connectAll();
    } else if (m.type === 'phase') {
      enter(m.phase);
      if (m.phase === 'drain') {
        // Until every annotator and judge is told nothing is left (the parent stops it at its cap).
        const started = performance.now();
        await Promise.all(loops);
        send({ type: 'drained', seconds: (performance.now() - started) / 1000, finished: current() === 'drain' });
      }
    } else await stop();
  };
  run().catch((e: unknown) => {
    send({ type: 'fatal', message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exit(1);
  });
});
