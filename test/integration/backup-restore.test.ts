/**
 * Issue 14 part 2: restore refuses a damaged backup, one from a newer Concord and a target a server is using, each
 * naming the problem and leaving the target byte-identical; an older backup is migrated on the copy; scheduled
 * backups keep only the newest CONCORD_BACKUP_KEEP. Real SQLite files, the real CLI as a child process, a real server.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { loadConfig } from '../../server/config';
import { migrate, openDatabase, readMigrations } from '../../server/db/database';
import { spawn } from 'node:child_process';
import { CONCORD_BIN, runConcord } from '../helpers/cli';
import { integrityOf, makeProject, serversPerTest } from '../helpers/server';

jest.setTimeout(60_000);

const { server, folder: tempFolder } = serversPerTest();
const folder = () => tempFolder('concord-restore-');

/** A server with a project, its database file and a backup of it. */
async function serverWithBackup(extra: Parameters<typeof server>[0] = {}) {
  const s = await server(extra);
  const pid = await makeProject(s);
  const dir = folder();
  const backup = path.join(dir, 'good.db');
  const made = await runConcord(s, 'backup', backup, '--db', path.join(s.dir, 'concord.db'));
  expect(made.code).toBe(0);
  return { s, pid, dir, backup };
}

/** A database to restore into, with its bytes; checks after a refusal that nothing beside it changed. */
function target(dir: string) {
  const file = path.join(dir, 'target', 'concord.db');
  const db = openDatabase(file);
  migrate(db);
  db.close();
  const bytes = fs.readFileSync(file);
  return {
    file,
    untouched() {
      expect(fs.readFileSync(file).equals(bytes)).toBe(true);
      expect(fs.readdirSync(path.dirname(file))).toEqual(['concord.db']);
    },
  };
}

test('a damaged backup is refused, naming the problem, and the target is left byte-identical', async () => {
  const { s, dir, backup } = await serverWithBackup();
  const bad = path.join(dir, 'bad.db');
  const bytes = fs.readFileSync(backup);
  // Scramble the b-tree page header of the last page (a page of the labels or items tables).
  const page = bytes.readUInt16BE(16);
  const at = bytes.length - page;
  for (let i = 0; i < 8; i++) bytes.writeUInt8(bytes.readUInt8(at + i) ^ 0xa5, at + i);
  fs.writeFileSync(bad, bytes);
  const t = target(dir);
  const r = await runConcord(s, 'restore', bad, '--db', t.file, '--force');
  expect(r.code).toBe(1);
  expect(r.stderr).toMatch(new RegExp(`^concord: ${bad.replace(/[.]/g, '\\.')} (fails PRAGMA integrity_check: .+|cannot be read as a database \\(.+\\))\\n$`));
  t.untouched();
});

test('a backup from a newer Concord is refused, naming its migration', async () => {
  const { s, dir, backup } = await serverWithBackup();
  const newer = path.join(dir, 'newer.db');
  fs.copyFileSync(backup, newer);
  const db = new Database(newer);
  db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (9999, ?, 0)').run('9999_from_the_future');
  db.close();
  const t = target(dir);
  const r = await runConcord(s, 'restore', newer, '--db', t.file, '--force');
  const known = Math.max(...readMigrations().map((m) => m.version));
  expect([r.code, r.stderr]).toEqual([1, `concord: ${newer} was written by a newer Concord: it has migration 9999 (9999_from_the_future), this Concord knows up to ${known}; upgrade Concord to restore it\n`]);
  t.untouched();
});

test('a target that a running server holds is refused, and left byte-identical', async () => {
  const { s, backup } = await serverWithBackup();
  const live = path.join(s.dir, 'concord.db');
  const bytes = fs.readFileSync(live);
  const r = await runConcord(s, 'restore', backup, '--db', live, '--force');
  expect([r.code, r.stderr]).toEqual([1, `concord: ${live} is in use (another process has it open): stop the server first\n`]);
  expect(fs.readFileSync(live).equals(bytes)).toBe(true);
  expect(fs.readdirSync(s.dir).filter((n) => n.includes('before-restore') || n.endsWith('.tmp'))).toEqual([]);
  // An existing database is replaced only when asked.
  const t = target(path.dirname(backup));
  const asked = await runConcord(s, 'restore', backup, '--db', t.file);
  expect([asked.code, asked.stderr]).toEqual([1, `concord: ${t.file} exists: give --force to replace it (it is kept as ${t.file}.before-restore-<time>)\n`]);
  t.untouched();
});

