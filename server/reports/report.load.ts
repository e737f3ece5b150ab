import type Database from 'better-sqlite3';
import type { ReportInput, ReportOptions } from '../../shared/stats/report';
import type { Project } from '../../shared/schemas';

/**
 * Reads what the report needs of one project. Runs in the report worker on its own read-only connection
 * (WAL lets it read a consistent snapshot while the server keeps writing labels).
 */
export function loadReportInput(db: Database.Database, project: Project, options: ReportOptions): ReportInput {
  const items = db
    .prepare<[number], { id: number; external_id: string; gold: string | number | null; a: string | null; b: string | null }>(
      `SELECT id, external_id, gold, json_extract(content, '$.answer_a') AS a, json_extract(content, '$.answer_b') AS b
       FROM items WHERE project_id = ? ORDER BY id`,
    )
    .all(project.id)
    .map((r) => ({ id: String(r.id), answer_a: r.a, answer_b: r.b, gold: r.gold }));
  // The report names annotators by their display name (a human and a judge sharing one get their kind added).
  const rowsA = db
    .prepare<[number], { id: number; name: string; kind: 'human' | 'llm' }>('SELECT id, name, kind FROM annotators WHERE project_id = ? ORDER BY id')
    .all(project.id);
  const nameCount = new Map<string, number>();
  for (const a of rowsA) nameCount.set(a.name, (nameCount.get(a.name) ?? 0) + 1);
  const display = new Map(rowsA.map((a) => [a.id, (nameCount.get(a.name) ?? 0) > 1 ? `${a.name} (${a.kind})` : a.name]));
  const annotators = rowsA.map((a) => ({ id: display.get(a.id)!, name: a.name, kind: a.kind }));
  const rows = db
    .prepare<[number], unknown[]>('SELECT item_id, annotator_id, value, certainty, shown_order, sample, duration_ms FROM labels WHERE project_id = ?')
    .raw()
    .all(project.id) as Array<[number, number, string | number | null, number | null, 'AB' | 'BA' | null, number, number | null]>;
  const labels = rows.map(([item, annotator, value, certainty, order, sample, ms]) => ({
    item: String(item),
    annotator: display.get(annotator) ?? String(annotator),
    value,
    certainty,
    order,
    sample,
    seconds: ms === null ? null : ms / 1000,
  }));
  return {
    project: { id: String(project.id), type: project.type, scale: project.scale, certainty: project.certainty, options: project.options },
    items,
    annotators,
    labels,
    options,
  };
}
