/** The admin token kept in the database (the `settings` table) when none is configured. */
import type { Db } from '../db/database';

export class AuthRepo {
  private readonly getStmt;
  private readonly insertStmt;

  constructor(db: Db) {
    this.getStmt = db.prepare<[], string>("SELECT value FROM settings WHERE key = 'admin_token'").pluck();
    this.insertStmt = db.prepare<[string]>("INSERT INTO settings (key, value) VALUES ('admin_token', ?)");
  }

  /** The stored admin token, if one was generated before. */
  adminToken(): string | undefined {
    return this.getStmt.get();
  }

  saveAdminToken(token: string): void {
    this.insertStmt.run(token);
  }
}
