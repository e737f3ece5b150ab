/**
 * The project archive (`concord export --kind project`, `GET /api/projects/:id/archive`): gzip'd JSON lines, one
 * record a line. Line 1 is the header (format version, counts, the project's settings with `routing.judges` as
 * judge keys); then files, items, annotators, labels and adjudications, in that order, each naming what it refers
 * to by its key in the archive (an item's external id, an annotator's kind and key, a file's SHA-256), never by a
 * database id. Judges carry their registration config, which holds no secret (`api_key_env` names a variable).
 * Invites and judge tokens are not carried: they are credentials of the server that made them (a registered judge
 * gets a new token on import, returned once, as at registration).
 */
import { z } from 'zod';

export const ARCHIVE_FORMAT = 'concord-project-archive';
export const ARCHIVE_VERSION = 1;
const count = z.int().nonnegative();
const time = z.int().nonnegative();
/** A value kept exactly as stored: SQLite's untyped columns hold text or numbers. */
const scalar = z.union([z.string(), z.number(), z.null()]);
const json = z.string().nullable();

export const ArchiveHeader = z.strictObject({
  type: z.literal('header'),
  format: z.literal(ARCHIVE_FORMAT),
  version: z.literal(ARCHIVE_VERSION),
  counts: z.strictObject({ files: count, items: count, annotators: count, labels: count, adjudications: count }),
  project: z.strictObject({
    name: z.string().min(1),
    type: z.enum(['pairwise', 'rating', 'choice', 'ranking']),
    aggregation: z.enum(['majority', 'dawid-skene', 'mace']),
    /** The `config` column as an object, `routing.judges` as judge keys. */
    config: z.record(z.string(), z.unknown()),
  }),
});
export type ArchiveHeader = z.infer<typeof ArchiveHeader>;

export const FileRecord = z.strictObject({
  type: z.literal('file'),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  media_type: z.enum(['image/png', 'image/jpeg', 'image/webp', 'image/gif']),
  size: count,
  /** The bytes, base64. */
  data: z.base64(),
  created_at: time,
});

export const ItemRecord = z.strictObject({
  type: z.literal('item'),
  external_id: z.string().min(1),
  content: z.string(),
  gold: scalar,
  meta: json,
  created_at: time,
});

export const AnnotatorRecord = z.strictObject({
  type: z.literal('annotator'),
  kind: z.enum(['human', 'llm']),
  key: z.string().min(1),
  name: z.string(),
  config: json,
  blocked_at: time.nullable(),
  blocked_reason: z.enum(['researcher', 'qualification']).nullable(),
  excluded: z.union([z.literal(0), z.literal(1)]),
  archived_at: time.nullable(),
  created_at: time,
  /** A registered judge (one with a token): the importing server gives it a new token, returned once. */
  registered: z.boolean(),
});

export const LabelRecord = z.strictObject({
  type: z.literal('label'),
  item: z.string().min(1),
  annotator_kind: z.enum(['human', 'llm']),
  annotator: z.string().min(1),
  value: scalar,
  certainty: z.number().nullable(),
  rationale: z.string().nullable(),
  shown_order: z.enum(['AB', 'BA']).nullable(),
  sample: z.int(),
  slot: z.string(),
  duration_ms: z.int().nullable(),
  created_at: time,
  client_label_id: z.string().nullable(),
  source: z.enum(['live', 'import']),
  meta: json,
  study_id: z.string().nullable(),
  session_id: z.string().nullable(),
  lease_id: z.string().nullable(),
  permutation: json,
  scores: json,
});

export const AdjudicationRecord = z.strictObject({
  type: z.literal('adjudication'),
  item: z.string().min(1),
  value: z.union([z.string(), z.number()]),
  note: z.string().nullable(),
  by: z.string(),
  created_at: time,
});

export const BodyRecord = z.discriminatedUnion('type', [FileRecord, ItemRecord, AnnotatorRecord, LabelRecord, AdjudicationRecord]);
export type BodyRecord = z.infer<typeof BodyRecord>;
export type RecordType = BodyRecord['type'];

/** The order record types come in; each refers only to kinds before it. */
export const ORDER: readonly RecordType[] = ['file', 'item', 'annotator', 'label', 'adjudication'];
export const COUNT_KEY = { file: 'files', item: 'items', annotator: 'annotators', label: 'labels', adjudication: 'adjudications' } as const;

/** Label columns carried as they are (everything but ids, the project and the invite, which is not carried). */
export const LABEL_COLUMNS = [
  'value', 'certainty', 'rationale', 'shown_order', 'sample', 'slot', 'duration_ms', 'created_at', 'client_label_id',
  'source', 'meta', 'study_id', 'session_id', 'lease_id', 'permutation', 'scores',
] as const;
export const ANNOTATOR_COLUMNS = ['kind', 'key', 'name', 'config', 'blocked_at', 'blocked_reason', 'excluded', 'archived_at', 'created_at'] as const;
