/**
 * Reads a spooled CSV body in a worker thread (csv-thread.ts): the spool's file descriptor is the process's, so
 * the thread reads it in place with positional reads, and posts the records in batches. It stays at most a few
 * batches ahead of the request's thread (a shared counter of batches taken), so a million rows never wait in memory.
 */
import fs from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { CsvUnreadable, csvRows, type CsvFailure, type CsvRows } from './csv-rows';
import { fileChunks } from './spool';

export interface CsvThreadData {
  fd: number;
  size: number;
  max: number;
  /** Int32 [batches taken by the request's thread]. */
  taken: SharedArrayBuffer;
}

export type CsvThreadMessage = { rows: CsvRows } | { done: true } | { failure: CsvFailure };

/** Batches posted and not yet taken before the thread waits. */
const AHEAD = 4;

const d = workerData as CsvThreadData;
const port = parentPort!;
const taken = new Int32Array(d.taken);

async function run(): Promise<void> {
  let sent = 0;
  try {
    const chunks = fileChunks(d.size, (buf, pos) => fs.readSync(d.fd, buf, 0, buf.length, pos));
    for await (const rows of csvRows(chunks, d.max)) {
      port.postMessage({ rows } satisfies CsvThreadMessage);
      sent++;
      for (let t = Atomics.load(taken, 0); sent - t > AHEAD; t = Atomics.load(taken, 0)) Atomics.wait(taken, 0, t, 1000);
    }
    port.postMessage({ done: true } satisfies CsvThreadMessage);
  } catch (e) {
    const failure: CsvFailure = e instanceof CsvUnreadable ? e.failure : { kind: 'csv', message: (e as Error).message, line: 0 };
    port.postMessage({ failure } satisfies CsvThreadMessage);
  }
}

void run();
