/**
 * `npm run bench -- report`: a project of 200,000 pairwise items with 5 human labels each and 2 judges that judged
 * every item in both orders (1.8M labels). Measures, on the real server (createApp, the report worker, the REST
 * routes): the first report (the worker loads the project from SQLite), a report after new labels arrive (the
 * worker already holds the project), how long the server's event loop stalls meanwhile, peak RSS, and the streamed
 * gold export; and (issue 10) the same report with a crowd model (MACE, Dawid–Skene) and sliced by the items'
 * `meta.category`, each after new labels, and the gold export under MACE. Setup writes the rows with plain INSERTs (what it measures is the server, not the setup).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { io, type Socket } from 'socket.io-client';
import type { ClientToServerEvents, ServerToClientEvents } from '../shared/protocol';
import { migrate, openDatabase, type Db } from '../server/db/database';
import type { ReportJson } from '../shared/stats/report/json';
import { defineBenchmark } from './lib/benchmark';
import { resultHead, writeResult } from './lib/results';
import { round, table } from './lib/stats';
import { startBenchServer, type BenchServer } from './lib/server';

const VERDICTS = ['A', 'B', 'tie'] as const;
/** Items' `meta.category`, for the sliced report (JudgeBench's four categories). */
const CATEGORIES = ['knowledge', 'reasoning', 'math', 'coding'] as const;
/** Reports timed after each new label, besides the default one (issue 10: aggregation and slices). */
const VARIANTS = { mace: '?method=mace', 'dawid-skene': '?method=dawid-skene', 'by category': '?by=category' } as const;

/** Writes the project straight into SQLite: items with answers of varied length, 5 humans per item, 2 swap judges. */
function seed(db: Db, items: number, humans: number): number {
  const now = Date.now();
  const config = { redundancy: 5, options: null, scale: null, certainty: { min: 1, max: 100 }, rationale: 'off', instructions: '', gold_rate: 0, max_per_annotator: null, show_reference: true, lease_seconds: { human: 600, llm: 120 }, completion_code: null, redirect_url: null };
  const pid = Number(db.prepare("INSERT INTO projects (name, type, config, created_at, updated_at) VALUES ('report bench', 'pairwise', ?, ?, ?)").run(JSON.stringify(config), now, now).lastInsertRowid);
  const insA = db.prepare('INSERT INTO annotators (project_id, kind, key, name, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id').pluck();
  const humanIds = Array.from({ length: humans }, (_, h) => insA.get(pid, 'human', `h${h}`, `h${h}`, now) as number);
  const judgeIds = ['judge-1', 'judge-2'].map((j) => insA.get(pid, 'llm', j, j, now) as number);
  const insI = db.prepare('INSERT INTO items (project_id, external_id, content, gold, meta, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id').pluck();
  const insL = db.prepare("INSERT INTO labels (project_id, item_id, annotator_id, value, certainty, shown_order, sample, slot, duration_ms, created_at, source) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 'import')");
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  db.transaction(() => {
    for (let i = 0; i < items; i++) {
      const truth = VERDICTS[Math.floor(rnd() * 3)]!;
      const content = JSON.stringify({ question: `Question ${i}: which answer is more helpful?`, answer_a: 'a'.repeat(40 + (i % 300)), answer_b: 'b'.repeat(160) });
      const meta = JSON.stringify({ category: CATEGORIES[i % CATEGORIES.length] });
      const item = insI.get(pid, `q${i}`, content, i % 20 === 0 ? truth : null, meta, now) as number;
      const first = Math.floor(rnd() * humans);
      for (let h = 0; h < 5; h++) {
        const value = rnd() < 0.75 ? truth : VERDICTS[Math.floor(rnd() * 3)]!;
        insL.run(pid, item, humanIds[(first + h) % humans]!, value, null, rnd() < 0.5 ? 'AB' : 'BA', '', 4000 + Math.floor(rnd() * 30000), now);
      }
      for (const j of judgeIds) {
        for (const order of ['AB', 'BA'] as const) {
          const value = rnd() < 0.02 ? null : rnd() < 0.65 ? truth : order === 'AB' ? 'A' : 'B';
          insL.run(pid, item, j, value, 1 + Math.floor(rnd() * 100), order, `${order}#0`, 800, now);
        }
      }
    }
  })();
  return pid;
}

