/**
 * The Parquet export (ADR 0009): the records of each page go to a worker thread (parquet.worker.ts) that encodes
 * them into row groups with hyparquet-writer; their bytes come back as chunks for the route to stream with the same
 * backpressure as the text exports. The main thread only builds the records, as for JSONL, and the worker holds at
 * most one row group, so memory stays flat in the number of records.
 */
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { typescriptExecArgv } from '../typescript-exec-argv';
import { concordVersion } from '../version';
import type { Column } from './columns';
import type { ParquetReply, ParquetRequest, ParquetWorkerData } from './parquet.worker';

export const PARQUET_WORKER = path.join(__dirname, 'parquet.worker.ts');

/**
 * A row group ends at 5,000 records or 2 MB of their JSON text, whichever comes first. Measured (ADR 0009):
 * hyparquet-writer encodes ~15–25 µs of CPU per kB of records (9 µs a 370-byte label row, 120 µs a 9 kB sft
 * example), so a group takes at most ~50 ms in the worker whatever the kind, and the worker holds at most one group.
 */
export const ROW_GROUP = { rows: 5_000, bytes: 2_000_000 };

/** A page of an export's records with the columns they are written under (exports.service `encode`). */
export interface RecordPage {
  columns: Column[];
  rows: Array<Record<string, unknown>>;
}

export const createdBy = () => `Concord ${concordVersion()} (hyparquet-writer)`;

/** Sends one request and waits for the worker's answer (or its failure). */
function ask(w: Worker, m: ParquetRequest): Promise<ParquetReply> {
  return new Promise((resolve, reject) => {
    const off = () => {
      w.off('message', onMessage);
      w.off('error', onError);
      w.off('exit', onExit);
    };
    const onMessage = (r: ParquetReply) => (off(), resolve(r));
    const onError = (e: Error) => (off(), reject(e));
    const onExit = (code: number) => (off(), reject(new Error(`the Parquet encoder stopped (exit ${code})`)));
    w.on('message', onMessage).on('error', onError).on('exit', onExit);
    w.postMessage(m);
  });
}

/**
 * The pages' records as Parquet bytes, a chunk per completed row group and the footer last. The first page names the
 * columns (an export always yields one, maybe empty, so a file with no record still has its schema). `rowGroup`
 * and `onGroup` (each row group's encoding time in the worker) are for measurements.
 */
export async function* parquetChunks(pages: Iterable<RecordPage>, { rowGroup = ROW_GROUP, onGroup }: { rowGroup?: { rows: number; bytes: number }; onGroup?: (ms: number) => void } = {}): AsyncGenerator<Uint8Array> {
  let w: Worker | null = null;
  const send = async (m: ParquetRequest) => {
    const r = await ask(w!, m);
    if (!r.ok) throw new Error(`Parquet export: ${r.message}`);
    if (r.ms > 0) onGroup?.(r.ms);
    return r.bytes;
  };
  try {
    for (const page of pages) {
      if (!w) w = new Worker(PARQUET_WORKER, { workerData: { columns: page.columns, rowGroup, createdBy: createdBy() } satisfies ParquetWorkerData, execArgv: typescriptExecArgv() });
      if (page.rows.length === 0) continue;
      const bytes = await send({ type: 'rows', rows: page.rows });
      if (bytes.byteLength > 0) yield bytes;
    }
    if (!w) throw new Error('Parquet export: no columns (an export yields at least one page)');
    yield await send({ type: 'end' });
  } finally {
    // Also when the client went away mid-export (the route stops pulling): the worker and its row group go.
    if (w) void w.terminate();
  }
}
