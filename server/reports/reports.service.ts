import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { Db } from '../db/database';
import type { MetaKeys, Project } from '../../shared/views';
import { buildReportFromColumns } from '../../shared/stats/report';
import type { ReportOptions } from '../../shared/stats/report/input';
import type { StoredLabel } from '../../shared/events';
import { AppError } from '../errors';
import { typescriptExecArgv } from '../typescript-exec-argv';
import type { DomainEvents } from '../events';
import { readMetaKeys } from '../items/meta-keys';
import { computeConsensus, type Consensus, type ConsensusRequest } from './consensus';
import { ProjectColumns } from './label-columns';
import { OptionRefused } from './slices';
import { computePosteriorModel } from './posterior-model';
import type { PosteriorModelData } from '../../shared/stats/crowd/posterior';
import type { ReportWorkerData, WorkerReply, WorkerRequest } from './report.worker';
import { removeSnapshot, snapshotDir, snapshotPolicy } from './column-snapshot';
import { reportOptions } from './report-query';

export { ReportQuery } from './report-query';

const WORKER = path.join(__dirname, 'report.worker.ts');

/** A request the worker answers, without its id (the service numbers them). */
type Question = WorkerRequest extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never;

/** Answers kept at most, every project's reports and consensus together: a bound for a client trying many options. */
const CACHE_ENTRIES = 32;

/**
 * Reports are computed in one long-lived worker thread that keeps each project's labels in typed arrays (fed with
 * every committed label), and cached until the project changes, so a dashboard refreshing the report of a busy
 * project costs one computation per burst of labels and never blocks the event loop. The gold export's model
 * consensus and the items' meta keys are computed there too, and cached the same way.
 */
