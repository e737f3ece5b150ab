/**
 * `npm run bench -- exports`: the judge-training exports of issue 12 (kind=sft with swap=1, dpo, preference) in
 * each format, on three pairwise projects seeded so each kind writes about `--items` records (./exports/seed.ts).
 * The real server runs in a child process of its own (./exports/server-child.ts) on the seeded SQLite file; this
 * process reads each export over HTTP to its end without keeping it (./exports/read.ts) and measures: wall time,
 * records per second, bytes, the server's longest event-loop stall during the export (monitorEventLoopDelay in the
 * server, as bench/report.ts measures it), the server's peak RSS during the export (VmHWM, reset through
 * /proc/<pid>/clear_refs before each export) against its RSS before, and that the record count is the seed's.
 */
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '../server/db/database';
import { list } from './lib/args';
import { defineBenchmark } from './lib/benchmark';
import { forkTypescript } from './lib/child';
import { schedSnapshot, schedUse } from './lib/machine';
import { resultHead, writeResult } from './lib/results';
import { round, table } from './lib/stats';
import { EXPORT_FORMATS, readExport, type ExportFormat } from './exports/read';
import { seedTraining, TRAINING_KINDS, type SeededProject, type TrainingKind } from './exports/seed';
import type { FromServer, ToServer } from './exports/server-child';

/** Issue 12: no stall over 50 ms; issue 14 (later): at least 100,000 records a second. */
const TARGETS = { stallMs: 50, recordsPerSecond: 100_000 };

/** The query of each kind: sft in both orders (JudgeLM's swap augmentation), so an item judged gives two examples. */
const QUERY: Record<TrainingKind, string> = { sft: 'kind=sft&swap=1', dpo: 'kind=dpo', preference: 'kind=preference' };
/** Fields a record of each kind must have (the first record, or the CSV header). */
const FIELDS: Record<TrainingKind, string[]> = { sft: ['id', 'order', 'verdict', 'text', 'messages'], dpo: ['id', 'judge', 'prompt', 'chosen', 'rejected'], preference: ['id', 'prompt', 'chosen', 'rejected', 'agreement'] };

interface Measured {
  kind: TrainingKind;
  format: ExportFormat;
  error?: string;
  records?: number;
  expected: number;
  countOk?: boolean;
  seconds?: number;
  recordsPerSecond?: number;
  mib?: number;
  mibPerSecond?: number;
  stallMs?: number;
  stallP99Ms?: number;
  gcMaxMs?: number;
  gcMs?: number;
  clientCpuSeconds?: number;
  rssBeforeMiB?: number;
  peakRssMiB?: number;
  peakGrowthMiB?: number;
  load1?: number;
  machineBusyCores?: number | null;
  serverRunQueueWait?: number | null;
}

