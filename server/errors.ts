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
