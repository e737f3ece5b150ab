/**
 * A thread of a big export (export-thread.ts): reads its share of the pages on a read-only connection of its own,
 * builds each page's records and text as the main thread would, and sends the page's bytes, transferred, as long as
 * the main thread has asked for pages (credit); for Parquet labels, each page's records to the encoder's thread instead
 * (export-thread.ts parquetThreadChunks); for Parquet gold, the page's row groups it encoded itself (parquet-pages.ts).
 * The CSV header is the main thread's. Stopped by the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ExportsRepo } from './exports.repo';
import { ExportsService, pageText } from './exports.service';
import type { ExportWorkerData, FromExportWorker, ToExportWorker } from './export-thread';
import { threadParquet } from './parquet-pages';
import type { ParquetRequest } from './parquet.worker';

const d = workerData as ExportWorkerData;
const port = parentPort!;
const send = (m: FromExportWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const encoder = new TextEncoder();
// Parquet labels: this thread only sizes the records, the encoder's thread does the rest (this thread is the slower:
// it reads 9M labels' rows). Parquet gold: this thread encodes its pages itself (parquet-pages.ts).
const parquet = d.parquet ? threadParquet(d.columns, d.parquet, d.share, (b, footer) => send({ type: footer ? 'footer' : 'page', bytes: new Uint8Array(b) }, [b])) : null;
let credit = 0;
let next: (() => void) | null = null;

try {
  const db = new Database(d.dbFile, { readonly: true, fileMustExist: true });
  const { pages, csvRow } = new ExportsService(new ExportsRepo(db)).recordPages(d.project, d.q, d.consensus, d.share, null);
  const format = d.q.format === 'csv' ? 'csv' : 'jsonl';
  const it = pages[Symbol.iterator]();
  next = () => {
    for (; credit > 0; credit--) {
      const page = it.next();
      if (page.done) {
        credit = 0;
        next = null;
        db.close();
        d.pages?.postMessage({ type: 'end' } satisfies ParquetRequest);
        // Thread 0's footer comes after its end (export-thread.ts takes it after the last page).
        send({ type: 'end' });
        parquet?.end();
        return;
      }
      if (parquet) {
        parquet.page(page.value as Array<Record<string, unknown>>);
        continue;
      }
      if (d.pages) {
        const records = page.value as Array<Record<string, unknown>>;
        d.pages.postMessage({ type: 'rows', rows: records, sizes: records.map((r) => JSON.stringify(r).length) } satisfies ParquetRequest);
        continue;
      }
      // A fresh buffer of the text's exact size (TextEncoder's), so it can be transferred.
      const bytes = page.value.length > 0 ? encoder.encode(pageText(page.value, format, d.columns, csvRow)) : new Uint8Array(0);
      send({ type: 'page', bytes }, [bytes.buffer as ArrayBuffer]);
    }
  };
} catch (e) {
  send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
}

port.on('message', (m: ToExportWorker) => {
  // A page's buffer the response wrote, given back (export-thread.ts onWritten): dropped, for this thread's collections.
  if (!('credit' in m)) return;
  credit += m.credit;
  try {
    next?.();
  } catch (e) {
    next = null;
    send({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  }
});
