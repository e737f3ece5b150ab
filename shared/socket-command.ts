/**
 * Sending a socket command from a client of the protocol (the browser app and the judge worker): one typed call,
 * so the event name picks the input type and the ack's data type from `shared/protocol.ts`, with no casts and no
 * type parameters at the call site. Only a type is imported from socket.io-client, so this runs in either client.
 */
import type { Socket } from 'socket.io-client';
import type { Ack, ClientToServerEvents, CommandInput, CommandName, CommandResult, ServerToClientEvents } from './protocol';

/** A socket of a client of the protocol. */
export type CommandSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** A command whose ack did not come back in time (or the connection dropped first): it may or may not have run. */
export class AckTimeout extends Error {
  constructor(readonly event: CommandName) {
    super('The server did not answer in time');
    this.name = 'AckTimeout';
  }
}

type TimedSocket = ReturnType<CommandSocket['timeout']>;

/**
 * One line per command. socket.io's types work out an event's input and ack only for a literal event name, not
 * for a type parameter, so each command is sent from its own line; a command missing here is a type error.
 */
const senders: { [E in CommandName]: (socket: TimedSocket, input: CommandInput<E>) => Promise<Ack<CommandResult<E>>> } = {
  'session:get': (socket, input) => socket.emitWithAck('session:get', input),
  'task:next': (socket, input) => socket.emitWithAck('task:next', input),
  'label:submit': (socket, input) => socket.emitWithAck('label:submit', input),
  'task:release': (socket, input) => socket.emitWithAck('task:release', input),
  'task:heartbeat': (socket, input) => socket.emitWithAck('task:heartbeat', input),
  'project:watch': (socket, input) => socket.emitWithAck('project:watch', input),
  'project:unwatch': (socket, input) => socket.emitWithAck('project:unwatch', input),
  'judge:get': (socket, input) => socket.emitWithAck('judge:get', input),
  'judge:status': (socket, input) => socket.emitWithAck('judge:status', input),
};

/**
 * Sends `event` with `input` and resolves with the server's {@link Ack}: `ok: false` is an answer, not a throw.
 * Throws {@link AckTimeout} when no ack arrives within `timeoutMs` (socket.io then drops the command if it is
 * still buffered). Every command is safe to resend with the same input: a label by its `clientLabelId`, a lease
 * by its `leaseId`.
 */
export async function sendCommand<E extends CommandName>(socket: CommandSocket, event: E, input: CommandInput<E>, timeoutMs: number): Promise<Ack<CommandResult<E>>> {
  const send = senders[event];
  try {
    return await send(socket.timeout(timeoutMs), input);
  } catch {
    throw new AckTimeout(event);
  }
}
