import type { ErrorBody, ErrorCode } from '../../../shared/errors';

/** What a person is told for each error code when the server's own sentence is not enough on its own. */
const LEAD: Record<ErrorCode, string> = {
  'invalid-input': 'That was not accepted',
  unauthorized: 'The token was not accepted',
  forbidden: 'Not allowed',
  'not-found': 'Not found',
  conflict: 'That clashes with something already there',
  'lease-expired': 'This task was held too long and went back to the pool',
  'payload-too-large': 'The file is too large',
  'unsupported-media-type': 'The file could not be read',
  internal: 'Something went wrong on the server',
  unavailable: 'The server cannot save right now',
};

/** An error from the server, carrying a sentence for people (never a raw code) and any per-line details. */
export class ServerError extends Error {
  constructor(
    readonly body: ErrorBody,
    readonly status = 0,
  ) {
    super(inWords(body));
  }
}

/** The server's message is written for people; fall back to a plain sentence per code when it is missing. */
export function inWords(e: Partial<ErrorBody> | undefined | null): string {
  if (!e) return 'Something went wrong; try again.';
  const msg = typeof e.message === 'string' && e.message.trim() ? e.message.trim() : '';
  const lead = e.code && e.code in LEAD ? LEAD[e.code as ErrorCode] : 'Something went wrong';
  if (!msg) return `${lead}.`;
  return /[.!?]$/.test(msg) ? msg : `${msg}.`;
}

export function messageOf(e: unknown): string {
  if (e instanceof ServerError) return e.message;
  if (e instanceof TypeError) return 'The server could not be reached. Check that Concord is running and try again.';
  if (e instanceof Error && e.message) return e.message;
  return 'Something went wrong; try again.';
}
