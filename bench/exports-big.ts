/**
 * `npm run bench -- exports-big`: the gold and labels exports of a report-sized project (issue 14, part 1: 1M
 * pairwise items, 9M labels), in every format, and gold under each consensus method. The project is a copy of a
 * seeded file (`--db`, made by bench/report-seed.ts `seed()`; the seed itself is never opened by the server) or
 * seeded here (`--items`). The real server runs in a child process of its own (./exports/server-child.ts); this
 * process reads each export to its end without keeping it and measures, per export: records/s, time to the first
 * byte (a crowd model is fitted before it), the server's longest event-loop stall, its peak RSS against its RSS
 * before, and the most `error`/`close` listeners a response held, with any MaxListenersExceededWarning. A labels
 * export must write every label; a gold export must write as many records in every format.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase } from '../server/db/database';
import { list, text } from './lib/args';
import { defineBenchmark } from './lib/benchmark';
import { resultHead, writeResult } from './lib/results';
import { round, table } from './lib/stats';
import { EXPORT_FORMATS, type ExportFormat } from './exports/read';
import { measureExport, ServerChild, type ExportMeasure } from './exports/server';
import { seed } from './report-seed';

/** Issue 14: at least 100,000 records a second, no stall over 50 ms, no listener growth (a response holds a few). */
const TARGETS = { recordsPerSecond: 100_000, stallMs: 50, responseListeners: 10 };
const METHODS = ['majority', 'mace', 'dawid-skene'] as const;
type Kind = 'gold' | 'labels';

interface Measured extends Partial<ExportMeasure> {
  kind: Kind;
  method: string | null;
  format: ExportFormat;
  error?: string;
  /** Labels: the project's label count; gold: the records the first format of the method wrote. */
  expected: number | null;
  countOk?: boolean;
}

