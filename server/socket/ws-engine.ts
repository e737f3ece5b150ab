import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { corkFrames } from '../../judge-worker/cork';

/**
 * Frames written in one turn of the event loop go out in one system call. Without it every socket.io packet is its
 * own `writev`: a judge worker with 128 lanes on one connection gets the acks of one group commit as 128 writes, and
 * in the fleet benchmark `writev` was the largest single entry of the server's CPU profile. The first frame of a
 * turn corks the connection's TCP socket, and the socket is uncorked at the end of the turn (`process.nextTick`), so
 * nothing waits: a lone ack leaves in the same turn as before.
 */
export function corkPerTurn(ws: WebSocket): void {
  corkFrames(ws, process.nextTick);
}

/** engine.io's `wsEngine`: ws's own server, each accepted connection corked per turn (see {@link corkPerTurn}). */
export class CorkingWebSocketServer extends WebSocketServer {
  override handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, callback: (client: WebSocket, request: IncomingMessage) => void): void {
    super.handleUpgrade(request, socket, head, (client, req) => {
      corkPerTurn(client);
      callback(client, req);
    });
  }
}
