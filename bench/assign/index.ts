/**
 * The assignment benchmark (issue 2): the real server in this process, 1,000 socket.io annotators in a forked
 * one, looping `task:next` → `label:submit` on a 100,000-item pairwise project with redundancy 3. A paced phase
 * (about one label a second per annotator) measures latency; a saturated one (no think time) throughput. Then
 * the database is checked against every acknowledged label. `--kind` (issue 11) seeds conversations, rankings or
 * items with stored images instead of plain pairs (./setup.ts). `--routing escalate` (issue 13, part 2) puts
 * `--judges` simulated judges first (./swarm.ts, ./simulate.ts), goes on after the saturated phase until every item
 * is decided (`drain`), and checks the routing on the stored labels (./verify-routing.ts).
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { choice, type Options } from '../lib/args';
import { defineBenchmark } from '../lib/benchmark';
import { forkTypescript, LOAD_NODE_FLAGS } from '../lib/child';
import { collectGarbage, schedSnapshot, schedUse, sleep } from '../lib/machine';
import { writeResult } from '../lib/results';
import { EventSamples, round } from '../lib/stats';
import type { FromSwarm, Phase, SwarmReport, ToSwarm } from './messages';
import { verify } from './verify';
import { PHASES, print, roundGc, summarise, SYNCHRONOUS, type GcPauses, type PhaseResult, type ServerPhase } from './summary';
import { startBenchServer } from '../lib/server';
import { startReferenceServer } from './reference';
import { ASSIGN_KINDS, ROUTINGS, setUpProject } from './setup';
import { verifyRouting, type RoutingChecks } from './verify-routing';

export const assign = defineBenchmark({
  summary: 'socket.io annotators looping task:next → label:submit, paced then saturated (issue 2; --kind: issue 11)',
  options: {
    kind: choice(ASSIGN_KINDS, 'the items: plain pairs, MT-Bench two-turn conversation pairs, rankings of 4–5 answers, or pairs with 1–2 stored PNGs of 50–200 KB'),
    clients: { default: 1000, help: 'concurrent annotators (socket.io connections)' },
    items: { default: 100_000, help: 'items in the project' },
    images: { default: 1000, help: '--kind images: distinct PNG files stored (items share them at random)' },
    redundancy: { default: 3, help: 'human labels wanted per item (with --min: the most an item may get)' },
    min: { default: 0, help: 'adaptive redundancy (issue 13): 0 = fixed; n = each item takes n labels, then one more at a time up to --redundancy unless its first n agree' },
    posterior: { default: 0, help: 'with --min: stop when the posterior (the project\'s aggregation, majority) reaches this instead of on agreement; 0 = unanimous' },
    warmup: { default: 5, help: 'seconds of paced load before measuring (JIT, caches)' },
    paced: { default: 25, help: 'seconds of the paced phase (latency)' },
    saturated: { default: 20, help: 'seconds of the saturated phase (throughput)' },
    thinkMin: { default: 500, help: 'shortest think time in ms between a task and its label (paced)' },
    thinkMax: { default: 1500, help: 'longest think time in ms (paced; the mean makes ~1 label/s)' },
    connectConcurrency: { default: 50, help: 'connections opened at once' },
    synchronous: { default: 2, help: "SQLite synchronous: 2 = FULL (the server's setting), 1 = NORMAL to see what fsync costs" },
    routing: choice(ROUTINGS, "issue 13 part 2: parallel leaves the project's routing unset; escalate puts --judges simulated judges first and humans where they are unsure"),
    judges: { default: 1, help: '--routing escalate: judges in the cascade' },
    judgeLanes: { default: 8, help: "--routing escalate: each judge's concurrent task loops (its registered concurrency)" },
    calibration: { default: 0.1, help: '--routing escalate: the calibration share humans always label' },
    humanAccuracy: { default: 0.95, help: "--routing escalate: chance a human answers the item's drawn truth" },
    seed: { default: 13, help: '--routing escalate: seed of the drawn truths, verdicts and certainties' },
    drain: { default: 600, help: '--routing escalate: most seconds to go on after the saturated phase until every item is decided' },
    keep: { default: 0, help: '1 keeps the temporary database folder' },
    reference: { default: 0, help: 'issue 14: 1 runs the same phases again against a bare socket.io server with an in-memory queue (./reference.ts), in this run, and compares round trips' },
  },
  async run(o, { command }) {
    checkOptions(o);
    const escalate = o.routing === 'escalate';
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-assign-'));
    const dbFile = path.join(dir, 'concord.db');
    const labelsFile = path.join(dir, 'acked-labels.ndjson');

    // ---- The server, exactly as `serve` builds it (real pragmas: WAL, synchronous = FULL), on 127.0.0.1.
    const recorder: CommandRecorder = {};
    const server = await startBenchServer(dbFile, {
      // What-if runs only: the server always uses FULL (decision 0001); the labels' own thread (0013) is set below.
      prepare: (db) => o.synchronous !== 2 && db.pragma(`synchronous = ${o.synchronous}`),
      onCommand: (event, t) => recorder.samples?.add(event, t),
    });
    if (o.synchronous !== 2) await server.app.labelWriter.pragma(`synchronous = ${o.synchronous}`);

    let child: ChildProcess | undefined;
    try {
      const setup = await setUpProject(server, o);
      const { projectId, token } = setup;
      const before = await settledMemory(500);

      // ---- The swarm, in its own process.
      child = forkTypescript(path.join(__dirname, 'swarm.ts'), [], LOAD_NODE_FLAGS);
      const swarm = child;
      const messages = inbox(swarm);
      const deadline = setTimeout(() => swarm.kill('SIGKILL'), (o.warmup + o.paced + o.saturated + (escalate ? o.drain : 0) + 150) * 1000);
      deadline.unref();
      const tell = (m: ToSwarm) => swarm.send(m);
      tell({
        type: 'config',
        config: {
          url: server.url,
          token,
          clients: o.clients,
          connectConcurrency: Math.max(1, o.connectConcurrency),
          thinkMinMs: o.thinkMin,
          thinkMaxMs: o.thinkMax,
          ackTimeoutMs: 15_000,
          labelsFile,
          kind: o.kind,
          ...(escalate ? { escalate: { judges: setup.judges.map(({ name, token }) => ({ name, token })), lanes: o.judgeLanes, humanAccuracy: o.humanAccuracy, seed: o.seed } } : {}),
        },
      });
      const connected = await messages.next('connected');
      log(`connected ${connected.connected}/${o.clients} annotators in ${connected.seconds.toFixed(1)} s${connected.errors.length ? `; errors: ${connected.errors.join('; ')}` : ''}`);
      if (connected.connected === 0) throw new Error('No annotator could connect');
      const withClients = await settledMemory(1000);

      const peak = peakRss();
      // Escalate: on without think time until every client is told nothing is left, so every item ends decided.
      const drain = escalate ? () => drained(messages.next('drained'), o.drain) : undefined;
      const phases = await runPhases(o, swarm, tell, recorder, drain);
      const peakRssBytes = peak.stop();
      tell({ type: 'stop' });
      const report = (await messages.next('report')).report;
      await messages.exited;
      clearTimeout(deadline);
      const end = process.memoryUsage();

      // ---- The record, read on a separate connection while the server still runs.
      const t = performance.now();
      // The unanimity check does not apply to the posterior stop (its snapshots are the server's): max still does.
      const checks = verify(dbFile, projectId, o.redundancy, labelsFile, o.posterior > 0 ? 0 : o.min);
      const routing: RoutingChecks | null = escalate ? await verifyRouting(server, dbFile, projectId, o) : null;
      log(`checked ${checks.acked} acknowledged labels against ${checks.stored} stored${routing ? ' and every item\'s routing' : ''} in ${((performance.now() - t) / 1000).toFixed(1)} s`);

      const result = summarise({ o, command, setup, connected, before, withClients, end, peakRssBytes, server: phases, report, checks, routing });
      print(result);
      if (o.reference) Object.assign(result, { reference: compare(result.phases, await runReference(dbFile, projectId, o, labelsFile)) });
      const name = `${o.kind === 'pairwise' ? 'assign' : `assign-${o.kind}`}${o.min ? (o.posterior > 0 ? '-posterior' : '-adaptive') : ''}${escalate ? `-escalate-${o.judges}` : ''}`;
      console.log(`\nwrote ${path.relative(process.cwd(), writeResult(name, result))}`);
      return result.violations === 0 ? 0 : 1;
    } finally {
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await server.close();
      if (o.keep) console.log(`kept ${dir}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

const log = (s: string) => console.log(`[assign] ${s}`);

/** The same swarm and phases against the bare reference server (./reference.ts); its round trips per phase. */
async function runReference(dbFile: string, projectId: number, o: Options<typeof assign.options>, labelsFile: string): Promise<{ phases: SwarmReport['phases']; server: Partial<Record<Phase, ServerPhase>> }> {
  const ref = await startReferenceServer(dbFile, projectId);
  const swarm = forkTypescript(path.join(__dirname, 'swarm.ts'), [], LOAD_NODE_FLAGS);
  try {
    const messages = inbox(swarm);
    const tell = (m: ToSwarm) => swarm.send(m);
    const config = { url: ref.url, token: 'reference', clients: o.clients, connectConcurrency: Math.max(1, o.connectConcurrency), thinkMinMs: o.thinkMin, thinkMaxMs: o.thinkMax, ackTimeoutMs: 15_000, labelsFile: `${labelsFile}.reference`, kind: o.kind };
    tell({ type: 'config', config });
    const connected = await messages.next('connected');
    log(`reference: connected ${connected.connected}/${o.clients} annotators to the bare socket.io server`);
    const server = await runPhases(o, swarm, tell, {});
    tell({ type: 'stop' });
    const report = (await messages.next('report')).report;
    await messages.exited;
    return { phases: report.phases, server };
  } finally {
    if (swarm.exitCode === null && swarm.signalCode === null) swarm.kill('SIGKILL');
    await ref.close();
  }
}

