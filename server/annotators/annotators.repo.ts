import type { Db } from '../db/database';
import type { AnnotatorKind } from '../../shared/schemas';

export interface AnnotatorRow {
  id: number;
  project_id: number;
  kind: AnnotatorKind;
  key: string;
  name: string;
  config: string | null;
  token_hash: string | null;
  created_at: number;
  /** Judges: when it was archived (migration 0003); null while active. */
  archived_at: number | null;
}

export class AnnotatorsRepo {
  private readonly insertIgnoreStmt;
  private readonly byKeyStmt;
  private readonly byIdStmt;
  private readonly byTokenStmt;
  private readonly listStmt;
  private readonly insertJudgeStmt;

  constructor(db: Db) {
    this.insertIgnoreStmt = db.prepare(
      'INSERT INTO annotators (project_id, kind, key, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.byKeyStmt = db.prepare<[number, string, string], AnnotatorRow>('SELECT * FROM annotators WHERE project_id = ? AND kind = ? AND key = ?');
    this.byIdStmt = db.prepare<[number], AnnotatorRow>('SELECT * FROM annotators WHERE id = ?');
    this.byTokenStmt = db.prepare<[string], AnnotatorRow>('SELECT * FROM annotators WHERE token_hash = ?');
    this.listStmt = db.prepare<[number], AnnotatorRow>('SELECT * FROM annotators WHERE project_id = ? ORDER BY id');
    this.insertJudgeStmt = db.prepare<[number, string, string, string, string, number], AnnotatorRow>(
      "INSERT INTO annotators (project_id, kind, key, name, config, token_hash, created_at) VALUES (?, 'llm', ?, ?, ?, ?, ?) RETURNING *",
    );
  }

  /** The annotator with this identity in the project, created if new. */
  ensure(projectId: number, kind: AnnotatorKind, key: string, now: number): AnnotatorRow {
    // Look first: a returning annotator (every reconnect) costs a read, not a write and its fsync.
    const found = this.byKeyStmt.get(projectId, kind, key);
    if (found) return found;
    this.insertIgnoreStmt.run(projectId, kind, key, key, now);
    return this.byKeyStmt.get(projectId, kind, key)!;
  }
  find(projectId: number, kind: AnnotatorKind, key: string): AnnotatorRow | undefined {
    return this.byKeyStmt.get(projectId, kind, key);
  }
  get(id: number): AnnotatorRow | undefined {
    return this.byIdStmt.get(id);
  }
  byTokenHash(hash: string): AnnotatorRow | undefined {
    return this.byTokenStmt.get(hash);
  }
  list(projectId: number): AnnotatorRow[] {
    return this.listStmt.all(projectId);
  }
  insertJudge(projectId: number, name: string, config: unknown, tokenHash: string, now: number): AnnotatorRow {
    return this.insertJudgeStmt.get(projectId, name, name, JSON.stringify(config), tokenHash, now)!;
  }
}
