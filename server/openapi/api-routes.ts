/**
 * Every REST route under /api, described once for the OpenAPI document (openapi.ts): the words come from the
 * README's API table, request bodies and query strings from the zod schemas the routes validate with, responses
 * by the name of their type. The OpenAPI test fails when a registered route is missing here, or one here is not
 * registered.
 */
import type { z } from 'zod';
import type { ProjectProgress } from '../../shared/protocol';
import { AnnotatorPatch, InviteCreate, JudgeCreate, JudgePatch, ProjectCreate, ProjectPatch } from '../../shared/schemas';
import type { ReportJson } from '../../shared/stats/report/json';
import type * as views from '../../shared/views';
import { DisagreementsQuery } from '../disagreements/disagreements.repo';
import { ExportQuery } from '../exports/exports.service';
import { IMPORT_FORMATS } from '../imports/parse';
import { AdjudicationInput } from '../items/adjudications.service';
import { Page } from '../items/items.routes';
import { META_KEY_RULE, ReportQuery } from '../reports/report-query';

/**
 * The response bodies documented by name. Each entry names the type the server sends, so renaming or removing
 * one is a type error here; the document describes it by name and says where it is declared.
 */
interface ResponseTypes {
  Project: views.Project;
  ProjectList: views.ProjectList;
  ImportResult: views.ImportResult;
  ItemsPage: views.ItemsPage;
  MetaKeys: views.MetaKeys;
  ProjectProgress: ProjectProgress;
  AnnotatorList: views.AnnotatorList;
  AnnotatorView: views.AnnotatorView;
  InviteView: views.InviteView;
  InviteList: views.InviteList;
  JudgeRegistered: views.JudgeRegistered;
  JudgeList: views.JudgeList;
  JudgeView: views.JudgeView;
  JudgeDeleted: views.JudgeDeleted;
  JudgeRunView: views.JudgeRunView;
  ReportJson: ReportJson;
  AdjudicationView: views.AdjudicationView;
  DisagreementsPage: views.DisagreementsPage;
}
export type ViewName = keyof ResponseTypes;

/** Where each response type is declared, for the document's readers. */
export const VIEW_SOURCES: Record<ViewName, string> = {
  Project: 'shared/views.ts',
  ProjectList: 'shared/views.ts',
  ImportResult: 'shared/views.ts',
  ItemsPage: 'shared/views.ts',
  MetaKeys: 'shared/views.ts',
  ProjectProgress: 'shared/protocol.ts (also pushed to dashboards as the socket event project:progress)',
  AnnotatorList: 'shared/views.ts',
  AnnotatorView: 'shared/views.ts',
  InviteView: 'shared/views.ts',
  InviteList: 'shared/views.ts',
  JudgeRegistered: 'shared/views.ts',
  JudgeList: 'shared/views.ts',
  JudgeView: 'shared/views.ts',
  JudgeDeleted: 'shared/views.ts',
  JudgeRunView: 'shared/views.ts',
  ReportJson: 'shared/stats/report/json.ts',
  AdjudicationView: 'shared/views.ts',
  DisagreementsPage: 'shared/views.ts',
};

