/** Reading JSON request bodies: nesting is checked on the raw bytes before JSON.parse. */
import type { IncomingMessage } from 'node:http';
import express, { type RequestHandler } from 'express';
import { jsonTooDeep, MAX_JSON_DEPTH, tooDeepMessage, type TooDeep } from '../../shared/json-depth';
import { AppError } from '../errors';

/**
 * The `invalid-input` for JSON nested past {@link MAX_JSON_DEPTH}: "label:submit payload: meta is nested deeper
 * than 64 levels", with the field in the details.
 */
export function tooDeepError(what: string, at: TooDeep): AppError {
  const message = tooDeepMessage(MAX_JSON_DEPTH);
  return at.field === undefined
    ? new AppError('invalid-input', `${what} is ${message}`, [{ message }])
    : new AppError('invalid-input', `${what}: ${at.field} is ${message}`, [{ field: at.field, message }]);
}

/**
 * body-parser's `verify` step, on the raw bytes before JSON.parse. body-parser sets a status on whatever is
 * thrown here, which an AppError (its status is derived from its code) does not allow: the AppError travels as
 * the `cause` of a plain error, and the error middleware answers with it.
 */
function verifyDepth(_req: IncomingMessage, _res: unknown, buf: Buffer, encoding: string): void {
  const text = !encoding || /^utf-?8$/i.test(encoding) ? buf.toString('utf8') : new TextDecoder(encoding).decode(buf);
  const deep = jsonTooDeep(text);
  if (deep) {
    const cause = tooDeepError('The JSON body', deep);
    throw Object.assign(new Error(cause.message, { cause }), { status: cause.status, type: 'entity.too.deep' });
  }
}

/**
 * `express.json` that refuses a body nested deeper than {@link MAX_JSON_DEPTH} before parsing it. Used once for
 * the whole API (app.ts) and by routes with their own limit; a later `express.json()` finds the body read.
 */
export function jsonBody(options: { limit?: string | number } = {}): RequestHandler {
  return express.json({ ...options, verify: verifyDepth });
}
