/** Image files stored with a project's items (migration 0005's `files`): one row per project and content hash. */
import type { Db } from '../db/database';

export interface StoredFile {
  media_type: string;
  size: number;
  data: Buffer;
}

export class FilesRepo {
  private readonly putStmt;
  private readonly getStmt;

  constructor(db: Db) {
    // A file named by many items, or imported again, is the same bytes: the first copy is kept.
    this.putStmt = db.prepare(
      'INSERT OR IGNORE INTO files (project_id, sha256, media_type, size, data, created_at) VALUES (@projectId, @sha256, @mediaType, @size, @data, @now)',
    );
    this.getStmt = db.prepare<[number, string], StoredFile>('SELECT media_type, size, data FROM files WHERE project_id = ? AND sha256 = ?');
  }

  /** Stores a file once per project (INSERT OR IGNORE); call inside the import's transaction. */
  put(projectId: number, sha256: string, mediaType: string, data: Buffer, now: number): void {
    this.putStmt.run({ projectId, sha256, mediaType, size: data.length, data, now });
  }

  get(projectId: number, sha256: string): StoredFile | undefined {
    return this.getStmt.get(projectId, sha256);
  }
}
