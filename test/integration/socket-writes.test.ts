import type { Socket as NetSocket } from 'node:net';
import type { Socket as Client } from 'socket.io-client';
import type { WebSocket } from 'ws';
import { corkPerTurn } from '../../server/socket/ws-engine';
import { call, invite, makeProject, serversPerTest } from '../helpers/server';

/**
 * Frames written in one turn of the event loop leave in one system call, on the server (its `wsEngine`) and in the
 * judge worker's connection: a worker's 128 lanes share one socket, and one write per ack was the largest single
 * cost of the server in the fleet benchmark. Every command is still answered, each with its own ack.
 */
const servers = serversPerTest();

/** Counts the writes a TCP socket hands to the kernel (`_writev` for a corked batch, `_writeGeneric` for one chunk). */
function countWrites(raw: NetSocket): { n: number } {
  const count = { n: 0 };
  const s = raw as unknown as Record<'_writev' | '_writeGeneric', (...a: unknown[]) => unknown>;
  for (const k of ['_writev', '_writeGeneric'] as const) {
    const original = s[k].bind(raw);
    s[k] = (...a: unknown[]) => {
      count.n++;
      return original(...a);
    };
  }
  return count;
}

const rawOf = (ws: WebSocket) => (ws as unknown as { _socket: NetSocket })._socket;
const clientWs = (c: Client) => (c.io.engine as unknown as { transport: { ws: WebSocket } }).transport.ws;

test('100 commands sent in one turn: each answered, the answers in a few writes, not 100', async () => {
  const s = await servers.server();
  const projectId = await makeProject(s);
  const c = await s.connect({ token: await invite(s, projectId), worker: 'w-1' });
  const [serverSocket] = await s.app.io.fetchSockets();
  const serverWs = (s.app.io.sockets.sockets.get(serverSocket!.id)!.conn as unknown as { transport: { socket: WebSocket } }).transport.socket;
  const serverWrites = countWrites(rawOf(serverWs));

  const acks = await Promise.all(Array.from({ length: 100 }, () => call(c, 'session:get')));
  expect(acks.every((a) => a.ok)).toBe(true);
  expect(serverWrites.n).toBeGreaterThan(0);
  expect(serverWrites.n).toBeLessThanOrEqual(10);
});

test("the judge worker's connection (corkPerTurn on the client's websocket) sends a turn's commands in a few writes", async () => {
  const s = await servers.server();
  const projectId = await makeProject(s);
  const c = await s.connect({ token: await invite(s, projectId), worker: 'w-2' });
  const ws = clientWs(c);
  const plain = countWrites(rawOf(ws));
  await Promise.all(Array.from({ length: 50 }, () => call(c, 'session:get')));
  expect(plain.n).toBeGreaterThanOrEqual(50);

  corkPerTurn(ws);
  const corked = countWrites(rawOf(ws));
  const acks = await Promise.all(Array.from({ length: 50 }, () => call(c, 'session:get')));
  expect(acks.every((a) => a.ok)).toBe(true);
  expect(corked.n).toBeLessThanOrEqual(5); // the first command, then the rest after the engine's drain turn
});
