/**
 * The fleet benchmark's result: what the server child measured over the steady window, the CPU of every process,
 * what the workers and the humans said at the end, and the issue's targets (issue 14, part 3), as
 * bench/results/fleet.json holds them and as the tables print them.
 */
import os from 'node:os';
import type { WorkerSummary } from '../../judge-worker/summary';
import type { SwarmReport } from '../assign/messages';
import type { SchedUse } from '../lib/machine';
import { resultHead } from '../lib/results';
import { ms, round, table, type Summary } from '../lib/stats';
import type { HotFunction } from './profile';
import type { WindowReading } from './server-child';

export const TARGETS = { judgmentsPerSecond: 5000, humanNextP99Ms: 20 };

export interface Measured {
  reading: WindowReading;
  /** CPU over the window as a share of one core, per kind of process (all of that kind together). */
  cpuCores: { workers: number | null; endpoints: number | null; humans: number | null };
  sched: SchedUse | null;
  load: { before: string; after: string };
  workers: Array<WorkerSummary | null>;
  humans: SwarmReport | null;
  hot: HotFunction[] | null;
  profile: string | null;
}

const rounded = (s: Summary | undefined) => (s ? { count: s.count, p50: round(s.p50, 3), p99: round(s.p99, 3), max: round(s.max, 3) } : null);

/**
 * CPU per judgment of each part (µs; the server's includes the humans' commands, the humans' is their swarm's),
 * and what it implies: the most judgments a second the server could commit with a core of its own, and the most the
 * whole fleet could make with this machine's cores to itself. On a machine shared with other work, CPU time per
 * judgment moves much less than judgments per second do.
 */
function perJudgment(m: Measured, r: WindowReading) {
  const n = r.committed.llm;
  const us = (cores: number | null) => (cores === null || n === 0 ? null : (cores * r.seconds * 1e6) / n);
  const parts = { server: us(r.cpuCores), workers: us(m.cpuCores.workers), endpoints: us(m.cpuCores.endpoints), humans: us(m.cpuCores.humans) };
  const all = parts.server === null || parts.workers === null || parts.endpoints === null ? null : parts.server + parts.workers + parts.endpoints + (parts.humans ?? 0);
  return {
    us: { server: round(parts.server, 0), workers: round(parts.workers, 0), endpoints: round(parts.endpoints, 0), humans: round(parts.humans, 0) },
    serverCeilingPerCore: parts.server ? round(1e6 / parts.server, 0) : null,
    fleetCeilingOnThisMachine: all ? round((os.availableParallelism() * 1e6) / all, 0) : null,
  };
}

export function summarise(o: Record<string, number>, command: string, m: Measured) {
  const r = m.reading;
  const judgmentsPerSecond = round(r.committed.llm / r.seconds, 0)!;
  const humanNext = rounded(r.commands.human['task:next']);
  const workers = m.workers.filter((w): w is WorkerSummary => w !== null);
  const paced = m.humans?.phases.paced;
  return {
    ...resultHead('fleet', command, o),
    load: m.load,
    window: {
      seconds: round(r.seconds, 1),
      judgments: r.committed.llm,
      judgmentsPerSecond,
      humanLabels: r.committed.human,
      humanLabelsPerSecond: round(r.committed.human / r.seconds, 1),
    },
    server: {
      loopDelayMs: { p50: round(r.loop.p50, 2), p99: round(r.loop.p99, 2), max: round(r.loop.max, 1) },
      cpuCores: round(r.cpuCores, 2),
      runQueueWait: round(m.sched?.runQueueWait.server, 3),
      rssMiB: round(r.rssMiB, 0),
      serverSide: {
        humans: { 'task:next': humanNext, 'label:submit': rounded(r.commands.human['label:submit']) },
        judges: { 'task:next': rounded(r.commands.llm['task:next']), 'label:submit': rounded(r.commands.llm['label:submit']) },
        allClients: { 'task:next': rounded(r.commands.all['task:next']), 'label:submit': rounded(r.commands.all['label:submit']) },
      },
    },
    cpuCores: { workers: round(m.cpuCores.workers, 2), endpoints: round(m.cpuCores.endpoints, 2), humans: round(m.cpuCores.humans, 2), machineBusy: round(m.sched?.machineBusyCores, 2) },
    cpuPerJudgment: perJudgment(m, r),
    workers: {
      reported: workers.length,
      of: m.workers.length,
      labels: workers.reduce((a, w) => a + w.labels, 0),
      failed: workers.reduce((a, w) => a + w.errors, 0),
      /** Judged, but the lease was gone when sent: with workers sharing a judge token, mostly another worker's task. */
      lapsed: workers.reduce((a, w) => a + w.lapsed, 0),
      resubmits: workers.reduce((a, w) => a + w.resubmits, 0),
      lastErrors: [...new Set(workers.map((w) => w.last_error).filter((e): e is string => Boolean(e)))].slice(0, 3),
    },
    humans: m.humans ? { connected: m.humans.connected, roundTrip: { 'task:next': rounded(paced?.rtt['task:next']), 'label:submit': rounded(paced?.rtt['label:submit']) }, errors: m.humans.errors, disconnects: m.humans.disconnects } : null,
    profile: m.profile ? { file: m.profile, hot: m.hot?.map((h) => ({ ...h, selfShare: round(h.selfShare, 4) })) } : null,
    targets: [
      { name: 'judgments/s committed (steady window)', target: `≥ ${TARGETS.judgmentsPerSecond}`, value: judgmentsPerSecond, met: judgmentsPerSecond >= TARGETS.judgmentsPerSecond },
      { name: "humans' task:next p99, server-side", target: `≤ ${TARGETS.humanNextP99Ms} ms`, value: humanNext?.p99 ?? null, met: humanNext?.p99 !== null && humanNext?.p99 !== undefined && humanNext.p99 <= TARGETS.humanNextP99Ms },
    ],
  };
}

