import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { Project } from '../../shared/views';
import { buildReportFromColumns } from '../../shared/stats/report';
import type { ReportOptions } from '../../shared/stats/report/input';
import type { StoredLabel } from '../../shared/events';
import { ProjectColumns } from './label-columns';

/**
 * The report worker: keeps each reported project's labels in typed arrays (loaded once from its own read-only
 * connection, then appended to as the server commits labels) and computes reports off the main thread, so a big
 * project never stalls the task protocol.
 */
export type WorkerRequest =
  | { type: 'labels'; projectId: number; labels: StoredLabel[] }
  | { type: 'reset'; projectId: number }
  | { type: 'report'; id: number; project: Project; options: ReportOptions };

export type WorkerReply = { id: number; ok: true; report: unknown } | { id: number; ok: false; message: string };

const db = new Database((workerData as { dbFile: string }).dbFile, { readonly: true, fileMustExist: true });
const projects = new Map<number, ProjectColumns>();

parentPort!.on('message', (m: WorkerRequest) => {
  if (m.type === 'labels') {
    const p = projects.get(m.projectId);
    if (p) for (const l of m.labels) p.add(l);
  } else if (m.type === 'reset') {
    projects.delete(m.projectId);
  } else {
    try {
      let p = projects.get(m.project.id);
      if (!p || p.project.type !== m.project.type) {
        p = new ProjectColumns(db, m.project);
        projects.set(m.project.id, p);
      }
      const report = buildReportFromColumns(p.columns(m.project, m.options));
      parentPort!.postMessage({ id: m.id, ok: true, report } satisfies WorkerReply);
    } catch (e) {
      parentPort!.postMessage({ id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) } satisfies WorkerReply);
    }
  }
});
