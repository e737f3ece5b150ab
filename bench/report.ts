/**
 * `npm run bench -- report`: a project of 200,000 pairwise items with 5 human labels each and 2 judges that judged
 * every item in both orders (1.8M labels). Measures, on the real server (createApp, the report worker, the REST
 * routes): the first report (the worker loads the project from SQLite), a report after new labels arrive (the
 * worker already holds the project), how long the server's event loop stalls meanwhile, peak RSS, and the streamed
 * gold export; and (issue 10) the same report with a crowd model (MACE, Dawid–Skene) and sliced by the items'
 * `meta.category`, each after new labels, and the gold export under MACE. Setup writes the rows with plain INSERTs (what it measures is the server, not the setup).
 * `--kind` (issue 11): the same on MT-Bench conversation pairs (and sliced `?by=turn`) or on rankings of 4–5 answers
 * (./report-seed.ts).
 * `--db <file>` (issue 14) starts from a copy of a database seeded beforehand (its one project, of the kind it holds),
 * so a run at 1M items does not spend minutes seeding; the file itself is never written. `--out <dir>` keeps every
 * report's JSON there (first.json, warm.json, one per variant: the last of its runs), to diff two versions' figures.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/protocol';
import { migrate, openDatabase } from '../server/db/database';
import type { ReportJson } from '../shared/stats/report/json';
import { choice, text } from './lib/args';
import { defineBenchmark } from './lib/benchmark';
import { CATEGORIES, REPORT_KINDS, seed, type ReportKind } from './report-seed';
import { resultHead, writeResult } from './lib/results';
import { round, table } from './lib/stats';
import { startBenchServer, type BenchServer } from './lib/server';
import { snapshotDir, snapshotFile } from '../server/reports/column-snapshot';

/** Reports timed after each new label, besides the default one (issue 10: aggregation and slices; issue 11: turns). */
const VARIANTS: Record<ReportKind, Record<string, string>> = {
  pairwise: { mace: '?method=mace', 'dawid-skene': '?method=dawid-skene', 'by category': '?by=category' },
  conversation: { mace: '?method=mace', 'dawid-skene': '?method=dawid-skene', 'by category': '?by=category', 'by turn': '?by=turn' },
  ranking: { mace: '?method=mace', 'dawid-skene': '?method=dawid-skene', 'by category': '?by=category' },
};

