/**
 * Error codes shared by the REST API and the socket protocol. One union, so a client can switch on it
 * without string guessing.
 */
export const ERROR_CODES = [
  'invalid-input',
  'unauthorized',
  'forbidden',
  'not-found',
  'conflict',
  'lease-expired',
  'payload-too-large',
  'unsupported-media-type',
  /** The server cannot save now (e.g. its disk is full); nothing was saved, try again later. */
  'unavailable',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem in an input: where it is (line/row of a file, or a field path) and what is wrong. */
export interface ErrorDetail {
  /** 1-based line of a JSONL file, element index (1-based) of a JSON array, or data row of a CSV file. */
  line?: number;
  /** Dotted path of the offending field, e.g. `answer_a` or `options.2`. */
  field?: string;
  message: string;
}

/** The body of every error: REST responses carry `{ error: ErrorBody }`, socket acks `{ ok: false, error }`. */
export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: ErrorDetail[];
}
