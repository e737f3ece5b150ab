import type { Db } from '../db/database';

export interface ExportItemRow {
  id: number;
  external_id: string;
  content: string;
  gold: string | number | null;
  meta: string | null;
  adj_value: string | number | null;
  adj_note: string | null;
  adj_by: string | null;
  adj_at: number | null;
}

export interface ExportLabelRow {
  id: number;
  item_id: number;
  item: string;
  annotator: string;
  kind: 'human' | 'llm';
  value: string | number | null;
  certainty: number | null;
  rationale: string | null;
  shown_order: 'AB' | 'BA' | null;
  sample: number;
  duration_ms: number | null;
  created_at: number;
  annotator_id: number;
  /** 1 when the annotator is left out of the report and gold (excluded human, or archived judge). */
  excluded: 0 | 1;
  /** The judge's registration (JSON), for labels whose own meta does not say. */
  config: string | null;
  /** What the judge worker stored with the label (JSON): model, template, raw output, usage, latency… */
  meta: string | null;
  invite_id: number | null;
  study_id: string | null;
  session_id: string | null;
  /** Ranking: the display order and the scores, as stored (JSON text), null otherwise. */
  permutation: string | null;
  scores: string | null;
}

/** A labels-export row from its list of values (labelCols' order; the driver's raw rows carry no types). */
function toLabelRow(r: any[]): ExportLabelRow {
  return {
    id: r[0], item_id: r[1], item: r[2], annotator: r[3], kind: r[4], value: r[5], certainty: r[6], rationale: r[7], shown_order: r[8], sample: r[9], duration_ms: r[10],
    created_at: r[11], annotator_id: r[12], excluded: r[13], config: r[14], meta: r[15], invite_id: r[16], study_id: r[17], session_id: r[18], permutation: r[19], scores: r[20],
  };
}

/** A label as the gold export reads it: [item_id, id, annotator_id, value, certainty, rationale]. */
export type LabelTuple = [number, number, number, string | number | null, number | null, string | null];

/** `labels` in (item_id, id) order: as read, unless SQLite ever hands group_concat the rows in another order. */
export function inItemOrder(labels: LabelTuple[]): LabelTuple[] {
  for (let i = 1; i < labels.length; i++) {
    const [item, id] = labels[i]!;
    const [itemBefore, idBefore] = labels[i - 1]!;
    if (itemBefore > item || (itemBefore === item && idBefore > id)) return labels.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  }
  return labels;
}

export interface TrainingLabelRow {
  item_id: number;
  annotator_id: number;
  value: string | number | null;
  rationale: string | null;
  shown_order: 'AB' | 'BA' | null;
  sample: number;
  meta: string | null;
}

/**
 * Keyset-paged reads for exports: items through the (project_id, id) index (migration 0006), which reads a page
 * of the project in id order without sorting the project or walking other projects' items; labels by `+project_id`
 * on the rowid order (in a database of one project the same thing; an index for many projects is issue 14's). Each
 * page is one short statement, so an export of millions of labels never holds a read open across the awaits that
 * wait for the client to drain.
 */
export class ExportsRepo {
  private readonly itemsPage;
  private readonly adjudicationsPage;
  private readonly labelsOfItems;
  private readonly labelsOfItemsBy;
  private readonly labelsPage;
  private readonly annotatorsStmt;
  private readonly conversationStmt;
  private readonly trainingStmt;
  private readonly itemSkip;
  private readonly labelSkip;
  private readonly itemSpanStmt;
  /** The database file, for an export's threads to open read-only (null for a database in memory). */
  readonly file: string | null;

