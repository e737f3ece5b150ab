/**
 * Big exports built on threads (issue 14, part 1; server/exports/export-thread.ts): a gold or labels export, in any
 * format, of a project of 4,096 items or more is built by export threads, each reading its share of the pages on
 * its own connection, and must be byte for byte what the main thread writes for the same export; a client that goes
 * away mid-export stops the threads.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { migrate, openDatabase } from '../../server/db/database';
import { ExportsRepo } from '../../server/exports/exports.repo';
import { ExportsService } from '../../server/exports/exports.service';
import { ProjectsRepo } from '../../server/projects/projects.repo';
import { startBenchServer, type BenchServer } from '../../bench/lib/server';
import { seed } from '../../bench/report-seed';
import { mainThreadBytes } from '../helpers/exports';
import { tempDir } from '../helpers/server';

const ITEMS = 5_000;
const threadsNow = () => fs.readdirSync('/proc/self/task').length;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('exports built on threads', () => {
  const dir = tempDir('concord-export-threads-');
  let server: BenchServer;
  let pid: number;
  /** A second project, one of whose items in the middle holds JSON null for content: its gold export fails there. */
  let broken: number;

  beforeAll(async () => {
    const file = path.join(dir, 'concord.db');
    const db = openDatabase(file);
    migrate(db);
    pid = seed(db, 'pairwise', ITEMS, 8);
    // Odd rationales and an adjudication, so the text's escaping is compared too.
    db.prepare(`UPDATE labels SET rationale = 'say "hi",' || char(10) || 'then ' || char(8232) || ' 🎉' WHERE id % 5 = 0`).run();
    db.prepare("INSERT INTO adjudications (item_id, value, note, by, created_at) SELECT id, 'B', 'n', 'r', 1 FROM items WHERE id % 50 = 0").run();
    broken = seed(db, 'pairwise', ITEMS, 8);
    db.prepare("UPDATE items SET content = 'null' WHERE id = (SELECT id FROM items WHERE project_id = ? ORDER BY id LIMIT 1 OFFSET 3000)").run(broken);
    db.close();
    server = await startBenchServer(file);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const get = async (route: string) => {
    const res = await fetch(server.url + route, { headers: { authorization: `Bearer ${server.app.adminToken}` } });
    return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
  };

  // A gold export in Parquet is encoded on the threads in row groups of their own pages: read back, it is the main
  // thread's (export-parquet-threads.test.ts), not byte for byte.
  test.each([
    ['gold', 'jsonl'],
    ['gold', 'csv'],
    ['labels', 'jsonl'],
    ['labels', 'csv'],
    ['labels', 'parquet'],
  ])('a %s export in %s is the main thread’s, byte for byte', async (kind, format) => {
    const service = new ExportsService(new ExportsRepo(server.db));
    const project = new ProjectsRepo(server.db).get(pid)!;
    const q = service.parse({ kind, format }, project);
    // The threaded path: an async sequence even for text (the main thread's text export is a plain generator).
    const stream = service.stream(project, q, null, await service.columns(project, q));
    expect(Symbol.asyncIterator in stream).toBe(true);
    await (stream as AsyncGenerator<Uint8Array>).return(undefined);
    const res = await get(`/api/projects/${pid}/export?kind=${kind}&format=${format}`);
    expect(res.status).toBe(200);
    const expected = await mainThreadBytes(service, server, pid, { kind, format });
    expect(res.body.length).toBeGreaterThan(100_000);
    expect(res.body.equals(expected)).toBe(true);
  }, 60_000);

  test.each(['jsonl', 'parquet'])('a thread that fails ends the %s response mid-way, as a failing page on the main thread does', async (format) => {
    const res = await fetch(`${server.url}/api/projects/${broken}/export?kind=gold&format=${format}`, { headers: { authorization: `Bearer ${server.app.adminToken}` } });
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow();
  }, 60_000);

  test('a client that goes away mid-export stops the export threads', async () => {
    // Once, to its end: the threads it started are gone after it (the process's own threads are started by then).
    await get(`/api/projects/${pid}/export?kind=gold&format=jsonl`);
    await sleep(300);
    const before = threadsNow();
    await new Promise<void>((resolve, reject) => {
      const req = http.get(`${server.url}/api/projects/${pid}/export?kind=gold&format=jsonl`, { headers: { authorization: `Bearer ${server.app.adminToken}` } }, (res) => {
        res.once('data', () => {
          expect(threadsNow()).toBeGreaterThan(before);
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      req.on('timeout', reject);
    });
    let now = threadsNow();
    for (let i = 0; i < 50 && now > before; i++) {
      await sleep(100);
      now = threadsNow();
    }
    expect(now).toBeLessThanOrEqual(before);
  }, 60_000);
});
