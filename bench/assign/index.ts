/**
 * The assignment benchmark (issue 2): the real server in this process, 1,000 socket.io annotators in a forked
 * one, looping `task:next` → `label:submit` on a 100,000-item pairwise project with redundancy 3. A paced phase
 * (about one label a second per annotator) measures latency; a saturated one (no think time) throughput. Then
 * the database is checked against every acknowledged label.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { defineBenchmark } from '../lib/benchmark';
import { forkTypescript } from '../lib/child';
import { collectGarbage, schedSnapshot, schedUse, sleep, type SchedUse } from '../lib/machine';
import { resultHead, writeResult } from '../lib/results';
import { EventSamples, ms, round, table, type Summary } from '../lib/stats';
import type { FromSwarm, Phase, SwarmReport, ToSwarm } from './messages';
import { verify, type Verification } from './verify';
import { startBenchServer, type BenchServer } from '../lib/server';

const PHASES: Phase[] = ['warmup', 'paced', 'saturated'];

const SYNCHRONOUS: Record<number, string> = { 0: 'OFF', 1: 'NORMAL', 2: 'FULL', 3: 'EXTRA' };

const TARGETS = {
  pacedNextP99Ms: 20,
  saturatedLabelsPerSecond: 2000,
  rssPerAnnotatorKB: 50,
};

export const assign = defineBenchmark({
  summary: 'socket.io annotators looping task:next → label:submit, paced then saturated (issue 2)',
  options: {
    clients: { default: 1000, help: 'concurrent annotators (socket.io connections)' },
    items: { default: 100_000, help: 'items in the pairwise project' },
    redundancy: { default: 3, help: 'human labels wanted per item' },
    warmup: { default: 5, help: 'seconds of paced load before measuring (JIT, caches)' },
    paced: { default: 25, help: 'seconds of the paced phase (latency)' },
    saturated: { default: 20, help: 'seconds of the saturated phase (throughput)' },
    thinkMin: { default: 500, help: 'shortest think time in ms between a task and its label (paced)' },
    thinkMax: { default: 1500, help: 'longest think time in ms (paced; the mean makes ~1 label/s)' },
    connectConcurrency: { default: 50, help: 'connections opened at once' },
    synchronous: { default: 2, help: "SQLite synchronous: 2 = FULL (the server's setting), 1 = NORMAL to see what fsync costs" },
    keep: { default: 0, help: '1 keeps the temporary database folder' },
  },
  async run(o, { command }) {
    if (o.clients < 1 || o.items < 1 || o.redundancy < 1 || o.thinkMax < o.thinkMin) throw new Error('clients, items and redundancy must be ≥ 1, and think-max ≥ think-min');
    if (!(o.synchronous in SYNCHRONOUS)) throw new Error('--synchronous must be 0, 1, 2 or 3 (OFF, NORMAL, FULL, EXTRA)');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-assign-'));
    const dbFile = path.join(dir, 'concord.db');
    const labelsFile = path.join(dir, 'acked-labels.ndjson');

    // ---- The server, exactly as `serve` builds it (real pragmas: WAL, synchronous = FULL), on 127.0.0.1.
    const recorder: CommandRecorder = {};
    const server = await startBenchServer(dbFile, {
      // Only for a what-if run: the server itself always uses FULL (docs/decisions/0001-sqlite-durability.md).
      prepare: (db) => o.synchronous !== 2 && db.pragma(`synchronous = ${o.synchronous}`),
      onCommand: (event, t) => recorder.samples?.add(event, t),
    });

    let child: ChildProcess | undefined;
    try {
      const { projectId, importSeconds, token } = await setUpProject(server, o.items, o.redundancy);
      const before = await settledMemory(500);

      // ---- The swarm, in its own process.
      child = forkTypescript(path.join(__dirname, 'swarm.ts'));
      const swarm = child;
      const messages = inbox(swarm);
      const deadline = setTimeout(() => swarm.kill('SIGKILL'), (o.warmup + o.paced + o.saturated + 150) * 1000);
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
        },
      });
      const connected = await messages.next('connected');
      log(`connected ${connected.connected}/${o.clients} annotators in ${connected.seconds.toFixed(1)} s${connected.errors.length ? `; errors: ${connected.errors.join('; ')}` : ''}`);
      if (connected.connected === 0) throw new Error('No annotator could connect');
      const withClients = await settledMemory(1000);

      const phases = await runPhases(o, swarm, tell, recorder);
      tell({ type: 'stop' });
      const report = (await messages.next('report')).report;
      await messages.exited;
      clearTimeout(deadline);
      const end = process.memoryUsage();

      // ---- The record, read on a separate connection while the server still runs.
      const t = performance.now();
      const checks = verify(dbFile, projectId, o.redundancy, labelsFile);
      log(`checked ${checks.acked} acknowledged labels against ${checks.stored} stored in ${((performance.now() - t) / 1000).toFixed(1)} s`);

      const result = summarise({ o, command, importSeconds, connected, before, withClients, end, server: phases, report, checks });
      print(result);
      console.log(`\nwrote ${path.relative(process.cwd(), writeResult('assign', result))}`);
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

/** Where the server's command hook records, while a phase is measured. */
type CommandRecorder = { samples?: EventSamples };