export const report = defineBenchmark({
  summary: 'report and gold export on 200k items × (5 human + 2×2 judge) labels = 1.8M labels',
  options: {
    items: { default: 200_000, help: 'items in the project' },
    humans: { default: 20, help: 'human annotators sharing the labels' },
    repeats: { default: 3, help: 'warm reports to time (each after one new label)' },
  },
  async run(o, { command }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-report-'));
    const dbFile = path.join(dir, 'concord.db');
    try {
      const { pid, labels } = seedFile(dbFile, o.items, o.humans);
      const server = await startBenchServer(dbFile);
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
      const m = await measure(server, pid, labels, o.repeats);
      clearInterval(sampler);
      await server.close();

      const median = (runs: Array<{ ms: number }>) => round(runs.map((w) => w.ms).sort((a, b) => a - b)[Math.floor(runs.length / 2)] ?? null, 0);
      const maxStall = (runs: Array<{ stallMs: number }>) => round(Math.max(...runs.map((w) => w.stallMs)), 1);
      const variants = Object.fromEntries(Object.entries(m.variants).map(([name, runs]) => [name, { medianMs: median(runs), stallMs: maxStall(runs), ms: runs.map((w) => round(w.ms, 0)) }]));
      const exported = (g: typeof m.gold) => ({ ms: round(g.ms, 0), records: g.value.lines, mib: round(g.value.bytes / 2 ** 20, 1), stallMs: round(g.stallMs, 1) });
      const result = {
        ...resultHead('report', command, o),
        labels,
        coldReportMs: round(m.cold.ms, 0),
        coldStallMs: round(m.cold.stallMs, 1),
        warmReportMs: m.warm.map((w) => round(w.ms, 0)),
        warmMedianMs: median(m.warm),
        warmStallMs: maxStall(m.warm),
        variants,
        goldExport: exported(m.gold),
        goldExportMace: exported(m.goldMace),
        peakRssMiB: round(peakRss / 2 ** 20, 0),
      };
      const stalls = [result.coldStallMs ?? 0, result.warmStallMs ?? 0, ...Object.values(variants).map((v) => v.stallMs ?? 0)];
      console.log(
        table(
          ['measure', 'value', 'target'],
          [
            ['labels', String(labels), ''],
            ['first report (worker loads the project)', `${result.coldReportMs} ms`, ''],
            ['report after new labels (median)', `${result.warmMedianMs} ms`, '< 2000 ms'],
            ...Object.entries(variants).map(([name, v]) => [`report ?${VARIANTS[name as keyof typeof VARIANTS].slice(1)} after new labels (median)`, `${v.medianMs} ms`, name === 'by category' ? '' : `< ${(result.warmMedianMs ?? 0) + 3000} ms (+3 s)`]),
            ['longest event-loop stall during reports', `${Math.max(...stalls)} ms`, '≤ 50 ms'],
            ['gold export', `${result.goldExport.ms} ms, ${result.goldExport.records} records, ${result.goldExport.mib} MiB`, '< 10000 ms'],
            ['gold export ?method=mace', `${result.goldExportMace.ms} ms, ${result.goldExportMace.records} records`, ''],
            ['longest event-loop stall during exports', `${Math.max(result.goldExport.stallMs ?? 0, result.goldExportMace.stallMs ?? 0)} ms`, ''],
            ['peak RSS (server + report worker)', `${result.peakRssMiB} MiB`, ''],
          ],
        ),
      );
      writeResult('report', result);
      return 0;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});

/** A new database file holding the seeded project (see {@link seed}), written without fsync: setup is not measured. */
function seedFile(dbFile: string, items: number, humans: number): { pid: number; labels: number } {
  const db = openDatabase(dbFile);
  migrate(db);
  db.pragma('synchronous = OFF');
  const t0 = performance.now();
  const pid = seed(db, items, humans);
  const labels = db.prepare('SELECT count(*) FROM labels').pluck().get() as number;
  db.close();
  console.log(`seeded ${items} items and ${labels} labels in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return { pid, labels };
}

interface Timed<T> {
  value: T;
  ms: number;
  /** The longest the server's event loop stalled meanwhile. */
  stallMs: number;
}

/**
 * The first report (the worker loads the project), `repeats` reports each after a new label arrives through the
 * real protocol (a judge submitting, which makes the cached report stale), then the streamed gold export.
 */
async function measure(server: BenchServer, pid: number, labels: number, repeats: number) {
  const { url } = server;
  const headers = { authorization: `Bearer ${server.app.adminToken}` };
  const timed = timer();
  const getReport = async (query = '') => (await (await fetch(`${url}/api/projects/${pid}/report${query}`, { headers })).json()) as ReportJson;

  const cold = await timed(() => getReport());
  if (cold.value.project.labels.human + cold.value.project.labels.llm !== labels) throw new Error('the report did not see every label');
  const judge = await server.api<{ token: string }>('POST', `/api/projects/${pid}/judges`, JSON.stringify({ model: 'bench' }));
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token: judge.token }, transports: ['websocket'] });
  let added = 0;
  /** `repeats` reports with `query`, each after one new label from the bench judge (so none is served from the cache). */
  const afterNewLabels = async (query: string) => {
    const runs: Array<{ ms: number; stallMs: number }> = [];
    for (let k = 0; k < repeats; k++) {
      const next = await socket.emitWithAck('task:next', {});
      if (!next.ok || !next.data) throw new Error('no task for the bench judge');
      const ack = await socket.emitWithAck('label:submit', { leaseId: next.data.leaseId, value: 'A', clientLabelId: `bench-${added}` });
      if (!ack.ok) throw new Error(ack.error.message);
      added++;
      const r = await timed(() => getReport(query));
      if (r.value.project.labels.llm !== cold.value.project.labels.llm + added) throw new Error('the report missed a new label');
      if (query.includes('method=') && r.value.aggregation.items === 0) throw new Error(`no consensus in the report ${query}`);
      if (query.includes('by=') && r.value.slices?.groups.length !== CATEGORIES.length) throw new Error('the sliced report has the wrong groups');
      runs.push({ ms: r.ms, stallMs: r.stallMs });
    }
    return runs;
  };
  const warm = await afterNewLabels('');
  const variants: Record<string, Array<{ ms: number; stallMs: number }>> = {};
  for (const [name, query] of Object.entries(VARIANTS)) variants[name] = await afterNewLabels(query);
  socket.disconnect();
  const gold = await timed(() => streamedSize(`${url}/api/projects/${pid}/export?kind=gold`, headers));
  const goldMace = await timed(() => streamedSize(`${url}/api/projects/${pid}/export?kind=gold&method=mace`, headers));
  return { cold, warm, variants, gold, goldMace };
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
async function streamedSize(url: string, headers: Record<string, string>): Promise<{ bytes: number; lines: number }> {
  const res = await fetch(url, { headers });
  let bytes = 0;
  let lines = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at >= 0; at = chunk.indexOf(10, at + 1)) lines++;
  }
  return { bytes, lines };
}
