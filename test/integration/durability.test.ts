import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { io as ioClient } from 'socket.io-client';
import type { Task } from '../../shared/protocol';
import { jsonl, pairwiseItems, tempDir, type Client } from '../helpers/server';

const ROOT = path.resolve(__dirname, '../..');
const ADMIN = 'durability-test-admin-token-0123456789';

/** Starts `concord serve` as its own process and resolves with its URL once it is listening. */
function startProcess(dbFile: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/concord.js'), 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CONCORD_DB: dbFile, CONCORD_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 20_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /running on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]! });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

const api = async (url: string, method: string, route: string, body: string, type = 'application/json') => {
  const res = await fetch(url + route, { method, body, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': type } });
  return (await res.json()) as Record<string, any>;
};

describe('durability', () => {
  let dir: string;
  const children: ChildProcess[] = [];
  beforeAll(() => {
    dir = tempDir('concord-kill-');
  });
  afterAll(() => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('every label whose ack a client received survives kill -9 of the server under load', async () => {
    const dbFile = path.join(dir, 'concord.db');
    const first = await startProcess(dbFile);
    children.push(first.child);
    const project = await api(first.url, 'POST', '/api/projects', JSON.stringify({ name: 'kill -9', type: 'pairwise', redundancy: 3 }));
    await api(first.url, 'POST', `/api/projects/${project.id}/items`, jsonl(pairwiseItems(3000)), 'application/x-ndjson');
    const invite = await api(first.url, 'POST', `/api/projects/${project.id}/invites`, '{}');

    const acked = new Set<string>();
    let stopping = false;
    const clients: Client[] = [];
    const loops = Array.from({ length: 24 }, async (_, w) => {
      const c: Client = ioClient(first.url, { auth: { token: invite.token, worker: `worker-${w}` }, transports: ['websocket'], reconnection: false });
      clients.push(c);
      await new Promise<void>((resolve, reject) => {
        c.once('connect', () => resolve());
        c.once('connect_error', reject);
      });
      for (let i = 0; !stopping; i++) {
        const next = await c.timeout(2000).emitWithAck('task:next', {}).catch(() => null);
        if (!next || !next.ok || !next.data) return;
        const task = next.data as Task;
        const clientLabelId = `w${w}-${i}`;
        const ack = await c.timeout(2000).emitWithAck('label:submit', { leaseId: task.leaseId, value: i % 2 ? 'A' : 'B', clientLabelId }).catch(() => null);
        if (!ack) return; // the server died before acknowledging: this label was never promised
        if (ack.ok) acked.add(clientLabelId);
      }
    });

    // Kill the server mid-stream, while submissions are in flight.
    while (acked.size < 1500) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    stopping = true;
    await Promise.all(loops);
    for (const c of clients) c.disconnect();
    // The exit may already have happened while the clients wound down.
    if (first.child.exitCode === null && first.child.signalCode === null) await new Promise((r) => first.child.once('exit', r));
    expect(first.child.signalCode).toBe('SIGKILL');

    // Restart on the same file: it recovers and serves; every acknowledged label is there.
    const second = await startProcess(dbFile);
    children.push(second.child);
    const progress = await fetch(`${second.url}/api/projects/${project.id}/progress`, { headers: { authorization: `Bearer ${ADMIN}` } }).then((r) => r.json() as Promise<Record<string, any>>);
    const db = new Database(dbFile, { readonly: true });
    const stored = new Set(db.prepare('SELECT client_label_id FROM labels').pluck().all() as string[]);
    db.close();
    const lost = [...acked].filter((id) => !stored.has(id));
    expect(acked.size).toBeGreaterThanOrEqual(1500);
    expect(lost).toEqual([]);
    expect(progress.labels.human).toBe(stored.size);
    const exited = new Promise((r) => second.child.once('exit', r));
    second.child.kill('SIGTERM');
    await exited;
  }, 60_000);
});
