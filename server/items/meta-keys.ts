/**
 * The top-level keys of a project's item meta (`GET /api/projects/:id/meta-keys`), for the report's "slice by"
 * choice, and the built-in `turn` of conversation items. The query reads every item's meta, so the server runs it in the report worker (server/reports) on its own
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

/**
 * The judged turn of conversation items (issue 11): listed as the key `turn`, which the report slices by (see
 * server/reports/slices.ts), unless the items' meta has a `turn` of its own, which then wins.
 */
const TURN_SQL = `SELECT count(*) AS items, count(DISTINCT json_extract(content, '$.turn')) AS "values"
  FROM items WHERE project_id = ? AND json_type(content, '$.turn') = 'integer'`;

type MetaKey = MetaKeys['keys'][number];

export function readMetaKeys(db: Database.Database, projectId: number): MetaKeys {
  const keys = db.prepare<[number], MetaKey>(META_KEYS_SQL).all(projectId);
  if (keys.some((k) => k.key === 'turn')) return { keys };
  const turn = db.prepare<[number], Omit<MetaKey, 'key'>>(TURN_SQL).get(projectId);
  if (!turn || turn.items === 0) return { keys };
  // In the list's order: most common first, then by key (SQLite's BINARY collation is byte order, as < is for ASCII).
  const at = keys.findIndex((k) => k.items < turn.items || (k.items === turn.items && k.key > 'turn'));
  keys.splice(at < 0 ? keys.length : at, 0, { key: 'turn', ...turn });
  return { keys: keys.slice(0, MAX_META_KEYS) };
}
