import type { Db } from '../db/database';
import type { AnnotatorKind } from '../../shared/schemas';

/** Why a human is served nothing more: a researcher stopped them, or the project's gold-check bar did. */
export type BlockReason = 'researcher' | 'qualification';

/** An annotator's standing in its project: whether it is blocked, and whether its labels count. */
export interface StandingRow {
  id: number;
  project_id: number;
  kind: AnnotatorKind;
  name: string;
  created_at: number;
  blocked_at: number | null;
  blocked_reason: BlockReason | null;
  excluded: 0 | 1;
}

/** The SQL of annotators' standing (migration 0003's blocked_at, blocked_reason and excluded columns). */
export class StandingRepo {
  private readonly listStmt;
  private readonly getStmt;
  private readonly blockedStmt;
  private readonly setStmt;

  constructor(db: Db) {
    const cols = 'id, project_id, kind, name, created_at, blocked_at, blocked_reason, excluded';
    this.listStmt = db.prepare<[number], StandingRow>(`SELECT ${cols} FROM annotators WHERE project_id = ? ORDER BY id`);
    this.getStmt = db.prepare<[number, number], StandingRow>(`SELECT ${cols} FROM annotators WHERE project_id = ? AND id = ?`);
    this.blockedStmt = db.prepare<[number], { id: number; blocked_reason: BlockReason }>(
      'SELECT id, blocked_reason FROM annotators WHERE project_id = ? AND blocked_at IS NOT NULL',
    );
    this.setStmt = db.prepare<{ id: number; blocked_at: number | null; blocked_reason: BlockReason | null; excluded: number }, StandingRow>(
      `UPDATE annotators SET blocked_at = @blocked_at, blocked_reason = @blocked_reason, excluded = @excluded WHERE id = @id RETURNING ${cols}`,
    );
  }

  list(projectId: number): StandingRow[] {
    return this.listStmt.all(projectId);
  }
  get(projectId: number, id: number): StandingRow | undefined {
    return this.getStmt.get(projectId, id);
  }
  /** The blocked annotators of a project and why. */
  blocked(projectId: number): Array<{ id: number; blocked_reason: BlockReason }> {
    return this.blockedStmt.all(projectId);
  }
  set(id: number, s: { blocked_at: number | null; blocked_reason: BlockReason | null; excluded: boolean }): StandingRow {
    return this.setStmt.get({ id, blocked_at: s.blocked_at, blocked_reason: s.blocked_reason, excluded: s.excluded ? 1 : 0 })!;
  }
}
