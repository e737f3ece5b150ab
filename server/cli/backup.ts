/** `concord backup` and `concord restore` (server/backup/): work on the database file directly, not through a server. */
import path from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../config';
import { backupDatabase } from '../backup/backup';
import { restoreDatabase } from '../backup/restore';

const megabytes = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
/** The database `concord serve` would use: --db, else CONCORD_DB, else ./data/concord.db. */
const dbOf = (db: string | undefined) => loadConfig(process.env, { dbFile: db }).dbFile;

export function backupCommand(): Command {
  return new Command('backup')
    .description('Write a consistent copy of the database while the server runs (VACUUM INTO on its own connection; written to a temporary name, then renamed)')
    .argument('<file>', 'the backup file to write')
    .option('--db <file>', 'SQLite database file (env CONCORD_DB, default ./data/concord.db)')
    .option('--force', 'replace <file> if it exists')
    .action((file: string, opts: { db?: string; force?: boolean }) => {
      const db = path.resolve(dbOf(opts.db));
      const r = backupDatabase(db, file, { force: opts.force });
      process.stdout.write(`Backed up ${db} to ${r.file}: ${megabytes(r.bytes)} (${r.bytes} bytes) in ${r.ms} ms\n`);
    });
}

export function restoreCommand(): Command {
  return new Command('restore')
    .description('Check a backup (PRAGMA integrity_check, migrations) and put it in place of the database; the server must be stopped. The replaced database is kept as <db>.before-restore-<time>')
    .argument('<file>', 'the backup to restore')
    .option('--db <file>', 'SQLite database file to replace (env CONCORD_DB, default ./data/concord.db)')
    .option('--force', 'replace the database if it exists (it is kept as <db>.before-restore-<time>)')
    .action((file: string, opts: { db?: string; force?: boolean }) => {
      const r = restoreDatabase(file, dbOf(opts.db), { force: opts.force });
      const migrated = r.applied.length ? ` (migrations ${r.applied.join(', ')} applied to the copy)` : '';
      const kept = r.kept ? `; the replaced database is kept as ${r.kept}` : '';
      process.stdout.write(`Restored ${path.resolve(file)} into ${r.db}${migrated}: ${megabytes(r.bytes)} in ${r.ms} ms${kept}\n`);
    });
}
