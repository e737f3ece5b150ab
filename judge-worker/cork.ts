import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';

/** The part of ws's internals used here: the frame writer every message goes through, and the TCP socket under it. */
interface WsInternals {
  _socket?: Duplex;
  _sender?: { sendFrame(list: Buffer[], cb?: (err?: Error) => void): void };
}

/**
 * Corks a websocket's TCP socket at the first frame written after it was last uncorked, and uncorks it when
 * `uncorkOn` runs its callback, so the frames written meanwhile leave in one `writev`. The worker's connection uncorks
 * at `setImmediate` ({@link corkPerLoop}), the server's each connection at `process.nextTick`
 * (server/socket/ws-engine.ts `corkPerTurn`).
 */
export function corkFrames(ws: WebSocket, uncorkOn: (f: () => void) => void): void {
  const internals = ws as unknown as WsInternals;
  const raw = internals._socket;
  const sender = internals._sender;
  if (!raw || !sender || typeof raw.cork !== 'function') return;
  const sendFrame = sender.sendFrame.bind(sender);
  let corked = false;
  const uncork = () => {
    corked = false;
    raw.uncork();
  };
  sender.sendFrame = (list, cb) => {
    if (!corked && !raw.destroyed) {
      corked = true;
      raw.cork();
      uncorkOn(uncork);
    }
    sendFrame(list, cb);
  };
}

/**
 * The frames a judge worker writes in one pass of the event loop leave in one system call. Its lanes' commands
 * come from the answers of many model requests, each read in its own I/O callback of the same pass; corked until
 * `setImmediate` (the check phase, right after the pass's I/O callbacks), a pass's `label:submit` and `task:next`
 * frames share one `writev` instead of one each (the server's `corkPerTurn` uncorks at the end of each callback).
 * Nothing waits on a timer: the frames leave in the same pass of the loop.
 */
export function corkPerLoop(ws: WebSocket): void {
  corkFrames(ws, setImmediate);
}
