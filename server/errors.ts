import type { Logger } from 'pino';
import type { z } from 'zod';
import type { ErrorBody, ErrorCode, ErrorDetail } from '../shared/errors';

const STATUS: Record<ErrorCode, number> = {
  'invalid-input': 400,
  unauthorized: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  'lease-expired': 410,
  'payload-too-large': 413,
  'unsupported-media-type': 415,
  internal: 500,
  unavailable: 503,
};

/** An error whose message is safe to show to the caller. Anything else thrown becomes `internal`. */
export class AppError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
  }
  get status(): number {
    return STATUS[this.code];
  }
  toBody(): ErrorBody {
    return this.details ? { code: this.code, message: this.message, details: this.details } : { code: this.code, message: this.message };
  }
}

export const notFound = (what: string) => new AppError('not-found', `${what} not found`);

export const DISK_FULL_MESSAGE = "The server's disk is full: nothing was saved. Try again later.";

/** SQLite found no room for a write (SQLITE_FULL: the disk, or `max_page_count`), or the file system did (ENOSPC). */
export function isDiskFull(e: unknown): boolean {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return code === 'SQLITE_FULL' || code === 'ENOSPC';
}

/** Turns anything a REST route or socket command threw into the error its caller is told, logging what needs it. */
export type ErrorMapper = (err: unknown, context: Record<string, unknown>, what: string) => AppError;

/**
 * The one mapping of thrown errors to answers, shared by the REST error middleware and the socket `command()`
 * wrapper. An `AppError` passes as it is. A full disk is `unavailable` (503) in words, and logged as one error
 * when it starts, then at most once per `quietMs` with the number of refusals in between: a full disk refuses every
 * write (every label of every annotator), and a stack per refusal would bury the log and fill the disk further. Anything else is logged with its stack and answered `internal`, without its message.
 */
export function errorMapper(logger: Logger, quietMs = 60_000, clock: () => number = Date.now): ErrorMapper {
  let loggedAt = -Infinity;
  let refused = 0;
  return (err, context, what) => {
    if (err instanceof AppError) return err;
    if (isDiskFull(err)) {
      refused++;
      const now = clock();
      if (now - loggedAt >= quietMs) {
        const message = err instanceof Error ? err.message : String(err);
        logger.error({ ...context, module: 'db', code: (err as { code?: unknown }).code, message, refused }, 'the disk is full: writes are refused until there is room');
        loggedAt = now;
        refused = 0;
      }
      return new AppError('unavailable', DISK_FULL_MESSAGE);
    }
    logger.error({ err, ...context }, what);
    return new AppError('internal', 'Something went wrong on the server; try again');
  };
}

/** Turns zod issues into details a person can act on: the field path and the reason. */
export function zodDetails(error: z.ZodError, line?: number): ErrorDetail[] {
  return error.issues.map((i) => {
    const field = i.path.map(String).join('.');
    const d: ErrorDetail = { message: i.message };
    if (line !== undefined) d.line = line;
    if (field) d.field = field;
    return d;
  });
}

/** Parses `input` with `schema` or throws `invalid-input` naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'request'): z.infer<S> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const details = zodDetails(r.error);
  const first = details[0];
  const where = first?.field ? ` (${first.field}: ${first.message})` : first ? ` (${first.message})` : '';
  throw new AppError('invalid-input', `Invalid ${what}${where}`, details);
}
