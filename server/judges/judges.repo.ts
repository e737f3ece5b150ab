import type { JudgeCreate } from '../../shared/schemas';
import type { Db } from '../db/database';
import type { AnnotatorRow } from '../annotators/annotators.repo';

/** A judge's registration as stored in its annotator row (validated by {@link JudgeCreate} when it was written). */
export function judgeConfig(a: AnnotatorRow): JudgeCreate {
  return JSON.parse(a.config ?? '{}') as JudgeCreate;
}

/** The SQL of editing, archiving and deleting judges (LLM annotators with a token). */
export class JudgesRepo {
  private readonly updateStmt;
  private readonly archiveStmt;
  private readonly countStmt;
  private readonly deleteStmt;
  readonly remove: (id: number, withLabels: boolean) => { deleted: boolean; labels: number };

  constructor(db: Db) {
    this.updateStmt = db.prepare<{ id: number; name: string; config: string }, AnnotatorRow>(
      "UPDATE annotators SET key = @name, name = @name, config = @config WHERE id = @id AND kind = 'llm' RETURNING *",
    );
    this.archiveStmt = db.prepare<{ id: number; at: number | null }, AnnotatorRow>(
      "UPDATE annotators SET archived_at = @at WHERE id = @id AND kind = 'llm' RETURNING *",
    );
    this.countStmt = db.prepare<[number], { n: number }>('SELECT COUNT(*) AS n FROM labels WHERE annotator_id = ?');
    // Labels go with their annotator (ON DELETE CASCADE).
    this.deleteStmt = db.prepare<[number]>("DELETE FROM annotators WHERE id = ? AND kind = 'llm'");
    // Counted and deleted in one transaction: a label stored after the count cannot be deleted unasked.
    this.remove = db.transaction((id: number, withLabels: boolean) => {
      const labels = this.labels(id);
      if (labels > 0 && !withLabels) return { deleted: false, labels };
      this.deleteStmt.run(id);
      return { deleted: true, labels };
    }).immediate;
  }

  update(id: number, name: string, config: unknown): AnnotatorRow {
    return this.updateStmt.get({ id, name, config: JSON.stringify(config) })!;
  }
  setArchived(id: number, at: number | null): AnnotatorRow {
    return this.archiveStmt.get({ id, at })!;
  }
  labels(id: number): number {
    return this.countStmt.get(id)!.n;
  }
}
