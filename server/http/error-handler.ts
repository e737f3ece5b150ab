/** The one error middleware: every REST error becomes `{ "error": { code, message, details } }` with its status. */
import type { ErrorRequestHandler } from 'express';
import { AppError, type ErrorMapper } from '../errors';
import { formatBytes } from '../imports/spool';

/**
 * Registered after every route. Body parsers' errors become what the caller can fix (too large, not JSON, not
 * UTF-8); anything unexpected goes through `errors`, the mapping shared with the socket commands.
 */
export function errorHandler({ errors, maxBodyBytes }: { errors: ErrorMapper; /** The limit named when a parser gives none. */ maxBodyBytes: number }): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    // A streamed answer (an export) that fails after its first byte can no longer be an error answer: log it and
    // cut the connection, so the client sees a broken transfer, not a body that ends as if whole.
    if (res.headersSent) {
      errors(err, { module: 'http', method: req.method, path: req.path }, 'response failed after its first byte');
      res.destroy();
      return;
    }
    let e: AppError;
    if (err instanceof AppError) e = err;
    // A body parser's verify step (json-body.ts) carries its AppError as the cause.
    else if ((err as Error | undefined)?.cause instanceof AppError) e = (err as Error).cause as AppError;
    else {
      const status = (err as { status?: number; type?: string }).status;
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') e = new AppError('payload-too-large', `The body is over the ${formatBytes((err as { limit?: number }).limit ?? maxBodyBytes)} limit`);
      else if (type === 'entity.parse.failed') e = new AppError('invalid-input', 'The body is not valid JSON');
      else if (type === 'encoding.unsupported' || type === 'charset.unsupported') e = new AppError('unsupported-media-type', 'Send the body as UTF-8');
      else if (status && status >= 400 && status < 500) e = new AppError('invalid-input', 'The request could not be read');
      else e = errors(err, { module: 'http', method: req.method, path: req.path }, 'request failed');
    }
    res.status(e.status).json({ error: e.toBody() });
  };
}
