import type { Socket as NetSocket } from 'node:net';
import { ServerConnection } from '../../judge-worker/connection';
import { makeProject, serversPerTest } from '../helpers/server';
import { countWrites } from '../helpers/writes';

/**
 * A judge worker's lanes send their commands from the answers of many model requests, each read in its own I/O
 * callback: the frames written in one pass of the event loop leave the worker in one system call, not one each.
 */
const servers = serversPerTest();

test("commands sent from 50 callbacks of one pass of the event loop leave the worker's connection in a few writes, each answered", async () => {
  const s = await servers.server();
  const projectId = await makeProject(s);
  const judge = await s.api('POST', `/api/projects/${projectId}/judges`, { model: 'baseline:first' });
  expect(judge.status).toBe(201);
  const conn = new ServerConnection({ server: s.url, token: judge.body.token as string, onResend: () => undefined, onReconnect: () => undefined });
  await conn.open();
  try {
    const socket = (conn as unknown as { socket: { io: { engine: { transport: { ws: { _socket: NetSocket } } } } } }).socket;
    const writes = countWrites(socket.io.engine.transport.ws._socket);
    // Fifty timers due at the same time run in one pass of the loop, as fifty model answers read in one pass do.
    const acks = await Promise.all(Array.from({ length: 50 }, () => new Promise<unknown>((resolve) => setTimeout(() => resolve(conn.command('session:get', {})), 0))));
    expect(acks.every((a) => (a as { ok: boolean }).ok)).toBe(true);
    expect(writes.n).toBeGreaterThan(0);
    expect(writes.n).toBeLessThanOrEqual(5);
  } finally {
    conn.close();
  }
});
