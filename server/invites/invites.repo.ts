import type { Db } from '../db/database';

export interface InviteRow {
  id: number;
  project_id: number;
  token: string;
  token_hash: string;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
  /** Most distinct worker ids the link admits (see server/auth/crowd.ts), or null for no cap. */
  max_workers: number | null;
}

export class InvitesRepo {
  private readonly insertStmt;
  private readonly byHashStmt;
  private readonly listStmt;
  private readonly revokeStmt;
  private readonly byIdStmt;
  private readonly labelledStmt;
  private readonly workersStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare<[number, string, string, string | null, number | null, number], InviteRow>(
      'INSERT INTO invites (project_id, token, token_hash, label, max_workers, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING *',
    );
    this.byIdStmt = db.prepare<[number], InviteRow>('SELECT * FROM invites WHERE id = ?');
    this.labelledStmt = db.prepare<[number], number>('SELECT DISTINCT annotator_id FROM labels WHERE invite_id = ?').pluck();
    this.workersStmt = db.prepare<[number], { invite_id: number; n: number }>(
      'SELECT invite_id, count(DISTINCT annotator_id) AS n FROM labels WHERE project_id = ? AND invite_id IS NOT NULL GROUP BY invite_id',
    );
    this.byHashStmt = db.prepare<[string], InviteRow>('SELECT * FROM invites WHERE token_hash = ?');
    this.listStmt = db.prepare<[number], InviteRow>('SELECT * FROM invites WHERE project_id = ? ORDER BY id');
    this.revokeStmt = db.prepare<[number, number, number], InviteRow>(
      'UPDATE invites SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND project_id = ? RETURNING *',
    );
  }

  insert(projectId: number, token: string, tokenHash: string, label: string | null, maxWorkers: number | null, now: number): InviteRow {
    return this.insertStmt.get(projectId, token, tokenHash, label, maxWorkers, now)!;
  }
  get(id: number): InviteRow | undefined {
    return this.byIdStmt.get(id);
  }
  /** The annotators that have labelled through a link. */
  labelledThrough(inviteId: number): number[] {
    return this.labelledStmt.all(inviteId);
  }
  /** Per link of the project: how many distinct annotators have labelled through it. */
  workerCounts(projectId: number): Map<number, number> {
    return new Map(this.workersStmt.all(projectId).map((r) => [r.invite_id, r.n]));
  }
  byTokenHash(hash: string): InviteRow | undefined {
    return this.byHashStmt.get(hash);
  }
  list(projectId: number): InviteRow[] {
    return this.listStmt.all(projectId);
  }
  revoke(projectId: number, id: number, now: number): InviteRow | undefined {
    return this.revokeStmt.get(now, id, projectId);
  }
}
