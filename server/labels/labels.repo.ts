import type { Db } from '../db/database';
import type { AnnotatorKind, Order } from '../../shared/schemas';
import { byRange, labelSpan } from '../reports/label-load';

export interface NewLabel {
  projectId: number;
  itemId: number;
  annotatorId: number;
  value: string | number | null;
  certainty: number | null;
  rationale: string | null;
  order: Order | null;
  sample: number;
  slot: string;
  durationMs: number | null;
  createdAt: number;
  clientLabelId: string | null;
  source: 'live' | 'import';
  meta: string | null;
  /** Live labels: the lease they were submitted on (a repeated clientLabelId is a retry only on the same lease). */
  leaseId?: string | null;
  /** Human labels: the join link, and the crowd platform's study and session ids from the join URL. */
  inviteId?: number | null;
  studyId?: string | null;
  sessionId?: string | null;
  /**
   * Ranking: the order the answers were shown in, as JSON text of the item's answer index at each display position
   * ('[2,0,1]'); null when unknown (an import that did not say) and for other types. `value` is then the ranking's
   * rankingText in the item's own frame.
   */
  permutation?: string | null;
  /** Ranking: a score per answer in the item's own order, as JSON text ('[7,9,4]'), when the annotator gave them. */
  scores?: string | null;
}

/** The optional columns filled in, so every named parameter is bound. */
const bindable = (l: NewLabel) => ({ leaseId: null, inviteId: null, studyId: null, sessionId: null, permutation: null, scores: null, ...l });

/** The slot makes a label unique for its annotator: one per item for humans, one per order and sample for judges. */
export const humanSlot = '';
export const judgeSlot = (order: Order | null, sample: number) => `${order ?? '-'}#${sample}`;

/** A stored label as the assignment pool reads it (LabelsRepo.done). */
export interface DoneLabel {
  annotator_id: number;
  item_id: number;
  slot: string;
  kind: AnnotatorKind;
  value: string | number | null;
  certainty: number | null;
}
type DoneRaw = [annotatorId: number, itemId: number, slot: string, value: string | number | null, certainty: number | null];

export class LabelsRepo {
  private readonly insertStmt;
  private readonly upsertStmt;
  private readonly byClientIdStmt;
  private readonly kindsStmt;
  private readonly countsStmt;
  /** The database file, for a thread to open on its own (the assignment pool's reads; null for a database in memory). */
  readonly file: string | null;

  constructor(private readonly db: Db) {
    this.file = db.memory ? null : db.name;
    const cols = `(project_id, item_id, annotator_id, value, certainty, rationale, shown_order, sample, slot, duration_ms, created_at, client_label_id, source, meta, lease_id, invite_id, study_id, session_id, permutation, scores)
      VALUES (@projectId, @itemId, @annotatorId, @value, @certainty, @rationale, @order, @sample, @slot, @durationMs, @createdAt, @clientLabelId, @source, @meta, @leaseId, @inviteId, @studyId, @sessionId, @permutation, @scores)`;
    // DO NOTHING on any uniqueness conflict: the caller tells a repeated clientLabelId from a taken slot.
    this.insertStmt = db.prepare<NewLabel, { id: number }>(`INSERT INTO labels ${cols} ON CONFLICT DO NOTHING RETURNING id`);
    this.upsertStmt = db.prepare<NewLabel>(
      `INSERT INTO labels ${cols} ON CONFLICT (item_id, annotator_id, slot) DO UPDATE SET value = excluded.value,
        certainty = excluded.certainty, rationale = excluded.rationale, shown_order = excluded.shown_order,
        duration_ms = excluded.duration_ms, created_at = excluded.created_at, source = excluded.source,
        permutation = excluded.permutation, scores = excluded.scores`,
    );
    this.byClientIdStmt = db.prepare<[number, string], { id: number; item_id: number; slot: string; lease_id: string | null }>(
      'SELECT id, item_id, slot, lease_id FROM labels WHERE annotator_id = ? AND client_label_id = ?',
    );
    this.kindsStmt = db.prepare<[number], [number, string]>('SELECT id, kind FROM annotators WHERE project_id = ?').raw();
    this.countsStmt = db.prepare<[number], { annotator_id: number; n: number }>(
      'SELECT annotator_id, count(*) AS n FROM labels WHERE project_id = ? GROUP BY annotator_id',
    );
  }

  /** Inserts a live label; `undefined` when the clientLabelId or the slot is already taken. */
  insert(label: NewLabel): number | undefined {
    return this.insertStmt.get(bindable(label))?.id;
  }
  /** Writes imported labels; call inside a transaction. */
  writeImported(labels: NewLabel[], upsert: boolean): void {
    for (const l of labels) {
      if (upsert) this.upsertStmt.run(bindable(l));
      else this.insertStmt.run(bindable(l));
    }
  }
  byClientId(annotatorId: number, clientLabelId: string) {
    return this.byClientIdStmt.get(annotatorId, clientLabelId);
  }
  /**
   * Every label of the project, as the assignment pool reads them once: one object refilled for each row (9M labels
   * made 9M objects), so take what you keep out of it before the next. The rows come in the table's own id order
   * over the project's id range when that range holds mostly its labels (no JOIN, no index walk: a 9M-label
   * project's read went from 17 s to a few), else by its index.
   */
  *done(projectId: number): Generator<DoneLabel> {
    const kinds = new Map<number, AnnotatorKind>();
    for (const [id, kind] of this.kindsStmt.iterate(projectId)) kinds.set(id, kind as AnnotatorKind);
    const span = labelSpan(this.db, projectId, [...kinds.keys()]);
    if (span.count === 0) return;
    const cols = 'SELECT annotator_id, item_id, slot, value, certainty FROM labels';
    const rows = byRange(span)
      ? this.db.prepare<number[], DoneRaw>(`${cols} WHERE id BETWEEN ? AND ? AND +project_id = ?`).raw().iterate(span.lo, span.hi, projectId)
      : this.db.prepare<number[], DoneRaw>(`${cols} WHERE project_id = ?`).raw().iterate(projectId);
    const row: DoneLabel = { annotator_id: 0, item_id: 0, slot: '', kind: 'human', value: null, certainty: null };
    // Indexed, not destructured: destructuring a row array runs the iterator protocol on it, per row.
    for (const r of rows) {
      row.annotator_id = r[0];
      row.item_id = r[1];
      row.slot = r[2];
      row.kind = kinds.get(r[0]) ?? 'human';
      row.value = r[3];
      row.certainty = r[4];
      yield row;
    }
  }
  countsByAnnotator(projectId: number) {
    return this.countsStmt.all(projectId);
  }
}
