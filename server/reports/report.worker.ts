import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { buildReport, type ReportOptions } from '../../shared/stats/report';
import type { Project } from '../../shared/schemas';
import { loadReportInput } from './report.load';

/** Computes one report off the main thread, so a big project never stalls the task protocol. */
const { dbFile, project, options } = workerData as { dbFile: string; project: Project; options: ReportOptions };
try {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  let input;
  try {
    input = db.transaction(() => loadReportInput(db, project, options))();
  } finally {
    db.close();
  }
  parentPort!.postMessage({ ok: true, report: buildReport(input) });
} catch (e) {
  parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) });
}
