import type { Db } from '../db/database';

export interface JudgeUsage {
  labels: number;
  invalid: number;
  tokens: { prompt: number; completion: number };
}

/** What a judge's stored labels add up to (tokens are in each label's meta), whichever worker wrote them. */
export class JudgeUsageRepo {
  private readonly stmt;

  constructor(db: Db) {
    this.stmt = db.prepare<{ projectId: number; annotatorId: number }, { labels: number; invalid: number | null; prompt: number | null; completion: number | null }>(
      `SELECT COUNT(*) AS labels, SUM(value IS NULL) AS invalid,
              SUM(json_extract(meta, '$.usage.prompt_tokens')) AS prompt,
              SUM(json_extract(meta, '$.usage.completion_tokens')) AS completion
         FROM labels WHERE project_id = @projectId AND annotator_id = @annotatorId`,
    );
  }

  get(projectId: number, annotatorId: number): JudgeUsage {
    const r = this.stmt.get({ projectId, annotatorId })!;
    return { labels: r.labels, invalid: r.invalid ?? 0, tokens: { prompt: r.prompt ?? 0, completion: r.completion ?? 0 } };
  }
}
