import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import zlib from 'node:zlib';
import { jsonl, makeProject, pairwiseItems, startServer, tempDir, type TestServer } from '../helpers/server';

/**
 * An import body is streamed to a spool file while its bytes are counted, not held in memory: a chunked upload
 * (no Content-Length) over the limit is cut off at the limit with a 413 naming it, the server's memory stays
 * flat, and no spool file is left behind whatever happens. Measured on a real `concord serve` process (its RSS
 * from /proc/<pid>/status) so the test process's own memory does not blur the figure.
 */

const ROOT = path.resolve(__dirname, '../..');
const ADMIN = 'import-stream-test-admin-token-0123456789';
const MiB = 1024 * 1024;

const children: ChildProcess[] = [];
const dirs: string[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

function serveProcess(dbFile: string, env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/concord.js'), 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CONCORD_DB: dbFile, CONCORD_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running on http:\/\/\S+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: `http://127.0.0.1:${m[1]}` });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

/** The resident memory of a process, in bytes. */
function rss(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/**
 * POSTs `total` bytes made of `chunk` repeated, with chunked transfer encoding (no Content-Length), and stops
 * sending once the server has answered. Resolves with the status, the parsed body and the bytes sent.
 */
function chunkedUpload(url: string, route: string, chunk: Buffer, total: number, headers: Record<string, string> = {}): Promise<{ status: number; body: any; sent: number }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url + route, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/x-ndjson', ...headers } });
    let sent = 0;
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text ? JSON.parse(text) : undefined, sent }));
    });
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const pump = () => {
      while (!answered && sent < total) {
        const piece = sent + chunk.length <= total ? chunk : chunk.subarray(0, total - sent);
        sent += piece.length;
        if (!req.write(piece)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** A megabyte of well-formed JSONL item lines (the same ids repeated: the file is refused before validation). */
function jsonlMegabyte(): Buffer {
  const line = JSON.stringify({ id: 'q', question: 'Which answer is kinder?', answer_a: 'a'.repeat(400), answer_b: 'b'.repeat(400) }) + '\n';
  return Buffer.from(line.repeat(Math.ceil(MiB / line.length)));
}

const spoolFiles = (dir: string) => fs.readdirSync(dir).filter((f) => !/^concord\.db(-wal|-shm|\.lock)?$/.test(f));

describe('a streamed import', () => {
  test("a chunked 300 MiB upload over a 256 MiB limit gets 413 naming the limit, and the server's RSS grows by less than 100 MB", async () => {
    const dir = tempDir('concord-stream-');
    dirs.push(dir);
    const { child, url } = await serveProcess(path.join(dir, 'concord.db'), { CONCORD_MAX_IMPORT_BYTES: String(256 * MiB) });
    const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
    const project = (await (await fetch(`${url}/api/projects`, { method: 'POST', headers, body: JSON.stringify({ name: 'Stream', type: 'pairwise' }) })).json()) as { id: number };
    // A first import loads the route's code, so what follows measures the body and nothing else.
    const warm = await fetch(`${url}/api/projects/${project.id}/items`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson' }, body: jsonl(pairwiseItems(3)) });
    expect(await warm.json()).toEqual({ imported: 3 });

    const before = rss(child.pid!);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rss(child.pid!))), 10);
    const r = await chunkedUpload(url, `/api/projects/${project.id}/items?upsert=1`, jsonlMegabyte(), 300 * MiB);
    clearInterval(sampler);
    peak = Math.max(peak, rss(child.pid!));

    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: 'payload-too-large', message: expect.stringMatching(/256 MiB/) });
    const growth = peak - before;
    console.log(`server RSS ${(before / MiB).toFixed(0)} MiB before, ${(peak / MiB).toFixed(0)} MiB at the peak (+${(growth / MiB).toFixed(0)} MiB) for a ${(r.sent / MiB).toFixed(0)} MiB chunked body`);
    expect(growth).toBeLessThan(100 * 1000 * 1000);

    // Nothing was imported, no spool file is left beside the database, and the server still imports.
    const items = (await (await fetch(`${url}/api/projects/${project.id}/items?limit=1`, { headers })).json()) as { total: number };
    expect(items.total).toBe(3);
    expect(spoolFiles(dir)).toEqual([]);
    const again = await fetch(`${url}/api/projects/${project.id}/items?upsert=1`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson' }, body: jsonl(pairwiseItems(5)) });
    expect(await again.json()).toEqual({ imported: 5 });
  }, 60_000);
});

