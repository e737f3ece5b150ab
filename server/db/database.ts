import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export type Db = Database.Database;

export const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

/**
 * Opens the one connection the server uses. See docs/decisions/0001-sqlite-durability.md for why
 * `synchronous = FULL`: a label is acknowledged only after its transaction is committed, and FULL makes that
 * commit survive power loss as well as a killed process. Group commit (server/labels/label-writer.ts) pays
 * for the extra fsync once per batch, not once per label.
 */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // Larger page cache for reports and imports over 100k-item projects (negative = KiB).
  db.pragma('cache_size = -65536');
  db.pragma('temp_store = MEMORY');
  return db;
}

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** Numbered files `NNNN_name.sql` from `migrations/`, in order. */
export function readMigrations(dir = MIGRATIONS_DIR): Migration[] {
  return fs
    .readdirSync(dir)
    .filter((f) => /^\d{4}_[\w-]+\.sql$/.test(f))
    .sort()
    .map((f) => ({ version: Number(f.slice(0, 4)), name: f.replace(/\.sql$/, ''), sql: fs.readFileSync(path.join(dir, f), 'utf8') }));
}

/**
 * Applies every migration not yet recorded in `schema_migrations`, each in its own transaction together with
 * its record, so a failed migration leaves the database as it was. Returns the versions applied.
 */
export function migrate(db: Db, migrations = readMigrations()): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.version, m.name, Date.now());
    })();
    done.push(m.version);
  }
  return done;
}
