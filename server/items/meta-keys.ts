/**
 * The top-level keys of a project's item meta (`GET /api/projects/:id/meta-keys`), for the report's "slice by"
 * choice. The query reads every item's meta, so the server runs it in the report worker (server/reports) on its own
 * read-only connection, off the event loop: 200,000 items take about a second.
 */
import type Database from 'better-sqlite3';
import type { MetaKeys } from '../../shared/views';

/** The most keys listed: far more than anyone slices by, and a bound on the answer for meta with generated keys. */
export const MAX_META_KEYS = 200;

/**
 * Per key: the items carrying it and its distinct values there, a value told apart by its JSON type too (the string
 * "1", the number 1 and `true` are three values; objects and arrays by their JSON text), as the report's slices are.
 * Most common keys first, then by key.
 */
const META_KEYS_SQL = `SELECT j.key AS key, count(*) AS items, count(DISTINCT j.type || ':' || coalesce(j.value, '')) AS "values"
  FROM items i, json_each(i.meta) j
  WHERE i.project_id = ? AND json_type(i.meta) = 'object'
  GROUP BY j.key ORDER BY items DESC, j.key LIMIT ${MAX_META_KEYS}`;

export function readMetaKeys(db: Database.Database, projectId: number): MetaKeys {
  return { keys: db.prepare<[number], { key: string; items: number; values: number }>(META_KEYS_SQL).all(projectId) };
}
