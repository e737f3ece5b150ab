/**
 * The judge worker's connection to the Concord server: connects with the judge's token, waits out a dropped
 * connection (socket.io reconnects by itself) and sends commands, asking again after a lost ack: every command the
 * worker sends is safe to repeat (a label by its client id, a lease by its id).
 */
import { io, type ManagerOptions, type SocketOptions } from 'socket.io-client';
import type { Ack, CommandInput, CommandName, CommandResult } from '../shared/protocol';
import { sendCommand, type CommandSocket } from '../shared/socket-command';
import { corkPerLoop } from './cork';
import type { WebSocket } from 'ws';

/** A failure that ends the run (bad token, server gone, endpoint refusing the key). */
export class RunFailed extends Error {}

export interface ConnectionOptions {
  /** The Concord server, e.g. http://localhost:3000. */
  server: string;
  /** The judge's token (or an in-server run token). */
  token: string;
  /** Time to wait for an ack before taking the connection for lost and asking again. */
  ackTimeoutMs?: number | undefined;
  /** Longest to wait for the server to come back before giving up the run. */
  reconnectTimeoutMs?: number | undefined;
  socketOptions?: Partial<ManagerOptions & SocketOptions> | undefined;
  /** Told each time a command is sent again after a lost ack. */
  onResend: () => void;
  /** Told when the connection is back after a drop. */
  onReconnect: () => void;
}

/** How often a command is sent again after a lost ack before the run gives up on the server. */
const MAX_RESENDS = 100;
/** How long a heartbeat or status report waits for its ack (they are fire-and-forget). */
const NOTIFY_ACK_MS = 5_000;

export class ServerConnection {
  private socket: CommandSocket | undefined;

  constructor(private readonly o: ConnectionOptions) {}

  get connected(): boolean {
    return this.socket?.connected ?? false;
  }

  /** Connects; rejects with {@link RunFailed} when the token is refused or the server cannot be reached in time. */
  open(): Promise<void> {
    const socket: CommandSocket = io(this.o.server, {
      auth: { token: this.o.token },
      transports: ['websocket'],
      reconnection: true,
      reconnectionDelay: 100,
      reconnectionDelayMax: 2000,
      forceNew: true,
      ...this.o.socketOptions,
    });
    this.socket = socket;
    socket.io.on('reconnect', () => this.o.onReconnect());
    // Lanes' commands sent in one pass of the event loop leave in one write (./cork.ts).
    socket.io.on('open', () => {
      const ws = (socket.io.engine as unknown as { transport?: { ws?: WebSocket } }).transport?.ws;
      if (ws) corkPerLoop(ws);
    });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail(new RunFailed(`Cannot reach the Concord server at ${this.o.server}`)), this.o.reconnectTimeoutMs ?? 30_000);
      const fail = (e: Error) => {
        clearTimeout(timer);
        socket.off('connect', ok);
        socket.close();
        reject(e);
      };
      const ok = () => {
        clearTimeout(timer);
        socket.off('connect_error', refused);
        resolve();
      };
      const refused = (e: Error & { data?: { code?: string } }) => {
        // A refused token will not become valid by retrying; a server that is not up yet might.
        if (e.data?.code) fail(new RunFailed(`The server refused the connection: ${e.message}`));
      };
      socket.once('connect', ok);
      socket.on('connect_error', refused);
    });
  }

  /** Resolves once connected; rejects if the server stays away past the reconnect timeout. */
  private whenConnected(): Promise<void> {
    const socket = this.socket!;
    if (socket.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        socket.off('connect', ok);
        reject(new RunFailed(`Lost the connection to the Concord server at ${this.o.server} and could not get it back`));
      }, this.o.reconnectTimeoutMs ?? 60_000);
      const ok = () => {
        clearTimeout(timer);
        resolve();
      };
      socket.once('connect', ok);
    });
  }

  /** Sends a command and waits for its ack; a lost ack (disconnect or timeout) is asked again once the connection is back. */
  async command<E extends CommandName>(event: E, input: CommandInput<E>): Promise<Ack<CommandResult<E>>> {
    for (let attempt = 0; ; attempt++) {
      await this.whenConnected();
      try {
        return await sendCommand(this.socket!, event, input, this.o.ackTimeoutMs ?? 30_000);
      } catch {
        if (attempt >= MAX_RESENDS) throw new RunFailed(`No answer from the Concord server at ${this.o.server} to ${event}`);
        this.o.onResend();
      }
    }
  }

  /** Sends a command once, waiting at most `timeoutMs` for its ack (the final status report, as the run closes). */
  commandOnce<E extends CommandName>(event: E, input: CommandInput<E>, timeoutMs: number): Promise<Ack<CommandResult<E>>> {
    return sendCommand(this.socket!, event, input, timeoutMs);
  }

  /**
   * Sends a command without waiting for its ack, and only while connected (heartbeats, status reports). Its ack
   * timer is short, so a packet buffered as the connection drops cannot keep a finished `concord judge` alive.
   */
  notify<E extends CommandName>(event: E, input: CommandInput<E>): void {
    if (this.socket?.connected) sendCommand(this.socket, event, input, Math.min(this.o.ackTimeoutMs ?? 30_000, NOTIFY_ACK_MS)).catch(() => undefined);
  }

  close(): void {
    this.socket?.close();
  }
}
