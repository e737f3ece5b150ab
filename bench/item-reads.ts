/**
 * The task path's item read after another connection's commit (issue 14, decision 0016): how long one item's
 * content takes to read when the label writer's connection has committed since the last read, as every task's does
 * while labels are coming in. Compared: the main connection (64 MiB page cache, warmed by reading every item as a
 * pool load does), and `ItemsRepo.forTask` (a connection of its own with a small cache). A third connection commits
 * one row between reads, as the label writer does. Everything is a real database file made with the migrations.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, openDatabase, type Db } from '../server/db/database';
import { ItemsRepo, type NewItem } from '../server/items/items.repo';
import { defineBenchmark } from './lib/benchmark';
import { plainPair } from './lib/items';
import { resultHead, writeResult } from './lib/results';
import { round, table } from './lib/stats';

/** Microseconds a read, over `n` reads of random items, with a commit by `writer` before each (none when null). */
function timeReads(read: (id: number) => unknown, items: number, n: number, writer: Database.Statement | null): number {
  let ns = 0n;
  for (let i = 0; i < n; i++) {
    writer?.run();
    const id = 1 + Math.floor(Math.random() * items);
    const t0 = process.hrtime.bigint();
    if (!read(id)) throw new Error(`item ${id} missing`);
    ns += process.hrtime.bigint() - t0;
  }
  return Number(ns) / n / 1000;
}

function seed(db: Db, items: number): void {
  db.prepare("INSERT INTO projects (id, name, type, config, created_at, updated_at) VALUES (1, 'bench', 'pairwise', '{}', 0, 0)").run();
  // The assignment benchmark's item (a question and two answers of ~250 characters).
  const rows: NewItem[] = Array.from({ length: items }, (_, i) => {
    const { id, question, answer_a, answer_b } = plainPair(i + 1);
    return { externalId: id!, content: { question: question!, answer_a, answer_b }, gold: null, meta: null };
  });
  db.transaction(() => new ItemsRepo(db).write(1, rows, false, 0))();
}

export const itemReads = defineBenchmark({
  summary: "A task's item read after another connection committed: the main connection's large cache against the task path's own connection (issue 14)",
  options: {
    items: { default: 100_000, help: 'pairwise items in the database' },
    reads: { default: 20_000, help: 'timed reads of each kind' },
    keep: { default: 0, help: '1 keeps the temporary database folder' },
  },
  async run(o, { command }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-item-reads-'));
    const file = path.join(dir, 'concord.db');
    const db = openDatabase(file);
    migrate(db);
    seed(db, o.items);
    const repo = new ItemsRepo(db);
    // The label writer's stand-in: its own connection, one small committed write a read.
    const other = new Database(file);
    other.pragma('synchronous = OFF');
    other.exec('CREATE TABLE bench_commits (n INTEGER)');
    const commit = other.prepare('INSERT INTO bench_commits (n) VALUES (1)');
    const main = db.prepare<[number], { content: string }>('SELECT external_id, content FROM items WHERE id = ?');
    // The pool load reads every item on the main connection at start: its cache (and hash table) grows to hold them.
    for (const r of db.prepare('SELECT content FROM items').iterate()) void r;
    const readMain = (id: number) => JSON.parse(main.get(id)!.content) as unknown;
    const readTask = (id: number) => repo.forTask(id);
    const rows = [
      { kind: 'main connection', read: readMain },
      { kind: 'task path (forTask)', read: readTask },
    ].map(({ kind, read }) => {
      timeReads(read, o.items, o.reads, null); // warm
      return { kind, quietUs: round(timeReads(read, o.items, o.reads, null), 1), afterCommitUs: round(timeReads(read, o.items, o.reads, commit), 1) };
    });
    repo.close();
    other.close();
    db.close();
    if (!o.keep) fs.rmSync(dir, { recursive: true, force: true });
    console.log(`\nItem reads: ${o.items} pairwise items, ${o.reads} random reads each\n`);
    console.log(table(['connection', 'µs a read, no commit between', 'µs a read, a commit between'], rows.map((r) => [r.kind, String(r.quietUs), String(r.afterCommitUs)])));
    console.log(`\nwrote ${writeResult('item-reads', { ...resultHead('item-reads', command, o), rows })}`);
    return 0;
  },
});
