import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDatabase, readMigrations, type Db, type Migration } from '../../server/db/database';
import { tempDir } from '../helpers/server';

/**
 * The schema a new install gets: every numbered migration applied to an empty database file, each in its own
 * transaction and recorded inside the database, and the connection settings the durability promise rests on.
 */

let dir: string;
const open: Db[] = [];
const dbAt = (name = 'concord.db') => {
  const db = openDatabase(path.join(dir, name));
  open.push(db);
  return db;
};
beforeEach(() => {
  dir = tempDir('concord-migrations-');
});
afterEach(() => {
  for (const db of open.splice(0)) if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const tables = (db: Db) =>
  db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
const indexes = (db: Db) => db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all() as string[];
const recorded = (db: Db) => db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as Array<{ version: number; name: string; applied_at: number }>;

/** What the migration files declare, read from their SQL, so a new migration is checked without editing this test. */
/**
 * The tables (or indexes) the migrations leave, read from their SQL in order: each CREATE adds a name, DROP removes
 * it, and a table's RENAME TO moves it (0005 rebuilds `projects` as `projects_new`, drops the old one and renames).
 */
function declared(kind: 'TABLE' | 'INDEX'): string[] {
  const create = kind === 'TABLE' ? String.raw`CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?` : String.raw`CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?"?(\w+)"?`;
  const drop = String.raw`DROP\s+${kind}\s+(?:IF\s+EXISTS\s+)?"?(\w+)"?`;
  const rename = String.raw`ALTER\s+TABLE\s+"?(\w+)"?\s+RENAME\s+TO\s+"?(\w+)"?`;
  const re = new RegExp(`${create}|${drop}${kind === 'TABLE' ? `|${rename}` : ''}`, 'gi');
  const names = new Set<string>();
  for (const m of readMigrations())
    for (const hit of m.sql.matchAll(re)) {
      if (hit[1]) names.add(hit[1]);
      else if (hit[2]) names.delete(hit[2]);
      else if (hit[3] && names.delete(hit[3])) names.add(hit[4]!);
    }
  return [...names].sort();
}

describe('migrate on an empty database', () => {
  test('the migration files are numbered 0001, 0002, … with no gaps or repeats', () => {
    const ms = readMigrations();
    expect(ms.length).toBeGreaterThan(0);
    expect(ms.map((m) => m.version)).toEqual(ms.map((_, i) => i + 1));
    for (const m of ms) expect(m.name).toMatch(/^\d{4}_[\w-]+$/);
    const onDisk = fs.readdirSync(path.resolve(__dirname, '../../migrations')).filter((f) => f.endsWith('.sql'));
    expect(onDisk.sort()).toEqual(ms.map((m) => `${m.name}.sql`));
  });

  test('creates every table and index the migrations declare, including the core ones', () => {
    const db = dbAt();
    expect(tables(db)).toEqual([]);
    migrate(db);
    const made = tables(db);
    expect(made).toEqual([...declared('TABLE'), 'schema_migrations'].sort());
    for (const core of ['settings', 'projects', 'items', 'annotators', 'invites', 'labels', 'schema_migrations']) expect(made).toContain(core);
    expect(indexes(db)).toEqual(expect.arrayContaining(declared('INDEX')));
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
  });

  test('records each migration in schema_migrations with its name and when', () => {
    const db = dbAt();
    const before = Date.now();
    const applied = migrate(db);
    const all = readMigrations();
    expect(applied).toEqual(all.map((m) => m.version));
    const rows = recorded(db);
    expect(rows.map(({ version, name }) => ({ version, name }))).toEqual(all.map(({ version, name }) => ({ version, name })));
    for (const r of rows) {
      expect(r.applied_at).toBeGreaterThanOrEqual(before);
      expect(r.applied_at).toBeLessThanOrEqual(Date.now());
    }
  });

  test('a second run, in the same process or after reopening the file, applies nothing', () => {
    const file = path.join(dir, 'again.db');
    const db = openDatabase(file);
    migrate(db);
    const schema = db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
    const rows = recorded(db);
    expect(migrate(db)).toEqual([]);
    expect(recorded(db)).toEqual(rows);
    db.close();

    const reopened = dbAt('again.db');
    expect(migrate(reopened)).toEqual([]);
    expect(recorded(reopened)).toEqual(rows);
    expect(reopened.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all()).toEqual(schema);
  });

  test('the schema works as the app uses it: foreign keys cascade and uniqueness holds', () => {
    const db = dbAt();
    migrate(db);
    const now = Date.now();
    const project = db.prepare("INSERT INTO projects (name, type, config, created_at, updated_at) VALUES ('p', 'pairwise', '{}', ?, ?)").run(now, now).lastInsertRowid;
    const item = db.prepare("INSERT INTO items (project_id, external_id, content, created_at) VALUES (?, 'q1', '{}', ?)").run(project, now).lastInsertRowid;
    expect(() => db.prepare("INSERT INTO items (project_id, external_id, content, created_at) VALUES (?, 'q1', '{}', ?)").run(project, now)).toThrow(/UNIQUE/);
    expect(() => db.prepare("INSERT INTO items (project_id, external_id, content, created_at) VALUES (999, 'q2', '{}', ?)").run(now)).toThrow(/FOREIGN KEY/);
    expect(() => db.prepare("INSERT INTO projects (name, type, config, created_at, updated_at) VALUES ('p', 'poll', '{}', 1, 1)").run()).toThrow(/CHECK/);
    const annotator = db.prepare("INSERT INTO annotators (project_id, kind, key, name, created_at) VALUES (?, 'human', 'w', 'w', ?)").run(project, now).lastInsertRowid;
    db.prepare("INSERT INTO labels (project_id, item_id, annotator_id, value, created_at, source) VALUES (?, ?, ?, 'A', ?, 'live')").run(project, item, annotator, now);
    db.prepare('DELETE FROM projects WHERE id = ?').run(project);
    for (const t of ['items', 'annotators', 'labels']) expect(db.prepare(`SELECT count(*) FROM ${t}`).pluck().get()).toBe(0);
  });

  test('a database made by the first migration keeps its data when the later ones are applied', () => {
    const db = dbAt();
    const all = readMigrations();
    expect(migrate(db, all.slice(0, 1))).toEqual([1]);
    db.prepare("INSERT INTO projects (name, type, config, created_at, updated_at) VALUES ('kept', 'rating', '{}', 1, 1)").run();
    expect(migrate(db)).toEqual(all.slice(1).map((m) => m.version));
    expect(db.prepare('SELECT name FROM projects').pluck().all()).toEqual(['kept']);
    // A project made before the consensus setting (0004) keeps the plurality it always had.
    expect(db.prepare('SELECT aggregation FROM projects').pluck().all()).toEqual(['majority']);
    expect(recorded(db).map((r) => r.version)).toEqual(all.map((m) => m.version));
  });
});

describe('a failing migration', () => {
  const good: Migration = { version: 1, name: '0001_good', sql: 'CREATE TABLE kept (id INTEGER PRIMARY KEY);' };
  const bad: Migration = {
    version: 2,
    name: '0002_bad',
    sql: `CREATE TABLE half_done (id INTEGER PRIMARY KEY);
          INSERT INTO half_done (id) VALUES (1);
          ALTER TABLE kept ADD COLUMN extra TEXT;
          INSERT INTO no_such_table VALUES (1);`,
  };

  test('rolls back entirely, is not recorded, and leaves the earlier migrations in place', () => {
    const db = dbAt();
    expect(() => migrate(db, [good, bad])).toThrow(/no_such_table/);
    expect(tables(db)).toEqual(['kept', 'schema_migrations']);
    expect((db.pragma('table_info(kept)') as Array<{ name: string }>).map((c) => c.name)).toEqual(['id']);
    expect(recorded(db).map((r) => r.name)).toEqual(['0001_good']);
  });

  test('stops there: later migrations do not run past a failed one', () => {
    const db = dbAt();
    const later: Migration = { version: 3, name: '0003_later', sql: 'CREATE TABLE later (id INTEGER);' };
    expect(() => migrate(db, [good, bad, later])).toThrow();
    expect(tables(db)).not.toContain('later');
    expect(recorded(db).map((r) => r.version)).toEqual([1]);
  });

  test('a syntax error rolls back too, and once fixed the migration applies on the next start', () => {
    const db = dbAt();
    const broken: Migration = { version: 2, name: '0002_fix_me', sql: 'CREATE TABLE fixed (id INTEGER); CREATE TABLEE oops (x);' };
    expect(() => migrate(db, [good, broken])).toThrow(/syntax error/);
    expect(tables(db)).not.toContain('fixed');
    const repaired: Migration = { ...broken, sql: 'CREATE TABLE fixed (id INTEGER);' };
    expect(migrate(db, [good, repaired])).toEqual([2]);
    expect(tables(db)).toEqual(['fixed', 'kept', 'schema_migrations']);
    expect(recorded(db).map((r) => r.name)).toEqual(['0001_good', '0002_fix_me']);
  });
});

describe('openDatabase', () => {
  test('sets WAL, foreign keys on, synchronous FULL and a busy timeout', () => {
    const db = dbAt();
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('busy_timeout', { simple: true })).toBeGreaterThanOrEqual(1000);
  });

  test('the journal mode is kept in the file: another connection sees WAL too', () => {
    const file = path.join(dir, 'wal.db');
    dbAt('wal.db');
    const other = new Database(file, { readonly: true });
    try {
      expect(other.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      other.close();
    }
  });

  test('creates the folder of a database file that does not exist yet', () => {
    const file = path.join(dir, 'nested', 'deeper', 'concord.db');
    const db = openDatabase(file);
    open.push(db);
    migrate(db);
    expect(fs.existsSync(file)).toBe(true);
    expect(tables(db)).toContain('labels');
  });
});
