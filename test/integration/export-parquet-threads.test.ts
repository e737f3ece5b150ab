/**
 * A big gold export in Parquet, encoded on the export's threads (issue 14; server/exports/parquet-pages.ts): each
 * thread writes its pages' row groups into bytes of its own and thread 0 rebases every page's file offsets into the
 * footer. The file is not the single writer's byte for byte (its row groups end at page boundaries), so it is read
 * back (hyparquet, and DuckDB) and must hold the same records and schema as the main thread's file and the same
 * records as the JSONL export, with every offset right: each row group's column chunks read, and the offset
 * indexes (written for column chunks of several pages: long rationales here) point at the chunks' pages.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { migrate, openDatabase } from '../../server/db/database';
import { ExportsRepo } from '../../server/exports/exports.repo';
import { ExportsService } from '../../server/exports/exports.service';
import { THREADS } from '../../server/exports/export-thread';
import { startBenchServer, type BenchServer } from '../../bench/lib/server';
import { seed } from '../../bench/report-seed';
import { mainThreadBytes } from '../helpers/exports';
import { tempDir } from '../helpers/server';

/** Three pages (THREADS.goldParquetPage items), the last of 100 items. */
const ITEMS = 4_196;
const READ = path.join(__dirname, '../helpers/parquet-read.mjs');

interface ReadBack {
  metadata: Record<string, unknown>;
  groups: number[];
  records: Array<Record<string, unknown>>;
  indexed: Array<{ group: number; column: string; pages: number; firstIsDataPage: boolean; inside: boolean; same: boolean; rows: number }>;
}

/** The file read back by hyparquet in a child process (an ES module). */
function readBack(file: string): ReadBack {
  return JSON.parse(execFileSync(process.execPath, [READ, file], { maxBuffer: 1 << 30 }).toString()) as ReadBack;
}

describe('a gold export in Parquet encoded on two threads', () => {
  const dir = tempDir('concord-export-parquet-threads-');
  let server: BenchServer;
  let pid: number;
  let threaded: ReadBack;
  let single: ReadBack;
  const threadedFile = path.join(dir, 'threaded.parquet');

  beforeAll(async () => {
    const file = path.join(dir, 'concord.db');
    const db = openDatabase(file);
    migrate(db);
    pid = seed(db, 'pairwise', ITEMS, 8);
    // Odd text in some rationales; long ones, each its own, on the last page's items (the third page, thread 0's,
    // after the other thread's): ~22.5 kB of them an item (its human labels', which its gold record holds), so the
    // page (~2.3 MB of cells' text) is two row groups whose rationale column is over a data page (1 MB), written as
    // two pages with an offset index.
    db.prepare(`UPDATE labels SET rationale = 'say "hi",' || char(10) || 'then ' || char(8232) || ' 🎉' WHERE id % 3 = 1`).run();
    const humans = "SELECT id FROM annotators WHERE kind = 'human'";
    db.prepare(
      `UPDATE labels SET rationale = id || ' ' || substr(hex(zeroblob(12000)), 1, 22500 / (SELECT count(*) FROM labels l WHERE l.item_id = labels.item_id AND l.annotator_id IN (${humans})))
       WHERE annotator_id IN (${humans}) AND item_id IN (SELECT id FROM items WHERE project_id = ? ORDER BY id LIMIT -1 OFFSET ?)`,
    ).run(pid, 2 * THREADS.goldParquetPage);
    db.prepare("INSERT INTO adjudications (item_id, value, note, by, created_at) SELECT id, 'B', 'n', 'r', 1 FROM items WHERE id % 50 = 0").run();
    db.close();
    server = await startBenchServer(file);
    const res = await fetch(`${server.url}/api/projects/${pid}/export?kind=gold&format=parquet`, { headers: { authorization: `Bearer ${server.app.adminToken}` } });
    expect(res.status).toBe(200);
    fs.writeFileSync(threadedFile, Buffer.from(await res.arrayBuffer()));
    threaded = readBack(threadedFile);
    // The same export through the single writer (the main thread's pages and the encoder's thread).
    const singleFile = path.join(dir, 'single.parquet');
    fs.writeFileSync(singleFile, await mainThreadBytes(new ExportsService(new ExportsRepo(server.db)), server, pid, { kind: 'gold', format: 'parquet' }));
    single = readBack(singleFile);
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('is written by both threads, in several row groups', () => {
    expect(THREADS.count).toBe(2);
    // More pages than one a thread (pages of THREADS.goldParquetPage items, thread 0 takes the even ones).
    expect(ITEMS).toBeGreaterThan(2 * THREADS.goldParquetPage);
    expect(ITEMS).toBeGreaterThanOrEqual(THREADS.minItems);
    expect(threaded.groups.length).toBeGreaterThanOrEqual(4);
  });

  test('reads back as the single writer’s file: the same records in order, schema and file metadata', () => {
    expect(threaded.records.length).toBeGreaterThan(4_000);
    expect(threaded.metadata).toEqual(single.metadata);
    expect(threaded.records.length).toBe(single.records.length);
    for (let i = 0; i < single.records.length; i++) if (JSON.stringify(threaded.records[i]) !== JSON.stringify(single.records[i])) expect([i, threaded.records[i]]).toEqual([i, single.records[i]]);
    expect(threaded.groups.reduce((a, b) => a + b, 0)).toBe(threaded.records.length);
  });

  test('holds the JSONL export’s records, in order', async () => {
    const res = await fetch(`${server.url}/api/projects/${pid}/export?kind=gold&format=jsonl`, { headers: { authorization: `Bearer ${server.app.adminToken}` } });
    const lines = (await res.text()).trimEnd().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(threaded.records.map((r) => r.id)).toEqual(lines.map((l) => l.id));
    expect(threaded.records.map((r) => r.label)).toEqual(lines.map((l) => l.label));
    const rationales = (r: Record<string, unknown>) => (r.labels as Array<{ rationale: string | null }>).map((l) => l.rationale);
    expect(threaded.records.map(rationales)).toEqual(lines.map(rationales));
  });

  test('has offset indexes that point at each column chunk’s own pages', () => {
    expect(threaded.indexed.length).toBeGreaterThanOrEqual(2);
    expect(new Set(threaded.indexed.map((x) => x.group)).size).toBeGreaterThanOrEqual(2);
    for (const x of threaded.indexed) expect(x).toEqual({ ...x, firstIsDataPage: true, inside: true, same: true });
    expect(threaded.indexed.every((x) => x.pages > 1 && x.rows > 0)).toBe(true);
  });

  test('is read whole by DuckDB', async () => {
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    const reader = await duck.runAndReadAll(`SELECT count(*)::INTEGER AS n, sum(len(labels))::INTEGER AS labels, count(DISTINCT id)::INTEGER AS ids FROM read_parquet('${threadedFile}')`);
    const [row] = reader.getRowObjects();
    const labels = single.records.reduce((a, r) => a + (r.labels as unknown[]).length, 0);
    expect(row).toEqual({ n: single.records.length, labels, ids: single.records.length });
    duck.closeSync();
  });
});
