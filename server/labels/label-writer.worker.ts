import { parentPort, workerData } from 'node:worker_threads';
import { AnnotatorsRepo } from '../annotators/annotators.repo';
import { openDatabase } from '../db/database';
import { labelBatch, type BatchResult, type LabelWrite } from './label-batch';
import { LabelsRepo } from './labels.repo';

/**
 * The label writer's thread (decision 0013): its own connection to the server's database file, with the same
 * pragmas (WAL, synchronous = FULL), writing each group commit the main thread sends and answering with every
 * label's outcome once the transaction has committed. Messages are answered in the order they came.
 */
export type WriterRequest = { type: 'batch'; labels: LabelWrite[] } | { type: 'pragma'; source: string } | { type: 'close' };

/** An error as it crosses the thread: SQLite's code (SQLITE_FULL …) is what the main thread acts on. */
export interface ErrorShape {
  message: string;
  name: string;
  code?: string;
}

export type WriterReply =
  | { type: 'batch'; results: Array<Exclude<BatchResult, { error: unknown }> | { error: ErrorShape }> }
  | { type: 'failed'; error: ErrorShape }
  | { type: 'done' };

const port = parentPort!;
const db = openDatabase((workerData as { dbFile: string }).dbFile);
const writeBatch = labelBatch(db, new LabelsRepo(db), new AnnotatorsRepo(db));

const shape = (e: unknown): ErrorShape => {
  const err = e instanceof Error ? e : new Error(String(e));
  const code = (err as { code?: unknown }).code;
  return { message: err.message, name: err.name, ...(typeof code === 'string' ? { code } : {}) };
};

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Writes a batch. Another connection holding the write lock for longer than busy_timeout (an import of a million
 * items is one transaction) makes BEGIN IMMEDIATE fail with SQLITE_BUSY before anything is written: the batch is
 * tried again, as the main thread's labels used to wait behind the import on the event loop.
 */
function write(labels: LabelWrite[]): WriterReply {
  for (;;) {
    try {
      return { type: 'batch', results: writeBatch(labels).map((r) => ('error' in r ? { error: shape(r.error) } : r)) };
    } catch (e) {
      if ((e as { code?: unknown }).code === 'SQLITE_BUSY' && !db.inTransaction) {
        sleep(5);
        continue;
      }
      return { type: 'failed', error: shape(e) };
    }
  }
}

port.on('message', (m: WriterRequest) => {
  if (m.type === 'batch') return port.postMessage(write(m.labels));
  if (m.type === 'close') {
    db.close();
    port.postMessage({ type: 'done' } satisfies WriterReply);
    return port.close();
  }
  try {
    db.pragma(m.source);
    port.postMessage({ type: 'done' } satisfies WriterReply);
  } catch (e) {
    port.postMessage({ type: 'failed', error: shape(e) } satisfies WriterReply);
  }
});
