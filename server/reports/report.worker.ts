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
import { ProjectColumns } from './label-columns';
import { OptionRefused } from './slices';

/**
 * The report worker: keeps each reported project's labels in typed arrays (loaded once from its own read-only
 * connection, then appended to as the server commits labels) and computes reports, the gold export's model
 * consensus and the items' meta keys off the main thread, so a big project never stalls the task protocol.
 */
export type WorkerRequest =
  | { type: 'labels'; projectId: number; labels: StoredLabel[] }
  | { type: 'reset'; projectId: number }
  | { type: 'report'; id: number; project: Project; options: ReportOptions }
  | ({ type: 'consensus'; id: number; project: Project } & ConsensusRequest)
  | { type: 'meta-keys'; id: number; projectId: number }
  | { type: 'posterior-model'; id: number; project: Project };

/** A failure names the request's `field` when the data refused an option (OptionRefused: a 400, not a 500). */
export type WorkerReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; message: string; field?: string };

const db = new Database((workerData as { dbFile: string }).dbFile, { readonly: true, fileMustExist: true });
const projects = new Map<number, ProjectColumns>();
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
    p = new ProjectColumns(db, project);
    projects.set(project.id, p);
  }
  return p;
}

/**
 * Answers a request that asks for something. A report goes as its JSON text: the main thread sends it as it is,
 * instead of rebuilding the object graph from a structured clone and serialising it again (7 ms for a 250 KB sliced
 * report on the test machine, and a sliced report of a big project can be a hundred times that). The consensus's
 * typed arrays are transferred, not copied.
 */
function answer(m: Exclude<WorkerRequest, { type: 'labels' | 'reset' }>): void {
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
  } else {
    try {
      answer(m);
    } catch (e) {
      const field = e instanceof OptionRefused ? e.field : undefined;
      parentPort!.postMessage({ id: m.id, ok: false, message: e instanceof Error ? e.message : String(e), field } satisfies WorkerReply);
    }
  }
});
