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
import { RANKING_STRIDE, type RankingColumns } from '../../shared/stats/report/input';

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
  /** Only the labels with ids above this (the ones added since a snapshot: ./column-snapshot.ts). */
  after?: number;
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
  if (byRange(span)) return { sql: 'id BETWEEN ? AND ? AND +project_id = ?', params: [span.lo, span.hi, project.id] };
  return span.after === undefined ? { sql: 'project_id = ?', params: [project.id] } : { sql: 'project_id = ? AND id > ?', params: [project.id, span.after] };
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

/**
 * A ranking project's answer counts and lengths (in characters, as SQLite's length counts them: code points), from
 * each item's `answers`; an item without them has none (0 answers, no pair).
 */
export function loadAnswers(db: Database.Database, projectId: number, itemIndex: IdIndex, nItems: number): Pick<RankingColumns, 'answers' | 'lengths'> {
  const answers = new Uint8Array(nItems);
  const lengths = new Float64Array(nItems * RANKING_STRIDE).fill(NaN);
  const rows = db
    .prepare<[number], unknown[]>(`SELECT i.id, j.key, length(j.value) FROM items i, json_each(i.content, '$.answers') j WHERE i.project_id = ? AND j.key < ${RANKING_STRIDE}`)
    .raw()
    .iterate(projectId) as IterableIterator<[number, number, number | null]>;
  for (const [id, key, length] of rows) {
    const u = itemIndex.get(id);
    if (u === undefined) continue;
    answers[u] = Math.max(answers[u]!, key + 1);
    lengths[u * RANKING_STRIDE + key] = length ?? NaN;
  }
  return { answers, lengths };
}

/**
 * A stored permutation ('[2,0,1]': the JSON text of small integers) read without JSON.parse, which would cost a
 * microsecond a label on a load of millions; anything else reads as none.
 */
export function readPermutation(text: string): number[] | null {
  const out: number[] = [];
  let v = -1;
  for (let k = 0; k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c >= 48 && c <= 57) v = (v < 0 ? 0 : v * 10) + (c - 48);
    else if (c === 44 || c === 93) {
      if (v < 0) return c === 93 && out.length === 0 ? out : null;
      out.push(v);
      v = -1;
    } else if (c !== 91 && c !== 32) return null;
  }
  return out.length > 0 ? out : null;
}

/** A growable typed column (the report worker's label columns). */
export class Column<T extends Int32Array | Float32Array | Float64Array | Int8Array | Uint8Array> {
  constructor(
    public data: T,
    private readonly make: (n: number) => T,
  ) {}
  set(i: number, v: number): void {
    if (i >= this.data.length) {
      const bigger = this.make(Math.max(1024, this.data.length * 2, i + 1));
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[i] = v;
  }
  /** Room for `n` values without growing (the load knows its count: no doubling, no slack of up to half). */
  reserve(n: number): void {
    if (n <= this.data.length) return;
    const exact = this.make(n);
    exact.set(this.data);
    this.data = exact;
  }
}
