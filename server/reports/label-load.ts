/**
 * The report worker's first read of a project (issue 14): items and labels straight into typed arrays, in the
 * cheapest way SQLite gives them. Profiled on 1M items and 9M labels, the old read spent most of a 19 s first report
 * in SQLite sorting the project's labels by id (`labels_project` gives them by annotator, so `ORDER BY id` built a
 * temporary B-tree of all 9M rows), then in making a JS string per label for `value` and `shown_order` and a label
 * object per row. Here the labels come from a scan of the table's own rowid order over the project's id range
 * (already sorted, nothing to build), with the project's verdicts or options coded to small integers by SQLite.
 */
import type Database from 'better-sqlite3';
import type { Project } from '../../shared/views';
import type { Category } from '../../shared/stats/ratings';

/** Item or annotator database id → row, dense when the ids are (the usual case: a project's ids come in runs). */
export class IdIndex {
  private readonly dense: Int32Array | null;
  private readonly map: Map<number, number> | null;
  private readonly base: number;
  constructor(ids: Float64Array) {
    const base = (this.base = ids.length ? ids[0]! : 0);
    const span = ids.length ? ids[ids.length - 1]! - base + 1 : 0;
    // A lookup table up to 4 slots a row (16 bytes an item) beats a Map's ~50 bytes an entry and its hashing.
    if (span <= 4 * ids.length + 1024 && isAscending(ids)) {
      this.dense = new Int32Array(span).fill(-1);
      this.map = null;
      for (let i = 0; i < ids.length; i++) this.dense[ids[i]! - base] = i;
    } else {
      this.dense = null;
      this.map = new Map();
      for (let i = 0; i < ids.length; i++) this.map.set(ids[i]!, i);
    }
  }
  get(id: number): number | undefined {
    if (this.map) return this.map.get(id);
    const i = this.dense![id - this.base];
    return i === undefined || i < 0 ? undefined : i;
  }
}

function isAscending(ids: Float64Array): boolean {
  for (let i = 1; i < ids.length; i++) if (!(ids[i]! > ids[i - 1]!)) return false;
  return true;
}

/** Each item's id, gold value and (pairwise) answer lengths, in id order, without a JS array per item. */
export function loadItems(db: Database.Database, project: Project): { ids: Float64Array; gold: (Category | null)[]; lenA: Float64Array | null; lenB: Float64Array | null } {
  const pid = project.id;
  const n = db.prepare<[number], number>('SELECT count(*) FROM items WHERE project_id = ?').pluck().get(pid) ?? 0;
  const pairwise = project.type === 'pairwise';
  const ids = new Float64Array(n);
  const gold: (Category | null)[] = new Array<Category | null>(n);
  const lenA = pairwise ? new Float64Array(n) : null;
  const lenB = pairwise ? new Float64Array(n) : null;
  const lengths = pairwise ? `length(json_extract(content, '$.answer_a')), length(json_extract(content, '$.answer_b'))` : 'NULL, NULL';
  const rows = db.prepare<[number], unknown[]>(`SELECT id, gold, ${lengths} FROM items WHERE project_id = ? ORDER BY id`).raw().iterate(pid) as IterableIterator<[number, Category | null, number | null, number | null]>;
  let i = 0;
  for (const [id, g, a, b] of rows) {
    ids[i] = id;
    gold[i] = g;
    if (lenA && lenB) {
      lenA[i] = a ?? NaN;
      lenB[i] = b ?? NaN;
    }
    i++;
  }
  return { ids, gold, lenA, lenB };
}

/** Where a project's labels are, by id: the range to scan, how many there are, and the highest id. */
export interface LabelSpan {
  count: number;
  lo: number;
  hi: number;
}

/**
 * The project's label count and id range. min(id) and max(id) per annotator are each one descent of
 * `labels_project` (project_id, annotator_id, rowid); the count reads that index alone, no table row.
 */