export type FleetResult = ReturnType<typeof summarise>;

export function print(r: FleetResult): void {
  const o = r.options;
  const m = r.machine;
  console.log(`\nJudge fleet: ${o.workers} workers × ${o.lanes} lanes over ${r.workers.of} processes, ${o.judges || o.workers} judge(s), ${o.endpoints} instant endpoint process(es), ${o.humans} paced humans; ${o.items} items`);
  console.log(`${m.nproc} × ${m.cpu}, ${m.memoryGiB} GiB, Node ${m.node}; load average ${r.load.before} before, ${r.load.after} after\n`);
  const w = r.window;
  const pct = (v: number | null) => (v === null ? '–' : `${(v * 100).toFixed(1)}%`);
  const cores = (v: number | null) => (v === null ? '–' : `${v} cores`);
  console.log(
    table(
      ['window', 'judgments/s', 'human labels/s', 'server CPU', 'workers CPU', 'endpoints CPU', 'humans CPU', 'all CPUs busy', 'server waits for CPU'],
      [[`${w.seconds} s`, String(w.judgmentsPerSecond), String(w.humanLabelsPerSecond), cores(r.server.cpuCores), cores(r.cpuCores.workers), cores(r.cpuCores.endpoints), cores(r.cpuCores.humans), cores(r.cpuCores.machineBusy), pct(r.server.runQueueWait)]],
    ),
  );
  const c = r.cpuPerJudgment;
  const us = (v: number | null) => (v === null ? '–' : `${v} µs`);
  console.log(`\nCPU per judgment: server ${us(c.us.server)} (humans' commands included), workers ${us(c.us.workers)}, endpoints ${us(c.us.endpoints)}, humans ${us(c.us.humans)}`);
  console.log(`ceilings: the server with a core to itself ${c.serverCeilingPerCore ?? '–'} judgments/s; the whole fleet on this machine's ${m.nproc} cores ${c.fleetCeilingOnThisMachine ?? '–'} judgments/s`);
  const l = r.server.loopDelayMs;
  console.log(`\nserver event-loop delay: p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)}; RSS ${r.server.rssMiB} MiB\n`);
  const rows: string[][] = [];
  const s = r.server.serverSide;
  for (const [who, cmds] of [['humans', s.humans], ['judges', s.judges], ['all clients (onCommand)', s.allClients]] as const)
    for (const e of ['task:next', 'label:submit'] as const) rows.push([who, e, ms(cmds[e]?.p50), ms(cmds[e]?.p99), ms(cmds[e]?.max), String(cmds[e]?.count ?? 0)]);
  if (r.humans) for (const e of ['task:next', 'label:submit'] as const) rows.push(['humans, round trip', e, ms(r.humans.roundTrip[e]?.p50), ms(r.humans.roundTrip[e]?.p99), ms(r.humans.roundTrip[e]?.max), String(r.humans.roundTrip[e]?.count ?? 0)]);
  console.log(table(['who', 'command', 'p50', 'p99', 'max', 'count'], rows));
  const wk = r.workers;
  console.log(`\nworkers: ${wk.reported}/${wk.of} reported; ${wk.labels} labels acknowledged over the whole run, ${wk.lapsed} judged but lapsed (lease gone when sent), ${wk.failed} failed, ${wk.resubmits} resent${wk.lastErrors.length ? `; last errors: ${wk.lastErrors.join(' | ')}` : ''}`);
  if (r.humans) console.log(`humans: ${r.humans.connected} connected; errors ${JSON.stringify(r.humans.errors)}; disconnects ${r.humans.disconnects}`);
  if (r.profile) {
    console.log(`\nserver profile ${r.profile.file}: most self time`);
    console.log(table(['self', 'function', 'where'], (r.profile.hot ?? []).map((h) => [pct(h.selfShare), h.name, h.where])));
  }
  console.log('\n' + table(['target', 'wanted', 'measured', ''], r.targets.map((t) => [t.name, t.target, String(t.value ?? '–'), t.met ? 'met' : 'MISSED'])));
}
