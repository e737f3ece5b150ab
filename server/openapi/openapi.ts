/**
 * The REST API's OpenAPI 3.1 document, generated from the route table (api-routes.ts) and the same zod schemas
 * the routes validate with (zod 4 emits JSON Schema 2020-12, OpenAPI 3.1's dialect), so it cannot drift from
 * what the server accepts. Served at `GET /api/openapi.json` without a token.
 */
import { z } from 'zod';
import { ERROR_CODES, type ErrorCode } from '../../shared/errors';
import { TASK_TYPES } from '../../shared/constants';
import { ITEM_RECORD, LabelRecord } from '../../shared/schemas';
import { AppError } from '../errors';
import { API_ROUTES, VIEW_SOURCES, type ApiRoute, type ViewName } from './api-routes';

type Json = Record<string, unknown>;

/**
 * A zod schema as JSON Schema, for what a client sends (`io: 'input'`: defaults make a field optional). Checks
 * JSON Schema cannot say (refinements such as "min must be below max") are left to the server, which names the
 * field in its 400; a type with no JSON Schema form would become `{}` (`unrepresentable: 'any'`) rather than fail.
 */
function jsonSchema(schema: z.ZodType): Json {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Json;
  return rest;
}

/** The error body every failure answers with, as in the README: `{"error":{"code","message","details"?}}`. */
const ErrorResponse = z.strictObject({
  error: z.strictObject({
    code: z.enum(ERROR_CODES),
    message: z.string(),
    /** One entry per problem: where it is (line of a file, field) and what is wrong. */
    details: z.array(z.strictObject({ line: z.int().min(1).optional(), field: z.string().optional(), message: z.string() })).optional(),
  }),
});

/** Each error code's HTTP status, as the server's errors carry them. */
const STATUS_CODES = new Map<number, ErrorCode>(ERROR_CODES.map((code) => [new AppError(code, code).status, code]));

const PATH_PARAMS: Record<string, { description: string; schema: Json }> = {
  id: { description: "The project's id", schema: { type: 'integer', minimum: 1 } },
  annotator: { description: "The annotator's id", schema: { type: 'integer', minimum: 1 } },
  invite: { description: "The join link's id", schema: { type: 'integer', minimum: 1 } },
  judge: { description: "The judge's id (its annotator id)", schema: { type: 'integer', minimum: 1 } },
  item: { description: "The item's id, as imported", schema: { type: 'string' } },
  sha256: { description: "The file's SHA-256 in hex (an item image's `file:<sha256>`)", schema: { type: 'string', pattern: '^[0-9a-f]{64}$' } },
};

/** `/projects/:id/items` → `/api/projects/{id}/items`. */
const openApiPath = (expressPath: string) => `/api${expressPath.replace(/:(\w+)/g, '{$1}')}`;

const pathParamNames = (path: string) => [...path.matchAll(/:(\w+)/g)].map((m) => m[1]!);

function parameters(route: ApiRoute): Json[] {
  const out: Json[] = pathParamNames(route.path).map((name) => {
    const p = PATH_PARAMS[name];
    if (!p) throw new Error(`openapi: no description of the path parameter :${name} (${route.path})`);
    return { name, in: 'path', required: true, ...p };
  });
  if (route.query) {
    const q = jsonSchema(route.query) as { properties?: Record<string, Json>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) out.push({ name, in: 'query', required: q.required?.includes(name) ?? false, schema });
  }
  for (const p of route.params ?? []) out.push({ name: p.name, in: 'query', required: false, description: p.description, schema: p.schema });
  return out;
}

const FILE_TEXT = {
  jsonl: 'JSONL: one record per line (blank lines are skipped), each as the elements of the application/json array',
  csv: 'CSV with a header row naming the fields; an empty cell is an absent field; `options` holds a JSON array or `|`-separated options, `meta` a JSON object, and `meta.<key>` columns go into meta',
};

/** An items import with its image files: the items file, then the files it names (by relative path) or one zip. */
const MULTIPART_ITEMS: Json = {
  type: 'object',
  properties: {
    items: { type: 'string', format: 'binary', description: 'the items file (JSONL, JSON or CSV)' },
    files: { type: 'array', items: { type: 'string', format: 'binary' }, description: "image files, each named by its path relative to the items' image paths, or one .zip holding them" },
  },
  required: ['items'],
};

/** The records an import file holds: an item of the project's type, or a label. */
function fileRecord(kind: 'items' | 'labels'): Json {
  if (kind === 'labels') return jsonSchema(LabelRecord);
  return { anyOf: TASK_TYPES.map((type) => ({ title: `a ${type} item`, ...jsonSchema(ITEM_RECORD[type]) })), description: "An item of the project's type" };
}

