import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { CorkingWebSocketServer } from './ws-engine';
import type { Logger } from 'pino';
import type { z } from 'zod';
import type { Ack, ClientToServerEvents, CommandInput, CommandName, CommandPayload, CommandResult, JudgeInfo, ServerToClientEvents, SocketData } from '../../shared/protocol';
import { COMMAND_INPUTS, type JudgeStatusReport } from '../../shared/schemas';
import { AppError, parseOrThrow, type ErrorMapper } from '../errors';
import { tooDeepError } from '../http/json-body';
import { valueTooDeep } from '../../shared/json-depth';
import type { AuthService } from '../auth/auth.service';
import type { ProgressService } from '../progress/progress.service';
import { Handed, type Actor } from '../tasks/actor';
import type { TasksService } from '../tasks/tasks.service';
import type { ProjectsRepo } from '../projects/projects.repo';
import { originAllowed, type OriginPolicy } from './origin';

export type IoServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
type IoSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;

export const rooms = {
  watch: (projectId: number) => `watch:${projectId}`,
  project: (projectId: number) => `project:${projectId}`,
  invite: (inviteId: number) => `invite:${inviteId}`,
};

interface Deps {
  auth: AuthService;
  tasks: TasksService;
  progress: ProgressService;
  projects: ProjectsRepo;
  logger: Logger;
  /** Maps unexpected errors (a full disk: `unavailable`) and logs them, shared with the REST error middleware. */
  errors: ErrorMapper;
  /** A researcher started watching a project (the report worker loads it ahead of the first report). */
  onWatch?: (projectId: number) => void;
  /** Called with each command's server-side time (receipt to ack), for benchmarks and monitoring. */
  onCommand?: (event: string, ms: number) => void;
  /** Judge workers: in-server run tokens, the registration a worker reads, and the status it reports. */
  judges?: JudgeHooks;
  /** Browser pages from other origins than these may not open a socket (see origin.ts). */
  origins?: OriginPolicy;
}

export interface JudgeHooks {
  /** The identity behind an in-server run's token, or null if it is not one. */
  identify(token: unknown): SocketData | null;
  info(actor: Actor): JudgeInfo;
  status(actor: Actor, socketId: string, report: JudgeStatusReport): void;
  disconnected(actor: Actor, socketId: string): void;
}

export function createSocketServer(http: HttpServer, deps: Deps): IoServer {
  const origins = deps.origins ?? { allowed: [] };
  const io: IoServer = new Server(http, {
    serveClient: false,
    maxHttpBufferSize: 1e6,
    // Frames written in one turn of the event loop leave in one system call (./ws-engine.ts).
    wsEngine: CorkingWebSocketServer,
    // Refused before the handshake: 403 for polling, a failed upgrade for websockets.
    allowRequest: (req, callback) => {
      const allowed = originAllowed(req, origins);
      callback(allowed ? null : 'This origin may not connect (CONCORD_ALLOWED_ORIGINS)', allowed);
    },
  });
  const log = deps.logger.child({ module: 'socket' });

  // Authenticate once, at connection; a refused token is a connect_error whose message says why.
  io.use((socket, next) => {
    const auth = socket.handshake.auth as { token?: unknown; worker?: unknown; study?: unknown; session?: unknown };
    try {
      socket.data = deps.judges?.identify(auth.token) ?? deps.auth.identify(auth.token, auth.worker, auth);
      next();
    } catch (e) {
      const err = new Error(e instanceof AppError ? e.message : 'Connection refused') as Error & { data?: unknown };
      err.data = { code: e instanceof AppError ? e.code : 'internal' };
      next(err);
    }
  });

  io.on('connection', (socket: IoSocket) => {
    const data = socket.data;
    if (data.role === 'admin') registerAdmin(socket, deps);
    else {
      // A crowd worker's sockets share one identity, provisional until their first label (server/auth/crowd.ts).
      const actor: Actor = deps.tasks.attach(data);
      void socket.join(rooms.project(actor.projectId));
      if (data.inviteId !== null) void socket.join(rooms.invite(data.inviteId));
      deps.progress.connect(actor.projectId, actor.annotatorId, actor.kind);
      socket.on('disconnect', () => {
        deps.progress.disconnect(actor.projectId, actor.annotatorId);
        deps.tasks.detach(actor);
      });
      registerAnnotator(socket, actor, deps);
    }
    log.debug({ role: data.role }, 'connected');
  });
  return io;
}

/**
 * How the wrappers below listen: socket.io would type a listener's arguments from the event map, but what a client
 * sends is untrusted until zod has read it, and its last argument may not even be an ack function.
 */
type UntrustedListeners = { on(event: CommandName, listener: (...args: unknown[]) => void): unknown };

/**
 * `COMMAND_INPUTS` seen as each command's schema of its own payload (checked by the compiler, not cast), so that
 * for an event name that is a type parameter the parsed input is still that command's {@link CommandPayload}.
 */
