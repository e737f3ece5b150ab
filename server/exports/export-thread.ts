/**
 * A big gold or labels export's text built off the main thread (issue 14): `THREADS.count` worker threads
 * (export.worker.ts), each with its own read-only connection, read their share of the pages (share.ts), build the
 * records and their JSON lines or CSV rows as the main thread would (ExportsService.recordPages, pageText) and send
 * each page's bytes (transferred, not copied). The main thread only takes the pages in order and writes them, with the
 * route's backpressure: a thread builds at most `WINDOW` pages ahead of what the main thread took, so memory stays
 * flat in the number of records. The CSV header is written here, before the first page. When the export ends early
 * (an error, the client gone), every thread is stopped.
 */
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Project } from '../../shared/views';
import type { Consensus } from '../reports/consensus';
import { typescriptExecArgv } from '../typescript-exec-argv';
import { columnNames, type Column } from './columns';
import { toCsv } from './csv';
import type { ExportQuery } from './exports.service';
import type { Share } from './share';

const WORKER = path.join(__dirname, 'export.worker.ts');

export const THREADS = {
  /** Two threads build (the 2-core machine of issue 14: the main thread only writes). */
  count: Math.max(1, Math.min(2, os.availableParallelism())),
  /** Smaller projects are exported on the main thread: a thread's start (~0.3 s with TypeScript) would cost more. */
  minItems: 4096,
  /** Rows a page: gold items, or labels (about 1–3 MB of text either way). */
  goldPage: 256,
  labelsPage: 1024,
};
/** Pages a thread builds ahead of the main thread. */
const WINDOW = 8;

export interface ExportWorkerData {
  dbFile: string;
  project: Project;
  q: ExportQuery;
  consensus: Consensus | null;
  columns: Column[];
  share: Share;
}
/** From a thread: a page's bytes (maybe none), its share's end, or its failure. To a thread: `credit` more pages. */
export type FromExportWorker = { type: 'page'; bytes: Uint8Array } | { type: 'end' } | { type: 'error'; message: string };
export type ToExportWorker = { credit: number };

type Spec = Omit<ExportWorkerData, 'share'>;

/** The export's bytes, page by page in order, from `threads` threads. */
export async function* threadChunks(spec: Spec, threads: number): AsyncGenerator<Uint8Array> {
  const size = spec.q.kind === 'labels' ? THREADS.labelsPage : THREADS.goldPage;
  const parts: Part[] = [];
  try {
    for (let index = 0; index < threads; index++) parts.push(new Part({ ...spec, share: { index, of: threads, size } }));
    if (spec.q.format === 'csv') yield Buffer.from(toCsv([], columnNames(spec.columns), true));
    for (let page = 0; ; page++) {
      const m = await parts[page % threads]!.next();
      if (m.type !== 'page') return; // the end (a failure is thrown by next)
      if (m.bytes.byteLength > 0) yield m.bytes;
    }
  } finally {
    for (const p of parts) p.stop();
  }
}

/** One thread: its messages queued in order, a page asked for each page taken. */
class Part {
  private readonly worker: Worker;
  private readonly queue: FromExportWorker[] = [];
  private waiting: { resolve: (m: FromExportWorker) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private stopped = false;

  constructor(data: ExportWorkerData) {
    this.worker = new Worker(WORKER, { workerData: data, execArgv: typescriptExecArgv() });
    this.worker.on('message', (m: FromExportWorker) => {
      if (m.type === 'error') this.fail(new Error(m.message));
      else if (this.waiting) this.take(m);
      else this.queue.push(m);
    });
    this.worker.on('error', (e: Error) => this.fail(e));
    this.worker.on('exit', (code: number) => this.fail(new Error(`the export thread stopped (exit ${code})`)));
    this.worker.postMessage({ credit: WINDOW } satisfies ToExportWorker);
  }

  /** The thread's next message: a page (another is asked for) or the end of its share. */
  next(): Promise<FromExportWorker> {
    const m = this.queue.shift();
    if (m) return Promise.resolve(this.took(m));
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  stop(): void {
    this.stopped = true;
    void this.worker.terminate();
  }

  private take(m: FromExportWorker): void {
    const w = this.waiting!;
    this.waiting = null;
    w.resolve(this.took(m));
  }

  private took(m: FromExportWorker): FromExportWorker {
    if (m.type === 'page' && !this.stopped) this.worker.postMessage({ credit: 1 } satisfies ToExportWorker);
    return m;
  }

  private fail(e: Error): void {
    // A thread that ended its share exits when stopped; only a failure before that counts.
    if (this.stopped || this.failure) return;
    this.failure = e;
    if (this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w.reject(e);
    }
  }
}