  constructor(db: Db) {
    this.file = db.memory ? null : db.name;
    // The page's adjudications are read apart (few items have one): a LEFT JOIN probed the table once per item,
    // a third of the page's read at a million items. Rows as lists, made into objects here: the driver sets an
    // object's members one call each (a million items' read and parse 2.7 s, 1.7 s this way; issue 14).
    this.itemsPage = db
      .prepare<[number, number, number], [number, string, string, string | number | null, string | null]>(
        'SELECT id, external_id, content, gold, meta FROM items WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?',
      )
      .raw();
    this.adjudicationsPage = db.prepare<[number, number], { item_id: number; value: string | number; note: string | null; by: string; created_at: number }>(
      'SELECT item_id, value, note, by, created_at FROM adjudications WHERE item_id BETWEEN ? AND ? ORDER BY item_id',
    );
    const labelCols = `l.id, l.item_id, i.external_id AS item, a.key AS annotator, a.kind, l.value, l.certainty, l.rationale,
       l.shown_order, l.sample, l.duration_ms, l.created_at, l.annotator_id,
       (a.excluded = 1 OR a.archived_at IS NOT NULL) AS excluded, a.config, l.meta, l.invite_id, l.study_id, l.session_id,
       l.permutation, l.scores
       FROM labels l JOIN annotators a ON a.id = l.annotator_id JOIN items i ON i.id = l.item_id`;
    // The gold export already has the page's items and the project's annotators: only the label columns here.
    // By item id alone (item ids belong to one project), in (item_id, id) order from labels_item_order (migration
    // 0007), no sort. The ids of the annotators whose labels are asked for come as a JSON list (a gold export without
    // routing reads only the labels it can use); `+` keeps SQLite on labels_item_order. The page comes back as one
    // JSON text, a list of the labels' [item_id, id, annotator_id, value, certainty, rationale], parsed at once: a row
    // a label cost ~0.7 µs in making its JS values through the driver, the text and JSON.parse ~0.2 µs less (issue
    // 14). Exact: SQLite (3.53) writes a REAL in JSON as the shortest text that reads back to the same double, a
    // value's -0 aside (written 0.0: sent as -0 here; a certainty's is stored as 0), text is escaped as JSON
    // (test/integration/export-label-list.test.ts). The subquery's order reaches group_concat (an ORDER BY of the
    // aggregate's own sorts again, as much as the rows' JS values saved), and inItemOrder checks it.
    const value = "CASE WHEN value = 0 AND typeof(value) = 'real' AND atan2(value, -1) < 0 THEN json('-0') ELSE value END";
    const labelsOfItemsSql = (where: string) =>
      `SELECT '[' || group_concat(json_array(item_id, id, annotator_id, ${value}, certainty, rationale), ',') || ']'
       FROM (SELECT item_id, id, annotator_id, value, certainty, rationale FROM labels WHERE item_id BETWEEN ? AND ?${where} ORDER BY item_id, id)`;
    this.labelsOfItems = db.prepare<[number, number], string | null>(labelsOfItemsSql('')).pluck();
    this.labelsOfItemsBy = db.prepare<[number, number, string], string | null>(labelsOfItemsSql(' AND +annotator_id IN (SELECT value FROM json_each(?))')).pluck();
    this.annotatorsStmt = db.prepare<[number], { id: number; key: string; kind: 'human' | 'llm'; excluded: 0 | 1 }>(
      'SELECT id, key, kind, (excluded = 1 OR archived_at IS NOT NULL) AS excluded FROM annotators WHERE project_id = ?',
    );
    // Whether the project holds a conversation item: one probe of the partial index items_conversation (migration
    // 0007), whose WHERE this must repeat exactly for SQLite to use it.
    this.conversationStmt = db
      .prepare<[number], number>("SELECT EXISTS (SELECT 1 FROM items WHERE project_id = ? AND json_type(content, '$.turn') IS NOT NULL)")
      .pluck();
    this.trainingStmt = db.prepare<[number, number], TrainingLabelRow>(
      'SELECT item_id, annotator_id, value, rationale, shown_order, sample, meta FROM labels WHERE item_id BETWEEN ? AND ? ORDER BY item_id, id',
    );
    // Rows as lists, made into objects in labels(): the driver sets an object's members one call each.
    this.labelsPage = db.prepare<[number, number, number], any[]>(`SELECT ${labelCols} WHERE +l.project_id = ? AND l.id > ? ORDER BY l.id LIMIT ?`).raw();
    // A threaded export's share (share.ts): the id the n-th row after a page ends at, on the orders of the pages' reads.
    this.itemSkip = db.prepare<[number, number, number], number>('SELECT id FROM items WHERE project_id = ? AND id > ? ORDER BY id LIMIT 1 OFFSET ?').pluck();
    this.labelSkip = db.prepare<[number, number, number], number>('SELECT id FROM labels WHERE +project_id = ? AND id > ? ORDER BY id LIMIT 1 OFFSET ?').pluck();
    // Two probes of items_project_order: at least the project's item count (its ids may interleave with others').
    this.itemSpanStmt = db
      .prepare<[number, number], number | null>('SELECT (SELECT max(id) FROM items WHERE project_id = ?) - (SELECT min(id) FROM items WHERE project_id = ?) + 1')
      .pluck();
  }