/** The real server's round trips against the reference's, per phase: p99s side by side and their ratio. */
function compare(real: Partial<Record<Phase, PhaseResult>>, ref: { phases: SwarmReport['phases']; server: Partial<Record<Phase, ServerPhase>> }) {
  const out: Record<string, unknown> = {};
  for (const phase of ['paced', 'saturated'] as const) {
    const r = ref.phases[phase];
    const mine = real[phase];
    if (!r || !mine) continue;
    const nextP99 = mine.roundTrip['task:next']?.p99 ?? null;
    const refNextP99 = r.rtt['task:next'].p99;
    out[phase] = {
      taskNextP99Ms: nextP99,
      referenceTaskNextP99Ms: round(refNextP99, 3),
      ratio: nextP99 === null || !refNextP99 ? null : round(nextP99 / refNextP99, 2),
      labelSubmitP99Ms: mine.roundTrip['label:submit']?.p99 ?? null,
      referenceLabelSubmitP99Ms: round(r.rtt['label:submit'].p99, 3),
      labelsPerSecond: mine.labelsPerSecond,
      referenceLabelsPerSecond: round(r.labelsPerSecond, 1),
      serverGc: mine.serverGc,
      referenceServerGc: roundGc(ref.server[phase]?.gc),
      // What each server's process used, and how long its main thread waited for a CPU (the two share the machine
      // with the swarm: a server with more threads busy waits longer).
      serverCpuCores: mine.serverCpuCores,
      referenceServerCpuCores: round(ref.server[phase]?.cpu, 2),
      serverRunQueueWait: mine.serverRunQueueWait,
      referenceServerRunQueueWait: round(ref.server[phase]?.sched?.runQueueWait.server, 3),
    };
  }
  console.log(`\nagainst the bare socket.io reference (same run):\n${JSON.stringify(out, null, 2)}`);
  return out;
}

