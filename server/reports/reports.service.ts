import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { Db } from '../db/database';
import type { Project } from '../../shared/schemas';
import { buildReport, type ReportJson, type ReportOptions } from '../../shared/stats/report';
import { AppError, parseOrThrow } from '../errors';
import { loadReportInput } from './report.load';

export const ReportQuery = z.object({
  /** How an unparseable judge output counts: left out (default) or as a tie, as PandaLM does. */
  invalid: z.enum(['exclude', 'tie']).default('exclude'),
  resamples: z.coerce.number().int().min(0).max(10_000).default(1000),
  seed: z.coerce.number().int().default(1),
});

const WORKER = path.join(__dirname, 'report-worker.js');

/**
 * Reports are computed in a worker thread on a read-only connection and cached until the project's labels or
 * items change, so a dashboard refreshing the report of a busy project costs one computation per change burst.
 */
export class ReportsService {
  private readonly versions = new Map<number, number>();
  private readonly cache = new Map<string, { version: number; report: Promise<ReportJson> }>();

  constructor(private readonly db: Db) {}

  /** The project's data changed: cached reports of it are stale. */
  invalidate(projectId: number): void {
    this.versions.set(projectId, (this.versions.get(projectId) ?? 0) + 1);
  }

  parse(query: unknown): ReportOptions {
    return parseOrThrow(ReportQuery, query, 'report options');
  }

  get(project: Project, options: ReportOptions): Promise<ReportJson> {
    const key = `${project.id}|${project.updated_at}|${JSON.stringify(options)}`;
    const version = this.versions.get(project.id) ?? 0;
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.report;
    for (const k of this.cache.keys()) if (k.startsWith(`${project.id}|`)) this.cache.delete(k);
    const report = this.compute(project, options);
    this.cache.set(key, { version, report });
    report.catch(() => this.cache.delete(key));
    return report;
  }

  private compute(project: Project, options: ReportOptions): Promise<ReportJson> {
    if (this.db.memory) return Promise.resolve(buildReport(loadReportInput(this.db, project, options)));
    return new Promise((resolve, reject) => {
      const worker = new Worker(WORKER, { workerData: { dbFile: this.db.name, project, options } });
      worker.once('message', (m: { ok: true; report: ReportJson } | { ok: false; message: string }) => {
        if (m.ok) resolve(m.report);
        else reject(new AppError('internal', 'The report could not be computed; try again'));
        void worker.terminate();
      });
      worker.once('error', reject);
    });
  }
}
