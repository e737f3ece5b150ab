/**
 * The one typed socket module: components call these methods and never `emit` themselves. Commands resolve with
 * their data or throw a {@link ServerError}; a command whose ack does not come back in time rejects with
 * {@link AckTimeout}, so callers can retry with the same client-generated id.
 */
import { io, type Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, ProjectProgress, ServerToClientEvents, SessionInfo, SubmitResult, Task } from '../../../shared/protocol';
import { ServerError } from './errors';

export type ConcordSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

export class AckTimeout extends Error {
  constructor(readonly event: string) {
    super('The server did not answer in time');
  }
}

export interface Connection {
  readonly socket: ConcordSocket;
  close(): void;
}

export interface SocketEvents {
  connect?: () => void;
  disconnect?: (reason: string) => void;
  /** A refused connection: `fatal` when retrying cannot help (a revoked link, a bad token). */
  refused?: (message: string, fatal: boolean) => void;
}

function open(auth: Record<string, string>, on: SocketEvents): ConcordSocket {
  const socket: ConcordSocket = io({ auth, transports: ['websocket'], reconnectionDelay: 300, reconnectionDelayMax: 3000 });
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

async function command<T>(socket: ConcordSocket, event: keyof ClientToServerEvents, input: unknown, timeoutMs = 8000): Promise<T> {
  let res: Ack<T>;
  try {
    res = await (socket.timeout(timeoutMs) as unknown as { emitWithAck(e: string, i: unknown): Promise<Ack<T>> }).emitWithAck(event, input);
  } catch {
    throw new AckTimeout(event);
  }
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
  readonly socket: ConcordSocket;
  constructor(token: string, worker: string, on: SocketEvents, platform: PlatformIds = { study: null, session: null }) {
    const auth: Record<string, string> = { token, worker };
    if (platform.study) auth.study = platform.study;
    if (platform.session) auth.session = platform.session;
    this.socket = open(auth, on);
  }
  session = () => command<SessionInfo>(this.socket, 'session:get', {});
  next = () => command<Task | null>(this.socket, 'task:next', {});
  submit = (input: Parameters<ClientToServerEvents['label:submit']>[0]) => command<SubmitResult>(this.socket, 'label:submit', input);
  heartbeat = (leaseId: string) => command<{ expiresAt: number }>(this.socket, 'task:heartbeat', { leaseId });
  get connected() {
    return this.socket.connected;
  }
  close() {
    this.socket.close();
  }
}

/** The dashboard's connection: the admin token; watches one project's progress at a time. */
export class AdminSocket implements Connection {
  readonly socket: ConcordSocket;
  constructor(token: string, on: SocketEvents) {
    this.socket = open({ token }, on);
  }
  watch = (projectId: number) => command<ProjectProgress>(this.socket, 'project:watch', { projectId });
  unwatch = (projectId: number) => command<null>(this.socket, 'project:unwatch', { projectId });
  onProgress(fn: (p: ProjectProgress) => void): () => void {
    this.socket.on('project:progress', fn);
    return () => this.socket.off('project:progress', fn);
  }
  close() {
    this.socket.close();
  }
}
