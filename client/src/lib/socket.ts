/**
 * The one typed socket module: components call these methods and never `emit` themselves. Commands resolve with
 * their data or throw a {@link ServerError}; a command whose ack does not come back in time rejects with
 * `AckTimeout` (shared/socket-command.ts), so callers can retry with the same client-generated id.
 */
import { io } from 'socket.io-client';
import type { CommandInput, CommandName, CommandResult, ProjectProgress } from '../../../shared/protocol';
import { sendCommand, type CommandSocket } from '../../../shared/socket-command';
import { ServerError } from './errors';

export interface Connection {
  readonly socket: CommandSocket;
  close(): void;
}

export interface SocketEvents {
  connect?: () => void;
  disconnect?: (reason: string) => void;
  /** A refused connection: `fatal` when retrying cannot help (a revoked link, a bad token). */
  refused?: (message: string, fatal: boolean) => void;
}

function open(auth: Record<string, string>, on: SocketEvents): CommandSocket {
  const socket: CommandSocket = io({ auth, transports: ['websocket'], reconnectionDelay: 300, reconnectionDelayMax: 3000 });
  socket.on('connect', () => on.connect?.());
  socket.on('disconnect', (reason) => {
    on.disconnect?.(reason);
    // The server closed this socket on purpose (e.g. the link was revoked): socket.io will not retry by itself.
    if (reason === 'io server disconnect') on.refused?.('The researcher closed this link. Ask them for a new one if you were not finished.', true);
  });
  socket.on('connect_error', (err: Error & { data?: { code?: string } }) => {
    const code = err.data?.code;
    const fatal = code === 'unauthorized' || code === 'forbidden' || code === 'invalid-input';
    on.refused?.(fatal ? err.message : 'Cannot reach the server; retrying…', fatal);
  });
  return socket;
}

/** Sends a command and resolves with its data; throws {@link ServerError} for a refusal. */
async function command<E extends CommandName>(socket: CommandSocket, event: E, input: CommandInput<E>, timeoutMs = 8000): Promise<CommandResult<E>> {
  const res = await sendCommand(socket, event, input, timeoutMs);
  if (!res.ok) throw new ServerError(res.error);
  return res.data;
}

/** The crowd platform's study and session ids from the join URL, stored with each label. */
export interface PlatformIds {
  study: string | null;
  session: string | null;
}

/** A human annotator's connection: an invite token plus the crowd worker's id (and their study and session ids). */
export class AnnotatorSocket implements Connection {
  readonly socket: CommandSocket;
  constructor(token: string, worker: string, on: SocketEvents, platform: PlatformIds = { study: null, session: null }) {
    const auth: Record<string, string> = { token, worker };
    if (platform.study) auth.study = platform.study;
    if (platform.session) auth.session = platform.session;
    this.socket = open(auth, on);
  }
  session = () => command(this.socket, 'session:get', {});
  next = () => command(this.socket, 'task:next', {});
  submit = (input: CommandInput<'label:submit'>) => command(this.socket, 'label:submit', input);
  heartbeat = (leaseId: string) => command(this.socket, 'task:heartbeat', { leaseId });
  get connected() {
    return this.socket.connected;
  }
  close() {
    this.socket.close();
  }
}

/** The dashboard's connection: the admin token; watches one project's progress at a time. */
export class AdminSocket implements Connection {
  readonly socket: CommandSocket;
  constructor(token: string, on: SocketEvents) {
    this.socket = open({ token }, on);
  }
  watch = (projectId: number) => command(this.socket, 'project:watch', { projectId });
  unwatch = (projectId: number) => command(this.socket, 'project:unwatch', { projectId });
  onProgress(fn: (p: ProjectProgress) => void): () => void {
    this.socket.on('project:progress', fn);
    return () => this.socket.off('project:progress', fn);
  }
  close() {
    this.socket.close();
  }
}
