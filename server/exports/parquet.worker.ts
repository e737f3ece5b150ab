/**
 * The Parquet export's encoder, off the main thread (ADR 0009): the server sends each page of records as it reads
 * them; this thread gathers them into row groups (at most `rows` records or `bytes` of their JSON text, see
 * parquet.ts), encodes each with hyparquet-writer and sends its bytes back, then the file's footer at the end. One
 * worker per export, ended by the export (or by its client going away). Holds at most one row group of records.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import type { Column } from './columns';
import { columnData, parquetSchema } from './parquet-schema';

// hyparquet-writer is an ES module; this CommonJS file loads it with Node's require(esm) (Node >= 20.19).
type HyparquetWriter = typeof import('hyparquet-writer', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ByteWriter, ParquetWriter } = require('hyparquet-writer') as HyparquetWriter;

export interface ParquetWorkerData {
  columns: Column[];
  /** A row group ends at this many records or this much of their JSON text, whichever comes first (parquet.ts). */
  rowGroup: { rows: number; bytes: number };
  /** The file's `created_by`. */
  createdBy: string;
  /** A port the pages come in by from an export's thread (export-thread.ts), besides this thread's own; replies go to the parent. */
  pages?: MessagePort;
}
/**
 * `rows`: a page of records (with their sizes when the sender measured them, RowGroups), answered with the bytes of
 * the row groups it completed (maybe none); `end`: the rest and the footer.
 */
export type ParquetRequest = { type: 'rows'; rows: Array<Record<string, unknown>>; sizes?: number[] } | { type: 'end' };
export type ParquetReply = { ok: true; bytes: Uint8Array; ms: number; last: boolean } | { ok: false; message: string };

/**
 * Records gathered into row groups: a group ends at `rule.rows` records or `rule.bytes` of their JSON text, whichever
 * comes first (parquet.ts ROW_GROUP; JSON text's length is a cheap measure of what encoding a record costs, ADR 0009).
 */
class RowGroups {
  private pending: Array<Record<string, unknown>> = [];
  private bytes = 0;

  constructor(private readonly rule: { rows: number; bytes: number }) {}

  /** Adds a record (its JSON text's length, when known); the records of the group it completed, else null. */
  add(r: Record<string, unknown>, size = JSON.stringify(r).length): Array<Record<string, unknown>> | null {
    this.pending.push(r);
    this.bytes += size;
    if (this.pending.length < this.rule.rows && this.bytes < this.rule.bytes) return null;
    return this.rest();
  }

  /** The records of the group begun (maybe none), and a new group begun. */
  rest(): Array<Record<string, unknown>> {
    const full = this.pending;
    this.pending = [];
    this.bytes = 0;
    return full;
  }
}

const { columns, rowGroup, createdBy, pages } = workerData as ParquetWorkerData;
const writer = new ByteWriter();
const file = new ParquetWriter({ writer, schema: parquetSchema(columns) as ConstructorParameters<typeof ParquetWriter>[0]['schema'], createdBy });
const groups = new RowGroups(rowGroup);

/** Encodes one row group; the time it took is reported so the row-group size can be checked (ADR 0009). */
function group(records: Array<Record<string, unknown>>): number {
  const start = performance.now();
  file.write({ columnData: columnData(records, columns) as Parameters<typeof file.write>[0]['columnData'], rowGroupSize: records.length });
  return performance.now() - start;
}

/** The bytes written since the last call (the writer's buffer is reused: its `offset` keeps the file position). */
function take(): ArrayBuffer {
  const bytes = writer.getBuffer();
  writer.index = 0;
  return bytes;
}

function onRequest(m: ParquetRequest): void {
  try {
    let ms = 0;
    if (m.type === 'rows') {
      for (let i = 0; i < m.rows.length; i++) {
        const full = groups.add(m.rows[i]!, m.sizes?.[i]);
        if (full) ms = Math.max(ms, group(full));
      }
    } else {
      const rest = groups.rest();
      if (rest.length > 0) ms = group(rest);
      file.finish();
    }
    const bytes = take();
    parentPort!.postMessage({ ok: true, bytes: new Uint8Array(bytes), ms, last: m.type === 'end' } satisfies ParquetReply, [bytes]);
  } catch (e) {
    parentPort!.postMessage({ ok: false, message: e instanceof Error ? e.message : String(e) } satisfies ParquetReply);
  }
}
parentPort!.on('message', onRequest);
pages?.on('message', onRequest);
