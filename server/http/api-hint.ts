/** The hint for an API path asked without its /api prefix (a 404 naming the route that exists). */
import type { RequestHandler, Router } from 'express';
import { AppError } from '../errors';

/** The parts of express's router layers this reads (router 2: `match` returns the match without storing it). */
interface LayerLike {
  match(path: string): false | { path: string };
  route?: { _methods(): string[] };
  handle?: { stack?: LayerLike[] };
}

/** The methods of `router`'s routes that match `path` (nested routers included); empty when none does. */
export function routeMethods(router: Router, path: string): string[] {
  const walk = (stack: LayerLike[], p: string): string[] =>
    stack.flatMap((layer) => {
      const m = layer.match(p);
      if (!m) return [];
      if (layer.route) return layer.route._methods();
      if (layer.handle?.stack) return walk(layer.handle.stack, p.slice(m.path.length) || '/');
      return [];
    });
  return [...new Set(walk((router as unknown as { stack: LayerLike[] }).stack, path))];
}

/**
 * `GET /projects` (the API path without its `/api` prefix) is a common first slip with curl: answer 404 naming what
 * was asked and the route that exists, rather than the browser app's page or a bare "nothing here". A browser
 * asking for a page (Accept: text/html) still gets the app, whose own routes (/projects/:id) share these paths.
 */
export function missingApiPrefix(api: Router): RequestHandler {
  return (req, _res, next) => {
    if (req.path.startsWith('/api/') || (req.method === 'GET' && (req.get('accept') ?? '').includes('text/html'))) return next();
    const methods = routeMethods(api, req.path);
    if (methods.length === 0) return next();
    const method = methods.includes(req.method) ? req.method : methods[0]!;
    next(new AppError('not-found', `Nothing at ${req.method} ${req.path}: the API is under /api, e.g. ${method} /api${req.path}`));
  };
}