export function labelSpan(db: Database.Database, projectId: number, annotatorIds: readonly number[]): LabelSpan {
  const min = db.prepare<[number, number], number | null>('SELECT min(id) FROM labels WHERE project_id = ? AND annotator_id = ?').pluck();
  const max = db.prepare<[number, number], number | null>('SELECT max(id) FROM labels WHERE project_id = ? AND annotator_id = ?').pluck();
  let lo = Infinity;
  let hi = 0;
  for (const a of annotatorIds) {
    const l = min.get(projectId, a);
    if (l === null || l === undefined) continue;
    lo = Math.min(lo, l);
    hi = Math.max(hi, max.get(projectId, a)!);
  }
  const count = db.prepare<[number], number>('SELECT count(*) FROM labels WHERE project_id = ?').pluck().get(projectId) ?? 0;
  return { count, lo: lo === Infinity ? 0 : lo, hi };
}

/**
 * One label as the scan gives it. `packed` is (verdict + 2) * 4 + shown order (0 none, 1 AB, 2 BA), the verdict being
 * the value's index in the coded domain, -1 for a null value, -2 for any other value (then `value` has it when the
 * project has no coded domain, else {@link otherValues} gives it). Six integer columns a label instead of nine, two
 * of them strings: each column costs better-sqlite3 a value made on the JS heap per row. `value` and `permutation`
 * are there only when needed (no coded domain; a ranking project).
 */
export type LabelRow = [itemId: number, annotatorId: number, packed: number, certainty: number | null, sample: number, durationMs: number | null, value?: Category | null, permutation?: string | null];

export const NULL_VERDICT = -1;
export const OTHER_VERDICT = -2;

/** Values SQLite codes itself: pairwise verdicts or a choice project's options (few, and always text). */
export function codedDomain(project: Project): string[] {
  if (project.type === 'pairwise') return ['A', 'B', 'tie'];
  if (project.type === 'choice' && project.options && project.options.length <= 64) return [...project.options];
  return [];
}

/**
 * The range scan is used when the project's id range holds mostly its own labels (a row of another project costs
 * SQLite a few dozen ns to skip; sorting 9M rows by id cost seconds); otherwise the index, sorted by SQLite as before.
 */
export const byRange = (span: LabelSpan): boolean => span.hi - span.lo + 1 <= 4 * span.count + 100_000;

function where(project: Project, span: LabelSpan): { sql: string; params: number[] } {
  return byRange(span)
    ? { sql: 'id BETWEEN ? AND ? AND +project_id = ?', params: [span.lo, span.hi, project.id] }
    : { sql: 'project_id = ?', params: [project.id] };
}

/**
 * The project's labels in id order (see {@link LabelRow}). `value = ?` on a column without affinity compares as the
 * worker's Map of categories does: 'A' matches only the text 'A', never a number. The domain is bound, never written
 * into the SQL.
 */
export function scanLabels(db: Database.Database, project: Project, domain: readonly string[], span: LabelSpan): IterableIterator<LabelRow> {
  const verdict = `CASE WHEN value IS NULL THEN ${NULL_VERDICT} ${domain.map((_, d) => `WHEN value = ? THEN ${d}`).join(' ')} ELSE ${OTHER_VERDICT} END`;
  const order = `CASE shown_order WHEN 'AB' THEN 1 WHEN 'BA' THEN 2 ELSE 0 END`;
  const extra = `${domain.length ? '' : ', value'}${project.type === 'ranking' ? `${domain.length ? ', NULL' : ''}, permutation` : ''}`;
  const w = where(project, span);
  const sql = `SELECT item_id, annotator_id, (${verdict} + 2) * 4 + ${order}, certainty, sample, duration_ms${extra} FROM labels WHERE ${w.sql} ORDER BY id`;
  return db.prepare<unknown[], unknown[]>(sql).raw().iterate(...domain, ...w.params) as IterableIterator<LabelRow>;
}

/** The values outside the coded domain (verdict -2 in {@link scanLabels}), in the same order: one per such row. */
export function otherValues(db: Database.Database, project: Project, domain: readonly string[], span: LabelSpan): IterableIterator<Category> {
  const w = where(project, span);
  const sql = `SELECT value FROM labels WHERE ${w.sql} AND value IS NOT NULL AND value NOT IN (${domain.map(() => '?').join(', ')}) ORDER BY id`;
  return db.prepare<unknown[], Category>(sql).pluck().iterate(...w.params, ...domain);
}
