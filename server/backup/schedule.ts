/**
 * Scheduled backups (CONCORD_BACKUP_DIR, CONCORD_BACKUP_EVERY, CONCORD_BACKUP_KEEP): every period a backup
 * `concord-<UTC timestamp>.db` is written by a worker thread, never on the event loop, and only the newest KEEP
 * backups are kept. A period that comes while the last backup is still being written is skipped.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { typescriptExecArgv } from '../typescript-exec-argv';
import { fileStamp, type BackupResult } from './backup';
import type { BackupWorkerData } from './backup-worker';

const WORKER = path.join(__dirname, 'backup-worker.ts');
/** The names scheduled backups get; only these are ever pruned. */
const SCHEDULED = /^concord-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.db$/;

export interface BackupSchedule {
  /** Stops the timer and waits for a backup being written. */
  stop(): Promise<void>;
}

export interface ScheduleOptions {
  dbFile: string;
  dir: string;
  everySeconds: number;
  keep: number;
  logger: Logger;
  clock?: () => number;
}

/** Writes one backup in a worker thread. */
export function backupInWorker(dbFile: string, target: string): Promise<BackupResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(WORKER, { workerData: { dbFile, target } satisfies BackupWorkerData, execArgv: typescriptExecArgv() });
    let settled = false;
    w.once('message', (m: { ok: true; result: BackupResult } | { ok: false; error: string }) => {
      settled = true;
      if (m.ok) resolve(m.result);
      else reject(new Error(m.error));
    });
    w.once('error', (e) => {
      settled = true;
      reject(e);
    });
    w.once('exit', (code) => {
      if (!settled) reject(new Error(`the backup worker stopped (exit code ${code})`));
    });
  });
}

/** Removes all but the newest `keep` scheduled backups in `dir`; returns the names removed. */
export function pruneBackups(dir: string, keep: number): string[] {
  const names = fs
    .readdirSync(dir)
    .filter((n) => SCHEDULED.test(n))
    .sort();
  const old = names.slice(0, Math.max(0, names.length - keep));
  for (const n of old) fs.rmSync(path.join(dir, n), { force: true });
  return old;
}

export function scheduleBackups(o: ScheduleOptions): BackupSchedule {
  const clock = o.clock ?? Date.now;
  const log = o.logger.child({ module: 'backup' });
  fs.mkdirSync(o.dir, { recursive: true });
  let running: Promise<void> | null = null;
  const once = async () => {
    const target = path.join(o.dir, `concord-${fileStamp(clock())}.db`);
    try {
      const r = await backupInWorker(o.dbFile, target);
      const removed = pruneBackups(o.dir, o.keep);
      log.info({ file: r.file, bytes: r.bytes, ms: r.ms, removed }, 'backup written');
    } catch (e) {
      log.error({ file: target, err: e instanceof Error ? e.message : String(e) }, 'backup failed');
    }
  };
  const timer = setInterval(() => {
    if (running) {
      log.warn({ everySeconds: o.everySeconds }, 'backup skipped: the last one is still being written');
      return;
    }
    running = once().finally(() => {
      running = null;
    });
  }, o.everySeconds * 1000);
  timer.unref();
  log.info({ dir: path.resolve(o.dir), everySeconds: o.everySeconds, keep: o.keep }, 'scheduled backups on');
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
