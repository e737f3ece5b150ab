import fs from 'node:fs';
import Database from 'better-sqlite3';
import { parseRanking, rankingText, toItemFrame } from '../../shared/ranking';
import type { AckedLabel } from './messages';

export interface Verification {
  /** Items with more human labels than the project's redundancy. */
  overRedundancy: number;
  /**
   * Adaptive redundancy (--min > 0): items that went past `min` labels although their first `min` (in the order
   * stored) agreed. (Over the most, `max` = --redundancy, is `overRedundancy`.)
   */
  pastUnanimous: number;
  /** (item, annotator) pairs with more than one label. */
  duplicateLabels: number;
  /** Acknowledged labels not in the database, or stored with another item or id than the ack said. */
  ackedMissing: number;
  /** The same clientLabelId acknowledged twice as a new label. */
  ackedTwice: number;
  /**
   * Rankings (issue 11): acknowledged labels whose stored value is not the ranking sent mapped through the stored
   * permutation (or whose permutation is missing or not one of the item's answers).
   */
  rankingMismatch: number;
  acked: number;
  stored: number;
  /** How many items hold 0, 1, 2 … human labels. */
  itemsByLabelCount: Record<string, number>;
}

/**
 * Checks the record against what the annotators were told, on a separate read-only connection opened while the
 * server is still running: an acknowledged label must already be committed, not merely queued.
 */
export function verify(dbFile: string, projectId: number, redundancy: number, labelsFile: string, min = 0): Verification {
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
    let pastUnanimous = 0;
    if (min > 0) {
      // Each item's values in the order stored; the first `min` agreeing and more after them breaks the rule.
      const items = db.prepare<[number], { values: string }>(
        `SELECT json_group_array(value) AS "values" FROM (SELECT l.item_id, l.value FROM labels l JOIN annotators a ON a.id = l.annotator_id
          WHERE l.project_id = ? AND a.kind = 'human' ORDER BY l.item_id, l.id) GROUP BY item_id`,
      );
      for (const r of items.iterate(projectId)) {
        const values = JSON.parse(r.values) as unknown[];
        const first = values.slice(0, min).map((v) => JSON.stringify(v));
        if (values.length > min && first.every((v) => v === first[0])) pastUnanimous++;
      }
    }
    const histogram = db
      .prepare<[number, number], { n: number; items: number }>(
        `SELECT coalesce(c.n, 0) AS n, count(*) AS items FROM items i
         LEFT JOIN (SELECT l.item_id, count(*) AS n FROM labels l JOIN annotators a ON a.id = l.annotator_id
                    WHERE l.project_id = ? AND a.kind = 'human' GROUP BY l.item_id) c ON c.item_id = i.id
         WHERE i.project_id = ? GROUP BY 1 ORDER BY 1`,
      )
      .all(projectId, projectId);

    const byClientId = new Map<string, Row>();
    const rows = db.prepare<[number], Row & { worker: string; client_label_id: string }>(
      `SELECT a.key AS worker, l.client_label_id, l.id, i.external_id AS item, l.value, l.permutation FROM labels l
       JOIN annotators a ON a.id = l.annotator_id JOIN items i ON i.id = l.item_id
       WHERE l.project_id = ? AND l.client_label_id IS NOT NULL`,
    );
    for (const r of rows.iterate(projectId)) byClientId.set(`${r.worker}\u0000${r.client_label_id}`, { id: r.id, item: r.item, value: r.value, permutation: r.permutation });

    let acked = 0;
    let ackedMissing = 0;
    let ackedTwice = 0;
    let rankingMismatch = 0;
    const seen = new Set<string>();
    for (const line of fs.readFileSync(labelsFile, 'utf8').split('\n')) {
      if (!line) continue;
      const [worker, item, , clientLabelId, labelId, shown] = JSON.parse(line) as AckedLabel;
      acked++;
      const key = `${worker}\u0000${clientLabelId}`;
      if (seen.has(key)) ackedTwice++;
      seen.add(key);
      const row = byClientId.get(key);
      if (!row || row.id !== labelId || row.item !== item) ackedMissing++;
      else if (shown && !rankingStored(shown, row)) rankingMismatch++;
    }
    return {
      overRedundancy,
      pastUnanimous,
      duplicateLabels,
      ackedMissing,
      ackedTwice,
      rankingMismatch,
      acked,
      stored,
      itemsByLabelCount: Object.fromEntries(histogram.map((h) => [String(h.n), h.items])),
    };
  } finally {
    db.close();
  }
}

interface Row {
  id: number;
  item: string;
  value: unknown;
  permutation: string | null;
}

/** Whether a ranking sent in display positions is stored in the item's frame through the lease's permutation. */
function rankingStored(shown: number[][], row: Row): boolean {
  if (row.permutation === null) return false;
  const permutation = JSON.parse(row.permutation) as number[];
  const n = permutation.length;
  if ([...permutation].sort((a, b) => a - b).some((v, i) => v !== i)) return false;
  const r = parseRanking(shown, n);
  return typeof r !== 'string' && row.value === rankingText(toItemFrame(r, permutation));
}