/** The project, through the real REST API: items imported (timed), an invite, and its pool loaded. */
async function setUpProject(server: BenchServer, items: number, redundancy: number): Promise<{ projectId: number; importSeconds: number; token: string }> {
  const { api } = server;
  const project = await api<{ id: number }>('POST', '/api/projects', JSON.stringify({ name: 'Assignment benchmark', type: 'pairwise', redundancy }));
  const jsonl = itemsJsonl(items);
  const t = performance.now();
  const imported = await api<{ imported: number }>('POST', `/api/projects/${project.id}/items`, jsonl, 'application/x-ndjson');
  const importSeconds = (performance.now() - t) / 1000;
  log(`imported ${imported.imported} items (${(jsonl.length / 2 ** 20).toFixed(1)} MiB of JSONL) in ${importSeconds.toFixed(1)} s`);
  const invite = await api<{ token: string }>('POST', `/api/projects/${project.id}/invites`, '{}');
  // A running server has its pool loaded: load it now (progress reads it) so it is not counted per annotator.
  await api('GET', `/api/projects/${project.id}/progress`);
  return { projectId: project.id, importSeconds, token: invite.token };
}

/** Memory use once garbage is collected and the process has settled for `pauseMs`. */
async function settledMemory(pauseMs: number): Promise<NodeJS.MemoryUsage> {
  collectGarbage();
  await sleep(pauseMs);
  collectGarbage();
  return process.memoryUsage();
}

/** The phases: the parent switches them so server-side samples and round trips cover the same span. */
async function runPhases(o: Record<Phase, number>, swarm: ChildProcess, tell: (m: ToSwarm) => void, recorder: CommandRecorder): Promise<Partial<Record<Phase, ServerPhase>>> {
  const server: Partial<Record<Phase, ServerPhase>> = {};
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  for (const phase of PHASES) {
    const seconds = o[phase];
    if (seconds <= 0) continue;
    const samples = new EventSamples();
    recorder.samples = samples;
    loop.reset();
    const cpu = process.cpuUsage();
    const pids = { server: process.pid, swarm: swarm.pid! };
    const sched = schedSnapshot(pids);
    const started = performance.now();
    tell({ type: 'phase', phase });
    log(`${phase} phase: ${seconds} s`);
    await sleep(seconds * 1000);
    const used = process.cpuUsage(cpu);
    const wall = performance.now() - started;
    const machineUse = schedUse(sched, schedSnapshot(pids));
    server[phase] = { commands: samples.summary(), cpu: (used.user + used.system) / 1000 / wall, loopDelayP99: loop.percentile(99) / 1e6, sched: machineUse };
  }
  recorder.samples = undefined;
  loop.disable();
  return server;
}

type Commands = { 'task:next': Summary | null; 'label:submit': Summary | null };

interface PhaseResult {
  seconds: number | null;
  labels: number;
  labelsPerSecond: number | null;
  serverSide: Commands;
  roundTrip: Commands;
  serverCpuCores: number | null;
  swarmCpuCores: number | null;
  serverLoopDelayP99Ms: number | null;
  swarmLoopDelayP99Ms: number | null;
  /** All CPUs busy, by any process (other sessions on a shared machine included). */
  machineBusyCores: number | null;
  /** Share of the phase each main thread was ready to run but waited for a CPU. */
  serverRunQueueWait: number | null;
  swarmRunQueueWait: number | null;
}

