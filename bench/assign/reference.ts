/**
 * The bare reference of issue 14 (part 1b): a socket.io server with nothing behind it but an in-memory queue of the
 * project's items, speaking the part of the protocol the swarm uses (`task:next`, `label:submit`, `session:get`),
 * with the same task JSON the real server sends for a pairwise item. The swarm runs the same phases against it in
 * the same bench run, so the real server's round trips can be read against what socket.io itself costs on this
 * machine at this moment (the target: the paced `task:next` round-trip p99 within 3× of this reference).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import { Server } from 'socket.io';
import type { SubmitResult, Task, TaskItem } from '../../shared/protocol';

interface ReferenceItem {
  id: string;
  question: string;
  answer_a: string;
  answer_b: string;
}

export interface ReferenceServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Reads the project's pairwise items (setup, not measured) and serves them in order, round and round: it never runs
 * out within the phases. It used to stop after each item's `redundancy` labels, as the real server does, and then ran
 * out of work in the saturated phase (100,000 items × 3, all but ~30,000 left for it, done in ~19 s of 20), so its
 * labels/s was that remainder over the phase (13,558–13,561 in every run), not what it can do.
 */
export async function startReferenceServer(dbFile: string, projectId: number): Promise<ReferenceServer> {
  const items = readItems(dbFile, projectId);
  let next = 0;
  let labelId = 0;
  const done = new Map<string, number>();
  const server = http.createServer();
  const io = new Server(server, { transports: ['websocket'] });
  io.on('connection', (socket) => {
    const worker = String((socket.handshake.auth as { worker?: unknown }).worker ?? socket.id);
    socket.on('task:next', (ack: (a: unknown) => void) => {
      const item: TaskItem = items[next % items.length]!;
      next++;
      const task: Task = { leaseId: `ref-${next}`, expiresAt: Date.now() + 600_000, item, order: next % 2 === 0 ? 'AB' : 'BA' };
      ack({ ok: true, data: task });
    });
    socket.on('label:submit', (_input: unknown, ack: (a: unknown) => void) => {
      const n = (done.get(worker) ?? 0) + 1;
      done.set(worker, n);
      const result: SubmitResult = { labelId: ++labelId, duplicate: false, progress: { done: n, target: null } };
      ack({ ok: true, data: result });
    });
    socket.on('session:get', (_input: unknown, ack: (a: unknown) => void) => ack({ ok: true, data: { waiting: false, finished: false } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => io.close(() => resolve())),
  };
}

function readItems(dbFile: string, projectId: number): ReferenceItem[] {
  const db = new Database(dbFile, { readonly: true });
  try {
    const rows = db.prepare<[number], { external_id: string; content: string }>('SELECT external_id, content FROM items WHERE project_id = ? ORDER BY id').all(projectId);
    return rows.map((r) => {
      const c = JSON.parse(r.content) as { question: string; answer_a: string; answer_b: string };
      return { id: r.external_id, question: c.question, answer_a: c.answer_a, answer_b: c.answer_b };
    });
  } finally {
    db.close();
  }
}
