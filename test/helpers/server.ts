import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import pino from 'pino';
import { io as ioClient, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ServerToClientEvents, Task } from '../../shared/protocol';
import { createApp, type App } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import { migrate, openDatabase, type Db } from '../../server/db/database';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

export interface TestServer {
  url: string;
  token: string;
  app: App;
  db: Db;
  dir: string;
  /** A controllable clock: tests move time instead of sleeping. */
  clock: { now: number; advance(ms: number): void };
  api<T = any>(method: string, route: string, body?: unknown, opts?: { token?: string | null; type?: string; raw?: boolean }): Promise<{ status: number; body: T }>;
  connect(auth: { token: string; worker?: string; study?: string; session?: string }): Promise<Client>;
  close(): Promise<void>;
}

export function tempDir(prefix = 'concord-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A real server on a free port with a real SQLite file in a temp folder. */
export async function startServer(overrides: Partial<Config> = {}, opts: { random?: () => number } = {}): Promise<TestServer> {
  const dir = tempDir();
  const config = loadConfig({}, { port: 0, host: '127.0.0.1', dbFile: path.join(dir, 'concord.db'), logLevel: 'silent', ...overrides });
  const db = openDatabase(config.dbFile);
  migrate(db);
  const clock = {
    now: Date.now(),
    advance(ms: number) {
      this.now += ms;
    },
  };
  const app = createApp({ db, config, clock: () => clock.now, logger: pino({ level: 'silent' }), tickMs: 50, random: opts.random });
  await new Promise<void>((resolve) => app.http.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(app.http.address() as AddressInfo).port}`;
  const sockets: Client[] = [];

  const server: TestServer = {
    url,
    token: app.adminToken,
    app,
    db,
    dir,
    clock,
    async api(method, route, body, o = {}) {
      const headers: Record<string, string> = {};
      const token = o.token === undefined ? app.adminToken : o.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let payload: string | Buffer | undefined;
      if (body !== undefined) {
        if (o.raw || typeof body === 'string' || Buffer.isBuffer(body)) payload = body as string | Buffer;
        else payload = JSON.stringify(body);
        headers['content-type'] = o.type ?? 'application/json';
      } else if (o.type) headers['content-type'] = o.type;
      const res = await fetch(url + route, { method, headers, body: payload });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    },
    connect(auth) {
      return new Promise((resolve, reject) => {
        const s: Client = ioClient(url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
        sockets.push(s);
        s.once('connect', () => resolve(s));
        s.once('connect_error', (e) => reject(e));
      });
    },
    async close() {
      for (const s of sockets) s.disconnect();
      await app.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return server;
}

/** Emits a command and resolves with its ack. */
export function call<T = any>(socket: Client, event: keyof ClientToServerEvents, input?: unknown): Promise<Ack<T>> {
  return new Promise((resolve) => {
    (socket as unknown as { emit: (...a: unknown[]) => void }).emit(event, ...(input === undefined ? [] : [input]), resolve);
  });
}

/** Like `call`, but fails the test unless the ack is ok; returns its data. */
export async function ok<T = any>(socket: Client, event: keyof ClientToServerEvents, input?: unknown): Promise<T> {
  const r = await call<T>(socket, event, input);
  if (!r.ok) throw new Error(`${event} failed: ${r.error.code}: ${r.error.message}`);
  return r.data;
}

export const jsonl = (records: unknown[]) => records.map((r) => JSON.stringify(r)).join('\n') + '\n';

export const pairwiseItems = (n: number, extra: (i: number) => Record<string, unknown> = () => ({})) =>
  Array.from({ length: n }, (_, i) => ({ id: `q${i + 1}`, question: `Question ${i + 1}?`, answer_a: `first answer ${i + 1}`, answer_b: `second answer ${i + 1}`, ...extra(i) }));

/** Creates a project and imports items into it; returns the project id. */
export async function makeProject(s: TestServer, overrides: Record<string, unknown> = {}, items: unknown[] = pairwiseItems(10)): Promise<number> {
  const p = await s.api('POST', '/api/projects', { name: 'Test project', type: 'pairwise', ...overrides });
  if (p.status !== 201) throw new Error(`create failed: ${JSON.stringify(p.body)}`);
  if (items.length > 0) {
    const r = await s.api('POST', `/api/projects/${p.body.id}/items`, jsonl(items), { type: 'application/x-ndjson' });
    if (r.status !== 200) throw new Error(`import failed: ${JSON.stringify(r.body)}`);
  }
  return p.body.id as number;
}

export async function invite(s: TestServer, projectId: number): Promise<string> {
  const r = await s.api('POST', `/api/projects/${projectId}/invites`, {});
  return r.body.token as string;
}

/**
 * Takes and labels up to `n` tasks one after another (the value of the k-th from `valueOf`), until none is left; the
 * external ids of the items labelled, in order.
 */
export async function labelTasks(c: Client, n: number, prefix: string, valueOf: (k: number) => string = (k) => (k % 2 ? 'A' : 'B')): Promise<string[]> {
  const items: string[] = [];
  for (let k = 0; k < n; k++) {
    const t = await ok<Task | null>(c, 'task:next');
    if (!t) break;
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: valueOf(k), clientLabelId: `${prefix}-${k}` });
    items.push(t.item.id);
  }
  return items;
}

/** A project's progress as a pool reports it: items, labels by kind and the humans' budget. */
export async function progressOf(s: TestServer, pid: number): Promise<{ items: unknown; labels: unknown; budget: unknown }> {
  const r = await s.api('GET', `/api/projects/${pid}/progress`);
  return { items: r.body.items, labels: r.body.labels, budget: r.body.human_budget };
}

/** What a test file's {@link serversPerTest} gives it. */
export interface TestServers {
  /** A server on a new database, or on `dbFile`, or with these config overrides. */
  server(config?: string | Partial<Config>): Promise<TestServer>;
  /** Stops one as a crash-free restart would (its database file stays) and starts another on the same file. */
  restart(s: TestServer): Promise<TestServer>;
  /** A temporary folder, removed after the test. */
  folder(prefix?: string): string;
}

/** Servers and folders a test file makes, each closed or removed after every test. Call at the top level. */
export function serversPerTest(): TestServers {
  const servers: TestServer[] = [];
  const dirs: string[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close().catch(() => {});
    for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
  });
  const server = async (config: string | Partial<Config> = {}) => {
    const s = await startServer(typeof config === 'string' ? { dbFile: config } : config);
    servers.push(s);
    return s;
  };
  return {
    server,
    async restart(s) {
      servers.splice(servers.indexOf(s), 1);
      dirs.push(s.dir);
      await s.app.close();
      s.db.close();
      return server(path.join(s.dir, 'concord.db'));
    },
    folder(prefix = 'concord-test-') {
      const d = tempDir(prefix);
      dirs.push(d);
      return d;
    },
  };
}

/** `PRAGMA integrity_check` of a database file, read on a connection of its own ("ok" when sound). */
export function integrityOf(file: string): unknown {
  const db = new Database(file, { readonly: true });
  try {
    return db.pragma('integrity_check', { simple: true });
  } finally {
    db.close();
  }
}
