/**
 * The second half of a big project's first read, on a helper thread (issue 14). On 9M labels the read is SQLite
 * stepping rows and better-sqlite3 making their values, one core's work; the report worker reads the lower half of
 * the id range while the helper reads the upper half into shared memory, then takes the helper's rows in order, so
 * the columns are those of one read. The worker blocks on the helper with Atomics.wait, which keeps the load
 * synchronous: the live labels queued meanwhile are applied after it, as before. Any failure of the helper (it could
 * not start, its read failed, it took too long) falls back to reading that half on the worker itself.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Project } from '../../shared/views';
import { typescriptExecArgv } from '../typescript-exec-argv';

/** Below this many labels a thread's start (~0.3 s with TypeScript) costs more than half a read saves. */
export const HELPER_MIN_LABELS = 1_000_000;
/** How long the worker waits for the helper before reading its half itself. */
const HELPER_TIMEOUT_MS = 10 * 60_000;

export interface HelperData {
  dbFile: string;
  project: Pick<Project, 'id' | 'type'>;
  domain: string[];
  lo: number;
  hi: number;
  /** [state (0 running, 1 done, 2 failed), rows read]. */
  state: SharedArrayBuffer;
  itemId: SharedArrayBuffer;
  annotatorId: SharedArrayBuffer;
  packed: SharedArrayBuffer;
  certainty: SharedArrayBuffer;
  sample: SharedArrayBuffer;
  seconds: SharedArrayBuffer;
}

/** The helper's rows: database ids, the scan's packed verdict and order, and the values the columns store. */
export interface HelperRows {
  n: number;
  itemId: Float64Array;
  annotatorId: Float64Array;
  packed: Int16Array;
  /** As the columns keep them: Float32, NaN for none. */
  certainty: Float32Array;
  sample: Float64Array;
  seconds: Float32Array;
}

export function helperViews(d: HelperData): Omit<HelperRows, 'n'> {
  return {
    itemId: new Float64Array(d.itemId),
    annotatorId: new Float64Array(d.annotatorId),
    packed: new Int16Array(d.packed),
    certainty: new Float32Array(d.certainty),
    sample: new Float64Array(d.sample),
    seconds: new Float32Array(d.seconds),
  };
}

/** Starts a helper reading the labels with ids lo … hi (all of them the project's or not: it filters). */
export function startHelper(dbFile: string, project: Project, domain: string[], lo: number, hi: number): { wait(): HelperRows | null } {
  const rows = hi - lo + 1;
  const data: HelperData = {
    dbFile,
    project: { id: project.id, type: project.type },
    domain,
    lo,
    hi,
    state: new SharedArrayBuffer(8),
    itemId: new SharedArrayBuffer(rows * 8),
    annotatorId: new SharedArrayBuffer(rows * 8),
    packed: new SharedArrayBuffer(rows * 2),
    certainty: new SharedArrayBuffer(rows * 4),
    sample: new SharedArrayBuffer(rows * 8),
    seconds: new SharedArrayBuffer(rows * 4),
  };
  const state = new Int32Array(data.state);
  let worker: Worker;
  try {
    worker = new Worker(path.join(__dirname, 'label-scan.worker.ts'), { workerData: data, execArgv: typescriptExecArgv() });
  } catch {
    return { wait: () => null };
  }
  worker.on('error', () => {
    Atomics.store(state, 0, 2);
    Atomics.notify(state, 0);
  });
  return {
    wait() {
      const deadline = Date.now() + HELPER_TIMEOUT_MS;
      while (Atomics.load(state, 0) === 0 && Date.now() < deadline) Atomics.wait(state, 0, 0, 1000);
      const ok = Atomics.load(state, 0) === 1;
      void worker.terminate();
      return ok ? { n: state[1]!, ...helperViews(data) } : null;
    },
  };
}
