import Database from 'better-sqlite3';
import type { Db } from '../db/database';
import type { ItemContent, ItemView } from '../../shared/views';

export interface ItemRow {
  id: number;
  project_id: number;
  external_id: string;
  content: string;
  gold: string | number | null;
  meta: string | null;
  created_at: number;
}

export interface NewItem {
  externalId: string;
  content: ItemContent;
  gold: string | number | null;
  meta: Record<string, unknown> | null;
}

/** An item as its row stores it: content and meta already JSON text. */
export interface StoredItem {
  externalId: string;
  content: string;
  gold: string | number | null;
  meta: string | null;
}

/**
 * Rows one INSERT statement writes in a bulk write. Each statement run crosses from JavaScript into SQLite and binds
 * its parameters: a million one-row runs spent more time there than in SQLite's own work.
 */
const ROWS_PER_INSERT = 64;

/**
 * Pages the task path's own connection may cache (see {@link ItemsRepo.forTask}): an item's path from the root of
 * the table and its overflow pages, with room to spare.
 */
const TASK_READER_PAGES = 128;

/** An item's row values (content and meta as JSON text). */
export const storedItem = (it: NewItem): StoredItem => ({
  externalId: it.externalId,
  content: JSON.stringify(it.content),
  gold: it.gold,
  meta: it.meta ? JSON.stringify(it.meta) : null,
});

export class ItemsRepo {
  /** [one row, ROWS_PER_INSERT rows], for insert and for upsert. */
  private readonly insertStmts;
  private readonly upsertStmts;
  private readonly idsStmt;
  private readonly contentStmt;
  private readonly pageStmt;
  private readonly countStmt;
  private readonly poolStmt;
  private readonly contentsStmt;
  private readonly answerCountsStmt;
  /** The task path's reads, on a connection of their own once first used (forTask). */
  private taskReader: { db: Db; content: Database.Statement<[number], { external_id: string; content: string }> } | null = null;
  private closed = false;

  constructor(private readonly db: Db) {
    const insert = (rows: number) => `INSERT INTO items (project_id, external_id, content, gold, meta, created_at) VALUES ${Array(rows).fill('(?, ?, ?, ?, ?, ?)').join(', ')}`;
    const upsert = ' ON CONFLICT (project_id, external_id) DO UPDATE SET content = excluded.content, gold = excluded.gold, meta = excluded.meta';
    this.insertStmts = [db.prepare(insert(1)), db.prepare(insert(ROWS_PER_INSERT))] as const;
    this.upsertStmts = [db.prepare(insert(1) + upsert), db.prepare(insert(ROWS_PER_INSERT) + upsert)] as const;
    this.idsStmt = db.prepare<[number], { id: number; external_id: string }>('SELECT id, external_id FROM items WHERE project_id = ?');
    this.contentStmt = db.prepare<[number], { external_id: string; content: string }>('SELECT external_id, content FROM items WHERE id = ?');
    this.pageStmt = db.prepare<[number, number, number], ItemRow & { human: number; llm: number }>(
      `SELECT i.*,
         (SELECT count(*) FROM labels l JOIN annotators a ON a.id = l.annotator_id WHERE l.item_id = i.id AND a.kind = 'human') AS human,
         (SELECT count(*) FROM labels l JOIN annotators a ON a.id = l.annotator_id WHERE l.item_id = i.id AND a.kind = 'llm') AS llm
       FROM items i WHERE i.project_id = ? ORDER BY i.id LIMIT ? OFFSET ?`,
    );
    this.countStmt = db.prepare<[number], { n: number }>('SELECT count(*) FROM items WHERE project_id = ?').pluck();
    this.contentsStmt = db.prepare<[number], { id: number; content: string }>('SELECT id, content FROM items WHERE project_id = ?');
    // SQLite's JSON reader counts the answers without the item's text crossing into JavaScript.
    this.answerCountsStmt = db.prepare<[number, number], { id: number; n: number }>(
      "SELECT id, json_array_length(content, '$.answers') AS n FROM items WHERE project_id = ? AND id > ? AND json_type(content, '$.answers') = 'array'",
    );
    this.poolStmt = db.prepare<[number, number], [number, string | number | null]>('SELECT id, gold FROM items WHERE project_id = ? AND id > ? ORDER BY id').raw();
  }

  /** Inserts (or, with `upsert`, replaces the content of) items; call inside a transaction. */
  write(projectId: number, items: NewItem[], upsert: boolean, now: number): void {
    this.writeStored(projectId, items.map(storedItem), upsert, now);
  }

