/** A worker thread that writes one backup (server/backup/schedule.ts): `VACUUM INTO` of a big database takes seconds. */
import { parentPort, workerData } from 'node:worker_threads';
import { backupDatabase } from './backup';

export interface BackupWorkerData {
  dbFile: string;
  target: string;
}

const { dbFile, target } = workerData as BackupWorkerData;
try {
  parentPort!.postMessage({ ok: true, result: backupDatabase(dbFile, target) });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}
