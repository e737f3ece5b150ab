/**
 * `npm run bench -- report`: a project of 200,000 pairwise items with 5 human labels each and 2 judges that judged
 * every item in both orders (1.8M labels). Measures, on the real server (createApp, the report worker, the REST
 * routes): the first report (the worker loads the project from SQLite), a report after new labels arrive (the
 * worker already holds the project), how long the server's event loop stalls meanwhile, peak RSS, and the streamed
 * gold export. Setup writes the rows with plain INSERTs (what it measures is the server, not the setup).
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

/** Writes the project straight into SQLite: items with answers of varied length, 5 humans per item, 2 swap judges. */
function seed(db: Db, items: number, humans: number): number {
  const now = Date.now();
  const config = { redundancy: 5, options: null, scale: null, certainty: { min: 1, max: 100 }, rationale: 'off', instructions: '', gold_rate: 0, max_per_annotator: null, show_reference: true, lease_seconds: { human: 600, llm: 120 }, completion_code: null, redirect_url: null };
  const pid = Number(db.prepare("INSERT INTO projects (name, type, config, created_at, updated_at) VALUES ('report bench', 'pairwise', ?, ?, ?)").run(JSON.stringify(config), now, now).lastInsertRowid);
  const insA = db.prepare('INSERT INTO annotators (project_id, kind, key, name, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id').pluck();
  const humanIds = Array.from({ length: humans }, (_, h) => insA.get(pid, 'human', `h${h}`, `h${h}`, now) as number);
  const judgeIds = ['judge-1', 'judge-2'].map((j) => insA.get(pid, 'llm', j, j, now) as number);
  const insI = db.prepare('INSERT INTO items (project_id, external_id, content, gold, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id').pluck();
  const insL = db.prepare("INSERT INTO labels (project_id, item_id, annotator_id, value, certainty, shown_order, sample, slot, duration_ms, created_at, source) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, 'import')");
  let s = 12345;
  const rnd = () => (s = (Math.imul(s, 1103515245) + 12345) >>> 0) / 4294967296;
  db.transaction(() => {
    for (let i = 0; i < items; i++) {
      const truth = VERDICTS[Math.floor(rnd() * 3)]!;
      const content = JSON.stringify({ question: `Question ${i}: which answer is more helpful?`, answer_a: 'a'.repeat(40 + (i % 300)), answer_b: 'b'.repeat(160) });
      const item = insI.get(pid, `q${i}`, content, i % 20 === 0 ? truth : null, now) as number;
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

      const warmMs = m.warm.map((w) => w.ms).sort((a, b) => a - b);
      const result = {
        ...resultHead('report', command, o),
        labels,
        coldReportMs: round(m.cold.ms, 0),
        coldStallMs: round(m.cold.stallMs, 1),
        warmReportMs: warmMs.map((ms) => round(ms, 0)),
        warmMedianMs: round(warmMs[Math.floor(warmMs.length / 2)] ?? null, 0),
        warmStallMs: round(Math.max(...m.warm.map((w) => w.stallMs)), 1),
        goldExport: { ms: round(m.gold.ms, 0), records: m.gold.value.lines, mib: round(m.gold.value.bytes / 2 ** 20, 1), stallMs: round(m.gold.stallMs, 1) },
        peakRssMiB: round(peakRss / 2 ** 20, 0),
      };
      console.log(
        table(
          ['measure', 'value', 'target'],
          [
            ['labels', String(labels), ''],
            ['first report (worker loads the project)', `${result.coldReportMs} ms`, ''],
            ['report after new labels (median)', `${result.warmMedianMs} ms`, '< 2000 ms'],
            ['longest event-loop stall during reports', `${Math.max(result.coldStallMs ?? 0, result.warmStallMs ?? 0)} ms`, '≤ 50 ms'],
            ['gold export', `${result.goldExport.ms} ms, ${result.goldExport.records} records, ${result.goldExport.mib} MiB`, '< 10000 ms'],
            ['longest event-loop stall during export', `${result.goldExport.stallMs} ms`, ''],
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
  const { app, url } = server;
  const headers = { authorization: `Bearer ${app.adminToken}` };
  const stall = monitorEventLoopDelay({ resolution: 10 });
  const timed = async <T>(f: () => Promise<T>): Promise<Timed<T>> => {
    stall.reset();
    stall.enable();
    const start = performance.now();
    const value = await f();
    const ms = performance.now() - start;
    stall.disable();
    return { value, ms, stallMs: stall.max / 1e6 };
  };
  const getReport = async () => (await (await fetch(`${url}/api/projects/${pid}/report`, { headers })).json()) as ReportJson;

  const cold = await timed(getReport);
  if (cold.value.project.labels.human + cold.value.project.labels.llm !== labels) throw new Error('the report did not see every label');
  const warm: Array<{ ms: number; stallMs: number }> = [];
  const judge = await server.api<{ token: string }>('POST', `/api/projects/${pid}/judges`, JSON.stringify({ model: 'bench' }));
  const socket: Socket<ServerToClientEvents, ClientToServerEvents> = io(url, { auth: { token: judge.token }, transports: ['websocket'] });
  for (let k = 0; k < repeats; k++) {
    const next = await socket.emitWithAck('task:next', {});
    if (!next.ok || !next.data) throw new Error('no task for the bench judge');
    const ack = await socket.emitWithAck('label:submit', { leaseId: next.data.leaseId, value: 'A', clientLabelId: `bench-${k}` });
    if (!ack.ok) throw new Error(ack.error.message);
    const r = await timed(getReport);
    if (r.value.project.labels.llm !== cold.value.project.labels.llm + k + 1) throw new Error('the report missed a new label');
    warm.push({ ms: r.ms, stallMs: r.stallMs });
  }
  socket.disconnect();
  const gold = await timed(() => streamedSize(`${url}/api/projects/${pid}/export?kind=gold`, headers));
  return { cold, warm, gold };
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