const commandInputs: { [E in CommandName]: z.ZodType<CommandPayload<E>, CommandInput<E>> } = COMMAND_INPUTS;

/**
 * Registers a command: checks the ack is a function, validates the input with the command's schema in
 * `COMMAND_INPUTS`, runs the handler and acknowledges `{ok:true,data}` or `{ok:false,error}`. Unexpected errors go
 * through `deps.errors`: a full disk is `unavailable`, anything else is logged and reported as `internal` without
 * its message. The event name types the handler's input and result from the protocol's maps.
 *
 * A handler that answers at once (`task:next`) is answered in the same turn, without a promise: every command of a
 * thousand annotators passes here, and what it allocates is what the main thread's scavenges cost (decisions 0015 and 0018).
 */
function command<E extends CommandName>(socket: IoSocket, event: E, handler: (input: CommandPayload<E>) => CommandResult<E> | Promise<CommandResult<E>>, { errors, onCommand }: Deps): void {
  const schema = commandInputs[event];
  const what = `${event} payload`;
  const listeners: UntrustedListeners = socket;
  const refused = (e: unknown): Ack<CommandResult<E>> => ({ ok: false, error: errors(e, { module: 'socket', event }, 'command failed').toBody() });
  const reply = (ack: (r: Ack<CommandResult<E>>) => void, started: number, r: Ack<CommandResult<E>>) => {
    ack(r);
    if (onCommand) onCommand(event, performance.now() - started);
  };
  listeners.on(event, (...args: unknown[]) => {
    const ack = args[args.length - 1];
    if (typeof ack !== 'function') return;
    const answer = ack as (r: Ack<CommandResult<E>>) => void;
    const started = onCommand ? performance.now() : 0;
    const input = args.length > 1 ? args[0] : undefined;
    let result: CommandResult<E> | Promise<CommandResult<E>>;
    try {
      // socket.io has parsed the payload already; measure its nesting without recursion before zod or the
      // handler walk it (JSON.stringify of a 100,000-level meta overflows the stack).
      const deep = valueTooDeep(input);
      if (deep) throw tooDeepError(what, deep);
      result = handler(parseOrThrow(schema, input, what));
    } catch (e) {
      return reply(answer, started, refused(e));
    }
    if (!(result instanceof Promise)) return reply(answer, started, { ok: true, data: result });
    result.then(
      (data) => reply(answer, started, { ok: true, data }),
      (e: unknown) => reply(answer, started, refused(e)),
    );
  });
}

/** Answers each of these commands with `forbidden` and this message: the socket's role may not send them. */
function refuse(socket: IoSocket, events: CommandName[], message: string): void {
  const listeners: UntrustedListeners = socket;
  for (const e of events)
    listeners.on(e, (...args: unknown[]) => {
      const ack = args[args.length - 1];
      if (typeof ack === 'function') ack({ ok: false, error: { code: 'forbidden', message } });
    });
}

function registerAnnotator(socket: IoSocket, actor: Actor, deps: Deps): void {
  const { tasks } = deps;
  const handed = new Handed();
  socket.on('disconnect', () => {
    handed.open = false;
  });
  command(socket, 'session:get', () => tasks.session(actor), deps);
  command(socket, 'task:next', () => tasks.next(actor, handed), deps);
  command(socket, 'label:submit', async (input) => {
    const r = await tasks.submit(actor, input);
    handed.ids.delete(input.leaseId);
    return r;
  }, deps);
  command(socket, 'task:release', ({ leaseId }) => {
    tasks.release(actor, leaseId);
    handed.ids.delete(leaseId);
    return null;
  }, deps);
  command(socket, 'task:heartbeat', ({ leaseId }) => tasks.heartbeat(actor, leaseId), deps);
  refuse(socket, ['project:watch', 'project:unwatch'], 'Only researchers can watch a project');
  const judges = deps.judges;
  if (actor.kind === 'llm' && judges) {
    command(socket, 'judge:get', () => judges.info(actor), deps);
    command(socket, 'judge:status', (report) => {
      judges.status(actor, socket.id, report);
      return null;
    }, deps);
    socket.on('disconnect', () => judges.disconnected(actor, socket.id));
  } else refuse(socket, ['judge:get', 'judge:status'], 'Only judge workers have a judge registration');
}

function registerAdmin(socket: IoSocket, deps: Deps): void {
  const { progress, projects } = deps;
  command(socket, 'project:watch', ({ projectId }) => {
    if (!projects.get(projectId)) throw new AppError('not-found', 'Project not found');
    void socket.join(rooms.watch(projectId));
    deps.onWatch?.(projectId);
    return progress.current(projectId);
  }, deps);
  command(socket, 'project:unwatch', ({ projectId }) => {
    void socket.leave(rooms.watch(projectId));
    return null;
  }, deps);
  refuse(socket, ['session:get', 'task:next', 'label:submit', 'task:release', 'task:heartbeat', 'judge:get', 'judge:status'], 'The admin token cannot label: open a join link instead');
}