/** Refuses options that cannot run, naming the flag. */
function checkOptions(o: Options<typeof assign.options>): void {
  if (o.clients < 1 || o.items < 1 || o.redundancy < 1 || o.thinkMax < o.thinkMin) throw new Error('clients, items and redundancy must be ≥ 1, and think-max ≥ think-min');
  if (o.min > o.redundancy) throw new Error('--min must be at most --redundancy (the most an item may get)');
  if (o.reference && (o.kind !== 'pairwise' || o.routing === 'escalate')) throw new Error('--reference 1 serves plain pairs: use it with --kind pairwise and without --routing escalate');
  if (!(o.synchronous in SYNCHRONOUS)) throw new Error('--synchronous must be 0, 1, 2 or 3 (OFF, NORMAL, FULL, EXTRA)');
  if (o.routing !== 'escalate') return;
  if (o.kind === 'ranking') throw new Error('--routing escalate simulates verdicts (A, B, tie): use a pairwise --kind, not ranking');
  if (o.judges < 1 || o.judgeLanes < 1 || o.calibration <= 0 || o.calibration > 1 || o.humanAccuracy > 1)
    throw new Error('--routing escalate needs --judges ≥ 1, --judge-lanes ≥ 1, 0 < --calibration ≤ 1 and --human-accuracy ≤ 1');
}

/** Where the server's command hook records, while a phase is measured. */
type CommandRecorder = { samples?: EventSamples };

