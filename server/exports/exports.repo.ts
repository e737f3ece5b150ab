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
  private readonly labelsOfItems;
  private readonly labelsPage;
  private readonly annotatorsStmt;
  private readonly conversationStmt;
  private readonly trainingStmt;

  constructor(db: Db) {
    this.itemsPage = db.prepare<[number, number, number], ExportItemRow>(
      `SELECT i.id, i.external_id, i.content, i.gold, i.meta, a.value AS adj_value, a.note AS adj_note, a.by AS adj_by, a.created_at AS adj_at
       FROM items i LEFT JOIN adjudications a ON a.item_id = i.id
       WHERE i.project_id = ? AND i.id > ? ORDER BY i.id LIMIT ?`,
    );
    const labelCols = `l.id, l.item_id, i.external_id AS item, a.key AS annotator, a.kind, l.value, l.certainty, l.rationale,
       l.shown_order, l.sample, l.duration_ms, l.created_at, l.annotator_id,
       (a.excluded = 1 OR a.archived_at IS NOT NULL) AS excluded, a.config, l.meta, l.invite_id, l.study_id, l.session_id,
       l.permutation, l.scores
       FROM labels l JOIN annotators a ON a.id = l.annotator_id JOIN items i ON i.id = l.item_id`;
    // The gold export already has the page's items and the project's annotators: only the label columns here.
    // By item id alone (item ids belong to one project): the (item_id, …) unique index serves the range.
    this.labelsOfItems = db
      .prepare<[number, number], unknown[]>(
        'SELECT item_id, annotator_id, value, certainty, rationale FROM labels WHERE item_id BETWEEN ? AND ? ORDER BY item_id, id',
      )
      .raw();
    this.annotatorsStmt = db.prepare<[number], { id: number; key: string; kind: 'human' | 'llm'; excluded: 0 | 1 }>(
      'SELECT id, key, kind, (excluded = 1 OR archived_at IS NOT NULL) AS excluded FROM annotators WHERE project_id = ?',
    );
    // A slice of the project's items in id order: its last id (null past the end) and whether one is a conversation.
    this.conversationStmt = db.prepare<[number, number, number], { last: number | null; found: 0 | 1 | null }>(
      `SELECT max(id) AS last, max(json_type(content, '$.turn') IS NOT NULL) AS found
       FROM (SELECT id, content FROM items WHERE project_id = ? AND id > ? ORDER BY id LIMIT ?)`,
    );
    this.trainingStmt = db.prepare<[number, number], TrainingLabelRow>(
      'SELECT item_id, annotator_id, value, rationale, shown_order, sample, meta FROM labels WHERE item_id BETWEEN ? AND ? ORDER BY item_id, id',
    );
    this.labelsPage = db.prepare<[number, number, number], ExportLabelRow>(`SELECT ${labelCols} WHERE +l.project_id = ? AND l.id > ? ORDER BY l.id LIMIT ?`);
  }

  items(projectId: number, afterId: number, limit: number): ExportItemRow[] {
    return this.itemsPage.all(projectId, afterId, limit);
  }
  /** [item_id, annotator_id, value, certainty, rationale] of every label on items in the id range. */
  labelsForItems(fromItemId: number, toItemId: number): Array<[number, number, string | number | null, number | null, string | null]> {
    return this.labelsOfItems.all(fromItemId, toItemId) as Array<[number, number, string | number | null, number | null, string | null]>;
  }
  /** The project's annotators; `excluded` when left out of the report and gold (excluded human, archived judge). */
  annotators(projectId: number): Map<number, { key: string; kind: 'human' | 'llm'; excluded: boolean }> {
    return new Map(this.annotatorsStmt.all(projectId).map((a) => [a.id, { key: a.key, kind: a.kind, excluded: a.excluded === 1 }]));
  }
  /**
   * Whether one of the next `limit` items of the project after `afterId` is a conversation (its content has a judged
   * `turn`), and the last of their ids (null when there are none), to read a big project in slices.
   */
  conversationAfter(projectId: number, afterId: number, limit: number): { found: boolean; lastId: number | null } {
    const r = this.conversationStmt.get(projectId, afterId, limit)!;
    return { found: r.found === 1, lastId: r.last };
  }
  /** Every label on items in the id range with its order, sample and stored meta (the training exports). */
  trainingLabels(fromItemId: number, toItemId: number): TrainingLabelRow[] {
    return this.trainingStmt.all(fromItemId, toItemId);
  }
  labels(projectId: number, afterId: number, limit: number): ExportLabelRow[] {
    return this.labelsPage.all(projectId, afterId, limit);
  }
}