describe('streamed imports keep every guarantee', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer({ maxImportBytes: 4 * MiB, maxRecordBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await s.close();
  });
  const total = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/items?limit=1`)).body.total as number;

  test('a chunked upload within the limit is imported whole, with its line numbers', async () => {
    const pid = await makeProject(s, {}, []);
    const body = Buffer.from(jsonl(pairwiseItems(12_000)));
    expect(body.length).toBeGreaterThan(MiB);
    const ok = await chunkedUploadTo(s, `/api/projects/${pid}/items`, body);
    expect(ok).toEqual({ status: 200, body: { imported: 12_000 } });
    const bad = Buffer.from(jsonl(pairwiseItems(3000, (i) => (i === 2999 ? { answer_b: ['x'] } : {}))).replace(/"id":"q/g, '"id":"r'));
    const refused = await chunkedUploadTo(s, `/api/projects/${pid}/items`, bad);
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([{ line: 3000, field: 'answer_b', message: expect.any(String) }]);
    expect(await total(pid)).toBe(12_000);
    expect(spoolFiles(s.dir)).toEqual([]);
  });

  test('records that straddle the 1 MiB read boundaries keep their line numbers, in JSONL, a JSON array and CSV', async () => {
    const n = 12_000;
    const items = pairwiseItems(n, (i) => ({ question: `Question ${i + 1}?\nIt has a second line, "quoted", and é.` }));
    // A missing answer_b (in a CSV, an empty cell): refused in every format.
    const broken = (i: number) => items.map((x, j) => (j === i ? { ...x, answer_b: undefined } : x));
    const csvOf = (rows: Array<{ id: string; question: string; answer_a: string; answer_b?: string }>) =>
      'id,question,answer_a,answer_b\r\n' + rows.map((x) => [x.id, x.question, x.answer_a, x.answer_b].map((c) => (c === undefined ? '' : `"${c.replace(/"/g, '""')}"`)).join(',')).join('\r\n') + '\r\n';
    const jsonArray = (rows: unknown[]) => JSON.stringify(rows, null, 2);
    expect(jsonArray(items).length).toBeGreaterThan(2 * MiB);

    const pid = await makeProject(s, {}, []);
    for (const [body, type] of [
      [jsonl(broken(n - 2)), 'application/x-ndjson'],
      [jsonArray(broken(n - 2)), 'application/json'],
      [csvOf(broken(n - 2)), 'text/csv'],
    ] as const) {
      const r = await s.api('POST', `/api/projects/${pid}/items`, body, { type });
      expect({ type, status: r.status, details: r.body.error?.details }).toEqual({ type, status: 400, details: [{ line: type === 'text/csv' ? 2 + 2 * (n - 2) : n - 1, field: 'answer_b', message: expect.any(String) }] });
    }
    expect(await total(pid)).toBe(0);
    for (const [body, type] of [
      [jsonArray(items), 'application/json'],
      [csvOf(items), 'text/csv'],
      [jsonl(items), 'application/x-ndjson'],
    ] as const) {
      expect(await s.api('POST', `/api/projects/${pid}/items?upsert=1`, body, { type })).toEqual({ status: 200, body: { imported: n } });
    }
    const page = await s.api('GET', `/api/projects/${pid}/items?offset=${n - 1}&limit=1`);
    expect(page.body.items[0]).toMatchObject({ id: `q${n}`, content: { question: items[n - 1]!.question } });
  });

  test('an escaped quote, an escaped backslash or an accented letter split by a 1 MiB read boundary is read whole', async () => {
    // ASCII up to the boundary, so character offsets are byte offsets; the boundary falls inside the last question.
    const arrayWith = (tail: string, at: number) => {
      let text = '[';
      for (let i = 1; text.length < MiB - 5000; i++) text += JSON.stringify({ id: `p${i}`, question: 'Q', answer_a: 'a', answer_b: 'b' }) + ',';
      const open = '{"id":"last","question":"';
      const pad = 'x'.repeat(MiB - at - text.length - open.length);
      return text + open + pad + tail + '","answer_a":"a","answer_b":"b"}]';
    };
    const cases: Array<[string, string, number]> = [
      ['\\"', 'x"', 1], // the backslash ends one read, the quote it escapes starts the next
      ['\\\\', 'x\\', 2], // an escaped backslash whose second half ends a read: the next quote closes the string
      ['é', 'xé', 1], // a two-byte letter cut in half
    ];
    for (const [tail, end, at] of cases) {
      const pid = await makeProject(s, {}, []);
      const body = arrayWith(tail, at);
      expect(Buffer.from(body).subarray(MiB - at, MiB - at + Buffer.byteLength(tail)).toString()).toBe(tail);
      const r = await s.api('POST', `/api/projects/${pid}/items`, body, { type: 'application/json' });
      expect({ tail, r }).toEqual({ tail, r: { status: 200, body: { imported: expect.any(Number) } } });
      const last = await s.api('GET', `/api/projects/${pid}/items?offset=${r.body.imported - 1}&limit=1`);
      expect(last.body.items[0].id).toBe('last');
      expect((last.body.items[0].content.question as string).endsWith(end)).toBe(true);
    }
  });

  test('a chunked upload over the limit gets 413 naming it and imports nothing', async () => {
    const pid = await makeProject(s, {}, []);
    const r = await chunkedUpload(s.url, `/api/projects/${pid}/items`, jsonlMegabyte(), 6 * MiB, { authorization: `Bearer ${s.token}` });
    expect(r.status).toBe(413);
    expect(r.body.error).toMatchObject({ code: 'payload-too-large', message: expect.stringMatching(/4 MiB/) });
    expect(await total(pid)).toBe(0);
    expect(spoolFiles(s.dir)).toEqual([]);
  });

  test('a gzip-encoded import is read, and counted against the limit once inflated', async () => {
    const pid = await makeProject(s, {}, []);
    const gz = await fetch(`${s.url}/api/projects/${pid}/items`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      body: zlib.gzipSync(jsonl(pairwiseItems(20))),
    });
    expect({ status: gz.status, body: await gz.json() }).toEqual({ status: 200, body: { imported: 20 } });
    const bomb = zlib.gzipSync(Buffer.alloc(8 * MiB, 0x20));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const res = await fetch(`${s.url}/api/projects/${pid}/items?upsert=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-ndjson', 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(res.status).toBe(413);
    expect(await total(pid)).toBe(20);
  });

  test('a client that gives up halfway leaves no spool file, and the server keeps importing', async () => {
    const pid = await makeProject(s, {}, []);
    await new Promise<void>((resolve) => {
      const req = http.request(`${s.url}/api/projects/${pid}/items`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-ndjson' } });
      req.on('error', () => resolve());
      req.write(jsonl(pairwiseItems(1000)));
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 200);
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(spoolFiles(s.dir)).toEqual([]);
    expect(await total(pid)).toBe(0);
    expect((await s.api('POST', `/api/projects/${pid}/items`, jsonl(pairwiseItems(2)), { type: 'application/x-ndjson' })).body).toEqual({ imported: 2 });
  });
});

function chunkedUploadTo(s: TestServer, route: string, body: Buffer): Promise<{ status: number; body: any }> {
  return chunkedUpload(s.url, route, body, body.length, { authorization: `Bearer ${s.token}` }).then(({ status, body: b }) => ({ status, body: b }));
}
