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
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import type { Project } from '../../shared/views';
import type { Consensus } from '../reports/consensus';
import { typescriptExecArgv } from '../typescript-exec-argv';
import { columnNames, type Column } from './columns';
import { toCsv } from './csv';
import type { ExportQuery } from './exports.service';
import type { Share } from './share';
import { createdBy, PARQUET_WORKER, ROW_GROUP } from './parquet';
import type { ParquetReply, ParquetWorkerData } from './parquet.worker';

const WORKER = path.join(__dirname, 'export.worker.ts');

export const THREADS = {
  /** Two threads build (the 2-core machine of issue 14: the main thread only writes). */
  count: Math.max(1, Math.min(2, os.availableParallelism())),
  /** Smaller projects are exported on the main thread: a thread's start (~0.3 s with TypeScript) would cost more. */
  minItems: 4096,
  /** Rows a page: gold items, or labels (about 1–3 MB of text either way). */
  goldPage: 256,
  labelsPage: 1024,
  /** Gold items a page in Parquet: a page is one row group or more (parquet-pages.ts; ~2,000 records of ~1 kB of JSON). */
  goldParquetPage: 2048,
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
  /** Parquet labels: the encoder's port, where each page's records go instead of text (`rows` requests). */
  pages?: MessagePort;
  /** Parquet gold (parquet-pages.ts): the file's `created_by`; thread 0's ports from the other threads, or another thread's port to thread 0. */
  parquet?: { createdBy: string; from?: MessagePort[]; to?: MessagePort };
}
/**
 * From a thread: a page's bytes (maybe none), its share's end, or its failure; after its end, thread 0 of a gold
 * Parquet export sends the file's footer. To a thread: `credit` more pages.
 */
export type FromExportWorker = { type: 'page' | 'footer'; bytes: Uint8Array } | { type: 'end' } | { type: 'error'; message: string };
export type ToExportWorker = { credit: number } | { written: ArrayBuffer };

/**
 * What gives a page's bytes back to the thread that made them once the response has written them (its `write`
 * callback). A page's buffer, transferred here, counts as this thread's external memory until a garbage collection
 * frees it, and the main thread allocates too little to collect young objects often: at ~100 MB/s of pages its
 * heap was marked and compacted every ~0.8 s for the external memory alone (pauses of 30–68 ms in the server, with
 * its heap). Transferred back, the buffer leaves this thread's account at once and the thread's own frequent young
 * collections free it.
 */
const giveBack = new WeakMap<Uint8Array, () => void>();
/** The callback for the response's write of `chunk`: gives its buffer back to its thread (none for other chunks). */
export function onWritten(chunk: Uint8Array): (() => void) | undefined {
  return giveBack.get(chunk);
}

type Spec = Omit<ExportWorkerData, 'share' | 'pages' | 'parquet'>;
/**
 * A young generation of 64 MB a thread (V8's default is a fraction of that): a page's records and a row group's
 * cells live past a small one's collections and were promoted, then collected again as old objects (the Parquet
 * encoder's thread spent ~9 of its 22 s of CPU collecting garbage on the 1M-record gold export; 39 s in all with
 * this, 43 without).
 */
const YOUNG = { maxYoungGenerationSizeMb: 64 };
/**
 * 128 MB for a gold Parquet export's threads: a page (2,048 items) is shredded into its leaf columns and encoded
 * before it is dropped, and at 64 MB much of it lived past a young collection (1M-record gold export, in-process CPU
 * of both threads: 19.5–19.8 s at 64 MB, 17.0–17.7 s at 128, 16.6 s at 256; machine load 3.3–3.9).
 */
const YOUNG_PARQUET = { maxYoungGenerationSizeMb: 128 };
const execArgv = typescriptExecArgv();

/** The export's bytes, page by page in order, from `threads` threads. */
export async function* threadChunks(spec: Spec, threads: number): AsyncGenerator<Uint8Array> {
  const parquet = spec.q.format === 'parquet';
  const size = spec.q.kind === 'labels' ? THREADS.labelsPage : parquet ? THREADS.goldParquetPage : THREADS.goldPage;
  const parts: Array<{ worker: Worker; inbox: Inbox<FromExportWorker> }> = [];
  const ports = parquet ? parquetPorts(threads) : [];
  try {
    for (let index = 0; index < threads; index++) {
      const inbox = new Inbox<FromExportWorker>();
      const own = ports[index];
      const workerData: ExportWorkerData = { ...spec, share: { index, of: threads, size }, parquet: own };
      const transferList = own ? [...(own.from ?? []), ...(own.to ? [own.to] : [])] : [];
      const worker = watched(new Worker(WORKER, { workerData, transferList, execArgv, resourceLimits: parquet ? YOUNG_PARQUET : YOUNG }), inbox);
      worker.on('message', (m: FromExportWorker) => (m.type === 'error' ? inbox.fail(new Error(m.message)) : inbox.put(m)));
      worker.postMessage({ credit: WINDOW } satisfies ToExportWorker);
      parts.push({ worker, inbox });
    }
    if (spec.q.format === 'csv') yield Buffer.from(toCsv([], columnNames(spec.columns), true));
    for (let page = 0; ; page++) {
      const part = parts[page % threads]!;
      const m = await part.inbox.next();
      if (m.type !== 'page') break; // the end (a failure is thrown by next)
      part.worker.postMessage({ credit: 1 } satisfies ToExportWorker);
      if (m.bytes.byteLength === 0) continue;
      const { worker } = part;
      giveBack.set(m.bytes, () => {
        const buffer = m.bytes.buffer as ArrayBuffer;
        // A thread already stopped (the export ended) takes nothing: the buffer stays here for a collection.
        if (buffer.byteLength > 0) worker.postMessage({ written: buffer } satisfies ToExportWorker, [buffer]);
      });
      yield m.bytes;
    }
    // Gold Parquet: thread 0's footer, after its end (which may not have been taken yet).
    if (parquet) {
      let m: FromExportWorker;
      do m = await parts[0]!.inbox.next();
      while (m.type !== 'footer');
      yield m.bytes;
    }
  } finally {
    for (const p of parts) p.inbox.stop(p.worker);
  }
}

