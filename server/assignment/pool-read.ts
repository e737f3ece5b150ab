/**
 * A project's pool read again off the event loop (issue 14): a thread reads the items and labels from SQLite (most
 * of a 9M-label load: better-sqlite3 making 9M rows' values) into typed arrays, a chunk at a time, and this thread
 * adds each chunk to a {@link PoolBuild} as it arrives, one chunk a turn of the event loop (a few ms each), while
 * the live pool keeps serving. The thread reads ahead by at most {@link CHUNKS_AHEAD} chunks.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { typescriptExecArgv } from '../typescript-exec-argv';
import type { PoolBuild } from './pool-build';

export const CHUNKS_AHEAD = 2;
/** Labels (or items) a chunk: about 270 KB of arrays, and a few ms of this thread's time to add. */
export const CHUNK = 8_192;

export interface PoolReadData {
  dbFile: string;
  projectId: number;
  /** A ranking project's items carry their number of answers. */
  ranking: boolean;
  chunk: number;
}

export interface ItemChunk {
  t: 'items';
  n: number;
  ids: Float64Array;
  answers: Int32Array;
  /** Gold items: their index in the chunk, then their gold value, flat. */
  gold: Array<number | string>;
}

export interface LabelChunk {
  t: 'labels';
  n: number;
  annotator: Float64Array;
  item: Float64Array;
  /** Codes into the slots and values sent so far (each chunk sends those first seen in it). */
  slot: Int32Array;
  human: Uint8Array;
  value: Int32Array;
  /** NaN for none. */
  certainty: Float64Array;
  newSlots: string[];
  newValues: unknown[];
}

type Message = ItemChunk | LabelChunk | { t: 'end' } | { t: 'error'; message: string };

export interface PoolRead {
  /** Settles once every chunk is in the build (rejects if the read failed). */
  readonly done: Promise<void>;
  /** Stops the read (its build is to be dropped). */
  cancel(): void;
}

export interface ReadOptions {
  chunk?: number;
  /** Awaited once, after the first chunk is in (the thread's snapshot is open): a test's moment to commit labels. */
  paused?: () => Promise<void>;
}

/** Reads the project's record into `b` on a thread; `b` is complete (but for `finish`) when `done` settles. */
export function readPool(dbFile: string, project: { id: number; type: string }, b: PoolBuild, { chunk = CHUNK, paused }: ReadOptions = {}): PoolRead {
  const data: PoolReadData = { dbFile, projectId: project.id, ranking: project.type === 'ranking', chunk };
  const worker = new Worker(path.join(__dirname, 'pool-read.worker.ts'), { workerData: data, execArgv: typescriptExecArgv() });
  // A read under way does not keep the process alive (a server closing drops it).
  worker.unref();
  let pause = paused;
  const slots: string[] = [];
  const values: unknown[] = [];
  let cancelled = false;
  const done = new Promise<void>((resolve, reject) => {
    const fail = (e: Error) => {
      void worker.terminate();
      reject(e);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => !cancelled && fail(new Error(`The pool's reading thread ended early (${code})`)));
    const take = (m: Message) => {
      if (cancelled) return;
      if (m.t === 'end') {
        cancelled = true;
        void worker.terminate();
        return resolve();
      }
      if (m.t === 'error') return fail(new Error(m.message));
      try {
        if (m.t === 'items') addItems(b, m);
        else {
          for (const s of m.newSlots) slots.push(s);
          for (const v of m.newValues) values.push(v);
          addLabels(b, m, slots, values);
        }
      } catch (e) {
        return fail(e as Error);
      }
      worker.postMessage('more');
    };
    // Paused (a test): messages wait, in order, until the pause is over.
    let held: Promise<void> | null = null;
    worker.on('message', (m: Message) => {
      if (held) return void (held = held.then(() => take(m)));
      take(m);
      const wait = pause;
      pause = undefined;
      if (wait) held = wait();
    });
  });
  return {
    done,
    cancel() {
      cancelled = true;
      void worker.terminate();
    },
  };
}

function addItems(b: PoolBuild, c: ItemChunk): void {
  let g = 0;
  for (let i = 0; i < c.n; i++) {
    let gold: string | number | null = null;
    if (g < c.gold.length && c.gold[g] === i) {
      gold = c.gold[g + 1]!;
      g += 2;
    }
    b.item(c.ids[i]!, gold, c.answers[i]!);
  }
}

function addLabels(b: PoolBuild, c: LabelChunk, slots: readonly string[], values: readonly unknown[]): void {
  for (let i = 0; i < c.n; i++) {
    const value = values[c.value[i]!];
    if (c.human[i]) b.human(c.annotator[i]!, c.item[i]!, value);
    else {
      const cert = c.certainty[i]!;
      b.judge(c.annotator[i]!, c.item[i]!, slots[c.slot[i]!]!, value, Number.isNaN(cert) ? null : cert);
    }
  }
}