export const exportsBench = defineBenchmark({
  summary: 'judge-training exports (sft with swap, dpo, preference) × formats, ~--items records each: time, records/s, stall, peak RSS (issue 12)',
  options: {
    items: { default: 1_000_000, help: 'records each kind writes, about (sft: items/2 items in both orders; dpo: 0.8 × items items, 2 judges; preference: items items)' },
    kinds: list(TRAINING_KINDS, TRAINING_KINDS, 'the export kinds'),
    formats: list(EXPORT_FORMATS, EXPORT_FORMATS, 'the formats (a server without Parquet refuses it; recorded, not fatal)'),
    keep: { default: 0, help: '1 keeps the seeded database in <tmp>/concord-bench-exports-<items> and reuses it on the next run' },
    profile: { default: 0, help: '1 runs the server with --cpu-prof (profiles in bench/results/profiles)' },
  },
  async run(o, { command }) {
    const dir = o.keep ? path.join(os.tmpdir(), `concord-bench-exports-${o.items}`) : fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-exports-'));
    fs.mkdirSync(dir, { recursive: true });
    const log = (s: string) => console.log(`[exports] ${s}`);
    try {
      const { projects, dbMiB } = seedOnce(dir, o.items, log);
      const profileDir = path.resolve(__dirname, 'results/profiles');
      const nodeOptions = o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
      const server = await ServerChild.start(path.join(dir, 'concord.db'), nodeOptions);
      const results: Measured[] = [];
      try {
        for (const kind of o.kinds) {
          const p = projects.find((x) => x.kind === kind)!;
          for (const format of o.formats) {
            const m = await measure(server, p, format);
            log(describe(m));
            results.push(m);
          }
        }
      } finally {
        await server.close();
      }
      if (o.profile) log(`CPU profiles in ${profileDir}`);
      const head = resultHead('exports', command, o);
      const mm = head.machine;
      console.log(`\n${mm.nproc} × ${mm.cpu}, ${mm.memoryGiB} GiB, Node ${mm.node}; database ${dbMiB} MiB; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
      console.log(print(results));
      const violations = results.filter((r) => r.countOk === false);
      writeResult(`exports-${o.items}`, { ...head, targets: TARGETS, dbMiB, projects, results, violations: violations.length });
      if (violations.length) console.error(`\nRecord counts wrong: ${violations.map((v) => `${v.kind} ${v.format} wrote ${v.records}, the seed makes ${v.expected}`).join('; ')}`);
      return violations.length ? 1 : 0;
    } finally {
      if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

/** Seeds the database in `dir` (journal off, no fsync: setup is not measured), or reuses one a kept run seeded. */
function seedOnce(dir: string, items: number, log: (s: string) => void): { projects: SeededProject[]; dbMiB: number } {
  const dbFile = path.join(dir, 'concord.db');
  const done = path.join(dir, 'seeded.json');
  if (fs.existsSync(done)) {
    log(`reusing the database seeded in ${dir}`);
    return JSON.parse(fs.readFileSync(done, 'utf8')) as { projects: SeededProject[]; dbMiB: number };
  }
  fs.rmSync(dbFile, { force: true });
  const db = openDatabase(dbFile);
  migrate(db);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('cache_size = -262144');
  const projects = seedTraining(db, items, log);
  db.pragma('journal_mode = WAL');
  db.close();
  const dbMiB = round(fs.statSync(dbFile).size / 2 ** 20, 0)!;
  fs.writeFileSync(done, JSON.stringify({ projects, dbMiB }));
  return { projects, dbMiB };
}

/** The server child: started, asked over IPC, and its memory read from /proc. */
class ServerChild {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    readonly token: string,
  ) {}

  static async start(dbFile: string, nodeOptions: string[]): Promise<ServerChild> {
    const child = forkTypescript(path.join(__dirname, 'exports/server-child.ts'), [dbFile], nodeOptions);
    const ready = await reply(child, 'ready');
    return new ServerChild(child, ready.url, ready.token);
  }

  get pid(): number {
    return this.child.pid!;
  }

  async ask<T extends 'reset' | 'read'>(type: T): Promise<Extract<FromServer, { type: T }>> {
    const r = reply(this.child, type);
    const m: ToServer = { type };
    this.child.send(m);
    return r;
  }

  /** Starts the peak RSS (VmHWM) again from the RSS now (Linux: `echo 5 > /proc/<pid>/clear_refs`); false elsewhere. */
  resetPeak(): boolean {
    try {
      fs.writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      return true;
    } catch {
      return false;
    }
  }

  /** VmHWM or VmRSS of the server process in bytes (/proc/<pid>/status), null when not on Linux. */
  memory(field: 'VmHWM' | 'VmRSS'): number | null {
    try {
      const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : null;
    } catch {
      return null;
    }
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'close' } satisfies ToServer);
    await Promise.race([exited, new Promise((r) => setTimeout(r, 30_000))]);
    if (this.child.exitCode === null) this.child.kill();
  }
}

function reply<T extends FromServer['type']>(child: ChildProcess, type: T): Promise<Extract<FromServer, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromServer) => {
      if (m.type !== type && m.type !== 'error') return;
      cleanup();
      if (m.type === 'error') reject(new Error(`server child: ${m.error}`));
      else resolve(m as Extract<FromServer, { type: T }>);
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`the server child exited (${code}) before answering ${type}`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** One export read to its end, with the server's stall and memory during it. */
async function measure(server: ServerChild, p: SeededProject, format: ExportFormat): Promise<Measured> {
  const { rss } = await server.ask('reset');
  const hwm = server.resetPeak();
  let sampled = server.memory('VmRSS') ?? rss;
  const sampler = setInterval(() => (sampled = Math.max(sampled, server.memory('VmRSS') ?? 0)), 20);
  const sched0 = schedSnapshot({ server: server.pid });
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const base = { kind: p.kind, format, expected: p.expected };
  try {
    const r = await readExport(`${server.url}/api/projects/${p.id}/export?${QUERY[p.kind]}&format=${format}`, { authorization: `Bearer ${server.token}` }, format);
    const seconds = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const use = schedUse(sched0, schedSnapshot({ server: server.pid }));
    clearInterval(sampler);
    const stats = await server.ask('read');
    const peak = Math.max(sampled, (hwm ? server.memory('VmHWM') : null) ?? 0);
    const missing = FIELDS[p.kind].filter((f) => format !== 'parquet' && !r.fields.includes(f));
    if (missing.length) throw new Error(`the ${format} export of ${p.kind} lacks ${missing.join(', ')} (first record: ${r.fields.join(', ')})`);
    return {
      ...base,
      records: r.records,
      countOk: r.records === p.expected,
      seconds: round(seconds, 2)!,
      recordsPerSecond: round(r.records / seconds, 0)!,
      mib: round(r.bytes / 2 ** 20, 1)!,
      mibPerSecond: round(r.bytes / 2 ** 20 / seconds, 1)!,
      stallMs: round(stats.stallMs, 1)!,
      stallP99Ms: round(stats.p99Ms, 1)!,
      gcMaxMs: round(stats.gcMaxMs, 1)!,
      gcMs: round(stats.gcMs, 0)!,
      clientCpuSeconds: round((cpu.user + cpu.system) / 1e6, 2)!,
      rssBeforeMiB: round(rss / 2 ** 20, 0)!,
      peakRssMiB: round(peak / 2 ** 20, 0)!,
      peakGrowthMiB: round((peak - rss) / 2 ** 20, 0)!,
      load1: round(os.loadavg()[0], 2)!,
      machineBusyCores: use ? round(use.machineBusyCores, 2) : null,
      serverRunQueueWait: use ? round(use.runQueueWait.server, 2) : null,
    };
  } catch (e) {
    clearInterval(sampler);
    return { ...base, error: e instanceof Error ? e.message : String(e) };
  }
}

function describe(m: Measured): string {
  if (m.error) return `${m.kind} ${m.format}: failed: ${m.error}`;
  return `${m.kind} ${m.format}: ${m.records} records (seed: ${m.expected}) in ${m.seconds} s = ${m.recordsPerSecond}/s, ${m.mib} MiB; stall ${m.stallMs} ms (longest GC ${m.gcMaxMs} ms, GC ${m.gcMs} ms in all); client CPU ${m.clientCpuSeconds} s; RSS ${m.rssBeforeMiB} → ${m.peakRssMiB} MiB; load ${m.load1}`;
}

function print(results: Measured[]): string {
  const n = (x: number | undefined | null) => (x === undefined || x === null ? '–' : x.toLocaleString('en-US'));
  const rows = results.map((m) =>
    m.error
      ? [m.kind, m.format, `failed: ${m.error.slice(0, 100)}`]
      : [
          m.kind, m.format, `${n(m.records)}${m.countOk ? '' : ` (≠ ${n(m.expected)})`}`, String(m.seconds), n(m.recordsPerSecond), n(m.mib), String(m.mibPerSecond),
          `${m.stallMs}${m.stallMs! > TARGETS.stallMs ? ' !' : ''}`, `${m.rssBeforeMiB} → ${m.peakRssMiB}`, String(m.load1), String(m.serverRunQueueWait ?? '–'),
        ],
  );
  return (
    table(['kind', 'format', 'records', 'seconds', 'records/s', 'MiB', 'MiB/s', 'longest stall (ms)', 'server RSS before → peak (MiB)', 'load (1 min)', 'server waiting for CPU'], rows) +
    `\n\nTargets: longest stall ≤ ${TARGETS.stallMs} ms (issue 12); ≥ ${n(TARGETS.recordsPerSecond)} records/s (issue 14, later); server memory flat in the number of records (compare --items).`
  );
}
