/**
 * A long export to a slow client (issue 14): the server waits for the response to drain again and again, and each
 * wait must leave the response as it found it. Issue 14 saw 11 `error`/`close` listeners pile up on the response and
 * a MaxListenersExceededWarning on a gold export of 976k records. The server runs in a process of its own (the
 * export benchmarks' server child), where `process.on('warning')` sees Node's warnings: Jest's sandbox does not.
 */
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { ServerChild } from '../../bench/exports/server';
import { jsonl, makeProject, pairwiseItems, startServer, tempDir } from '../helpers/server';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Reads the export slowly (a pause after every chunk), so the server's writes fill the socket and wait for it. */
function readSlowly(url: string, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { authorization: `Bearer ${token}` } }, (res) => {
        void (async () => {
          let bytes = 0;
          for await (const chunk of res as AsyncIterable<Buffer>) {
            bytes += chunk.length;
            await sleep(2);
          }
          resolve(bytes);
        })().catch(reject);
      })
      .on('error', reject);
  });
}

/** A database holding a project of 1,500 items of ~20 kB, each labelled once: 30 MB of gold JSON lines. */
async function seededFile(dir: string): Promise<{ file: string; pid: number }> {
  const s = await startServer();
  try {
    const items = pairwiseItems(1500, (i) => ({ answer_a: `${i} ${'a'.repeat(10_000)}`, answer_b: `${i} ${'b'.repeat(10_000)}` }));
    const pid = await makeProject(s, {}, items);
    const labels = items.map((it) => ({ item: it.id, annotator: 'h1', value: 'A' }));
    expect((await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).status).toBe(200);
    const file = path.join(dir, 'concord.db');
    await s.db.backup(file);
    return { file, pid };
  } finally {
    await s.close();
  }
}

describe('export to a slow client', () => {
  const dir = tempDir('concord-export-listeners-');
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('the response holds the listeners of one wait however often it waits to drain, and no MaxListenersExceededWarning is emitted', async () => {
    const { file, pid } = await seededFile(dir);
    const server = await ServerChild.start(file, []);
    try {
      await server.ask('reset');
      const bytes = await readSlowly(`${server.url}/api/projects/${pid}/export?kind=gold`, server.token);
      const stats = await server.ask('read');
      expect(bytes).toBeGreaterThan(30_000_000);
      // The export waited for the client again and again (how often depends on the kernel's socket buffers: 14–15
      // waits here, 20+ on another machine; a leak grows by a listener a wait, so 5 already shows one)…
      expect(stats.drains).toBeGreaterThanOrEqual(5);
      // …and the response never held more than express's own and one wait's `close` and `error` listeners.
      expect(stats.maxResponseListeners).toBeLessThanOrEqual(3);
      expect(stats.listenerWarnings).toBe(0);
    } finally {
      await server.close();
    }
  }, 180_000);
});