/** Gold Parquet: each thread but 0 gets a port to thread 0, where its pages' row-group metadata goes (parquet-pages.ts). */
function parquetPorts(threads: number): Array<NonNullable<ExportWorkerData['parquet']>> {
  const channels = Array.from({ length: threads - 1 }, () => new MessageChannel());
  const by = createdBy();
  return [{ createdBy: by, from: channels.map((c) => c.port2) }, ...channels.map((c) => ({ createdBy: by, to: c.port1 }))];
}

/**
 * A big labels export in Parquet: one thread builds the records page by page and sends them straight to the encoder's thread
 * (parquet.worker.ts) by a channel of their own, never through the main thread, which takes the encoder's row groups
 * and asks the builder for a page for each page the encoder answered (at most `WINDOW` pages in flight).
 */
export async function* parquetThreadChunks(spec: Spec): AsyncGenerator<Uint8Array> {
  const size = THREADS.labelsPage;
  const { port1, port2 } = new MessageChannel();
  const inbox = new Inbox<ParquetReply & { ok: true }>();
  const workers: Worker[] = [];
  try {
    const encoderData: ParquetWorkerData = { columns: spec.columns, rowGroup: ROW_GROUP, createdBy: createdBy(), pages: port2 };
    const encoder = watched(new Worker(PARQUET_WORKER, { workerData: encoderData, transferList: [port2], execArgv, resourceLimits: YOUNG }), inbox);
    workers.push(encoder);
    encoder.on('message', (r: ParquetReply) => (r.ok ? inbox.put(r) : inbox.fail(new Error(`Parquet export: ${r.message}`))));
    const builderData: ExportWorkerData = { ...spec, share: { index: 0, of: 1, size }, pages: port1 };
    const builder = watched(new Worker(WORKER, { workerData: builderData, transferList: [port1], execArgv, resourceLimits: YOUNG }), inbox);
    workers.push(builder);
    builder.on('message', (m: FromExportWorker) => m.type === 'error' && inbox.fail(new Error(m.message)));
    builder.postMessage({ credit: WINDOW } satisfies ToExportWorker);
    for (;;) {
      const r = await inbox.next();
      if (r.bytes.byteLength > 0) yield r.bytes;
      if (r.last) return;
      builder.postMessage({ credit: 1 } satisfies ToExportWorker);
    }
  } finally {
    for (const w of workers) inbox.stop(w);
  }
}

/** A worker whose failure (an error, or an exit before it was stopped) fails `inbox`. */
function watched<M>(worker: Worker, inbox: Inbox<M>): Worker {
  worker.on('error', (e: Error) => inbox.fail(e));
  worker.on('exit', (code: number) => inbox.fail(new Error(`the export thread stopped (exit ${code})`)));
  return worker;
}

/** Messages from threads, taken in order; the first failure is thrown by the next take. */
class Inbox<M> {
  private readonly queue: M[] = [];
  private waiting: { resolve: (m: M) => void; reject: (e: Error) => void } | null = null;
  private failure: Error | null = null;
  private stopped = false;

  put(m: M): void {
    const w = this.waiting;
    if (!w) this.queue.push(m);
    else {
      this.waiting = null;
      w.resolve(m);
    }
  }

  /** The next message, or the failure. */
  next(): Promise<M> {
    if (this.queue.length > 0) return Promise.resolve(this.queue.shift()!);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => (this.waiting = { resolve, reject }));
  }

  fail(e: Error): void {
    // A thread stopped by the export exits: only a failure before that counts.
    if (this.stopped || this.failure) return;
    this.failure = e;
    const w = this.waiting;
    this.waiting = null;
    w?.reject(e);
  }

  /** Stops `worker` (the export ended, failed or lost its client); its exit is not a failure. */
  stop(worker: Worker): void {
    this.stopped = true;
    void worker.terminate();
  }
}