  /** A keyset page of the project's items with their adjudications. */
  items(projectId: number, afterId: number, limit: number): ExportItemRow[] {
    const rows = this.itemsPage.all(projectId, afterId, limit);
    if (rows.length === 0) return [];
    const items: ExportItemRow[] = rows.map(([id, external_id, content, gold, meta]) => ({ id, external_id, content, gold, meta, adj_value: null, adj_note: null, adj_by: null, adj_at: null }));
    // Both in id order: merged in one pass (ids in the range may be other projects' items).
    let at = 0;
    for (const a of this.adjudicationsPage.all(items[0]!.id, items[items.length - 1]!.id)) {
      while (at < items.length && items[at]!.id < a.item_id) at++;
      if (at === items.length) break;
      const it = items[at]!;
      if (it.id !== a.item_id) continue;
      it.adj_value = a.value;
      it.adj_note = a.note;
      it.adj_by = a.by;
      it.adj_at = a.created_at;
    }
    return items;
  }
  /**
   * [item_id, id, annotator_id, value, certainty, rationale] of every label on items in the id range, by item then
   * id; only the labels of `annotatorIds` when given.
   */
  labelsForItems(fromItemId: number, toItemId: number, annotatorIds: readonly number[] | null = null): LabelTuple[] {
    const text = annotatorIds ? this.labelsOfItemsBy.get(fromItemId, toItemId, JSON.stringify(annotatorIds)) : this.labelsOfItems.get(fromItemId, toItemId);
    return text ? inItemOrder(JSON.parse(text) as LabelTuple[]) : [];
  }
  /** The project's annotators; `excluded` when left out of the report and gold (excluded human, archived judge). */
  annotators(projectId: number): Map<number, { key: string; kind: 'human' | 'llm'; excluded: boolean }> {
    return new Map(this.annotatorsStmt.all(projectId).map((a) => [a.id, { key: a.key, kind: a.kind, excluded: a.excluded === 1 }]));
  }
  /** Whether any item of the project is a conversation (its content has a judged `turn`). */
  hasConversation(projectId: number): boolean {
    return this.conversationStmt.get(projectId) === 1;
  }
  /** Every label on items in the id range with its order, sample and stored meta (the training exports). */
  trainingLabels(fromItemId: number, toItemId: number): TrainingLabelRow[] {
    return this.trainingStmt.all(fromItemId, toItemId);
  }
  labels(projectId: number, afterId: number, limit: number): ExportLabelRow[] {
    return this.labelsPage.all(projectId, afterId, limit).map(toLabelRow);
  }
  /** The id of the project's `n`-th item (n ≥ 1) after `afterId` in id order, null when there are fewer. */
  itemAfter(projectId: number, afterId: number, n: number): number | null {
    return this.itemSkip.get(projectId, afterId, n - 1) ?? null;
  }
  /** The id of the project's `n`-th label (n ≥ 1) after `afterId` in id order, null when there are fewer. */
  labelAfter(projectId: number, afterId: number, n: number): number | null {
    return this.labelSkip.get(projectId, afterId, n - 1) ?? null;
  }
  /** The span of the project's item ids (max − min + 1; 0 with no item): its item count or more. */
  itemSpan(projectId: number): number {
    return this.itemSpanStmt.get(projectId, projectId) ?? 0;
  }
}
