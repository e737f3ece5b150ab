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
  immediateByDefault(db);
  return db;
}

/**
 * Makes `db.transaction(fn)` BEGIN IMMEDIATE (its `.deferred` variant stays at hand). Live labels are committed on a
 * connection of their own (decision 0013), so another connection may commit between a transaction's first read and
 * its first write; a deferred transaction would then fail at once with SQLITE_BUSY_SNAPSHOT, where one that takes the
 * write lock at BEGIN waits for it (busy_timeout) and reads what is current.
 */
function immediateByDefault(db: Db): void {
  const make = db.transaction.bind(db);
  db.transaction = ((fn: (...args: never[]) => unknown) => make(fn).immediate) as Db['transaction'];
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
  refuseNewerSchema(db, migrations);
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)`);
  const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const done: number[] = [];
  for (const m of migrations) {
    if (applied.has(m.version)) continue;
    const keysOff = m.sql.startsWith(FOREIGN_KEYS_OFF);
    // A migration that rebuilds a table others refer to runs with foreign keys off (the pragma is a no-op inside a
    // transaction, so it is set around it), and is checked for dangling references before it commits.
    if (keysOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        db.exec(m.sql);
        if (keysOff && (db.pragma('foreign_key_check') as unknown[]).length > 0) throw new Error(`migration ${m.name} leaves references to missing rows`);
        record.run(m.version, m.name, Date.now());
      })();
    } finally {
      if (keysOff) db.pragma('foreign_keys = ON');
    }
    done.push(m.version);
  }
  return done;
}

/** The first line of a migration that must run with foreign keys off (it rebuilds a table others refer to). */
const FOREIGN_KEYS_OFF = '-- concord:foreign-keys-off';

/** A database this Concord must not serve; the message is one line for the person starting the server. */
export class DatabaseRefused extends Error {}

/**
 * Refuses a database that a newer Concord has migrated past the migrations this one knows: running old code on it
 * would fail later with "no such table" or worse, quietly write rows the newer schema does not expect.
 */
export function refuseNewerSchema(db: Db, migrations = readMigrations()): void {
  const known = Math.max(0, ...migrations.map((m) => m.version));
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) return;
  const newest = (db.prepare('SELECT max(version) FROM schema_migrations').pluck().get() as number | null) ?? 0;
  if (newest > known)
    throw new DatabaseRefused(`${db.name} was written by a newer Concord: schema ${newest}, this Concord knows up to ${known}; upgrade Concord`);
}

const isDamage = (e: unknown) => {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  return typeof code === 'string' && (code.startsWith('SQLITE_CORRUPT') || code === 'SQLITE_NOTADB');
};

const damaged = (file: string, problem: string) => {
  const f = path.resolve(file);
  return new DatabaseRefused(
    `${f} is damaged (${problem}), so Concord will not serve it. To restore: copy your last good copy over ${f} (and delete ${f}-wal and ${f}-shm), ` +
      `or move it aside (mv ${f} ${f}.damaged) to start with an empty database`,
  );
};

export interface OpenedDatabase {
  db: Db;
  /** Migrations applied now (empty when the database was up to date). */
  applied: number[];
  /** How long `PRAGMA quick_check` took, in milliseconds. */
  integrityMs: number;
}

/**
 * Opens a database for serving: refuses one written by a newer Concord, checks its pages with `PRAGMA quick_check`
 * (a damaged database is refused, naming the file and how to restore it, before anything reads or writes it),
 * then migrates it. Throws `DatabaseRefused` for a database it will not serve.
 */
export function openForServing(file: string, migrations = readMigrations()): OpenedDatabase {
  let db: Db | undefined;
  try {
    db = openDatabase(file);
    refuseNewerSchema(db, migrations);
    const started = performance.now();
    // quick_check: every page and record is well formed (O(N)); it skips matching index entries against their
    // rows, which is what makes integrity_check too slow to run at every start on a large database.
    const problems = db.pragma('quick_check(1)', { simple: false }) as Array<{ quick_check: string }>;
    const integrityMs = Math.round(performance.now() - started);
    const first = problems[0]?.quick_check ?? 'no result';
    if (first !== 'ok') throw damaged(file, `PRAGMA quick_check: ${first.replace(/\s+/g, ' ')}`);
    return { db, applied: migrate(db, migrations), integrityMs };
  } catch (e) {
    db?.close();
    if (isDamage(e)) throw damaged(file, (e as Error).message);
    throw e;
  }
}