export const exportsBig = defineBenchmark({
  summary: 'gold and labels exports of a report-sized project × formats (gold under each method): records/s, stall, listeners, peak RSS (issue 14)',
  options: {
    db: text('a database seeded by bench/report-seed.ts seed() (pairwise), copied before the server opens it; none: seed --items'),
    items: { default: 200_000, help: 'items to seed when no --db is given (9 labels each)' },
    kinds: list(['gold', 'labels'], ['gold', 'labels'], 'the export kinds'),
    formats: list(EXPORT_FORMATS, EXPORT_FORMATS, 'the formats'),
    methods: list(METHODS, METHODS, "the gold export's consensus methods"),
    profile: { default: 0, help: '1 runs the server with --cpu-prof (profiles in bench/results/profiles)' },
  },
  async run(o, { command }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-exports-big-'));
    const log = (s: string) => console.log(`[exports-big] ${s}`);
    try {
      const dbFile = path.join(dir, 'concord.db');
      const seeded = o.db ? copySeed(o.db, dbFile, log) : seedFile(dbFile, o.items, log);
      const profileDir = path.resolve(__dirname, 'results/profiles');
      const server = await ServerChild.start(dbFile, o.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []);
      const results: Measured[] = [];
      try {
        const runs: Array<{ kind: Kind; method: string | null }> = [
          ...(o.kinds.includes('gold') ? o.methods.map((method) => ({ kind: 'gold' as const, method })) : []),
          ...(o.kinds.includes('labels') ? [{ kind: 'labels' as const, method: null }] : []),
        ];
        for (const { kind, method } of runs) {
          let expected: number | null = kind === 'labels' ? seeded.labels : null;
          for (const format of o.formats) {
            const m = await measure(server, seeded.pid, kind, method, format, expected);
            expected ??= m.records ?? null;
            log(describe(m));
            results.push(m);
          }
        }
      } finally {
        await server.close();
      }
      if (o.profile) log(`CPU profiles in ${profileDir}`);
      const head = resultHead('exports-big', command, o);
      const mm = head.machine;
      console.log(`\n${mm.nproc} × ${mm.cpu}, ${mm.memoryGiB} GiB, Node ${mm.node}; ${seeded.items} items, ${seeded.labels} labels, database ${seeded.dbMiB} MiB; load average at the end ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}\n`);
      console.log(print(results));
      const wrong = results.filter((r) => r.error || r.countOk === false);
      writeResult(`exports-big-${seeded.items}`, { ...head, targets: TARGETS, seeded, results, wrong: wrong.length });
      if (wrong.length) console.error(`\nWrong: ${wrong.map((v) => `${v.kind} ${v.method ?? ''} ${v.format}: ${v.error ?? `wrote ${v.records}, expected ${v.expected}`}`).join('; ')}`);
      return wrong.length ? 1 : 0;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

interface Seeded {
  pid: number;
  items: number;
  labels: number;
  dbMiB: number;
}

/** A new database holding a report-bench project (20 humans, 5 labels each per item, 2 judges × 2 orders), without fsync. */
function seedFile(dbFile: string, items: number, log: (s: string) => void): Seeded {
  const t0 = performance.now();
  const db = openDatabase(dbFile);
  migrate(db);
  db.pragma('synchronous = OFF');
  const pid = seed(db, 'pairwise', items, 20);
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  log(`seeded ${items} items in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return described(dbFile, pid);
}

/** A copy of a seeded database: its project with the most items (the seed holds one). */
function copySeed(seedFile: string, dbFile: string, log: (s: string) => void): Seeded {
  const t0 = performance.now();
  fs.copyFileSync(seedFile, dbFile);
  const db = openDatabase(dbFile);
  const pid = db.prepare('SELECT project_id FROM items GROUP BY project_id ORDER BY count(*) DESC LIMIT 1').pluck().get() as number | undefined;
  db.close();
  if (pid === undefined) throw new Error(`${seedFile} holds no items`);
  log(`copied ${seedFile} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return described(dbFile, pid);
}

function described(dbFile: string, pid: number): Seeded {
  const db = openDatabase(dbFile);
  try {
    const count = (table: string) => db.prepare(`SELECT count(*) FROM ${table} WHERE project_id = ?`).pluck().get(pid) as number;
    return { pid, items: count('items'), labels: count('labels'), dbMiB: round(fs.statSync(dbFile).size / 2 ** 20, 0)! };
  } finally {
    db.close();
  }
}

async function measure(server: ServerChild, pid: number, kind: Kind, method: string | null, format: ExportFormat, expected: number | null): Promise<Measured> {
  const base = { kind, method, format, expected };
  try {
    const m = await measureExport(server, `/api/projects/${pid}/export?kind=${kind}&format=${format}${method ? `&method=${method}` : ''}`, format);
    const first = kind === 'gold' ? 'label' : 'value';
    if (format !== 'parquet' && m.records > 0 && !m.fields.includes(first)) throw new Error(`the ${format} ${kind} export has no ${first} (first record: ${m.fields.join(', ')})`);
    return { ...base, ...m, countOk: expected === null || m.records === expected };
  } catch (e) {
    return { ...base, error: e instanceof Error ? e.message : String(e) };
  }
}

function describe(m: Measured): string {
  const what = `${m.kind}${m.method ? ` ${m.method}` : ''} ${m.format}`;
  if (m.error) return `${what}: failed: ${m.error}`;
  return `${what}: ${m.records} records in ${m.seconds} s (first byte ${m.firstByteSeconds} s) = ${m.recordsPerSecond}/s, ${m.mib} MiB; stall ${m.stallMs} ms (p99 ${m.stallP99Ms}, longest GC ${m.gcMaxMs} ms); server CPU ${m.serverCpuSeconds} s (${m.recordsPerCpuSecond} records per CPU s); listeners ${m.maxResponseListeners}, warnings ${m.listenerWarnings}; RSS ${m.rssBeforeMiB} → ${m.peakRssMiB} MiB; load ${m.load1}`;
}

function print(results: Measured[]): string {
  const n = (x: number | undefined | null) => (x === undefined || x === null ? '–' : x.toLocaleString('en-US'));
  const flag = (bad: boolean) => (bad ? ' !' : '');
  const rows = results.map((m) =>
    m.error
      ? [m.kind, m.method ?? '', m.format, `failed: ${m.error.slice(0, 100)}`]
      : [
          m.kind, m.method ?? '', m.format, `${n(m.records)}${m.countOk ? '' : ` (≠ ${n(m.expected)})`}`, String(m.seconds), String(m.firstByteSeconds),
          `${n(m.recordsPerSecond)}${flag(m.recordsPerSecond! < TARGETS.recordsPerSecond)}`, n(m.recordsPerCpuSecond), n(m.mib), `${m.stallMs}${flag(m.stallMs! > TARGETS.stallMs)}`,
          `${m.maxResponseListeners}${flag(m.maxResponseListeners! > TARGETS.responseListeners)}`, String(m.listenerWarnings), `${m.rssBeforeMiB} → ${m.peakRssMiB}`, String(m.load1),
        ],
  );
  return (
    table(['kind', 'method', 'format', 'records', 'seconds', 'first byte (s)', 'records/s', 'records per server CPU s', 'MiB', 'longest stall (ms)', 'response listeners', 'listener warnings', 'server RSS before → peak (MiB)', 'load (1 min)'], rows) +
    `\n\nTargets (issue 14): ≥ ${n(TARGETS.recordsPerSecond)} records/s; longest stall ≤ ${TARGETS.stallMs} ms; no listener growth; server memory flat in the number of records (compare --items).`
  );
}
