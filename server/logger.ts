import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

export interface LoggerOptions {
  level: string;
  /** Where log lines go: standard output by default. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Readable lines for a person instead of JSON; by default, whether the stream is a terminal. */
  pretty?: boolean;
}

/**
 * Fields that may hold a secret, wherever they appear in a log call's object (top level or one level down): pino
 * replaces their values before the line is written. Log calls should not pass secrets at all; this is the net.
 */
export const REDACTED_PATHS = ['token', 'adminToken', 'apiKey', 'api_key', 'authorization', 'cookie', 'password', 'secret'].flatMap((k) => [k, `*.${k}`]);

/**
 * The server's one logger. JSON lines (for a log collector) unless the output is a terminal, where pino-pretty
 * writes one readable line per entry: time, level, `[module]` and the message. Pretty printing runs in this
 * thread and writes synchronously, so the last lines before an exit are not lost; a terminal is not a hot path.
 */
export function createLogger({ level, stream = process.stdout, pretty: readable = Boolean(stream.isTTY) }: LoggerOptions): Logger {
  const options = { level, redact: { paths: REDACTED_PATHS, censor: '[redacted]' } };
  if (!readable) return stream === process.stdout ? pino(options) : pino(options, stream);
  return pino(
    options,
    pretty({
      destination: stream === process.stdout ? 1 : stream,
      sync: true,
      translateTime: 'SYS:HH:MM:ss.l',
      ignore: 'pid,hostname,module',
      messageFormat: '{if module}[{module}] {end}{msg}',
      singleLine: true,
    }),
  );
}
