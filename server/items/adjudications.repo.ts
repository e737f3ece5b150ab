/** The adjudications table (a researcher's final label per item), and finding the item an adjudication is for. */
import type { Db } from '../db/database';

export class AdjudicationsRepo {
  private readonly upsertStmt;
  private readonly removeStmt;
  private readonly itemIdStmt;

  constructor(db: Db) {
    this.upsertStmt = db.prepare<[number, string | number, string | null, string, number]>(
      `INSERT INTO adjudications (item_id, value, note, by, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (item_id) DO UPDATE SET value = excluded.value, note = excluded.note, by = excluded.by, created_at = excluded.created_at`,
    );
    this.removeStmt = db.prepare<[number]>('DELETE FROM adjudications WHERE item_id = ?');
    this.itemIdStmt = db.prepare<[number, string], number>('SELECT id FROM items WHERE project_id = ? AND external_id = ?').pluck();
  }

  /** The internal id of a project's item by its external id. */
  itemId(projectId: number, externalId: string): number | undefined {
    return this.itemIdStmt.get(projectId, externalId);
  }

  /** Sets (or replaces) an item's adjudication. */
  upsert(itemId: number, value: string | number, note: string | null, by: string, now: number): void {
    this.upsertStmt.run(itemId, value, note, by, now);
  }

  remove(itemId: number): void {
    this.removeStmt.run(itemId);
  }
}
