/** `GET /api/openapi.json`: the REST API's OpenAPI 3.1 document, open without a token (mounted before admin auth). */
import { Router } from 'express';
import { openApiDocument } from './openapi';

export function openApiRouter(): Router {
  const r = Router();
  r.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  return r;
}