function requestBody(route: ApiRoute): Json | undefined {
  if (route.body) return { required: !route.body.optional, content: { 'application/json': { schema: jsonSchema(route.body.schema) } } };
  if (!route.file) return undefined;
  const record = fileRecord(route.file);
  return {
    required: true,
    description: `The file, sent as it is (Content-Encoding gzip, deflate or br accepted; the size limit counts the inflated bytes). Every record is a ${route.file === 'items' ? 'item' : 'label'} record.`,
    content: {
      'application/x-ndjson': { schema: { type: 'string', description: FILE_TEXT.jsonl } },
      'application/json': { schema: { type: 'array', minItems: 1, items: record } },
      'text/csv': { schema: { type: 'string', description: FILE_TEXT.csv } },
      ...(route.file === 'items' ? { 'multipart/form-data': { schema: MULTIPART_ITEMS } } : {}),
    },
  };
}

const errorRef = (status: number) => ({ $ref: `#/components/responses/${STATUS_CODES.get(status)}` });

function responses(route: ApiRoute): Json {
  const { status, description, view, stream } = route.ok;
  const ok: Json = { description };
  if (view) ok.content = { 'application/json': { schema: { $ref: `#/components/schemas/${view}` } } };
  else if (stream)
    ok.content = {
      'application/x-ndjson': { schema: { type: 'string' } },
      'text/csv': { schema: { type: 'string' } },
      'application/vnd.apache.parquet': { schema: { type: 'string', format: 'binary' } },
    };
  // The export's typed columns, for a client that describes the file (the CLI's dataset card, ADR 0009).
  if (stream) ok.headers = { 'X-Concord-Columns': { description: 'the columns as JSON: `[{"name","type"}]`, type `string`|`int64`|`float64`|`bool`|`json` (JSON text)|`{"list": type or columns}`', schema: { type: 'string' } } };
  else if (route.open) ok.content = { 'application/json': { schema: { type: 'object' } } };
  const errors = new Set<number>(route.open ? [] : [401, 403]);
  if (route.body || route.file || route.query || route.params) errors.add(400);
  if (route.path.includes(':')) errors.add(404);
  if (route.method !== 'get') errors.add(503);
  for (const s of route.errors ?? []) errors.add(s);
  errors.add(500);
  return { [status]: ok, ...Object.fromEntries([...errors].sort((a, b) => a - b).map((s) => [s, errorRef(s)])) };
}

/** `post /projects/:id/judges/:judge/run` → `postProjectsIdJudgesJudgeRun`: unique, as each method and path is. */
const operationId = (route: ApiRoute) =>
  route.method +
  route.path
    .split('/')
    .filter(Boolean)
    .map((s) => s.replace(/^:/, '').replace(/\.json$/, 'Json').replace(/^./, (c) => c.toUpperCase()))
    .join('');

function operation(route: ApiRoute): Json {
  const op: Json = { operationId: operationId(route), summary: route.summary };
  if (route.description) op.description = route.description;
  const params = parameters(route);
  if (params.length > 0) op.parameters = params;
  const body = requestBody(route);
  if (body) op.requestBody = body;
  op.responses = responses(route);
  if (route.open) op.security = [];
  return op;
}

function components(): Json {
  const schemas: Json = { Error: jsonSchema(ErrorResponse) };
  for (const [name, source] of Object.entries(VIEW_SOURCES) as Array<[ViewName, string]>)
    schemas[name] = { type: 'object', description: `\`${name}\`, declared in ${source}` };
  const responses: Json = {};
  for (const [status, code] of STATUS_CODES)
    responses[code] = { description: `\`${code}\` (${status})`, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  return {
    securitySchemes: { adminToken: { type: 'http', scheme: 'bearer', description: 'The admin token (printed at first start, or CONCORD_ADMIN_TOKEN)' } },
    schemas,
    responses,
  };
}

let built: Json | undefined;

/** The document (built once: the schemas do not change while the server runs). */
export function openApiDocument(): Json {
  if (built) return built;
  const paths: Record<string, Json> = {};
  for (const route of API_ROUTES) (paths[openApiPath(route.path)] ??= {})[route.method] = operation(route);
  built = {
    openapi: '3.1.1',
    info: {
      title: 'Concord REST API',
      version: '1',
      description:
        'JSON everywhere; every /api route but this document needs `Authorization: Bearer <admin token>` (401 without a valid token, 403 with an invite or judge token). Errors are `{"error":{"code","message","details"?}}` with the matching status. The schemas are generated from the zod schemas the server validates with; checks JSON Schema cannot express (such as a scale\'s min below its max) are the server\'s, and its 400 names the field.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ adminToken: [] }],
    paths,
    components: components(),
  };
  return built;
}
