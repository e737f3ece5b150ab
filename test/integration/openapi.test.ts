/**
 * The REST API's OpenAPI document (`GET /api/openapi.json`): open without a token, and true to the server. The
 * routes are read from the running express app itself, so a route added without documentation (or documented
 * and gone) fails here; the request body schemas are checked against the bodies the server really accepts.
 */
import type http from 'node:http';
import { z } from 'zod';
import { startServer, type TestServer } from '../helpers/server';

/** The parts of express 5's router layers (the `router` package) this reads. */
interface Layer {
  /** The path a layer was mounted at (`app.use('/api', api)`), `/` for a router used without one. */
  rawPath?: string | string[];
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/**
 * The express app serving `s`. socket.io wraps the server's request listeners in a closure of its own, so the app
 * is read from a request it has handled: express sets `req.app` on every request it sees.
 */
async function expressApp(s: TestServer): Promise<{ router: { stack: Layer[] } }> {
  let app: unknown;
  const seen = (req: http.IncomingMessage) => {
    app = (req as unknown as { app?: unknown }).app;
  };
  s.app.http.on('request', seen);
  try {
    await fetch(`${s.url}/health`);
  } finally {
    s.app.http.off('request', seen);
  }
  if (!app) throw new Error('no express app saw the request');
  return app as { router: { stack: Layer[] } };
}

/** Every route the app registers, as `METHOD /path` (express's `:param` form), nested routers included. */
function registeredRoutes(app: { router: { stack: Layer[] } }): string[] {
  const walk = (stack: Layer[], prefix: string): string[] =>
    stack.flatMap((layer) => {
      if (layer.route) {
        const methods = Object.keys(layer.route.methods).filter((m) => layer.route!.methods[m] && m !== '_all');
        return methods.map((m) => `${m.toUpperCase()} ${prefix}${layer.route!.path}`);
      }
      if (!layer.handle?.stack) return [];
      if (typeof layer.rawPath !== 'string') throw new Error(`a router mounted at ${JSON.stringify(layer.rawPath)}: teach this test to read it`);
      return walk(layer.handle.stack, prefix + (layer.rawPath === '/' ? '' : layer.rawPath));
    });
  return [...new Set(walk(app.router.stack, ''))].sort();
}

type Json = Record<string, any>;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation in the document, as `METHOD /path` in express's `:param` form. */
const documentedRoutes = (doc: Json): string[] =>
  Object.entries(doc.paths as Record<string, Json>)
    .flatMap(([path, ops]) => Object.keys(ops).filter((k) => METHODS.includes(k)).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`))
    .sort();

/** A validator built from a documented JSON Schema (zod reads JSON Schema back). */
const validator = (schema: Json): z.ZodType => z.fromJSONSchema(schema);
const jsonBodySchema = (doc: Json, method: string, path: string): Json => doc.paths[path][method].requestBody.content['application/json'].schema;

let s: TestServer;
let doc: Json;
let routes: string[];
beforeAll(async () => {
  s = await startServer();
  routes = registeredRoutes(await expressApp(s));
  const r = await s.api('GET', '/api/openapi.json', undefined, { token: null });
  expect(r.status).toBe(200);
  doc = r.body;
});
afterAll(async () => {
  await s.close();
});

describe('GET /api/openapi.json', () => {
  test('answers without a token with an OpenAPI 3.1 document, while the rest of the API still needs one', async () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(doc.info.title).toBe('Concord REST API');
    expect(doc.components.securitySchemes.adminToken).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    expect(doc.security).toEqual([{ adminToken: [] }]);
    expect(doc.paths['/api/openapi.json'].get.security).toEqual([]);
    expect((await s.api('GET', '/api/projects', undefined, { token: null })).status).toBe(401);
  });

  test('every route the app registers under /api is documented', () => {
    const registered = routes.filter((r) => r.split(' ')[1]!.startsWith('/api/'));
    expect(registered.length).toBeGreaterThan(20);
    const documented = new Set(documentedRoutes(doc));
    expect(registered.filter((r) => !documented.has(r))).toEqual([]);
  });

  test('every documented route is registered', () => {
    const registered = new Set(routes);
    expect(documentedRoutes(doc).filter((r) => !registered.has(r))).toEqual([]);
  });

  test('each operation has a summary, a unique operationId, its path parameters and responses; errors are in the documented error shape', async () => {
    for (const [path, ops] of Object.entries(doc.paths as Record<string, Json>))
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect([where, typeof op.summary]).toEqual([where, 'string']);
        const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
        const declared = ((op.parameters ?? []) as Json[]).filter((p) => p.in === 'path').map((p) => p.name).sort();
        expect([where, declared]).toEqual([where, inPath]);
        expect([where, Object.keys(op.responses).some((st) => /^2\d\d$/.test(st))]).toEqual([where, true]);
      }
    const ids = Object.values(doc.paths as Record<string, Json>).flatMap((ops) => Object.values(ops).map((op) => op.operationId as string));
    expect(new Set(ids).size).toBe(ids.length);
    const missing = await s.api('GET', '/api/projects/999999');
    expect(missing.status).toBe(404);
    expect(doc.paths['/api/projects/{id}'].get.responses['404']).toEqual({ $ref: '#/components/responses/not-found' });
    expect(validator(doc.components.schemas.Error).safeParse(missing.body).success).toBe(true);
    expect(validator(doc.components.schemas.Error).safeParse({ error: { code: 'oops', message: 'x' } }).success).toBe(false);
  });

  test("query parameters come from the routes' own schemas", () => {
    const params = (path: string) => Object.fromEntries((doc.paths[path].get.parameters as Json[]).filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
    expect(params('/api/projects/{id}/export').kind).toEqual(expect.objectContaining({ enum: ['gold', 'labels', 'sft', 'dpo', 'preference'], default: 'gold' }));
    expect(params('/api/projects/{id}/items').limit).toEqual(expect.objectContaining({ minimum: 1, maximum: 1000, default: 100 }));
    expect(params('/api/projects/{id}/report').invalid).toEqual(expect.objectContaining({ enum: ['exclude', 'tie'] }));
    expect(Object.keys(params('/api/projects/{id}/disagreements')).sort()).toEqual(['limit', 'min_labels', 'offset']);
    // Issue 10: the consensus method, slicing and the tests' parameters.
    const report = params('/api/projects/{id}/report');
    expect(Object.keys(report).sort()).toEqual(['by', 'delta', 'epsilon', 'invalid', 'method', 'min_items', 'resamples', 'seed', 'target']);
    expect(report.method).toEqual(expect.objectContaining({ enum: ['majority', 'dawid-skene', 'mace'] }));
    expect(report.epsilon).toEqual(expect.objectContaining({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.2 }));
    expect(report.min_items).toEqual(expect.objectContaining({ minimum: 1, default: 30 }));
    expect(params('/api/projects/{id}/export').method).toEqual(expect.objectContaining({ enum: ['majority', 'dawid-skene', 'mace'] }));
    expect(doc.paths['/api/projects/{id}/meta-keys'].get.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/MetaKeys' });
  });
});

describe('the documented request bodies match what the server accepts', () => {
  /** Checks `body` against the documented schema, then sends it: both must accept it. */
  async function sent(method: string, route: string, docPath: string, body: unknown, status = 200): Promise<Json> {
    const check = validator(jsonBodySchema(doc, method.toLowerCase(), docPath)).safeParse(body);
    expect([route, check.success ? 'valid' : check.error.message]).toEqual([route, 'valid']);
    const r = await s.api(method, route, body);
    expect([route, r.status]).toEqual([route, status]);
    return r.body;
  }

  test('a project, its settings, items and labels, a join link, a judge, an annotator change and an adjudication', async () => {
    const create = { name: 'Rated answers', type: 'rating', scale: { min: 1, max: 5, step: 1 }, certainty: true, rationale: 'optional', gold_rate: 0.1, qualification: { min_checks: 3, min_accuracy: 0.8 }, lease_seconds: { human: 600 } };
    const project = await sent('POST', '/api/projects', '/api/projects', create, 201);
    const p = `/api/projects/${project.id}`;
    await sent('PATCH', p, '/api/projects/{id}', { name: 'Rated answers (pilot)', redundancy: 2, public_title: null, aggregation: 'mace' });

    // An import's JSON-array form documents its records.
    const items = [{ id: 'q1', question: 'What is 2+2?', answer: '4', gold: 5 }, { id: 2, question: 'And 3+3?', answer: '6', meta: { source: 'quiz' } }];
    const records = validator(doc.paths['/api/projects/{id}/items'].post.requestBody.content['application/json'].schema);
    expect(records.safeParse(items).success).toBe(true);
    expect((await s.api('POST', `${p}/items`, items)).status).toBe(200);
    const labels = [{ item: 'q1', annotator: 'alice', value: 4, certainty: 80, rationale: 'close' }, { item: '2', annotator: 'bob', kind: 'llm', value: null }];
    expect(validator(doc.paths['/api/projects/{id}/labels'].post.requestBody.content['application/json'].schema).safeParse(labels).success).toBe(true);
    expect((await s.api('POST', `${p}/labels`, labels)).status).toBe(200);

    await sent('POST', `${p}/invites`, '/api/projects/{id}/invites', { label: 'pilot', max_workers: 10 }, 201);
    const judge = await sent('POST', `${p}/judges`, '/api/projects/{id}/judges', { model: 'baseline:random', name: 'coin', samples: 2, api_key_env: 'OPENAI_API_KEY' }, 201);
    await sent('PATCH', `${p}/judges/${judge.id}`, '/api/projects/{id}/judges/{judge}', { temperature: null, archived: true });
    const alice = (await s.api('GET', `${p}/annotators`)).body.annotators.find((a: Json) => a.name === 'alice');
    await sent('PATCH', `${p}/annotators/${alice.id}`, '/api/projects/{id}/annotators/{annotator}', { blocked: true });
    await sent('PUT', `${p}/items/q1/adjudication`, '/api/projects/{id}/items/{item}/adjudication', { label: 3, note: 'checked', by: 'Ada' });
  });

  test('bodies the server refuses are refused by the documented schemas too', async () => {
    const refused = async (method: string, route: string, docPath: string, body: unknown) => {
      expect([route, body, validator(jsonBodySchema(doc, method.toLowerCase(), docPath)).safeParse(body).success]).toEqual([route, body, false]);
      expect([route, body, (await s.api(method, route, body)).status]).toEqual([route, body, 400]);
    };
    await refused('POST', '/api/projects', '/api/projects', { name: 'x', type: 'tournament' });
    await refused('POST', '/api/projects', '/api/projects', { name: 'x', type: 'pairwise', colour: 'red' });
    await refused('POST', '/api/projects', '/api/projects', { type: 'pairwise' });
    await refused('POST', '/api/projects', '/api/projects', { name: 'x', type: 'pairwise', aggregation: 'vote' });
    const project = (await s.api('POST', '/api/projects', { name: 'x', type: 'pairwise' })).body;
    await refused('POST', `/api/projects/${project.id}/judges`, '/api/projects/{id}/judges', { model: 'm', api_key_env: 'HOME' });
    await refused('POST', `/api/projects/${project.id}/invites`, '/api/projects/{id}/invites', { max_workers: 0 });
  });
});