export const report = defineBenchmark({
  summary: 'report and gold export on 200k items × (5 human + 2×2 judge) labels = 1.8M labels (--kind: issue 11)',
  options: {
    kind: choice(REPORT_KINDS, 'the items: plain pairs, MT-Bench two-turn conversation pairs (2–4 KB each), or rankings of 4–5 answers'),
    items: { default: 200_000, help: 'items in the project' },
    humans: { default: 20, help: 'human annotators sharing the labels' },
    repeats: { default: 3, help: 'warm reports to time (each after one new label)' },
    db: text('a seeded database to copy and report on instead of seeding (--kind, --items, --humans then come from it)'),
    out: text("a folder to write each report's JSON to, for diffing two versions"),
    exports: { default: 1, help: 'time the gold exports after the reports (0: reports only)' },
    restart: { default: 0, help: 'first a cold report, its column snapshot written, and a restart on the same copy: the rest is timed after it' },
  },
  async run(o, { command }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-report-'));
    const dbFile = path.join(dir, 'concord.db');
    if (o.out) fs.mkdirSync(o.out, { recursive: true });
    try {
      const { pid, labels, dbMiB, kind, items } = o.db ? copySeed(o.db, dbFile) : { ...seedFile(dbFile, o.kind, o.items, o.humans), kind: o.kind, items: o.items };
      const rss = { peak: process.memoryUsage().rss };
      const sampler = setInterval(() => (rss.peak = Math.max(rss.peak, process.memoryUsage().rss)), 50);
      const restarted = o.restart > 0 ? await beforeRestart(dbFile, pid, o.out || null, rss) : null;
      const server = await startBenchServer(dbFile);
      const m = await measure(server, pid, labels, o.repeats, kind, { out: o.out || null, exports: o.exports > 0 }, rss);
      clearInterval(sampler);
      const peakRss = rss.peak;
      // Printed before the server closes: a close that never settles (a pending promise, no handle left) ends the
      // process silently, and the figures went with it.
      const result = { ...resultHead('report', command, { ...o, kind, items }), labels, dbMiB: round(dbMiB, 0), restarted, ...summarise(m), peakRssMiB: round(peakRss / 2 ** 20, 0), peakRssReportsMiB: round(m.peakRssReports / 2 ** 20, 0) };
      print(result, kind);
      writeResult(kind === 'pairwise' ? 'report' : `report-${kind}`, result);
      await server.close();
      return 0;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

/**
 * `--restart 1`: a server on the copy, its cold first report (cold.json in `--out`), the wait for the report worker's
 * column snapshot (server/reports/column-snapshot.ts), then the server closed; the bench's "first report" is then the
 * first after the restart. The peak RSS is reset after the close (what the closed server's threads kept is counted).
 */
async function beforeRestart(dbFile: string, pid: number, out: string | null, rss: { peak: number }) {
  const server = await startBenchServer(dbFile);
  const started = performance.now();
  const res = await fetch(`${server.url}/api/projects/${pid}/report`, { headers: { authorization: `Bearer ${server.app.adminToken}` } });
  const text = await res.text();
  if (!res.ok) throw new Error(`${res.status} ${text.slice(0, 300)}`);
  const answered = performance.now();
  if (out) fs.writeFileSync(path.join(out, 'cold.json'), text);
  const file = snapshotFile(snapshotDir(dbFile)!, pid);
  while (!fs.existsSync(file) && performance.now() - answered < 120_000) await new Promise((r) => setTimeout(r, 20));
  const written = performance.now();
  const peak = rss.peak;
  await Promise.race([server.close(), new Promise((r) => setTimeout(r, 10_000))]);
  rss.peak = process.memoryUsage().rss;
  const bytes = fs.existsSync(file) ? fs.statSync(file).size : null;
  console.log(`cold first report ${round(answered - started, 0)} ms; snapshot ${bytes === null ? 'not written' : `${round(bytes / 2 ** 20, 0)} MiB written ${round(written - answered, 0)} ms after the answer`}; peak RSS ${round(peak / 2 ** 20, 0)} MiB`);
  return { coldReportMs: round(answered - started, 0), snapshotMs: round(written - answered, 0), snapshotMiB: bytes === null ? null : round(bytes / 2 ** 20, 0), coldPeakRssMiB: round(peak / 2 ** 20, 0) };
}

type Measured = Awaited<ReturnType<typeof measure>>;
type Run = { ms: number; stallMs: number };

const median = (runs: Run[]) => round(runs.map((w) => w.ms).sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? null, 0);
const maxStall = (runs: Run[]) => round(Math.max(...runs.map((w) => w.stallMs)), 1);

function summarise(m: Measured) {
  const variants = Object.fromEntries(
    Object.entries(m.variants).map(([name, v]) => [name, 'error' in v ? { error: v.error } : { query: v.query, medianMs: median(v.runs), stallMs: maxStall(v.runs), ms: v.runs.map((w) => round(w.ms, 0)) }]),
  );
  const exported = (g: Measured['gold']) => ('error' in g.value ? { error: g.value.error } : { ms: round(g.ms, 0), records: g.value.lines, mib: round(g.value.bytes / 2 ** 20, 1), stallMs: round(g.stallMs, 1) });
  return {
    coldReportMs: round(m.cold.ms, 0),
    coldStallMs: round(m.cold.stallMs, 1),
    /** The assignment pool's load at the first task (main thread), apart from the reports. */
    poolLoadMs: round(m.pool.ms, 0),
    poolStallMs: round(m.pool.stallMs, 1),
    warmReportMs: m.warm.map((w) => round(w.ms, 0)),
    warmMedianMs: median(m.warm),
    warmStallMs: maxStall(m.warm),
    /** What the kind's own sections gave in the first report (issue 11), to show the work was done. */
    sections: m.sections,
    variants,
    goldExport: exported(m.gold),
    goldExportMace: exported(m.goldMace),
    /** Peak RSS (MiB) at the end of each phase: first report, pool, warm reports, each variant. */
    peakRssAfterMiB: Object.fromEntries(Object.entries(m.peakAfter).map(([k, v]) => [k, round(v / 2 ** 20, 0)])),
  };
}

function print(r: ReturnType<typeof summarise> & { labels: number; dbMiB: number | null; peakRssMiB: number | null; peakRssReportsMiB: number | null }, kind: ReportKind): void {
  const stalls = [r.coldStallMs ?? 0, r.warmStallMs ?? 0, ...Object.values(r.variants).map((v) => ('stallMs' in v ? (v.stallMs ?? 0) : 0))];
  const gold = (g: ReturnType<typeof summarise>['goldExport']) => ('error' in g ? `failed: ${g.error}` : `${g.ms} ms, ${g.records} records, ${g.mib} MiB`);
  const stall = (g: ReturnType<typeof summarise>['goldExport']) => ('stallMs' in g ? (g.stallMs ?? 0) : 0);
  console.log(
    table(
      ['measure', 'value', 'target'],
      [
        ['items', kind, ''],
        ['labels', `${r.labels} (database ${r.dbMiB} MiB)`, ''],
        ['first report (worker loads the project)', `${r.coldReportMs} ms`, ''],
        ['report after new labels (median)', `${r.warmMedianMs} ms`, '< 2000 ms'],
        ...Object.entries(r.variants).map(([name, v]) =>
          'error' in v ? [`report (${name})`, `failed: ${v.error}`, ''] : [`report ${v.query} after new labels (median)`, `${v.medianMs} ms`, name.startsWith('by ') ? '' : `< ${(r.warmMedianMs ?? 0) + 3000} ms (+3 s)`],
        ),
        ['longest event-loop stall during reports', `${Math.max(...stalls)} ms`, '≤ 50 ms'],
        ['assignment pool load before the first task (not a report)', `${r.poolLoadMs} ms, stall ${r.poolStallMs} ms`, ''],
        ['gold export', gold(r.goldExport), '< 10000 ms'],
        ['gold export ?method=mace', gold(r.goldExportMace), ''],
        ['longest event-loop stall during exports', `${Math.max(stall(r.goldExport), stall(r.goldExportMace))} ms`, ''],
        ['peak RSS (server + report worker)', `${r.peakRssMiB} MiB`, '< 1536 MiB'],
        ['peak RSS before the exports (reports only)', `${r.peakRssReportsMiB} MiB`, ''],
      ],
    ),
  );
  console.log(`peak RSS at the end of each phase (MiB): ${Object.entries(r.peakRssAfterMiB).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  if (Object.keys(r.sections).length) console.log(`\n${kind} sections of the first report: ${JSON.stringify(r.sections)}`);
}

/** A new database file holding the seeded project (./report-seed.ts), written without fsync: setup is not measured. */
function seedFile(dbFile: string, kind: ReportKind, items: number, humans: number): { pid: number; labels: number; dbMiB: number } {
  const db = openDatabase(dbFile);
  migrate(db);
  db.pragma('synchronous = OFF');
  const t0 = performance.now();
  const pid = seed(db, kind, items, humans);
  const labels = db.prepare('SELECT count(*) FROM labels').pluck().get() as number;
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  const dbMiB = fs.statSync(dbFile).size / 2 ** 20;
  console.log(`seeded ${items} ${kind} items and ${labels} labels (${dbMiB.toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { pid, labels, dbMiB };
}

/** A copy of a seeded database (`--db`): its one project, read back with its kind and label count. */
function copySeed(seedFile: string, dbFile: string): { pid: number; labels: number; dbMiB: number; kind: ReportKind; items: number } {
  const t0 = performance.now();
  fs.copyFileSync(seedFile, dbFile);
  const db = openDatabase(dbFile);
  try {
    const projects = db.prepare('SELECT id, name FROM projects').all() as Array<{ id: number; name: string }>;
    const kind = REPORT_KINDS.find((k) => projects.length === 1 && projects[0]!.name === `report bench (${k})`);
    if (!kind) throw new Error(`${seedFile} does not hold one report bench project (bench/report-seed.ts seed())`);
    const pid = projects[0]!.id;
    const labels = db.prepare('SELECT count(*) FROM labels').pluck().get() as number;
    const items = db.prepare('SELECT count(*) FROM items').pluck().get() as number;
    const dbMiB = fs.statSync(dbFile).size / 2 ** 20;
    console.log(`copied ${seedFile}: ${labels} ${kind} labels (${dbMiB.toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    return { pid, labels, dbMiB, kind, items };
  } finally {
    db.close();
  }
}

interface Timed<T> {
  value: T;
  ms: number;
  /** The longest the server's event loop stalled meanwhile. */
  stallMs: number;
}

/** The bench judge's label for a task: `A`, or for a ranking its answers in the order shown. */
const judgeValue = (kind: ReportKind, answers: number | undefined) => (kind === 'ranking' ? Array.from({ length: answers ?? 0 }, (_, k) => [k]) : 'A');

/** Checks a report has what its kind needs; returns those figures (issue 11), or throws naming what is missing. */
function kindSections(kind: ReportKind, r: ReportJson): Record<string, unknown> {
  if (kind !== 'ranking') return {};
  const judges = r.judges.filter((j) => j.ranking);
  if (r.humans.kendall_w === undefined || judges.length === 0 || !r.project.answer_pairs) throw new Error("the ranking report lacks Kendall's W, the judges' ranking figures or its answer pairs");
  return { answer_pairs: r.project.answer_pairs, kendall_w: r.humans.kendall_w, kendall_w_items: r.humans.kendall_w_items, judges: Object.fromEntries(judges.map((j) => [j.annotator, j.ranking])) };
}

/**
 * The first report (the worker loads the project), `repeats` reports each after a new label arrives through the
 * real protocol (a judge submitting, which makes the cached report stale), then the streamed gold export. A variant
 * the server refuses (say, a crowd model for rankings) is recorded with its error, not fatal.
 */
async function measure(server: BenchServer, pid: number, labels: number, repeats: number, kind: ReportKind, { out, exports }: { out: string | null; exports: boolean }, rss: { peak: number }) {
  const { url } = server;
  const headers = { authorization: `Bearer ${server.app.adminToken}` };
  const timed = timer();
  if (out) fs.mkdirSync(out, { recursive: true });
  const getReport = async (query = '', name = 'first') => {
    const res = await fetch(`${url}/api/projects/${pid}/report${query}`, { headers });
    if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 300)}`);
    const text = await res.text();
    if (out) fs.writeFileSync(path.join(out, `${name.replace(/\W+/g, '-')}.json`), text);
    return JSON.parse(text) as ReportJson;
  };

  const cold = await timed(() => getReport());
  if (cold.value.project.labels.human + cold.value.project.labels.llm !== labels) throw new Error('the report did not see every label');
  const sections = kindSections(kind, cold.value);
  /** The peak RSS so far at the end of each phase (it only grows: the phase where it jumps is where it peaked). */
  const peakAfter: Record<string, number> = { first: rss.peak };
  // The assignment pool loads on the event loop at a project's first task (server/assignment, not the report): timed
  // on its own, so the reports' stalls are the reports' and the judge's socket is not dropped while it loads.
  const pool = await timed(async () => {
    const res = await fetch(`${url}/api/projects/${pid}/progress`, { headers });
    if (!res.ok) throw new Error(`progress: ${res.status}`);
    return res.status;
  });
  peakAfter.pool = rss.peak;
  const judge = await server.api<{ token: string }>('POST', `/api/projects/${pid}/judges`, JSON.stringify({ model: 'bench' }));
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token: judge.token }, transports: ['websocket'] });
  let added = 0;
  /** `repeats` reports with `query`, each after one new label from the bench judge (so none is served from the cache). */
  const afterNewLabels = async (query: string, name: string) => {
    const runs: Run[] = [];
    for (let k = 0; k < repeats; k++) {
      const next = await socket.emitWithAck('task:next', {});
      if (!next.ok || !next.data) throw new Error('no task for the bench judge');
      const ack = await socket.emitWithAck('label:submit', { leaseId: next.data.leaseId, value: judgeValue(kind, next.data.item.answers?.length), clientLabelId: `bench-${added}` });
      if (!ack.ok) throw new Error(ack.error.message);
      added++;
      const r = await timed(() => getReport(query, name));
      if (r.value.project.labels.llm !== cold.value.project.labels.llm + added) throw new Error('the report missed a new label');
      if (query.includes('method=') && r.value.aggregation.items === 0) throw new Error(`no consensus in the report ${query}`);
      const groups = query === '?by=turn' ? 2 : CATEGORIES.length;
      if (query.includes('by=') && r.value.slices?.groups.length !== groups) throw new Error(`the report ${query} has ${r.value.slices?.groups.length} groups, not ${groups}`);
      runs.push({ ms: r.ms, stallMs: r.stallMs });
    }
    return runs;
  };
  const warm = await afterNewLabels('', 'warm');
  peakAfter.warm = rss.peak;
  const variants: Record<string, { query: string; runs: Run[] } | { error: string }> = {};
  for (const [name, query] of Object.entries(VARIANTS[kind])) {
    variants[name] = await afterNewLabels(query, name).then(
      (runs) => ({ query, runs }),
      (e: unknown) => ({ error: `${query}: ${e instanceof Error ? e.message : String(e)}` }),
    );
    peakAfter[name] = rss.peak;
  }
  socket.disconnect();
  // The reports' own peak, apart from the exports' (issue 14 measures both).
  const peakRssReports = rss.peak;
  const skipped = async () => ({ error: 'not run (--exports 0)' });
  const gold = await timed(() => (exports ? streamedSize(`${url}/api/projects/${pid}/export?kind=gold`, headers) : skipped()));
  const goldMace = await timed(() => (exports ? streamedSize(`${url}/api/projects/${pid}/export?kind=gold&method=mace`, headers) : skipped()));
  return { cold, pool, warm, sections, variants, gold, goldMace, peakRssReports, peakAfter };
}

/** Times a call, with the longest stall of the server's event loop meanwhile. */
function timer() {
  const stall = monitorEventLoopDelay({ resolution: 10 });
  return async <T>(f: () => Promise<T>): Promise<Timed<T>> => {
    stall.reset();
    stall.enable();
    const start = performance.now();
    const value = await f();
    const ms = performance.now() - start;
    stall.disable();
    return { value, ms, stallMs: stall.max / 1e6 };
  };
}

/** Reads a streamed response to its end, counting its bytes and lines. */
async function streamedSize(url: string, headers: Record<string, string>): Promise<{ bytes: number; lines: number } | { error: string }> {
  const res = await fetch(url, { headers });
  if (!res.ok) return { error: `${res.status} ${(await res.text()).slice(0, 300)}` };
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
  }
  return { bytes, lines };
}
