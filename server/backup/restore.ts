/**
 * `concord restore`: checks a backup (integrity, migrations) and swaps it in for a database no server is using,
 * keeping the replaced database beside it. Nothing is replaced unless every check passes.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDatabase, readMigrations, type Db, type Migration } from '../db/database';
import { lockDatabase, StartRefused } from '../db/lock';
import { BackupRefused, fileStamp, fsyncPath } from './backup';
import { snapshotDir } from '../reports/column-snapshot';

export interface RestoreResult {
  db: string;
  /** Where the replaced database was kept; null when there was none. */
  kept: string | null;
  /** Migrations applied to the copy (a backup from an older Concord). */
  applied: number[];
  bytes: number;
  ms: number;
}

/** The first problem `PRAGMA integrity_check` finds, or null. */
function integrityProblem(db: Db): string | null {
  const rows = db.pragma('integrity_check(1)', { simple: false }) as Array<{ integrity_check: string }>;
  const first = rows[0]?.integrity_check ?? 'no result';
  return first === 'ok' ? null : first.replace(/\s+/g, ' ');
}

/** Refuses a backup whose recorded migrations are not all ones this Concord knows (by version and name). */
function checkMigrations(db: Db, file: string, known: Migration[]): void {
  const table = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'").get();
  if (!table) throw new BackupRefused(`${file} is not a Concord database (it has no schema_migrations table)`);
  const rows = db.prepare('SELECT version, name FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string }>;
  const names = new Map(known.map((m) => [m.version, m.name]));
  const newest = Math.max(0, ...known.map((m) => m.version));
  for (const r of rows) {
    if (r.version > newest) throw new BackupRefused(`${file} was written by a newer Concord: it has migration ${r.version} (${r.name}), this Concord knows up to ${newest}; upgrade Concord to restore it`);
    if (names.get(r.version) !== r.name) throw new BackupRefused(`${file} has migration ${r.version} named ${r.name}, which this Concord does not know (it knows ${names.get(r.version) ?? 'no such version'})`);
  }
}

/** Opens the backup read-only and checks its pages and its migrations. */
function checkBackup(file: string, known: Migration[]): void {
  if (!fs.existsSync(file)) throw new BackupRefused(`No such backup: ${file}`);
  let db: Db | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    const problem = integrityProblem(db);
    if (problem) throw new BackupRefused(`${file} fails PRAGMA integrity_check: ${problem}`);
    checkMigrations(db, file, known);
  } catch (e) {
    if (e instanceof BackupRefused) throw e;
    throw new BackupRefused(`${file} cannot be read as a database (${(e as Error).message})`);
  } finally {
    db?.close();
  }
}

/** Copies the backup beside the target, migrates the copy and checks it again; returns the migrations applied. */
function prepareCopy(backup: string, tmp: string, known: Migration[]): number[] {
  fs.copyFileSync(backup, tmp);
  const db = openDatabase(tmp);
  try {
    const applied = migrate(db, known);
    const problem = integrityProblem(db);
    if (problem) throw new BackupRefused(`${backup}, migrated, fails PRAGMA integrity_check: ${problem}`);
    // One file, no -wal beside it, so that a rename moves all of it.
    db.pragma('journal_mode = DELETE');
    return applied;
  } finally {
    db.close();
    fsyncPath(tmp);
  }
}

/**
 * Makes sure no connection has the target open, and folds its WAL into the file: leaving WAL mode needs every other
 * connection gone, so it fails (SQLITE_BUSY) while any server, or anything else, holds the database.
 */
function quiesceTarget(db: string): void {
  let conn: Db | undefined;
  try {
    conn = new Database(db, { fileMustExist: true });
    conn.pragma('busy_timeout = 200');
    conn.pragma('journal_mode = DELETE');
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) throw new BackupRefused(`${db} is in use (another process has it open): stop the server first`);
    throw new BackupRefused(`${db} cannot be opened to be replaced (${(e as Error).message})`);
  } finally {
    conn?.close();
  }
}

export interface RestoreOptions {
  /** Replace a database that exists (it is kept as `<db>.before-restore-<time>`). */
  force?: boolean;
  clock?: () => number;
  known?: Migration[];
}

export function restoreDatabase(backupFile: string, dbFile: string, opts: RestoreOptions = {}): RestoreResult {
  const { clock = Date.now, known = readMigrations() } = opts;
  const started = performance.now();
  const backup = path.resolve(backupFile);
  const db = path.resolve(dbFile);
  if (backup === db) throw new BackupRefused(`The backup is the database itself (${db})`);
  if (!opts.force && fs.existsSync(db)) throw new BackupRefused(`${db} exists: give --force to replace it (it is kept as ${db}.before-restore-<time>)`);
  checkBackup(backup, known);
  let lock;
  try {
    lock = lockDatabase(db, clock);
  } catch (e) {
    if (e instanceof StartRefused) throw new BackupRefused(e.message.replace('start this one with another --db', 'restore into another --db'));
    throw e;
  }
  const stamp = fileStamp(clock());
  const tmp = `${db}.restore-${stamp}.tmp`;
  try {
    const applied = prepareCopy(backup, tmp, known);
    let kept: string | null = null;
    if (fs.existsSync(db)) {
      quiesceTarget(db);
      kept = `${db}.before-restore-${stamp}`;
      fs.renameSync(db, kept);
    }
    // Left in DELETE mode no -wal remains; a -wal or -shm still here belongs to no database we keep, and SQLite would
    // replay an old -wal onto the restored file.
    for (const s of ['-wal', '-shm', '-journal']) fs.rmSync(`${db}${s}`, { force: true });
    // The report worker's column snapshots describe the replaced database (server/reports/column-snapshot.ts).
    fs.rmSync(snapshotDir(db)!, { recursive: true, force: true });
    fs.renameSync(tmp, db);
    fsyncPath(path.dirname(db));
    return { db, kept, applied, bytes: fs.statSync(db).size, ms: Math.round(performance.now() - started) };
  } finally {
    fs.rmSync(tmp, { force: true });
    lock.release();
  }
}
