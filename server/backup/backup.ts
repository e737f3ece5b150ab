/**
 * Online backups: a consistent copy of a live database, written so that a crash never leaves a half file under the
 * final name. See docs/decisions/0012-backups.md for why `VACUUM INTO` and not SQLite's backup API.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

/** A backup or restore refused before anything was written under the final name; the message is one line. */
export class BackupRefused extends Error {}

export interface BackupResult {
  file: string;
  bytes: number;
  ms: number;
}

/** A UTC timestamp usable in a file name and sorting as time does: 2026-12-02T16-48-00-123Z. */
export const fileStamp = (ms: number) => new Date(ms).toISOString().replace(/[:.]/g, '-');

/** Flushes a file's (or a folder's: a rename in it) contents to the disk. */
export function fsyncPath(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Copies `dbFile` into `target` with `VACUUM INTO` on a connection of its own: one read transaction, so the copy is
 * the database as of one commit, writers on other connections (WAL) are not blocked, and the copy is compact. The
 * copy is written to a temporary name beside the target, fsynced, then moved into place (without `force`, by a
 * hard link, which fails if the target exists, so two backups cannot overwrite each other either).
 */
export function backupDatabase(dbFile: string, target: string, opts: { force?: boolean } = {}): BackupResult {
  const source = path.resolve(dbFile);
  const file = path.resolve(target);
  if (!fs.existsSync(source)) throw new BackupRefused(`No database at ${source}`);
  if (source === file) throw new BackupRefused(`The backup cannot be the database itself (${file})`);
  if (!opts.force && fs.existsSync(file)) throw new BackupRefused(`${file} exists: choose another name, or give --force to replace it`);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}-${Math.random().toString(36).slice(2)}.tmp`;
  const started = performance.now();
  const db = new Database(source, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    db.prepare('VACUUM INTO ?').run(tmp);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  } finally {
    db.close();
  }
  try {
    fsyncPath(tmp);
    if (opts.force) fs.renameSync(tmp, file);
    else {
      try {
        fs.linkSync(tmp, file);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new BackupRefused(`${file} appeared while the backup was written: choose another name, or give --force`);
        throw e;
      }
    }
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  fsyncPath(path.dirname(file));
  return { file, bytes: fs.statSync(file).size, ms: Math.round(performance.now() - started) };
}
