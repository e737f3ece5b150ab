/**
 * A big spooled CSV body is parsed in a worker thread (csv-rows.worker.ts) while this thread checks and stages
 * the records it has already been given: csv-parse took 11 s of a million-row import's ~33 s of CPU on one
 * thread. Small bodies are parsed here (a thread's start costs more than their parse).
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { typescriptExecArgv } from '../typescript-exec-argv';
import { CsvUnreadable, type CsvRows } from './csv-rows';
import type { CsvThreadData, CsvThreadMessage } from './csv-rows.worker';

/** Bodies from this size on are parsed in a thread (a setting, so tests can send small ones there too); threads started. */
export const csvThread = { minBytes: 16 * 1024 * 1024, started: 0 };

/** The records of the spooled body behind `fd`, parsed in a worker thread; throws {@link CsvUnreadable}. */
export async function* csvRowsInThread(fd: number, size: number, max: number): AsyncGenerator<CsvRows> {
  const data: CsvThreadData = { fd, size, max, taken: new SharedArrayBuffer(4) };
  const taken = new Int32Array(data.taken);
  const worker = new Worker(path.join(__dirname, 'csv-rows.worker.ts'), { workerData: data, execArgv: typescriptExecArgv() });
  csvThread.started++;
  const queue: Array<CsvThreadMessage | Error> = [];
  let wake: (() => void) | null = null;
  const put = (m: CsvThreadMessage | Error) => {
    queue.push(m);
    wake?.();
  };
  worker.on('message', put);
  worker.on('error', put);
  worker.on('exit', (code) => put(new Error(`The CSV reader thread stopped (${code})`)));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      const m = queue.shift()!;
      if (m instanceof Error) throw m;
      if ('failure' in m) throw new CsvUnreadable(m.failure);
      if ('done' in m) return;
      Atomics.add(taken, 0, 1);
      Atomics.notify(taken, 0);
      yield m.rows;
    }
  } finally {
    // Done, failed, or the caller stopped early (a problem found): the thread goes either way.
    worker.removeAllListeners();
    await worker.terminate();
  }
}
