/**
 * A real SQLite file per test for the report worker's store (server/reports): a new migrated database before each
 * test, removed after, and rows written as the server writes them.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { migrate, openDatabase, type Db } from '../../../server/db/database';
import type { Project } from '../../../shared/views';

export const NOW = 1_700_000_000_000;

/** Registers the per-test database; `db()` is the current test's. */
export function reportDb(prefix: string): { db(): Db } {
  let dir: string;
  let db: Db;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
    db = openDatabase(path.join(dir, 'c.db'));
    migrate(db);
  });
  afterEach(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { db: () => db };
}

/** A project row of `type`, and the settings the report reads of it. */
export function projectRow(db: Db, type: string, options: string[] | null, certainty: { min: number; max: number } | null): Project {
  const id = Number(db.prepare('INSERT INTO projects (name, type, config, created_at, updated_at) VALUES (?, ?, ?, ?, ?)').run(`p-${type}`, type, '{}', NOW, NOW).lastInsertRowid);
  return { id, type, options, scale: null, certainty } as unknown as Project;
}

export const annotatorRow = (db: Db, p: Project, kind: 'human' | 'llm', name: string, excluded = 0) =>
  Number(db.prepare('INSERT INTO annotators (project_id, kind, key, name, created_at, excluded) VALUES (?, ?, ?, ?, ?, ?)').run(p.id, kind, name, name, NOW, excluded).lastInsertRowid);
