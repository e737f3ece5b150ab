import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Project } from '../../shared/views';
import { buildReportFromColumns } from '../../shared/stats/report';
import { ReportCache } from '../../shared/stats/report/cache';
import type { ReportOptions } from '../../shared/stats/report/input';
import type { StoredLabel } from '../../shared/events';
import { readMetaKeys } from '../items/meta-keys';
import { computeConsensus, consensusBuffers, type ConsensusRequest } from './consensus';
import { computePosteriorModel } from './posterior-model';
import { loadColumns, type ProjectColumns } from './label-columns';
import { OptionRefused } from './slices';
import { removeSnapshot, snapshotFile, writeSnapshot } from './column-snapshot';

/**
 * The report worker: keeps each reported project's labels in typed arrays (loaded once from its own read-only
 * connection, then appended to as the server commits labels) and computes reports, the gold export's model
 * consensus and the items' meta keys off the main thread, so a big project never stalls the task protocol.
 */
export type WorkerRequest =
  | { type: 'labels'; projectId: number; labels: StoredLabel[] }
  | { type: 'reset'; projectId: number; deleted?: boolean }
  | { type: 'flush'; id: number }
  | { type: 'report'; id: number; project: Project; options: ReportOptions }
  | ({ type: 'consensus'; id: number; project: Project } & ConsensusRequest)
  | { type: 'meta-keys'; id: number; projectId: number }
  | { type: 'posterior-model'; id: number; project: Project };

/** A failure names the request's `field` when the data refused an option (OptionRefused: a 400, not a 500). */
export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string; field?: string };

/** `snapshots`: the folder of column snapshots (./column-snapshot.ts), null for none; `policy`: when to write them. */
export interface ReportWorkerData {
  dbFile: string;
  snapshots: string | null;
  policy: { minLabels: number; rewriteFraction: number };
}

const { dbFile, snapshots, policy } = workerData as ReportWorkerData;
const db = new Database(dbFile, { readonly: true, fileMustExist: true });
const projects = new Map<number, ProjectColumns>();
/** Per loaded project, the labels its snapshot held when last written or read. */
const written = new WeakMap<ProjectColumns, number>();
/**
 * Per loaded project, what its last reports computed (coded columns, sections: shared/stats/report/cache.ts), so a
 * report after a few labels redoes only what they change. Goes with its columns when the project is reset.
 */
const caches = new WeakMap<ProjectColumns, ReportCache>();

function cacheOf(p: ProjectColumns): ReportCache {
  let c = caches.get(p);
  if (!c) caches.set(p, (c = new ReportCache()));
  return c;
}

function columnsOf(project: Project): ProjectColumns {
  let p = projects.get(project.id);
  if (!p || p.project.type !== project.type) {
    p = loadColumns(db, project, snapshots === null ? null : snapshotFile(snapshots, project.id));
    projects.set(project.id, p);
    if (p.snapshotLabels !== null) written.set(p, p.snapshotLabels);
  }
  return p;
}

/**
 * Writes the project's snapshot once the answer has gone: after a load from the database, and again once the labels
 * added since the last write reach the policy's fraction of it (so a restart reads few labels besides the file).
 */
function snapshotLater(projectId: number): void {
  const p = projects.get(projectId);
  if (snapshots === null || !p) return;
  setImmediate(() => projects.get(projectId) === p && snapshot(projectId, p, policy.rewriteFraction));
}

/**
 * Writes the project's snapshot if it has the policy's labels and `fraction` more of them than the last one written
 * (0: any label more); whether one was written.
 */
function snapshot(projectId: number, p: ProjectColumns, fraction: number): boolean {
  const state = p.snapshotState();
  if (snapshots === null || !state || state.labels.n < policy.minLabels) return false;
  const last = written.get(p);
  if (last !== undefined && state.labels.n <= last + Math.floor(fraction * last)) return false;
  written.set(p, state.labels.n);
  try {
    const started = performance.now();
    const bytes = writeSnapshot(snapshotFile(snapshots, projectId), state);
    if (bytes !== null) parentPort!.postMessage({ id: 0, ok: true, result: { snapshot: projectId, bytes, ms: performance.now() - started } } satisfies WorkerReply);
    return bytes !== null;
  } catch {
    // No snapshot: the next restart reads the database, as without one.
    return false;
  }
}

/**
 * Answers a request that asks for something. A report goes as its JSON text: the main thread sends it as it is,
 * instead of rebuilding the object graph from a structured clone and serialising it again (7 ms for a 250 KB sliced
 * report on the test machine, and a sliced report of a big project can be a hundred times that). The consensus's
 * typed arrays are transferred, not copied.
 */
function answer(m: Exclude<WorkerRequest, { type: 'labels' | 'reset' | 'flush' }>): void {
  if (m.type === 'report') {
    const p = columnsOf(m.project);
    const report = buildReportFromColumns(p.columns(m.project, m.options), cacheOf(p));
    parentPort!.postMessage({ id: m.id, ok: true, result: JSON.stringify(report) } satisfies WorkerReply);
  } else if (m.type === 'consensus') {
    const p = columnsOf(m.project);
    const c = computeConsensus(p.columns(m.project, {}), p.itemIds, m);
    parentPort!.postMessage({ id: m.id, ok: true, result: c } satisfies WorkerReply, consensusBuffers(c));
  } else if (m.type === 'posterior-model') {
    const p = columnsOf(m.project);
    parentPort!.postMessage({ id: m.id, ok: true, result: computePosteriorModel(m.project, p.columns(m.project, {}), p.annotatorIds) } satisfies WorkerReply);
  } else {
    parentPort!.postMessage({ id: m.id, ok: true, result: readMetaKeys(db, m.projectId) } satisfies WorkerReply);
  }
}

parentPort!.on('message', (m: WorkerRequest) => {
  if (m.type === 'labels') {
    const p = projects.get(m.projectId);
    if (p) for (const l of m.labels) p.add(l);
  } else if (m.type === 'reset') {
    projects.delete(m.projectId);
    if (m.deleted) removeSnapshot(snapshots, m.projectId);
  } else if (m.type === 'flush') {
    // The server is closing: every loaded project's labels since its last snapshot go into a new one, so the first
    // report after the restart reads the file alone.
    let n = 0;
    for (const [projectId, p] of projects) if (snapshot(projectId, p, 0)) n++;
    parentPort!.postMessage({ id: m.id, ok: true, result: n } satisfies WorkerReply);
  } else {
    try {
      answer(m);
      if (m.type !== 'meta-keys') snapshotLater(m.project.id);
    } catch (e) {
      const field = e instanceof OptionRefused ? e.field : undefined;
      parentPort!.postMessage({ id: m.id, ok: false, message: e instanceof Error ? e.message : String(e), field } satisfies WorkerReply);
    }
  }
});