test('a target that `concord serve` holds is refused naming that server (its lock), and left byte-identical', async () => {
  const { s, dir, backup } = await serverWithBackup();
  const t = target(dir);
  const child = spawn(process.execPath, [CONCORD_BIN, 'serve', '--port', '0', '--host', '127.0.0.1', '--db', t.file], { env: { ...process.env, LOG_LEVEL: 'silent' } });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('Concord is running')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`concord serve exited (${code})`)));
    });
    const bytes = fs.readFileSync(t.file);
    const r = await runConcord(s, 'restore', backup, '--db', t.file, '--force');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^concord: .*concord\\.db is in use by another Concord server \\(PID ${child.pid} on .+\\): stop that one first, or restore into another --db\\n$`));
    expect(fs.readFileSync(t.file).equals(bytes)).toBe(true);
    expect(fs.readdirSync(path.dirname(t.file)).filter((n) => n.includes('before-restore') || n.endsWith('.tmp'))).toEqual([]);
  } finally {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
  }
});

test('an older backup is migrated on the copy; the replaced database is kept beside it', async () => {
  const s = await server();
  const dir = folder();
  const old = path.join(dir, 'old.db');
  const all = readMigrations();
  const newest = Math.max(...all.map((m) => m.version));
  const db = openDatabase(old);
  migrate(db, all.slice(0, -1));
  db.pragma('journal_mode = DELETE');
  db.close();
  const t = target(dir);
  const before = fs.readFileSync(t.file);
  const r = await runConcord(s, 'restore', old, '--db', t.file, '--force');
  expect(r.stderr).toBe('');
  expect(r.stdout).toContain(`(migrations ${newest} applied to the copy)`);
  const kept = fs.readdirSync(path.dirname(t.file)).sort();
  expect(kept).toEqual(['concord.db', expect.stringMatching(/^concord\.db\.before-restore-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/)]);
  // The replaced database, its WAL folded in (leaving WAL mode rewrites header bytes 18-19, so not byte-equal).
  const replaced = path.join(path.dirname(t.file), kept[1] ?? '');
  expect(fs.statSync(replaced).size).toBe(before.length);
  expect(integrityOf(replaced)).toBe('ok');
  const keptDb = new Database(replaced, { readonly: true });
  expect(keptDb.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all()).toEqual(all.map((m) => m.version));
  keptDb.close();
  expect(integrityOf(t.file)).toBe('ok');
  const restored = new Database(t.file, { readonly: true });
  expect(restored.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(newest);
  restored.close();
});

test('scheduled backups: every period one is written, only the newest KEEP are kept, each a valid database', async () => {
  const dir = folder();
  const s = await server({ backupDir: dir, backupEvery: 1, backupKeep: 2 });
  const pid = await makeProject(s);
  // Watch the folder until a third backup has appeared, then stop the server (which waits for a backup being written).
  const seen = new Set<string>();
  const named = () => fs.readdirSync(dir).filter((n) => /^concord-.*Z\.db$/.test(n));
  const deadline = Date.now() + 20_000;
  while (seen.size < 3 && Date.now() < deadline) {
    for (const n of named()) seen.add(n);
    await new Promise((r) => setTimeout(r, 50));
  }
  await s.close();
  for (const n of named()) seen.add(n);
  expect(seen.size).toBeGreaterThanOrEqual(3);
  const files = fs.readdirSync(dir).sort();
  // Only the newest two, and nothing half-written.
  expect(files).toEqual([...seen].sort().slice(-2));
  for (const f of files) {
    expect(f).toMatch(/^concord-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.db$/);
    expect(integrityOf(path.join(dir, f))).toBe('ok');
    const db = new Database(path.join(dir, f), { readonly: true });
    expect(db.prepare('SELECT count(*) FROM items WHERE project_id = ?').pluck().get(pid)).toBe(10);
    db.close();
  }
});

test('the backup variables are validated, naming the variable', () => {
  expect(loadConfig({ CONCORD_BACKUP_DIR: 'b', CONCORD_BACKUP_EVERY: '6h' }).backupEvery).toBe(21600);
  expect(loadConfig({ CONCORD_BACKUP_DIR: 'b', CONCORD_BACKUP_EVERY: '90' })).toMatchObject({ backupEvery: 90, backupKeep: 7 });
  expect(() => loadConfig({ CONCORD_BACKUP_DIR: 'b', CONCORD_BACKUP_EVERY: 'soon' })).toThrow(/^Invalid configuration: CONCORD_BACKUP_EVERY: /);
  expect(() => loadConfig({ CONCORD_BACKUP_DIR: 'b', CONCORD_BACKUP_EVERY: '1h', CONCORD_BACKUP_KEEP: '0' })).toThrow(/^Invalid configuration: CONCORD_BACKUP_KEEP: /);
  expect(() => loadConfig({ CONCORD_BACKUP_DIR: 'b' })).toThrow('CONCORD_BACKUP_DIR and CONCORD_BACKUP_EVERY go together');
});
