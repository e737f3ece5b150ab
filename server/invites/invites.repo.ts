import type { Db } from '../db/database';

export interface InviteRow {
  id: number;
  project_id: number;
  token: string;
  token_hash: string;
  label: string | null;
  created_at: number;
  revoked_at: number | null;
}

export class InvitesRepo {
  private readonly insertStmt;
  private readonly byHashStmt;
  private readonly listStmt;
  private readonly revokeStmt;

  constructor(db: Db) {
    this.insertStmt = db.prepare<[number, string, string, string | null, number], InviteRow>(
      'INSERT INTO invites (project_id, token, token_hash, label, created_at) VALUES (?, ?, ?, ?, ?) RETURNING *',
    );
    this.byHashStmt = db.prepare<[string], InviteRow>('SELECT * FROM invites WHERE token_hash = ?');
    this.listStmt = db.prepare<[number], InviteRow>('SELECT * FROM invites WHERE project_id = ? ORDER BY id');
    this.revokeStmt = db.prepare<[number, number, number], InviteRow>(
      'UPDATE invites SET revoked_at = coalesce(revoked_at, ?) WHERE id = ? AND project_id = ? RETURNING *',
    );
  }

  insert(projectId: number, token: string, tokenHash: string, label: string | null, now: number): InviteRow {
    return this.insertStmt.get(projectId, token, tokenHash, label, now)!;
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
