/**
 * A thread of a big export (export-thread.ts): reads its share of the pages on a read-only connection of its own,
 * builds each page's records and text as the main thread would, and sends the page's bytes, transferred, as long as
 * the main thread has asked for pages (credit); for Parquet, each page's records to the encoder's thread instead
 * (export-thread.ts parquetThreadChunks). The CSV header is the main thread's. Stopped by the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { ExportsRepo } from './exports.repo';
import { ExportsService, pageText } from './exports.service';
import type { ExportWorkerData, FromExportWorker, ToExportWorker } from './export-thread';
import { ROW_GROUP } from './parquet';
import { columnGroup, RowGroups, type ColumnGroup } from './parquet-schema';
import type { ParquetRequest } from './parquet.worker';

const d = workerData as ExportWorkerData;
const port = parentPort!;
const send = (m: FromExportWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const encoder = new TextEncoder();
// Parquet gold: this thread gathers the row groups and makes their column data, the encoder's thread only encodes them
// (it was the slower of the two: it had done both). Parquet labels: this thread only sizes the records, the encoder
// does the rest (there this thread is the slower: it reads 9M labels' rows).
const groups = d.pages && d.q.kind === 'gold' ? new RowGroups(ROW_GROUP) : null;
const groupOf = (records: Array<Record<string, unknown>>): ColumnGroup => {
  try {
    return columnGroup(records, d.columns);
  } catch (e) {
    // The message the encoder's thread gave for a value its column refuses.
    throw new Error(`Parquet export: ${e instanceof Error ? e.message : String(e)}`);
  }
};
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
        if (d.pages) {
          const rest = groups?.rest() ?? [];
          if (rest.length > 0) d.pages.postMessage({ type: 'groups', groups: [groupOf(rest)] } satisfies ParquetRequest);
          d.pages.postMessage({ type: 'end' } satisfies ParquetRequest);
        }
        send({ type: 'end' });
        return;
      }
      if (d.pages) {
        const records = page.value as Array<Record<string, unknown>>;
        if (!groups) d.pages.postMessage({ type: 'rows', rows: records, sizes: records.map((r) => JSON.stringify(r).length) } satisfies ParquetRequest);
        else {
          // Every page is sent, maybe with no group (the encoder's answer to each is the main thread's cue for one more).
          const full: ColumnGroup[] = [];
          for (const r of records) {
            const rows = groups.add(r);
            if (rows) full.push(groupOf(rows));
          }
          d.pages.postMessage({ type: 'groups', groups: full } satisfies ParquetRequest);
        }
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
