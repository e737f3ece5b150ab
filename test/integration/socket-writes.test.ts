import type { Socket as NetSocket } from 'node:net';
import type { WebSocket } from 'ws';
import { call, invite, makeProject, serversPerTest } from '../helpers/server';
import { countWrites } from '../helpers/writes';

/**
 * Frames written in one turn of the event loop leave in one system call on the server (its `wsEngine`): a judge
 * worker's 128 lanes share one socket, and one write per ack was the largest single cost of the server in the fleet
 * benchmark. Every command is still answered, each with its own ack. (The judge worker's own connection corks a whole
 * pass of its event loop: judge-connection-writes.test.ts.)
 */
const servers = serversPerTest();

const rawOf = (ws: WebSocket) => (ws as unknown as { _socket: NetSocket })._socket;

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
