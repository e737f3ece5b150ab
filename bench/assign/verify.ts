import fs from 'node:fs';
import Database from 'better-sqlite3';
import type { AckedLabel } from './messages';

export interface Verification {
  /** Items with more human labels than the project's redundancy. */
  overRedundancy: number;
  /** (item, annotator) pairs with more than one label. */
  duplicateLabels: number;
  /** Acknowledged labels not in the database, or stored with another item or id than the ack said. */
  ackedMissing: number;
  /** The same clientLabelId acknowledged twice as a new label. */
  ackedTwice: number;
  acked: number;
  stored: number;
  /** How many items hold 0, 1, 2 … human labels. */
  itemsByLabelCount: Record<string, number>;
}

/**
 * Checks the record against what the annotators were told, on a separate read-only connection opened while the
 * server is still running: an acknowledged label must already be committed, not merely queued.
 */
export function verify(dbFile: string, projectId: number, redundancy: number, labelsFile: string): Verification {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const scalar = (sql: string, ...params: unknown[]) => db.prepare(sql).pluck().get(...params) as number;
    const overRedundancy = scalar(
      `SELECT count(*) FROM (SELECT l.item_id FROM labels l JOIN annotators a ON a.id = l.annotator_id
        WHERE l.project_id = ? AND a.kind = 'human' GROUP BY l.item_id HAVING count(*) > ?)`,
      projectId,
      redundancy,
    );
    const duplicateLabels = scalar(
      'SELECT count(*) FROM (SELECT 1 FROM labels WHERE project_id = ? GROUP BY item_id, annotator_id HAVING count(*) > 1)',
      projectId,
    );
    const stored = scalar('SELECT count(*) FROM labels WHERE project_id = ?', projectId);
    const histogram = db
      .prepare<[number, number], { n: number; items: number }>(
        `SELECT coalesce(c.n, 0) AS n, count(*) AS items FROM items i
         LEFT JOIN (SELECT item_id, count(*) AS n FROM labels WHERE project_id = ? GROUP BY item_id) c ON c.item_id = i.id
         WHERE i.project_id = ? GROUP BY 1 ORDER BY 1`,
      )
      .all(projectId, projectId);

    const byClientId = new Map<string, { id: number; item: string }>();
    const rows = db.prepare<[number], { worker: string; client_label_id: string; id: number; item: string }>(
      `SELECT a.key AS worker, l.client_label_id, l.id, i.external_id AS item FROM labels l
       JOIN annotators a ON a.id = l.annotator_id JOIN items i ON i.id = l.item_id
       WHERE l.project_id = ? AND l.client_label_id IS NOT NULL`,
    );
    for (const r of rows.iterate(projectId)) byClientId.set(`${r.worker}\u0000${r.client_label_id}`, { id: r.id, item: r.item });

    let acked = 0;
    let ackedMissing = 0;
    let ackedTwice = 0;
    const seen = new Set<string>();
    for (const line of fs.readFileSync(labelsFile, 'utf8').split('\n')) {
      if (!line) continue;
      const [worker, item, , clientLabelId, labelId] = JSON.parse(line) as AckedLabel;
      acked++;
      const key = `${worker}\u0000${clientLabelId}`;
      if (seen.has(key)) ackedTwice++;
      seen.add(key);
      const row = byClientId.get(key);
      if (!row || row.id !== labelId || row.item !== item) ackedMissing++;
    }
    return {
      overRedundancy,
      duplicateLabels,
      ackedMissing,
      ackedTwice,
      acked,
      stored,
      itemsByLabelCount: Object.fromEntries(histogram.map((h) => [String(h.n), h.items])),
    };
  } finally {
    db.close();
  }
}
