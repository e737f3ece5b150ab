/**
 * The judge fleet benchmark (issue 14, part 3): one Concord server (as `serve` builds it, in a process of its own:
 * ./fleet/server-child.ts), instant OpenAI-compatible endpoints (./judge-child.ts, one process each), `--workers`
 * judge workers of `--lanes` lanes each (the real `concord judge` command, one process each: ./fleet/workers.ts)
 * and `--humans` paced human annotators over socket.io (the assignment benchmark's swarm, ./assign/swarm.ts), all
 * on the same server. After a warm-up, a steady window measures judgments committed per second, the server's
 * event-loop delay and CPU, every process's CPU, and the humans' `task:next` server-side. `--profile 1` writes the
 * server's CPU profile over the window and lists where its time went.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineBenchmark } from './lib/benchmark';
import { forkTypescript, LOAD_NODE_FLAGS } from './lib/child';
import { schedSnapshot, schedUse, sleep } from './lib/machine';
import { writeResult } from './lib/results';
import type { FromSwarm, SwarmReport, ToSwarm } from './assign/messages';
import type { FromChild } from './judge-child';
import { loadAverage, totalCpuSeconds } from './fleet/proc';
import { hotFunctions } from './fleet/profile';
import { print, summarise, type Measured } from './fleet/report';
import type { FromServer, ToServer, WindowReading } from './fleet/server-child';
import { restApi, setUpFleetProject, type FleetProject } from './fleet/setup';
import { startWorker, stopWorkers, type FleetWorker } from './fleet/workers';

const log = (s: string) => console.log(`[fleet] ${s}`);

/** The next IPC message of a type from a child; rejects on its error report or its exit. */
function nextMessage<M extends { type: string }, K extends M['type']>(child: ChildProcess, type: K): Promise<Extract<M, { type: K }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: M) => {
      if (m.type === 'error' || m.type === 'fatal') done(() => reject(new Error(`child failed: ${JSON.stringify(m)}`)));
      else if (m.type === type) done(() => resolve(m as Extract<M, { type: K }>));
    };
    const onExit = (code: number | null, signal: string | null) => done(() => reject(new Error(`child exited (${signal ?? code}) before sending ${type}`)));
    const done = (then: () => void) => {
      child.off('message', onMessage);
      child.off('exit', onExit);
      then();
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** The instant endpoints, one process each; resolves with their base URLs. */
async function startEndpoints(n: number, children: ChildProcess[]): Promise<{ urls: string[]; processes: ChildProcess[] }> {
  const processes = Array.from({ length: n }, () => forkTypescript(path.join(__dirname, 'judge-child.ts'), ['endpoint', '0'], LOAD_NODE_FLAGS));
  children.push(...processes);
  const urls = await Promise.all(
    processes.map(
      (c) =>
        new Promise<string>((resolve, reject) => {
          c.once('message', (m: FromChild) => ('url' in m ? resolve(m.url) : reject(new Error(JSON.stringify(m)))));
          c.once('exit', (code) => reject(new Error(`endpoint exited (${code})`)));
        }),
    ),
  );
  return { urls, processes };
}

/** The paced humans (the assignment benchmark's swarm), connected and in their warm-up; null when there are none. */
async function startHumans(o: { humans: number; thinkMin: number; thinkMax: number }, url: string, project: FleetProject, dir: string, children: ChildProcess[]): Promise<ChildProcess | null> {
  if (o.humans <= 0) return null;
  const swarm = forkTypescript(path.join(__dirname, 'assign', 'swarm.ts'), [], LOAD_NODE_FLAGS);
  children.push(swarm);
  const config = { url, token: project.invite, clients: o.humans, connectConcurrency: 50, thinkMinMs: o.thinkMin, thinkMaxMs: o.thinkMax, ackTimeoutMs: 15_000, labelsFile: path.join(dir, 'human-labels.ndjson'), kind: 'pairwise' as const };
  swarm.send({ type: 'config', config } satisfies ToSwarm);
  const connected = await nextMessage<FromSwarm, 'connected'>(swarm, 'connected');
  log(`${connected.connected}/${o.humans} humans connected in ${connected.seconds.toFixed(1)} s${connected.errors.length ? `; errors: ${connected.errors.join('; ')}` : ''}`);
  swarm.send({ type: 'phase', phase: 'warmup' } satisfies ToSwarm);
  return swarm;
}

/** Waits until every worker has stored its first label (starting `concord judge` on a loaded machine takes seconds). */
async function allJudging(workers: FleetWorker[], capSeconds: number): Promise<void> {
  let cap: NodeJS.Timeout | undefined;
  const late = new Promise<void>((_, reject) => (cap = setTimeout(() => reject(new Error(`not every worker was judging after ${capSeconds} s: ${workers.flatMap((w) => w.errors).join(' | ')}`)), capSeconds * 1000)));
  try {
    await Promise.race([Promise.all(workers.map((w) => w.judging)), late]);
  } finally {
    clearTimeout(cap);
  }
}

/** Fails early, naming why, when a worker has already ended (it ran out of items, or could not start). */
function checkWorkersAlive(workers: FleetWorker[]): void {
  const ended = workers.filter((w) => w.process.exitCode !== null || w.process.signalCode !== null);
  if (ended.length > 0) throw new Error(`${ended.length} worker(s) ended before the window: ${ended.flatMap((w) => w.errors).join(' | ') || 'no error printed (too few items for the window?)'}`);
}

interface Running {
  server: ChildProcess;
  endpoints: ChildProcess[];
  swarm: ChildProcess | null;
  workers: FleetWorker[];
}

/** The steady window: resets the server's counters, waits `seconds`, and reads every process's figures. */
async function measureWindow(seconds: number, run: Running): Promise<Omit<Measured, 'workers' | 'humans' | 'hot' | 'profile'>> {
  const workerPids = run.workers.map((w) => w.process.pid);
  const endpointPids = run.endpoints.map((c) => c.pid);
  const cpu = () => ({ workers: totalCpuSeconds(workerPids), endpoints: totalCpuSeconds(endpointPids), humans: run.swarm ? totalCpuSeconds([run.swarm.pid]) : null });
  const load = loadAverage();
  const sched = schedSnapshot({ server: run.server.pid! });
  const before = cpu();
  const started = performance.now();
  run.server.send({ type: 'reset' } satisfies ToServer);
  run.swarm?.send({ type: 'phase', phase: 'paced' } satisfies ToSwarm);
  await sleep(seconds * 1000);
  const reading: WindowReading = (await Promise.all([nextMessage<FromServer, 'read'>(run.server, 'read'), run.server.send({ type: 'read' } satisfies ToServer)]))[0].reading;
  const after = cpu();
  const wall = (performance.now() - started) / 1000;
  const share = (a: number | null, b: number | null) => (a === null || b === null ? null : (b - a) / wall);
  return {
    reading,
    cpuCores: { workers: share(before.workers, after.workers), endpoints: share(before.endpoints, after.endpoints), humans: share(before.humans, after.humans) },
    sched: schedUse(sched, schedSnapshot({ server: run.server.pid! })),
    load: { before: load, after: loadAverage() },
  };
}

/** Stops the humans and collects their report. */
async function stopHumans(swarm: ChildProcess | null): Promise<SwarmReport | null> {
  if (!swarm) return null;
  const report = nextMessage<FromSwarm, 'report'>(swarm, 'report');
  swarm.send({ type: 'stop' } satisfies ToSwarm);
  return (await report).report;
}

export const fleet = defineBenchmark({
  summary: 'judge fleets (issue 14, part 3): --workers `concord judge` processes × --lanes against one server and instant endpoints, with paced humans on the same server',
  options: {
    workers: { default: 8, help: 'judge worker processes (`concord judge`)' },
    lanes: { default: 128, help: "each worker's lanes (--concurrency)" },
    judges: { default: 0, help: 'judges the workers run, workers dealt out in turn; 0 = one judge per worker (workers sharing a judge token: see docs/BENCHMARKS.md)' },
    humans: { default: 200, help: 'paced human annotators over socket.io (0 = none)' },
    thinkMin: { default: 500, help: "shortest human think time in ms" },
    thinkMax: { default: 1500, help: 'longest human think time in ms (the mean makes ~1 label/s per human)' },
    endpoints: { default: 2, help: 'instant OpenAI-compatible endpoint processes (workers dealt out in turn)' },
    items: { default: 50_000, help: 'items in the project (each judge labels each once; enough that no judge runs out in the run)' },
    warmup: { default: 10, help: 'seconds from the workers starting to the measured window (connect, JIT)' },
    seconds: { default: 30, help: 'seconds of the measured (steady) window' },
    profile: { default: 0, help: "1 writes the server's CPU profile over the window (bench/results/fleet-server.cpuprofile) and lists its hottest functions" },
    keep: { default: 0, help: '1 keeps the temporary database folder' },
  },
  async run(o, { command }) {
    const judgeCount = o.judges > 0 ? o.judges : o.workers;
    // A judge may hold 2 × its concurrency leases (one judged, one taken ahead, per lane): its workers' lanes together.
    const concurrency = Math.ceil(o.workers / judgeCount) * o.lanes;
    if (concurrency > 256) throw new Error(`${Math.ceil(o.workers / judgeCount)} workers × ${o.lanes} lanes per judge is over a judge's most concurrency (256): use more --judges or fewer --lanes`);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-fleet-'));
    const profileFile = o.profile ? path.resolve(__dirname, 'results', 'fleet-server.cpuprofile') : null;
    if (profileFile) fs.mkdirSync(path.dirname(profileFile), { recursive: true });
    const children: ChildProcess[] = [];
    let workers: FleetWorker[] = [];
    try {
      const server = forkTypescript(path.join(__dirname, 'fleet', 'server-child.ts'), [path.join(dir, 'concord.db'), ...(profileFile ? [profileFile] : [])]);
      children.push(server);
      const ready = await nextMessage<FromServer, 'ready'>(server, 'ready');
      const endpoints = await startEndpoints(o.endpoints, children);
      const project = await setUpFleetProject(restApi(ready.url, ready.token), { items: o.items, judges: judgeCount, concurrency, baseUrl: endpoints.urls[0]! });
      log(`server ${ready.url}; ${o.items} items, ${judgeCount} judge(s) of concurrency ${concurrency}; endpoints ${endpoints.urls.join(', ')}; load ${loadAverage()}`);
      const swarm = await startHumans(o, ready.url, project, dir, children);
      workers = Array.from({ length: o.workers }, (_, i) => startWorker({ server: ready.url, token: project.judges[i % judgeCount]!.token, baseUrl: endpoints.urls[i % o.endpoints]!, lanes: o.lanes }));
      await allJudging(workers, 180);
      log(`${o.workers} workers × ${o.lanes} lanes judging; warm-up ${o.warmup} s`);
      await sleep(o.warmup * 1000);
      checkWorkersAlive(workers);
      log(`window: ${o.seconds} s`);
      const window = await measureWindow(o.seconds, { server, endpoints: endpoints.processes, swarm, workers });
      const humans = await stopHumans(swarm);
      const summaries = await stopWorkers(workers, 15_000);
      const hot = profileFile && fs.existsSync(profileFile) ? hotFunctions(profileFile, 20) : null;
      const result = summarise(o, command, { ...window, workers: summaries, humans, hot, profile: profileFile && path.relative(process.cwd(), profileFile) });
      print(result);
      console.log(`\nwrote ${path.relative(process.cwd(), writeResult('fleet', result))}`);
      server.send({ type: 'close' } satisfies ToServer);
      await new Promise((resolve) => server.once('exit', resolve));
      return result.targets.every((t) => t.met) ? 0 : 1;
    } finally {
      for (const w of workers) if (w.process.exitCode === null && w.process.signalCode === null) w.process.kill('SIGKILL');
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      if (o.keep) console.log(`kept ${dir}`);
      else fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});
