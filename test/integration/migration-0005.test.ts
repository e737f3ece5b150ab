/**
 * Migration 0005 rebuilds `projects` (its type CHECK gains 'ranking') with foreign keys off, SQLite's procedure for
 * changing a table's constraints (https://www.sqlite.org/lang_altertable.html#otheralter). A database in use at
 * version 4, with projects, items, annotators, labels, adjudications and join links, is migrated to 5 here: every row
 * must survive as it was, the references into `projects` must still be enforced and still cascade, and the
 * connection must have its foreign keys back on.
 */
import fs from 'node:fs';
import path from 'node:path';
import { migrate, openDatabase, readMigrations, type Db } from '../../server/db/database';
import { tempDir } from '../helpers/server';

let dir: string;
let db: Db;
beforeEach(() => {
  dir = tempDir('concord-migration-0005-');
  db = openDatabase(path.join(dir, 'concord.db'));
});
afterEach(() => {
  if (db.open) db.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const TABLES = ['projects', 'items', 'annotators', 'invites', 'labels', 'adjudications', 'settings'];
/** Each table's columns at version 4 (the migration adds some). */
const columnsOf = (d: Db) => Object.fromEntries(TABLES.map((t) => [t, (d.pragma(`table_info(${t})`) as Array<{ name: string }>).map((c) => c.name)]));
/** Every row of every table in version 4's columns, in id order: what must survive the migration unchanged. */
const snapshot = (d: Db, columns: Record<string, string[]>) =>
  Object.fromEntries(TABLES.map((t) => [t, d.prepare(`SELECT ${columns[t]!.join(', ')} FROM ${t} ORDER BY rowid`).all()]));

/** Two projects of version 4's types with everything a project holds. */
function fill(d: Db): void {
  const now = 1_700_000_000_000;
  const config = JSON.stringify({ redundancy: 3, instructions: 'Pick the better answer.' });
  d.prepare('INSERT INTO projects (id, name, type, config, created_at, updated_at, aggregation) VALUES (?, ?, ?, ?, ?, ?, ?)').run(1, 'Pairs', 'pairwise', config, now, now, 'dawid-skene');
  d.prepare('INSERT INTO projects (id, name, type, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)').run(2, 'Grades', 'rating', config, now, now + 1);
  const item = d.prepare('INSERT INTO items (id, project_id, external_id, content, gold, meta, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)');
  item.run(10, 1, 'q1', JSON.stringify({ question: 'Q1', answer_a: 'a', answer_b: 'b' }), 'A', JSON.stringify({ category: 'math' }), now);
  item.run(11, 1, 'q2', JSON.stringify({ question: 'Q2', answer_a: 'a', answer_b: 'b' }), null, null, now);
  item.run(20, 2, 'r1', JSON.stringify({ question: 'R1', answer: 'x' }), 7, null, now);
  const annotator = d.prepare('INSERT INTO annotators (id, project_id, kind, key, name, config, token_hash, created_at, excluded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)');
  annotator.run(100, 1, 'human', 'ann', 'Ann', null, null, now, 0);
  annotator.run(101, 1, 'llm', 'gpt', 'GPT judge', JSON.stringify({ model: 'gpt-4o' }), 'hash-judge', now, 1);
  annotator.run(200, 2, 'human', 'bob', 'Bob', null, null, now, 0);
  d.prepare('INSERT INTO invites (id, project_id, token, token_hash, label, created_at, max_workers) VALUES (?, ?, ?, ?, ?, ?, ?)').run(5, 1, 'tok', 'hash-tok', 'wave 1', now, 20);
  const label = d.prepare(
    'INSERT INTO labels (id, project_id, item_id, annotator_id, value, certainty, shown_order, sample, slot, created_at, source, invite_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  label.run(1000, 1, 10, 100, 'A', 80, 'BA', 0, '', now, 'live', 5);
  label.run(1001, 1, 10, 101, 'B', null, 'AB', 1, 'AB#1', now, 'import', null);
  label.run(1002, 2, 20, 200, 8, null, null, 0, '', now, 'live', null);
  d.prepare('INSERT INTO adjudications (item_id, value, by, created_at) VALUES (?, ?, ?, ?)').run(11, 'tie', 'researcher', now);
  d.prepare('INSERT INTO settings (key, value) VALUES (?, ?)').run('admin_token_hash', 'h');
}

describe('migration 0005 on a database in use at version 4', () => {
  test('every row survives, references still hold and cascade, foreign keys are back on, and a ranking project can be made', () => {
    const all = readMigrations();
    expect(migrate(db, all.filter((m) => m.version <= 4))).toEqual([1, 2, 3, 4]);
    fill(db);
    const columns = columnsOf(db);
    const before = snapshot(db, columns);
    expect(before.labels).toHaveLength(3);
    expect(() => db.prepare("INSERT INTO projects (name, type, config, created_at, updated_at) VALUES ('R', 'ranking', '{}', 0, 0)").run()).toThrow(/CHECK constraint failed/);

    expect(migrate(db, all.filter((m) => m.version <= 5))).toEqual([5]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(snapshot(db, columns)).toEqual(before);
    // The rebuilt table keeps its columns in their order (code reading rows by position would notice otherwise).
    expect(columnsOf(db).projects).toEqual(columns.projects);
    expect(db.pragma('foreign_key_check')).toEqual([]);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    // The new columns and table are there, empty.
    expect(db.prepare('SELECT permutation, scores FROM labels WHERE id = 1000').get()).toEqual({ permutation: null, scores: null });
    expect(db.prepare('SELECT count(*) FROM files').pluck().get()).toBe(0);

    // References into the rebuilt table are still enforced...
    expect(() => db.prepare("INSERT INTO items (project_id, external_id, content, created_at) VALUES (99, 'x', '{}', 0)").run()).toThrow(/FOREIGN KEY constraint failed/);
    // ...a ranking project can be made, and its files refer to it...
    const ranking = Number(db.prepare("INSERT INTO projects (name, type, config, created_at, updated_at) VALUES ('Rank', 'ranking', '{}', 0, 0)").run().lastInsertRowid);
    db.prepare("INSERT INTO files (project_id, sha256, media_type, size, data, created_at) VALUES (?, ?, 'image/png', 1, x'89', 0)").run(ranking, 'a'.repeat(64));
    expect(() => db.prepare("INSERT INTO files (project_id, sha256, media_type, size, data, created_at) VALUES (99, ?, 'image/png', 1, x'89', 0)").run('b'.repeat(64))).toThrow(/FOREIGN KEY/);
    // ...and deleting a project still deletes everything it holds, and nothing of another project.
    db.prepare('DELETE FROM projects WHERE id = 1').run();
    for (const t of ['items', 'annotators', 'invites', 'labels']) expect(db.prepare(`SELECT count(*) FROM ${t} WHERE project_id = 1`).pluck().get()).toBe(0);
    expect(db.prepare('SELECT count(*) FROM adjudications').pluck().get()).toBe(0);
    expect(db.prepare('SELECT external_id FROM items').pluck().all()).toEqual(['r1']);
    expect(db.prepare('SELECT id FROM labels').pluck().all()).toEqual([1002]);
    db.prepare('DELETE FROM projects WHERE id = ?').run(ranking);
    expect(db.prepare('SELECT count(*) FROM files').pluck().get()).toBe(0);
  });

  test('reopened, the migrated file is at version 5 and migrating again applies nothing', () => {
    const file = db.name;
    migrate(db, readMigrations().filter((m) => m.version <= 4));
    fill(db);
    migrate(db, readMigrations().filter((m) => m.version <= 5));
    db.close();
    db = openDatabase(file);
    expect(db.prepare('SELECT max(version) FROM schema_migrations').pluck().get()).toBe(5);
    expect(migrate(db, readMigrations().filter((m) => m.version <= 5))).toEqual([]);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.prepare('SELECT count(*) FROM labels').pluck().get()).toBe(3);
  });
});