/** The server's peak RSS, sampled every 100 ms until stopped (the data URLs of a task are transient). */
function peakRss(): { stop(): number } {
  let peak = process.memoryUsage().rss;
  const t = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
  return {
    stop() {
      clearInterval(t);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

/** Memory use once garbage is collected and the process has settled for `pauseMs`. */
async function settledMemory(pauseMs: number): Promise<NodeJS.MemoryUsage> {
  collectGarbage();
  await sleep(pauseMs);
  collectGarbage();
  return process.memoryUsage();
}

/** Resolves when the swarm says every client was told nothing is left, or after `capSeconds`. */
async function drained(done: Promise<{ seconds: number; finished: boolean }>, capSeconds: number): Promise<void> {
  let cap: NodeJS.Timeout | undefined;
  const timedOut = new Promise<null>((resolve) => (cap = setTimeout(() => resolve(null), capSeconds * 1000)));
  const r = await Promise.race([done, timedOut]);
  clearTimeout(cap);
  log(r ? `drained: every annotator and judge told nothing is left after ${r.seconds.toFixed(1)} s` : `drain stopped at its cap of ${capSeconds} s with clients still working`);
}

/**
 * The phases: the parent switches them so server-side samples and round trips cover the same span. The timed
 * phases sleep their seconds; `drain` (escalate) lasts until `drain` resolves.
 */
async function runPhases(o: Record<Exclude<Phase, 'drain'>, number>, swarm: ChildProcess, tell: (m: ToSwarm) => void, recorder: CommandRecorder, drain?: () => Promise<void>): Promise<Partial<Record<Phase, ServerPhase>>> {
  const server: Partial<Record<Phase, ServerPhase>> = {};
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const gc = gcPauses();
  for (const phase of [...PHASES, ...(drain ? (['drain'] as const) : [])]) {
    const seconds = phase === 'drain' ? 0 : o[phase];
    if (seconds <= 0 && phase !== 'drain') continue;
    const samples = new EventSamples();
    recorder.samples = samples;
    loop.reset();
    gc.take();
    const cpu = process.cpuUsage();
    const pids = { server: process.pid, swarm: swarm.pid! };
    const sched = schedSnapshot(pids);
    const started = performance.now();
    tell({ type: 'phase', phase });
    log(phase === 'drain' ? 'drain phase: until every item is decided' : `${phase} phase: ${seconds} s`);
    await (phase === 'drain' ? drain!() : sleep(seconds * 1000));
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - started;
    const machineUse = schedUse(sched, schedSnapshot(pids));
    server[phase] = { commands: samples.summary(), cpu: (used.user + used.system) / 1000 / wall, loopDelayP99: loop.percentile(99) / 1e6, gc: gc.take(), sched: machineUse };
  }
  recorder.samples = undefined;
  loop.disable();
  gc.stop();
  return server;
}

/** This thread's garbage-collection pauses (V8's `gc` performance entries), taken span by span. */
function gcPauses(): { take(): GcPauses; stop(): void } {
  let span: GcPauses = { pauses: 0, totalMs: 0, longestMs: 0 };
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      span.pauses++;
      span.totalMs += e.duration;
      span.longestMs = Math.max(span.longestMs, e.duration);
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return {
    take() {
      const taken = span;
      span = { pauses: 0, totalMs: 0, longestMs: 0 };
      return taken;
    },
    stop: () => observer.disconnect(),
  };
}

/** Awaits typed messages from the swarm; fails if it reports a fatal error or exits first. */
function inbox(child: ChildProcess) {
  const waiting = new Map<string, (m: FromSwarm) => void>();
  const received = new Map<string, FromSwarm>();
  let failure: Error | undefined;
  const fail = new Set<(e: Error) => void>();
  // 'close' rather than 'exit': it comes after the IPC channel has delivered everything the swarm sent.
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.on('message', (m: FromSwarm) => {
    if (m.type === 'fatal') {
      failure = new Error(`The swarm failed: ${m.message}`);
      for (const f of fail) f(failure);
      return;
    }
    const w = waiting.get(m.type);
    if (w) w(m);
    else received.set(m.type, m);
  });
  child.once('close', (code, signal) => {
    failure ??= new Error(`The swarm exited (${signal ?? code}) before reporting`);
    for (const f of fail) f(failure);
  });
  return {
    exited,
    next<K extends FromSwarm['type']>(type: K): Promise<Extract<FromSwarm, { type: K }>> {
      return new Promise((resolve, reject) => {
        const got = received.get(type);
        if (got) return resolve(got as Extract<FromSwarm, { type: K }>);
        if (failure) return reject(failure);
        fail.add(reject);
        waiting.set(type, (m) => {
          fail.delete(reject);
          resolve(m as Extract<FromSwarm, { type: K }>);
        });
      });
    },
  };
}