/** A query parameter no zod schema reads (the route reads it itself); its JSON Schema is written here. */
export interface PlainParam {
  name: string;
  description: string;
  schema: Record<string, unknown>;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface ApiRoute {
  method: Method;
  /** The path under /api, as express writes it (`/projects/:id`). */
  path: string;
  summary: string;
  description?: string;
  /** The zod schema the route reads its query string with; each field is a query parameter. */
  query?: z.ZodObject;
  /** Query parameters the route reads without a schema. */
  params?: PlainParam[];
  /** A JSON body and the zod schema it is validated with; `optional` when an absent body is accepted. */
  body?: { schema: z.ZodType; optional?: boolean };
  /** An import file (JSONL, a JSON array or CSV) of item or label records. */
  file?: 'items' | 'labels';
  /** The answer when all goes well: its status and, unless it has no body, the type it sends. */
  ok: { status: number; description: string; view?: ViewName; stream?: true };
  /** Error statuses this route answers beyond the ones every route may (400, 401, 403, 404, 500, 503). */
  errors?: number[];
  /** Open without the admin token. */
  open?: true;
}

const upsert: PlainParam = {
  name: 'upsert',
  description: '`1`, `true` or `yes` replaces records already in the project; anything else (or nothing) refuses them',
  schema: { type: 'string', examples: ['1'] },
};
const format: PlainParam = {
  name: 'format',
  description: 'The file format; without it the Content-Type tells, then the first character ([ a JSON array, { JSONL)',
  schema: { type: 'string', enum: [...IMPORT_FORMATS] },
};

const preset: PlainParam = {
  name: 'preset',
  description:
    'Read the file as a published data set (pairwise projects): `mt-bench-human`, `alpaca-eval`, `judgebench`, `pandalm`, `rewardbench`, `judgelm` or `persona`; the labels it carries are imported with the items, creating their annotators',
  schema: { type: 'string' },
};
const map: PlainParam = {
  name: 'map',
  description: 'Item field = source field pairs, e.g. `question=instruction,answer_a=output_1,answer_b=output_2`; fields not mapped are kept in `meta`',
  schema: { type: 'string' },
};
const seed: PlainParam = { name: 'seed', description: '`rewardbench`: the seed of the answer positions (default 1), recorded in each item\'s meta', schema: { type: 'string' } };

/** What an items import may carry besides the file: its images (server/imports/multipart.ts). */
const WITH_FILES =
  ' Items that name image files by relative path (`"images":["img/cat.png"]`, on the item or on a conversation turn) come with them in one `multipart/form-data` body: the items file as the part `items`, each image as a part named `files` whose filename is its path (or a part named by its path), or one `.zip` whose entries are named by their paths. Each file named is sniffed (PNG, JPEG, WebP or GIF only), at most 10 MiB, and stored with the items in the same transaction; a named file that did not come, or is not an image, refuses the import naming its line, field and path. Files no item names are not kept. http(s) URLs are kept as given and never fetched.';

/** An import route (`POST /projects/:id/items` or `…/labels`, like imports.routes.ts registers them). */
function importRoute(kind: 'items' | 'labels', summary: string): ApiRoute {
  return {
    method: 'post',
    path: `/projects/:id/${kind}`,
    summary,
    description: `All or nothing: a file with any bad record imports nothing, and the 400 names every problem by line and field.${kind === 'items' ? WITH_FILES : ''}`,
    params: kind === 'items' ? [upsert, format, preset, map, seed] : [upsert, format],
    file: kind,
    ok: { status: 200, description: '`{"imported":n}`', view: 'ImportResult' },
    errors: [413, 415],
  };
}

/** The routes, in the README's order. */
export const API_ROUTES: ApiRoute[] = [
  {
    method: 'post',
    path: '/projects',
    summary: 'create a project',
    description:
      'A `qualification` bar needs `gold_rate` above 0. `aggregation` (`majority`, `dawid-skene` or `mace`; default `majority`) is the consensus method of the gold export and the report unless a request names another (`?method=`).',
    body: { schema: ProjectCreate },
    ok: { status: 201, description: 'the project', view: 'Project' },
  },
  { method: 'get', path: '/projects', summary: 'list projects', ok: { status: 200, description: 'every project', view: 'ProjectList' } },
  { method: 'get', path: '/projects/:id', summary: 'read a project', ok: { status: 200, description: 'the project', view: 'Project' } },
  {
    method: 'patch',
    path: '/projects/:id',
    summary: 'change settings (all but the type)',
    description:
      'Any setting of POST, `aggregation` among them; a change makes cached reports stale. `redundancy` may be adaptive (`{min, max, stop: "unanimous"|"posterior", posterior?}`); `routing: {mode: "escalate", judges: [ids], target, delta, calibration}` lets the judges decide first and the humans label what they are unsure of (it needs certainty on, and judges of this project: register them first).',
    body: { schema: ProjectPatch },
    ok: { status: 200, description: 'the project', view: 'Project' },
  },
  { method: 'delete', path: '/projects/:id', summary: 'delete with everything in it', ok: { status: 204, description: 'deleted' } },
  importRoute('items', 'import items (body: the file, or multipart/form-data with their image files)'),
  importRoute('labels', 'import labels'),
  {
    method: 'get',
    path: '/projects/:id/items',
    summary: 'items with their gold, metadata and label counts by kind',
    query: Page,
    ok: { status: 200, description: 'a page of items', view: 'ItemsPage' },
  },
  {
    method: 'get',
    path: '/projects/:id/files/:sha256',
    summary: "an image stored with the project's items (`file:<sha256>` in an item's content), with its type",
    description: 'The bytes with the type sniffed at import, `X-Content-Type-Options: nosniff`, `Content-Disposition: inline`, `Cache-Control: private, max-age=31536000, immutable`; 404 for a hash this project does not hold.',
    ok: { status: 200, description: 'the file (image/png, image/jpeg, image/webp or image/gif)' },
  },
  {
    method: 'get',
    path: '/projects/:id/meta-keys',
    summary: "the top-level keys of the items' meta, with how many items carry each and its distinct values there, most common first",
    description: `At most 200 keys, for the report's \`?by=\` (a key to slice by is ${META_KEY_RULE}).`,
    ok: { status: 200, description: '`{"keys":[{"key","items","values"}]}`', view: 'MetaKeys' },
  },
  {
    method: 'get',
    path: '/projects/:id/progress',
    summary: 'items total/complete/gold, labels and labels per minute by kind, connected annotators, live leases, per-annotator counts and gold-check scores',
    description: '`gold_checks` is null when `gold_rate` is 0: no checks are served.',
    ok: { status: 200, description: "the project's progress", view: 'ProjectProgress' },
  },
  { method: 'get', path: '/projects/:id/annotators', summary: 'every annotator', ok: { status: 200, description: 'every annotator', view: 'AnnotatorList' } },
  {
    method: 'patch',
    path: '/projects/:id/annotators/:annotator',
    summary: 'blocks or unblocks a human; `excluded` alone keeps their labels in or out of the report and gold set',
    description:
      'Blocks (`true`: served nothing more, leases back to the pool at once, labels left out unless `"excluded":false`) or unblocks (`false`: labels back in unless `"excluded":true`) a human.',
    body: { schema: AnnotatorPatch },
    ok: { status: 200, description: 'the annotator', view: 'AnnotatorView' },
  },
  {
    method: 'post',
    path: '/projects/:id/invites',
    summary: 'a join link; open `url` + the worker id',
    description:
      'With `max_workers` the link admits at most that many worker ids: those that have labelled through it (always let back in) and those that have not yet labelled and hold a task taken through it (the place frees when that task lapses). Beyond it a new id is refused at connection, and at `task:next`, with "This study is full". `workers` counts the ids that have labelled through the link.',
    body: { schema: InviteCreate, optional: true },
    ok: { status: 201, description: 'the join link', view: 'InviteView' },
  },
  { method: 'get', path: '/projects/:id/invites', summary: 'list join links', ok: { status: 200, description: "the project's join links", view: 'InviteList' } },
  {
    method: 'delete',
    path: '/projects/:id/invites/:invite',
    summary: 'revoke (the link stops working and its connected annotators are disconnected)',
    ok: { status: 200, description: 'the revoked join link', view: 'InviteView' },
  },
  {
    method: 'post',
    path: '/projects/:id/judges',
    summary: 'registers an LLM judge (one LLM annotator)',
    description: '`api_key_env` must name a variable ending in `_API_KEY`, which in-server runs read the key from. The token is shown this once.',
    body: { schema: JudgeCreate },
    ok: { status: 201, description: '`{"id","name","token"}`', view: 'JudgeRegistered' },
    errors: [409],
  },
  {
    method: 'get',
    path: '/projects/:id/disagreements',
    summary: 'items with at least two human labels, least agreement first, with every label, rationale and adjudication',
    query: DisagreementsQuery,
    ok: { status: 200, description: 'a page of disagreements', view: 'DisagreementsPage' },
  },
  {
    method: 'get',
    path: '/projects/:id/judges',
    summary: 'judges with their settings, state, progress, last error, labels, tokens, cost and `archived`/`archived_at`',
    description: 'State: `idle` none since the server started, `running`, `done`, `stopped`, `error`.',
    ok: { status: 200, description: "the project's judges", view: 'JudgeList' },
  },
  {
    method: 'patch',
    path: '/projects/:id/judges/:judge',
    summary: "edits a judge's registration",
    description:
      'Any field of POST, null clears an optional one; "archived"?. A run reads its registration when it starts, so a running judge keeps its settings until it is started again; `swap`, `samples` and `concurrency` change at once which tasks the server hands it. `"archived": true` keeps its labels but leaves them out of the report, plots and gold, stops its in-server run, disconnects its workers (their tasks go back to the pool) and refuses its token; `false` restores it.',
    body: { schema: JudgePatch },
    ok: { status: 200, description: 'the judge as listed', view: 'JudgeView' },
    errors: [409],
  },
  {
    method: 'delete',
    path: '/projects/:id/judges/:judge',
    summary: 'removes a judge without labels',
    description:
      'A judge with labels is kept with `409` naming the count unless `?labels=delete`, which removes its labels too (report, gold and progress are rebuilt without them).',
    params: [{ name: 'labels', description: '`delete` removes the judge\'s labels too', schema: { type: 'string', enum: ['delete'] } }],
    ok: { status: 200, description: '`{"id","name","labels_deleted"}`', view: 'JudgeDeleted' },
    errors: [409],
  },
  {
    method: 'post',
    path: '/projects/:id/judges/:judge/run',
    summary: 'runs a registered judge inside the server (the same worker, through the same protocol)',
    ok: { status: 202, description: 'the run, started', view: 'JudgeRunView' },
    errors: [409],
  },
  {
    method: 'delete',
    path: '/projects/:id/judges/:judge/run',
    summary: "stops a judge's run inside the server",
    ok: { status: 200, description: 'the run, stopped', view: 'JudgeRunView' },
  },
  {
    method: 'get',
    path: '/projects/:id/report',
    summary: 'the report',
    description:
      'How far to trust each source: see the README\'s "Report" section. `method` is the consensus behind `aggregation` and the humans\' `competence` (the project\'s `aggregation` by default); `by` slices every statistic by a top-level meta key (`slices`; items without it form the group whose value is null); `epsilon` is the alt-test\'s margin, `target`, `delta` and `min_items` the certified threshold\'s target agreement, error level and least labels per certainty value.',
    query: ReportQuery,
    ok: { status: 200, description: 'the report', view: 'ReportJson' },
  },
  {
    method: 'get',
    path: '/projects/:id/export',
    summary: 'a gold set, every raw label in the label import format, or judge-training data (sft, dpo, preference); streamed',
    description:
      'A gold set: one record per item with a consensus: its fields, `label`, `agreement`, `posterior`, `n`, `source` = `adjudicated`|`gold`|`unanimous`|`majority`|`dawid-skene`|`mace`, and every label behind it (`GoldRecord` in shared/views.ts). Or every raw label in the label import format. `method` (the project\'s `aggregation` by default): under `majority` an item whose top count is shared is left out and `posterior` is the winning share; under `dawid-skene` or `mace` every item with a vote gets the model\'s label and `posterior` its probability, `agreement` the share of votes for it. An adjudication or the item\'s gold still wins (`posterior` null). Judge-training data (pairwise projects), against the gold set\'s reference (adjudication, else gold, else consensus): `sft`, one example per judged item and order (both orders with `swap=1`) in JudgeLM\'s fields (`question_body`, `answer1_body`, `answer2_body`, `score`, `text`) and as chat `messages` rendered with the judge template `template` (the project\'s default when absent; `reference_answer=0` leaves the item\'s reference answer out); `dpo`, per judge, item and order, a judgment matching the reference (`chosen`) and one not (`rejected`) after the rendered `prompt`; `preference`, the humans\' consensus as TRL\'s `prompt`, `chosen`, `rejected` answers, ties left out, `agreement` kept. `format`: `jsonl` (default), `csv` (nested values as JSON text, formula-like cells made inert), or `parquet` (typed columns: text, int64, double, boolean, nulls as nulls; chat messages as lists of `(role, content)` structs, a gold record\'s labels as a list of structs, meta and conversations as JSON text; row groups of 2000 records), each streamed.',
    query: ExportQuery,
    ok: { status: 200, description: 'the records, as JSONL, CSV or Parquet', stream: true },
  },
  {
    method: 'get',
    path: '/projects/:id/archive',
    summary: 'the whole project as one archive (gzip\'d JSON lines), to import on another server; streamed',
    description:
      'A header line (format `concord-project-archive`, version, counts, the settings with `routing.judges` as judge names), then one record a line: files, items, annotators (with their standing; judges with their registration, which holds no secret), labels with every field, adjudications. Read from one snapshot while the server runs. See the README\'s "Moving a project".',
    ok: { status: 200, description: 'the archive (application/gzip)' },
  },
  {
    method: 'post',
    path: '/projects/archive',
    summary: 'a new project from an archive of `GET /projects/:id/archive` (body: the file, streamed)',
    description:
      'All or nothing: every line is checked (a bad one is named by line and field) before anything is stored, then the project, its items, files, annotators, labels and adjudications are stored in one transaction with new ids. Answers `{ project_id, counts, judge_tokens }`: each registered judge gets a new token, shown once.',
    ok: { status: 201, description: 'the new project\'s id, the counts stored and the judges\' new tokens' },
    errors: [413],
  },
  {
    method: 'put',
    path: '/projects/:id/items/:item/adjudication',
    summary: "a researcher's final label for an item, kept with who and when; the gold export prefers it",
    body: { schema: AdjudicationInput },
    ok: { status: 200, description: 'the adjudication', view: 'AdjudicationView' },
  },
  {
    method: 'delete',
    path: '/projects/:id/items/:item/adjudication',
    summary: "removes a researcher's final label for an item",
    ok: { status: 204, description: 'removed' },
  },
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'this description of the REST API (OpenAPI 3.1)',
    description: 'Open without a token.',
    ok: { status: 200, description: 'the OpenAPI document' },
    open: true,
  },
];