export class ReportsService {
  /** Per project: bumped by every label and reset (what reports and consensus depend on). */
  private readonly versions = new Map<number, number>();
  /** Per project: bumped by resets only (imports, deletion): what the items' meta keys depend on. */
  private readonly itemVersions = new Map<number, number>();
  private readonly cache = new Map<string, { projectId: number; version: number; value: Promise<unknown> }>();
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: unknown) => void }>();
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
    events.on('project:deleted', ({ projectId }) => this.reset(projectId, true));
  }

  private bump(versions: Map<number, number>, projectId: number): void {
    versions.set(projectId, (versions.get(projectId) ?? 0) + 1);
  }

  /** A label was committed: cached reports are stale, and the worker's copy gets the label. */
  labelled(projectId: number, label: StoredLabel): void {
    this.bump(this.versions, projectId);
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
    this.json(project, { invalid: 'exclude', resamples: 0, seed: 1 }).catch(() => this.warmed.delete(project.id));
  }
  private readonly warmed = new Set<number>();

  /**
   * Items or labels changed other than by a live label (import, settings, deletion): reload from the database. A
   * deleted project's column snapshot goes too (by the worker when there is one, so it never races the worker's write).
   */
  reset(projectId: number, deleted = false): void {
    this.bump(this.versions, projectId);
    this.bump(this.itemVersions, projectId);
    this.outbox.delete(projectId);
    this.warmed.delete(projectId);
    if (deleted && !this.worker) removeSnapshot(snapshotDir(this.db.name), projectId);
    this.post({ type: 'reset', projectId, deleted });
  }

  /** The report's options from `GET …/report`'s query string (400 naming a bad parameter). */
  parse(query: unknown, project: Project): ReportOptions {
    return reportOptions(query, project);
  }

  /** The report (ReportJson) as JSON text, ready to send. */
  json(project: Project, options: ReportOptions): Promise<string> {
    const version = this.versions.get(project.id) ?? 0;
    return this.cached(project, `report|${JSON.stringify(options)}`, version, () =>
      this.ask({ type: 'report', project, options }, () => JSON.stringify(buildReportFromColumns(new ProjectColumns(this.db, project).columns(project, options)))),
    );
  }

  /** Every item's consensus under a crowd model, for the gold export (cached like reports, until the next label). */
  consensus(project: Project, request: ConsensusRequest): Promise<Consensus> {
    const version = this.versions.get(project.id) ?? 0;
    const { method, includeLlm, minCertainty } = request;
    return this.cached(project, `consensus|${JSON.stringify({ method, includeLlm, minCertainty })}`, version, () =>
      this.ask({ type: 'consensus', project, method, includeLlm, minCertainty }, () => {
        const p = new ProjectColumns(this.db, project);
        return computeConsensus(p.columns(project, {}), p.itemIds, request);
      }),
    );
  }

  /** The project's aggregation fitted on its human votes, as adaptive redundancy's posterior stop reads it (not cached). */
  posteriorModel(project: Project): Promise<PosteriorModelData> {
    return this.ask({ type: 'posterior-model', project }, () => {
      const p = new ProjectColumns(this.db, project);
      return computePosteriorModel(project, p.columns(project, {}), p.annotatorIds);
    });
  }

  /** The top-level keys of the items' meta (cached until the project's items change). */
  metaKeys(project: Project): Promise<MetaKeys> {
    const version = this.itemVersions.get(project.id) ?? 0;
    return this.cached(project, 'meta-keys', version, () => this.ask({ type: 'meta-keys', projectId: project.id }, () => readMetaKeys(this.db, project.id)));
  }

  /**
   * One answer per project, key and version: stale entries of the project are dropped on a miss, and the oldest
   * entry of all when the cache is full. A failed computation is forgotten, so the next request tries again.
   */
  private cached<T>(project: Project, what: string, version: number, compute: () => Promise<T>): Promise<T> {
    const key = `${project.id}|${project.updated_at}|${what}`;
    const hit = this.cache.get(key);
    if (hit && hit.version === version) return hit.value as Promise<T>;
    for (const [k, e] of this.cache) if (e.projectId === project.id && (e.version !== version || k === key)) this.cache.delete(k);
    for (const k of this.cache.keys()) {
      if (this.cache.size < CACHE_ENTRIES) break;
      this.cache.delete(k);
    }
    const value = compute();
    this.cache.set(key, { projectId: project.id, version, value });
    value.catch(() => this.cache.get(key)?.value === value && this.cache.delete(key));
    return value;
  }

  /**
   * Stops the worker, once it has written the snapshots of the projects it holds (labels committed since their
   * last one: at most `closeFlushMs` is waited for them, then the next start reads those labels from the database).
   */
  async close(closeFlushMs = 60_000): Promise<void> {
    const w = this.worker;
    if (w) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, closeFlushMs)));
      await Promise.race([this.ask({ type: 'flush' }, () => 0).catch(() => 0), late]);
      clearTimeout(timer);
    }
    this.worker = null;
    if (w) await w.terminate();
  }

  private post(m: WorkerRequest): void {
    this.worker?.postMessage(m);
  }

  private startWorker(): Worker {
    const workerData: ReportWorkerData = { dbFile: this.db.name, snapshots: snapshotDir(this.db.name), policy: { ...snapshotPolicy } };
    const w = new Worker(WORKER, { workerData, execArgv: typescriptExecArgv() });
    w.on('message', (m: WorkerReply) => {
      if (m.id === 0 && m.ok) return void this.logger.info({ module: 'reports', ...(m.result as object) }, 'report column snapshot written');
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) w.unref();
      if (m.ok) p.resolve(m.result);
      else p.reject(this.failure(m.message, m.field));
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

  /** A refused option is the caller's 400 naming it; anything else is logged and answered as an internal error. */
  private failure(message: string, field: string | undefined): AppError {
    if (field) return new AppError('invalid-input', `Invalid report options (${field}: ${message})`, [{ field, message }]);
    this.logger.error({ module: 'reports', message }, 'report failed');
    return new AppError('internal', 'The report could not be computed; try again');
  }

  /**
   * Asks the worker; an in-memory database cannot be opened by a second connection, so there `here` computes the
   * answer on this thread (tests and tools only).
   */
  private ask<T>(question: Question, here: () => T): Promise<T> {
    if (this.db.memory) {
      try {
        return Promise.resolve(here());
      } catch (e) {
        return Promise.reject(e instanceof OptionRefused ? this.failure(e.message, e.field) : e instanceof Error ? e : new Error(String(e)));
      }
    }
    this.worker ??= this.startWorker();
    const id = this.nextId++;
    // Referenced only while a report is being computed: an idle worker never keeps the process alive.
    this.worker.ref();
    this.flushOutbox();
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: (r) => resolve(r as T), reject });
      this.post({ ...question, id } as WorkerRequest);
    });
  }
}
