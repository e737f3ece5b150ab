import fs from 'node:fs';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { io as ioClient } from 'socket.io-client';
import type { Ack, Task } from '../../shared/protocol';
import { createApp, type App } from '../../server/app';
import { loadConfig } from '../../server/config';
import { migrate, openDatabase, type Db } from '../../server/db/database';
import { AnnotatorsRepo } from '../../server/annotators/annotators.repo';
import { LabelWriter, type LabelSink } from '../../server/labels/label-writer';
import { ThreadLabelWriter } from '../../server/labels/thread-label-writer';
import { LabelsRepo } from '../../server/labels/labels.repo';
import { jsonl, pairwiseItems, tempDir, type Client } from '../helpers/server';

const DISK_FULL = "The server's disk is full: nothing was saved. Try again later.";

interface LogLine {
  level: number;
  msg: string;
  [k: string]: unknown;
}

/** A real server on port 0 over a real SQLite file, whose log lines the test can read. */
async function start() {
  const dir = tempDir('concord-full-');
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dbFile: path.join(dir, 'concord.db'), logLevel: 'info' });
  const db: Db = openDatabase(config.dbFile);
  migrate(db);
  const logs: LogLine[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n')) if (line) logs.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  const clock = { now: Date.now() };
  const app: App = createApp({ db, config, clock: () => clock.now, logger: pino({ level: 'info' }, sink), tickMs: 50 });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  const clients: Client[] = [];
  const api = async (method: string, route: string, body?: string, type = 'application/json') => {
    const res = await fetch(url + route, { method, body, headers: { authorization: `Bearer ${app.adminToken}`, 'content-type': type } });
    return { status: res.status, body: (await res.json()) as any };
  };
  const connect = (token: string, worker: string) =>
    new Promise<Client>((resolve, reject) => {
      const c: Client = ioClient(url, { auth: { token, worker }, transports: ['websocket'], reconnection: false, forceNew: true });
      clients.push(c);
      c.once('connect', () => resolve(c));
      c.once('connect_error', reject);
    });
  /**
   * Caps the database at the pages it has now, on the server's connection and on the label writer's (a thread of its
   * own): the next write that needs a page fails with SQLITE_FULL.
   */
  const capPages = async (pages: number) => {
    db.pragma(`max_page_count = ${pages}`);
    await app.labelWriter.pragma(`max_page_count = ${pages}`);
  };
  const fillDisk = () => capPages(db.pragma('page_count', { simple: true }) as number);
  const freeDisk = () => capPages(1073741823);
  const close = async () => {
    for (const c of clients) c.disconnect();
    await app.close();
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
  return { db, app, api, connect, logs, clock, fillDisk, freeDisk, close };
}

type Server = Awaited<ReturnType<typeof start>>;
const call = <T = any>(c: Client, event: string, input?: unknown) =>
  new Promise<Ack<T>>((resolve) => (c as unknown as { emit: (...a: unknown[]) => void }).emit(event, ...(input === undefined ? [] : [input]), resolve));

async function project(s: Server, items: number): Promise<{ id: number; token: string }> {
  const p = await s.api('POST', '/api/projects', JSON.stringify({ name: 'disk full', type: 'pairwise', redundancy: 1 }));
  const r = await s.api('POST', `/api/projects/${p.body.id}/items`, jsonl(pairwiseItems(items)), 'application/x-ndjson');
  expect(r.status).toBe(200);
  const inv = await s.api('POST', `/api/projects/${p.body.id}/invites`, '{}');
  return { id: p.body.id as number, token: inv.body.token as string };
}

let s: Server;
beforeEach(async () => {
  s = await start();
});
afterEach(async () => {
  await s.close();
});

const diskFullLogs = () => s.logs.filter((l) => l.level >= 50);

describe('a full disk', () => {
  test('a label submitted when the disk is full is refused in words, nothing acknowledged is lost, and the same submit goes through once there is room', async () => {
    const { id, token } = await project(s, 400);
    const c = await s.connect(token, 'w1');
    await s.fillDisk();

    // Label until a submit finds no room; every acknowledged label must be in the database.
    const acked: string[] = [];
    let refused: { task: Task; clientLabelId: string; ack: Ack<unknown> } | undefined;
    for (let i = 0; i < 400 && !refused; i++) {
      const next = await call<Task>(c, 'task:next');
      expect(next.ok).toBe(true);
      const task = (next as { data: Task }).data;
      const clientLabelId = `full-${i}`;
      const ack = await call(c, 'label:submit', { leaseId: task.leaseId, value: 'A', clientLabelId });
      if (ack.ok) acked.push(clientLabelId);
      else refused = { task, clientLabelId, ack };
    }
    expect(refused).toBeDefined();
    expect(refused!.ack).toEqual({ ok: false, error: { code: 'unavailable', message: DISK_FULL } });
    const stored = () => s.db.prepare('SELECT client_label_id FROM labels WHERE project_id = ?').pluck().all(id) as string[];
    expect(stored().sort()).toEqual(acked.sort());

    // The task is still this annotator's: it can be kept alive and submitted again once the disk has room.
    expect((await call(c, 'task:heartbeat', { leaseId: refused!.task.leaseId })).ok).toBe(true);
    await s.freeDisk();
    const again = await call<{ duplicate: boolean }>(c, 'label:submit', { leaseId: refused!.task.leaseId, value: 'A', clientLabelId: refused!.clientLabelId });
    expect(again).toEqual({ ok: true, data: expect.objectContaining({ duplicate: false }) });
    expect(stored()).toContain(refused!.clientLabelId);
    expect(stored()).toHaveLength(acked.length + 1);
  }, 60_000);

  test('an import when the disk is full gets 503 with the disk-full message and imports nothing; it goes through once there is room', async () => {
    const p = await s.api('POST', '/api/projects', JSON.stringify({ name: 'import on a full disk', type: 'pairwise' }));
    await s.fillDisk();
    const body = jsonl(pairwiseItems(2000));
    const r = await s.api('POST', `/api/projects/${p.body.id}/items`, body, 'application/x-ndjson');
    expect(r.status).toBe(503);
    expect(r.body).toEqual({ error: { code: 'unavailable', message: DISK_FULL } });
    expect(s.db.prepare('SELECT count(*) FROM items WHERE project_id = ?').pluck().get(p.body.id)).toBe(0);
    await s.freeDisk();
    const ok = await s.api('POST', `/api/projects/${p.body.id}/items`, body, 'application/x-ndjson');
    expect(ok.status).toBe(200);
    expect(ok.body.imported).toBe(2000);
  }, 60_000);

  test('labels refused on a full disk are not stored behind their annotators\' backs: no item ends with more labels than its redundancy', async () => {
    const { id, token } = await project(s, 300);
    const workers = await Promise.all(Array.from({ length: 12 }, (_, i) => s.connect(token, `r${i}`)));
    await s.fillDisk();
    const acked = new Set<string>();
    const refused = new Set<string>();
    // Everyone submits at once, round after round, so a batch of labels meets the full disk together.
    for (let round = 0; round < 30 && refused.size === 0; round++) {
      const tasks = await Promise.all(workers.map((c) => call<Task>(c, 'task:next')));
      await Promise.all(
        workers.map(async (c, w) => {
          const t = tasks[w]!;
          if (!t.ok || !t.data) return;
          const clientLabelId = `r${w}-${round}`;
          const ack = await call(c, 'label:submit', { leaseId: t.data.leaseId, value: 'A', clientLabelId });
          (ack.ok ? acked : refused).add(clientLabelId);
        }),
      );
    }
    expect(refused.size).toBeGreaterThan(0);
    const stored = () => new Set(s.db.prepare('SELECT client_label_id FROM labels WHERE project_id = ?').pluck().all(id) as string[]);
    // What was acknowledged is stored; what was refused is not.
    expect([...acked].filter((c) => !stored().has(c))).toEqual([]);
    expect([...refused].filter((c) => stored().has(c))).toEqual([]);

    // The refused annotators give up; once there is room and their tasks have lapsed, a newcomer labels what is left.
    for (const c of workers) c.disconnect();
    await s.freeDisk();
    s.clock.now += 24 * 3600_000;
    await new Promise((r) => setTimeout(r, 200));
    const late = await s.connect(token, 'late');
    for (let i = 0; i < 400; i++) {
      const t = await call<Task>(late, 'task:next');
      if (!t.ok || !t.data) break;
      expect((await call(late, 'label:submit', { leaseId: t.data.leaseId, value: 'B', clientLabelId: `late-${i}` })).ok).toBe(true);
    }
    const perItem = s.db.prepare('SELECT item_id, count(*) AS n FROM labels WHERE project_id = ? GROUP BY item_id HAVING n > 1').all(id);
    expect(perItem).toEqual([]);
    expect(s.db.prepare('SELECT count(*) FROM labels WHERE project_id = ?').pluck().get(id)).toBe(300);
  }, 60_000);

  test.each(['on the main thread', 'in its own thread'])('a batch of labels that meets the full disk, written %s: every label acknowledged is stored and every label refused is not', async (where) => {
    const { id } = await project(s, 400);
    const items = s.db.prepare('SELECT id FROM items WHERE project_id = ? ORDER BY id').pluck().all(id) as number[];
    const annotators = new AnnotatorsRepo(s.db);
    const who = annotators.ensure(id, 'human', 'batch-worker', Date.now()).id;
    const writer: LabelSink = where === 'on the main thread' ? new LabelWriter(s.db, new LabelsRepo(s.db), annotators) : new ThreadLabelWriter(s.db.name);
    await s.fillDisk();
    await writer.pragma(`max_page_count = ${s.db.pragma('page_count', { simple: true }) as number}`);
    // Submitted in one turn of the event loop: the writer commits them as one group.
    const results = await Promise.allSettled(
      items.map((itemId, i) =>
        writer.write({ projectId: id, itemId, annotatorId: who, value: 'A', certainty: null, rationale: 'x'.repeat(200), order: null, sample: 0, slot: '', durationMs: 1, createdAt: Date.now(), clientLabelId: `b-${i}`, source: 'live', meta: null }),
      ),
    );
    await writer.close();
    const refused = results.flatMap((r, i) => (r.status === 'rejected' ? [`b-${i}`] : []));
    const acked = results.flatMap((r, i) => (r.status === 'fulfilled' ? [`b-${i}`] : []));
    expect(refused.length).toBeGreaterThan(0);
    // The thread's refusal carries SQLite's code across, so the server still answers "disk full".
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code?: string }).code).toBe('SQLITE_FULL');
    const stored = new Set(s.db.prepare('SELECT client_label_id FROM labels WHERE project_id = ?').pluck().all(id) as string[]);
    expect(refused.filter((c) => stored.has(c))).toEqual([]);
    expect(acked.filter((c) => !stored.has(c))).toEqual([]);
  });

  test('a full disk is logged once as an error, not once per refused label or request', async () => {
    const { token } = await project(s, 300);
    const workers = await Promise.all(Array.from({ length: 8 }, (_, i) => s.connect(token, `w${i}`)));
    await s.fillDisk();
    let refusals = 0;
    // Each worker labels until refused, then retries the refused label a few times, as a client would.
    await Promise.all(
      workers.map(async (c, w) => {
        for (let i = 0; i < 100; i++) {
          const next = await call<Task>(c, 'task:next');
          if (!next.ok || !next.data) return;
          const input = { leaseId: next.data.leaseId, value: 'B', clientLabelId: `w${w}-${i}` };
          const ack = await call(c, 'label:submit', input);
          if (ack.ok) continue;
          expect(ack.error.code).toBe('unavailable');
          refusals++;
          for (let k = 0; k < 3; k++) if (!(await call(c, 'label:submit', input)).ok) refusals++;
          return;
        }
      }),
    );
    for (let k = 0; k < 3; k++) {
      const p = await s.api('POST', '/api/projects', JSON.stringify({ name: `more ${k}`, type: 'pairwise' }));
      const r = p.status === 201 ? await s.api('POST', `/api/projects/${p.body.id}/items`, jsonl(pairwiseItems(500)), 'application/x-ndjson') : p;
      if (r.status === 503) refusals++;
    }
    expect(refusals).toBeGreaterThan(10);
    const errors = diskFullLogs();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.msg).toMatch(/disk is full/i);
    expect(s.logs.filter((l) => /command failed|request failed/.test(l.msg))).toHaveLength(0);
  }, 60_000);
});
