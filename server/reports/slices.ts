/**
 * Each item's slice of the report: its value of one top-level meta key, or the built-in `turn` (a conversation
 * item's judged turn), read in the report worker.
 */
import type Database from 'better-sqlite3';
import type { ReportColumns, SliceValue } from '../../shared/stats/report/input';

export type SliceColumn = NonNullable<ReportColumns['items']['slice']>;

/**
 * The most values a key may take to be sliced by. Each value is a group with the report's sections again, so a key
 * with a value per item (an id, a length) would make a report of a hundred thousand sections; a hundred groups
 * still fit MMLU's 57 subjects, and keep a sliced report of a big project to a few megabytes.
 */
export const MAX_SLICE_VALUES = 100;

/** A request option the data refuses (the route answers 400 naming `field`), thrown in the report worker. */
export class OptionRefused extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The key is matched against json_each's `key` column with a bound parameter: no JSON path or SQL is built from it,
 * so no key can reach another value or the SQL. `LEFT JOIN` keeps items without the key (or without meta).
 */
const SLICE_SQL = `SELECT i.id, j.type, j.value FROM items i LEFT JOIN json_each(i.meta) j ON j.key = ?
  WHERE i.project_id = ? ORDER BY i.id`;

/**
 * `by=turn` on a project whose items' meta has no `turn` key: each conversation item's judged turn (`content.turn`,
 * resolved at import), other items null. A project whose meta does name `turn` keeps slicing by its meta, as before
 * issue 11, so no researcher's slices change meaning under them.
 */
const TURN_SQL = `SELECT id, json_type(content, '$.turn'), json_extract(content, '$.turn') FROM items WHERE project_id = ? ORDER BY id`;
/** Whether any item's meta has a key (the first such item ends the scan). */
const META_HAS_KEY_SQL = `SELECT 1 FROM items i, json_each(i.meta) j WHERE i.project_id = ? AND json_type(i.meta) = 'object' AND j.key = ? LIMIT 1`;

/** The built-in slice key (issue 11): the judged turn of conversation items. */
export const TURN_KEY = 'turn';

/** Whether `by=turn` slices by the items' judged turn rather than a meta key of that name. */
export const slicesByJudgedTurn = (db: Database.Database, projectId: number, by: string): boolean =>
  by === TURN_KEY && db.prepare<[number, string], unknown>(META_HAS_KEY_SQL).get(projectId, TURN_KEY) === undefined;

/**
 * A JSON value as the slice sees it (json_each's `type` and `value`): numbers, strings and booleans as themselves,
 * objects and arrays as their JSON text (so equal ones share a slice), JSON null and a missing key as null.
 */
function sliceValue(type: string | null, value: unknown): SliceValue {
  switch (type) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'integer':
    case 'real':
      return Number(value);
    case 'text':
    case 'object':
    case 'array':
      return String(value);
    default:
      return null;
  }
}

/**
 * Every item's value of `meta.<by>` as an index into `values` (in the order first seen; the report orders the groups
 * itself: by their first item, null last). `itemIndex` maps
 * an item's database id to its row in the worker's columns; items imported after the columns were loaded are not
 * there (the import resets the project, and the next report loads it again).
 */
export function loadSlice(db: Database.Database, projectId: number, by: string, itemIndex: Pick<ReadonlyMap<number, number>, 'get'>, nItems: number): SliceColumn {
  const firstSeen: SliceValue[] = [];
  const seen = new Map<string, number>();
  const group = new Int32Array(nItems).fill(-1);
  const rows = (
    slicesByJudgedTurn(db, projectId, by) ? db.prepare<[number], unknown[]>(TURN_SQL).raw().iterate(projectId) : db.prepare<[string, number], unknown[]>(SLICE_SQL).raw().iterate(by, projectId)
  ) as IterableIterator<[number, string | null, unknown]>;
  const indexOf = (v: SliceValue): number => {
    // Typed keys: the string "1" and the number 1 are different slices.
    const key = JSON.stringify(v);
    let g = seen.get(key);
    if (g === undefined) {
      seen.set(key, (g = firstSeen.length));
      firstSeen.push(v);
    }
    return g;
  };
  for (const [id, type, value] of rows) {
    const i = itemIndex.get(id);
    // A key given twice in one object (never by Concord's imports, which store JSON.stringify output): the first.
    if (i === undefined || group[i] !== -1) continue;
    group[i] = indexOf(sliceValue(type, value));
  }
  for (let i = 0; i < nItems; i++) if (group[i] === -1) group[i] = indexOf(null);
  if (firstSeen.length > MAX_SLICE_VALUES)
    throw new OptionRefused('by', `${by === TURN_KEY ? 'turn' : `meta.${by}`} takes ${firstSeen.length} values (missing counted as one); a report can be sliced by a key with at most ${MAX_SLICE_VALUES}`);
  return { by, values: firstSeen, group };
}