  /**
   * {@link write} for rows already in their stored form, taken one at a time from `rows` (a bulk import reads them
   * back from disk inside its transaction, so they are never all in memory); returns how many. Call inside a
   * transaction. The file's ids are distinct (the import checks), so no statement holds one id twice.
   */
  writeStored(projectId: number, rows: Iterable<StoredItem>, upsert: boolean, now: number): number {
    const [one, many] = upsert ? this.upsertStmts : this.insertStmts;
    const params: unknown[] = [];
    let pending = 0;
    let written = 0;
    for (const r of rows) {
      params.push(projectId, r.externalId, r.content, r.gold, r.meta, now);
      written++;
      if (++pending === ROWS_PER_INSERT) {
        many.run(params);
        params.length = 0;
        pending = 0;
      }
    }
    for (let i = 0; i < params.length; i += 6) one.run(params.slice(i, i + 6));
    return written;
  }

  /** External id → internal id for every item of a project. */
  /** Ranking items: how many answers each has (item id → count), for the assignment pool and imports. */
  answerCounts(projectId: number, afterId = 0): Map<number, number> {
    const m = new Map<number, number>();
    for (const r of this.answerCountsStmt.iterate(projectId, afterId)) m.set(r.id, r.n);
    return m;
  }

  idMap(projectId: number): Map<string, number> {
    const m = new Map<string, number>();
    for (const r of this.idsStmt.iterate(projectId)) m.set(r.external_id, r.id);
    return m;
  }

  content(itemId: number): ItemContent | undefined {
    return this.forTask(itemId)?.content;
  }

  /**
   * One item's content, as a task shows it. Read on a connection of its own with a small page cache: SQLite empties
   * a connection's page cache at its next read whenever another connection has committed (the label writer's thread
   * commits many times a second), and emptying it walks the cache's hash table, which is as large as the most pages
   * the connection ever held and never shrinks. On the main connection (64 MiB of cache, filled by a pool load or an
   * import) that cost ~40 µs a task; on one that never holds more than {@link TASK_READER_PAGES} pages, ~3 µs
   * (docs/BENCHMARKS.md, issue 14). The item was committed before any task could name it, so the other connection
   * sees it. A `:memory:` database has no file to open twice: its reads stay on the main connection.
   */
  forTask(itemId: number): { externalId: string; content: ItemContent } | undefined {
    const r = (this.db.memory || this.closed ? this.contentStmt : this.reader().content).get(itemId);
    return r && { externalId: r.external_id, content: JSON.parse(r.content) as ItemContent };
  }

  private reader(): NonNullable<ItemsRepo['taskReader']> {
    if (this.taskReader) return this.taskReader;
    const db = new Database(this.db.name, { readonly: true, fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    db.pragma(`cache_size = ${TASK_READER_PAGES}`);
    this.taskReader = { db, content: db.prepare<[number], { external_id: string; content: string }>('SELECT external_id, content FROM items WHERE id = ?') };
    return this.taskReader;
  }

  /** Closes the task path's connection, if one was opened (the main connection is its owner's to close). */
  close(): void {
    this.closed = true;
    this.taskReader?.db.close();
    this.taskReader = null;
  }

  count(projectId: number): number {
    return this.countStmt.get(projectId) as unknown as number;
  }

  page(projectId: number, offset: number, limit: number): ItemView[] {
    return this.pageStmt.all(projectId, limit, offset).map((r) => ({
      id: r.external_id,
      content: JSON.parse(r.content) as ItemContent,
      gold: r.gold,
      meta: r.meta ? (JSON.parse(r.meta) as Record<string, unknown>) : null,
      labels: { human: r.human, llm: r.llm },
      created_at: new Date(r.created_at).toISOString(),
    }));
  }

  *contents(projectId: number): Generator<{ id: number; content: ItemContent }> {
    for (const r of this.contentsStmt.iterate(projectId)) yield { id: r.id, content: JSON.parse(r.content) as ItemContent };
  }

  /** What the assignment pool needs of each item, in import order. */
  /**
   * The project's items in import order, as the assignment pool reads them once: one object, refilled for each row
   * (a million items made a million objects), so take what you keep out of it before the next. `afterId`: only
   * the items above it (those an import added).
   */
  *forPool(projectId: number, afterId = 0): Generator<{ id: number; gold: string | number | null }> {
    const row = { id: 0, gold: null as string | number | null };
    for (const r of this.poolStmt.iterate(projectId, afterId)) {
      row.id = r[0];
      row.gold = r[1];
      yield row;
    }
  }
}
