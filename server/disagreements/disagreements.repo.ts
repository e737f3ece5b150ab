/**
 * The dashboard's disagreement list: items whose human labels agree least, each with every label (human and
 * judge), rationale and any adjudication, so a researcher can read them and decide the final label.
 */
import { z } from 'zod';
import type { DisagreementLabel, DisagreementsPage, ItemContent } from '../../shared/views';
import type { Db } from '../db/database';

export const DisagreementsQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(200).default(20),
  /** Least number of human labels for an item to be listed (agreement needs at least two). */
  min_labels: z.coerce.number().int().min(2).max(1000).default(2),
});

interface RankRow {
  item_id: number;
  external_id: string;
  content: string;
  gold: string | number | null;
  n: number;
  top: number;
  tops: number;
  adj_value: string | number | null;
  adj_note: string | null;
  adj_by: string | null;
  adj_at: number | null;
}

interface LabelRow {
  item_id: number;
  annotator: string;
  kind: 'human' | 'llm';
  value: string | number | null;
  certainty: number | null;
  rationale: string | null;
  shown_order: 'AB' | 'BA' | null;
  sample: number;
  created_at: number;
}

export class DisagreementsRepo {
  private readonly rank;
  private readonly count;
  private readonly labels;

  constructor(db: Db) {
    // Per item: the human labels' count (n), the top value's count (top) and how many values share that count.
    const counts = `WITH c AS (
        SELECT l.item_id, l.value, COUNT(*) AS k FROM labels l JOIN annotators a ON a.id = l.annotator_id
        WHERE l.project_id = @project AND a.kind = 'human' AND l.value IS NOT NULL GROUP BY l.item_id, l.value
      ), s AS (
        SELECT item_id, SUM(k) AS n, MAX(k) AS top FROM c GROUP BY item_id HAVING SUM(k) >= @min
      ), t AS (
        SELECT s.item_id, s.n, s.top, (SELECT COUNT(*) FROM c WHERE c.item_id = s.item_id AND c.k = s.top) AS tops FROM s
      )`;
    this.rank = db.prepare<{ project: number; min: number; limit: number; offset: number }, RankRow>(
      `${counts}
       SELECT t.item_id, i.external_id, i.content, i.gold, t.n, t.top, t.tops,
              d.value AS adj_value, d.note AS adj_note, d.by AS adj_by, d.created_at AS adj_at
       FROM t JOIN items i ON i.id = t.item_id LEFT JOIN adjudications d ON d.item_id = t.item_id
       ORDER BY CAST(t.top AS REAL) / t.n ASC, t.tops DESC, t.n DESC, t.item_id ASC
       LIMIT @limit OFFSET @offset`,
    );
    this.count = db.prepare<{ project: number; min: number }, { total: number }>(`${counts} SELECT COUNT(*) AS total FROM t`);
    this.labels = db.prepare<[number, string], LabelRow>(
      `SELECT l.item_id, a.key AS annotator, a.kind, l.value, l.certainty, l.rationale, l.shown_order, l.sample, l.created_at
       FROM labels l JOIN annotators a ON a.id = l.annotator_id
       WHERE l.project_id = ? AND l.item_id IN (SELECT value FROM json_each(?)) ORDER BY l.item_id, a.kind, l.id`,
    );
  }

  list(projectId: number, q: z.infer<typeof DisagreementsQuery>): Pick<DisagreementsPage, 'total' | 'items'> {
    const rows = this.rank.all({ project: projectId, min: q.min_labels, limit: q.limit, offset: q.offset });
    const total = this.count.get({ project: projectId, min: q.min_labels })?.total ?? 0;
    const byItem = new Map<number, DisagreementLabel[]>(rows.map((r) => [r.item_id, []]));
    if (rows.length > 0)
      for (const l of this.labels.iterate(projectId, JSON.stringify(rows.map((r) => r.item_id)))) {
        byItem.get(l.item_id)?.push({
          annotator: l.annotator,
          kind: l.kind,
          value: l.value,
          certainty: l.certainty,
          rationale: l.rationale,
          order: l.shown_order,
          sample: l.sample,
          at: new Date(l.created_at).toISOString(),
        });
      }
    const items = rows.map((r) => ({
      id: r.external_id,
      content: JSON.parse(r.content) as ItemContent,
      gold: r.gold,
      agreement: r.top / r.n,
      n: r.n,
      tied: r.tops > 1,
      adjudication: r.adj_value === null ? null : { label: r.adj_value, note: r.adj_note, by: r.adj_by ?? 'admin', at: new Date(r.adj_at ?? 0).toISOString() },
      labels: byItem.get(r.item_id) ?? [],
    }));
    return { total, items };
  }
}
