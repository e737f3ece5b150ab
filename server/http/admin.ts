/** Admin authentication for the REST API: the admin token as a Bearer token. */
import type { RequestHandler } from 'express';
import { AppError } from '../errors';
import type { AuthService } from '../auth/auth.service';

/** Lets a request with the admin token through; 401 without a valid token, 403 with an annotator's token. */
export function requireAdmin(auth: AuthService): RequestHandler {
  return (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) return next(new AppError('unauthorized', 'Send the admin token: Authorization: Bearer <token>'));
    const token = m[1]!.trim();
    if (auth.isAdmin(token)) return next();
    if (!auth.isAnnotatorToken(token)) return next(new AppError('unauthorized', 'This token is not valid for this server'));
    next(new AppError('forbidden', 'This token can only label tasks; the API needs the admin token'));
  };
}