interface ServerPhase {
  commands: Record<string, Summary>;
  /** Server process CPU as a share of one core. */
  cpu: number;
  loopDelayP99: number;
  sched: SchedUse | null;
}

/** Pairwise items of a realistic size (a question and two answers of a few hundred characters). */
function itemsJsonl(n: number): string {
  const filler = 'The answer explains its reasoning in a few sentences, as a model would, with enough text to matter. ';
  const lines: string[] = [];
  for (let i = 1; i <= n; i++) {
    lines.push(
      JSON.stringify({
        id: `q${i}`,
        question: `Question ${i}: which of these two answers is more helpful and correct?`,
        answer_a: `Answer A to ${i}. ${filler}${filler}`,
        answer_b: `Answer B to ${i}. ${filler}${filler}`,
      }),
    );
  }
  return lines.join('\n') + '\n';
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

const MiB = (bytes: number) => round(bytes / 2 ** 20, 1)!;

function summarise(x: {
  o: Record<string, number>;
  command: string;
  importSeconds: number;
  connected: { connected: number; seconds: number; errors: string[] };
  before: NodeJS.MemoryUsage;
  withClients: NodeJS.MemoryUsage;
  end: NodeJS.MemoryUsage;
  server: Partial<Record<Phase, ServerPhase>>;
  report: SwarmReport;
  checks: Verification;
}) {
  const { o, report, server, checks } = x;
  const n = x.connected.connected;
  // KB = 1,000 bytes (the stricter reading of the target).
  const perAnnotatorKB = (x.withClients.rss - x.before.rss) / n / 1000;
  // RSS keeps pages the import freed, so new sockets partly reuse them: the JS heap + external growth shows
  // what the sockets themselves hold.
  const heapPerAnnotatorKB = (x.withClients.heapUsed + x.withClients.external - x.before.heapUsed - x.before.external) / n / 1000;
  const phases: Partial<Record<Phase, PhaseResult>> = {};
  for (const p of PHASES) {
    const c = report.phases[p];
    if (!c) continue;
    const s = server[p];
    phases[p] = {
          seconds: round(c.seconds),
          labels: c.labels,
          labelsPerSecond: round(c.labelsPerSecond, 1),
          serverSide: { 'task:next': roundSummary(s?.commands['task:next']), 'label:submit': roundSummary(s?.commands['label:submit']) },
          roundTrip: { 'task:next': roundSummary(c.rtt['task:next']), 'label:submit': roundSummary(c.rtt['label:submit']) },
          serverCpuCores: round(s?.cpu ?? 0),
          swarmCpuCores: round(c.cpu),
          serverLoopDelayP99Ms: round(s?.loopDelayP99 ?? 0),
          swarmLoopDelayP99Ms: round(c.loopDelayP99),
          machineBusyCores: round(s?.sched?.machineBusyCores),
          serverRunQueueWait: round(s?.sched?.runQueueWait.server, 3),
          swarmRunQueueWait: round(s?.sched?.runQueueWait.swarm, 3),
    };
  }
  const violations = checks.overRedundancy + checks.duplicateLabels + checks.ackedMissing + checks.ackedTwice;
  const nextP99 = phases.paced?.serverSide['task:next']?.p99 ?? null;
  const saturated = phases.saturated?.labelsPerSecond ?? null;
  const targets = [
    { name: 'paced task:next p99, server-side', target: `≤ ${TARGETS.pacedNextP99Ms} ms`, value: nextP99, unit: 'ms', met: nextP99 !== null && nextP99 <= TARGETS.pacedNextP99Ms },
    { name: 'saturated throughput, every label durable', target: `≥ ${TARGETS.saturatedLabelsPerSecond} labels/s`, value: saturated, unit: 'labels/s', met: saturated !== null && saturated >= TARGETS.saturatedLabelsPerSecond && checks.ackedMissing === 0 },
    { name: 'RSS per connected annotator', target: `≤ ${TARGETS.rssPerAnnotatorKB} KB`, value: round(perAnnotatorKB, 1), unit: 'KB', met: perAnnotatorKB <= TARGETS.rssPerAnnotatorKB },
    { name: 'violations', target: '0', value: violations, unit: '', met: violations === 0 },
  ];
  return {
    ...resultHead('assign', x.command, o),
    synchronous: SYNCHRONOUS[o.synchronous ?? 2] ?? String(o.synchronous),
    setup: { importSeconds: round(x.importSeconds, 1), connectSeconds: round(x.connected.seconds, 1), connected: n, connectErrors: x.connected.errors },
    phases,
    memory: {
      rssBeforeMiB: MiB(x.before.rss),
      rssConnectedMiB: MiB(x.withClients.rss),
      rssEndMiB: MiB(x.end.rss),
      rssPerAnnotatorKB: round(perAnnotatorKB, 1),
      heapPerAnnotatorKB: round(heapPerAnnotatorKB, 1),
      swarmRssMiB: round(report.rssMiB, 1),
    },
    swarm: { labels: report.labels, errors: report.errors, exhausted: report.exhausted, disconnects: report.disconnects },
    checks,
    violations,
    targets,
  };
}

function roundSummary(s: Summary | undefined): Summary | null {
  if (!s) return null;
  return { count: s.count, p50: round(s.p50, 3), p90: round(s.p90, 3), p99: round(s.p99, 3), max: round(s.max, 3), mean: round(s.mean, 3) };
}

function print(r: ReturnType<typeof summarise>): void {
  const o = r.options;
  const m = r.machine;
  console.log(`\nAssignment benchmark: ${r.setup.connected} annotators, ${o.items} pairwise items, redundancy ${o.redundancy}, synchronous = ${r.synchronous}`);
  console.log(`${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}; import ${r.setup.importSeconds} s, connect ${r.setup.connectSeconds} s\n`);
  const phases = PHASES.filter((p) => r.phases[p]);
  console.log(
    table(
      ['phase', 'seconds', 'labels', 'labels/s', 'server CPU', 'swarm CPU', 'all CPUs busy', 'server waits for CPU', 'server loop delay p99'],
      phases.map((p) => {
        const x = r.phases[p]!;
        const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
        return [p, String(x.seconds), String(x.labels), String(x.labelsPerSecond), `${x.serverCpuCores} cores`, `${x.swarmCpuCores} cores`, x.machineBusyCores === null ? '–' : `${x.machineBusyCores} cores`, pct(x.serverRunQueueWait), ms(x.serverLoopDelayP99Ms)];
      }),
    ),
  );
  console.log('');
  const rows: string[][] = [];
  for (const p of phases) {
    const x = r.phases[p]!;
    for (const e of ['task:next', 'label:submit'] as const) {
      const s = x.serverSide[e];
      const c = x.roundTrip[e];
      rows.push([p, e, ms(s?.p50), ms(s?.p99), ms(c?.p50), ms(c?.p99), String(c?.count ?? 0)]);
    }
  }
  console.log(table(['phase', 'command', 'server p50', 'server p99', 'round trip p50', 'round trip p99', 'commands'], rows));
  console.log('');
  const mem = r.memory;
  console.log(`server RSS ${mem.rssBeforeMiB} MiB before connecting, ${mem.rssConnectedMiB} MiB with ${r.setup.connected} connected → ${mem.rssPerAnnotatorKB} KB per annotator (JS heap + external ${mem.heapPerAnnotatorKB} KB); ${mem.rssEndMiB} MiB at the end`);
  const errs = Object.entries(r.swarm.errors);
  console.log(`swarm: ${r.swarm.labels} labels acknowledged; errors ${errs.length ? errs.map(([k, v]) => `${k} ${v}`).join(', ') : 'none'}; disconnects ${r.swarm.disconnects}; told nothing left ${r.swarm.exhausted}`);
  console.log('');
  const c = r.checks;
  console.log(
    table(
      ['check (must be 0)', 'violations'],
      [
        ['items over redundancy', String(c.overRedundancy)],
        ['annotator labelled an item twice', String(c.duplicateLabels)],
        [`acknowledged label not in the database (of ${c.acked}; ${c.stored} stored)`, String(c.ackedMissing)],
        ['clientLabelId acknowledged twice', String(c.ackedTwice)],
      ],
    ),
  );
  console.log(`items by human label count: ${Object.entries(c.itemsByLabelCount).map(([k, v]) => `${k}: ${v}`).join(', ')}`);
  console.log('');
  console.log(table(['target', 'wanted', 'measured', ''], r.targets.map((t) => [t.name, t.target, `${t.value ?? '–'} ${t.unit}`.trim(), t.met ? 'met' : 'MISSED'])));
}
