import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { z } from 'zod';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import type { Project } from '../../shared/views';
import { buildReportFromColumns } from '../../shared/stats/report';
import type { ReportOptions } from '../../shared/stats/report/input';
import type { ReportJson } from '../../shared/stats/report/json';
import type { StoredLabel } from '../../shared/events';
import { AppError, parseOrThrow } from '../errors';
import { typescriptExecArgv } from '../typescript-exec-argv';
import type { DomainEvents } from '../events';
import { ProjectColumns } from './label-columns';
import type { WorkerReply, WorkerRequest } from './report.worker';

export const ReportQuery = z.object({
  /** How an unparseable judge output counts: left out (default) or as a tie, as PandaLM does. */
  invalid: z.enum(['exclude', 'tie']).default('exclude'),
  resamples: z.coerce.number().int().min(0).max(10_000).default(1000),
  seed: z.coerce.number().int().default(1),
});

const WORKER = path.join(__dirname, 'report.worker.ts');

/**
 * Reports are computed in one long-lived worker thread that keeps each project's labels in typed arrays (fed with
 * every committed label), and cached until the project changes, so a dashboard refreshing the report of a busy
 * project costs one computation per burst of labels and never blocks the event loop.
 */
export class ReportsService {
  private readonly versions = new Map<number, number>();
  private readonly cache = new Map<string, { version: number; report: Promise<ReportJson> }>();
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: ReportJson) => void; reject: (e: unknown) => void }>();
  private outbox = new Map<number, StoredLabel[]>();
  private flushing = false;

  constructor(
    private readonly db: Db,
    private readonly logger: Logger,
  ) {}

  /**
   * Each committed label joins the worker's copy; labels changed in bulk (pool reloaded, an annotator's labels
   * excluded or let back in, the project deleted) make it reload the project from the database.
   */
  subscribe(events: DomainEvents): void {
    events.on('label:stored', ({ projectId, label }) => this.labelled(projectId, label));
    events.on('pool:reloaded', ({ projectId }) => this.reset(projectId));
    events.on('annotator:exclusion-changed', ({ projectId }) => this.reset(projectId));
    events.on('project:deleted', ({ projectId }) => this.reset(projectId));
  }

  private bump(projectId: number): void {
    this.versions.set(projectId, (this.versions.get(projectId) ?? 0) + 1);
  }

  /** A label was committed: cached reports are stale, and the worker's copy gets the label. */
  labelled(projectId: number, label: StoredLabel): void {
    this.bump(projectId);
    if (!this.worker) return;
    let list = this.outbox.get(projectId);
    if (!list) this.outbox.set(projectId, (list = []));
    list.push(label);
    if (!this.flushing) {
      this.flushing = true;
      setImmediate(this.flushOutbox);
    }
  }

  /** Sends queued labels to the worker (batched per turn of the event loop; always before a report request). */
  private readonly flushOutbox = (): void => {
    this.flushing = false;
    const out = this.outbox;
    this.outbox = new Map();
    for (const [id, labels] of out) this.post({ type: 'labels', projectId: id, labels });
  };

  /** Loads a project into the report worker ahead of the first report (a researcher opened it). */
  warm(project: Project): void {
    if (this.db.memory || this.warmed.has(project.id)) return;
    this.warmed.add(project.id);
    this.get(project, { invalid: 'exclude', resamples: 0, seed: 1 }).catch(() => this.warmed.delete(project.id));
  }
  private readonly warmed = new Set<number>();

  /** Items or labels changed other than by a live label (import, settings, deletion): reload from the database. */
  reset(projectId: number): void {
    this.bump(projectId);
    this.outbox.delete(projectId);
    this.warmed.delete(projectId);
    this.post({ type: 'reset', projectId });
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

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }

  private post(m: WorkerRequest): void {
    this.worker?.postMessage(m);
  }

  private startWorker(): Worker {
    const w = new Worker(WORKER, { workerData: { dbFile: this.db.name }, execArgv: typescriptExecArgv() });
    w.on('message', (m: WorkerReply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.ok) p.resolve(m.report as ReportJson);
      else {
        this.logger.error({ module: 'reports', message: m.message }, 'report failed');
        p.reject(new AppError('internal', 'The report could not be computed; try again'));
      }
    });
    const fail = (e: unknown) => {
      this.logger.error({ module: 'reports', err: e }, 'report worker stopped');
      if (this.worker === w) this.worker = null;
      for (const p of this.pending.values()) p.reject(new AppError('internal', 'The report could not be computed; try again'));
      this.pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => code !== 0 && this.worker === w && fail(new Error(`exit ${code}`)));
    w.unref();
    return w;
  }

  private compute(project: Project, options: ReportOptions): Promise<ReportJson> {
    // An in-memory database cannot be opened by a second connection: compute here (tests and tools only).
    if (this.db.memory) return Promise.resolve(buildReportFromColumns(new ProjectColumns(this.db, project).columns(project, options)));
    this.worker ??= this.startWorker();
    const id = this.nextId++;
    // Referenced only while a report is being computed: an idle worker never keeps the process alive.
    this.worker.ref();
    this.flushOutbox();
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.post({ type: 'report', id, project, options });
    });
  }
}
