/**
 * A big gold export's Parquet, encoded on the export's threads themselves (issue 14; export-thread.ts threadChunks,
 * ADR 0009): each thread makes its pages' records into row groups and encodes them with hyparquet-writer into the
 * page's own bytes, which go to the main thread like a text page's. A page's row-group metadata (file offsets
 * relative to the page's first byte) goes to thread 0, which alone knows every page's place in the file at the end:
 * it rebases each page's offsets by the length of the pages before it and writes the footer (page indexes, then
 * the file metadata) with one ParquetWriter, as a single writer would have. No record or column data crosses
 * threads; the main thread only writes bytes.
 */
import type { MessagePort } from 'node:worker_threads';
import type { Column } from './columns';
import { parquetSchema, type SchemaElement } from './parquet-schema';
import { encodingStats, statistics } from './parquet-stats';
import { leafSlice, Shredder, type LeafData } from './parquet-shred';

// hyparquet-writer is an ES module; this CommonJS file loads it with Node's require(esm) (Node >= 20.19). Its column
// writer too: a row group is written here column by column as its ParquetWriter.write does, from parquet-shred.ts.
type HyparquetWriter = typeof import('hyparquet-writer', { with: { 'resolution-mode': 'import' } });
type ColumnModule = typeof import('hyparquet-writer/src/column.js', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ByteWriter, ParquetWriter } = require('hyparquet-writer') as HyparquetWriter;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { writeColumn } = require('hyparquet-writer/src/column.js') as ColumnModule;
type ColumnEncoder = Parameters<ColumnModule['writeColumn']>[0]['column'];
type Writer = InstanceType<HyparquetWriter['ParquetWriter']>;
type RowGroup = Writer['row_groups'][number];
type PageIndexes = Writer['pendingIndexes'][number];

/** A page's row groups, their offsets relative to the page's first byte, and its length in bytes. */
export interface PagePart {
  page: number;
  length: number;
  groups: RowGroup[];
  /** The groups' page indexes; each `chunk` is the same object as one of `groups`' column chunks (one message keeps that). */
  indexes: PageIndexes[];
}
/** From a thread other than 0 to thread 0: a page's part, or the end of the thread's pages. */
export type ToFooter = { part: PagePart } | { end: true };

/**
 * A row group holds at most this many records or this much of their cells' text (a text's length, 8 another
 * value, 1 a null; parquet-shred.ts), measured as the cells are made, without a JSON text of each record. A page's
 * records are cut into as few groups as the rule allows, of about equal size.
 */
export const CELL_GROUP = { rows: 5_000, bytes: 1_200_000 };

/** A page's records `[a, b)` of each row group: as few as `rule` allows, of about equal size (none for no record). */
export function cuts(sizes: Float64Array, rule: { rows: number; bytes: number }): Array<[number, number]> {
  const n = sizes.length;
  let total = 0;
  for (let i = 0; i < n; i++) total += sizes[i]!;
  const groups = Math.max(Math.ceil(total / rule.bytes), Math.ceil(n / rule.rows));
  const out: Array<[number, number]> = [];
  let a = 0;
  let before = 0;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    sum += sizes[i]!;
    if (i + 1 === n) break;
    const even = sum >= (total * (out.length + 1)) / groups;
    if (even || i + 1 - a >= rule.rows || sum - before >= rule.bytes) {
      out.push([a, i + 1]);
      a = i + 1;
      before = sum;
    }
  }
  if (n > 0) out.push([a, n]);
  return out;
}

/** One thread's encoder: a page's records in, the page's Parquet bytes (its row groups) and their metadata out. */
export class PageEncoder {
  private readonly writer = new ByteWriter();
  private readonly file: Writer;
  private readonly shredder: Shredder;
  /** Each leaf column's encoder options, as ParquetWriter.write gives them (its defaults: snappy, offset index; statistics made by `group`). */
  private readonly encoders: ColumnEncoder[];

  constructor(
    columns: Column[],
    createdBy: string,
    startsFile: boolean,
    private readonly rule = CELL_GROUP,
  ) {
    this.file = new ParquetWriter({ writer: this.writer, schema: parquetSchema(columns) as ConstructorParameters<HyparquetWriter['ParquetWriter']>[0]['schema'], createdBy });
    this.shredder = new Shredder(columns);
    const { compressors } = this.file;
    this.encoders = this.shredder.paths.map((schemaPath) => {
      const columnName = schemaPath.slice(1).map((e) => e.name).join('.');
      return { columnName, element: schemaPath.at(-1)!, schemaPath, codec: 'SNAPPY', compressors, stats: false, pageSize: 1_048_576, columnIndex: false, offsetIndex: true } as ColumnEncoder;
    });
    // Thread 0's first page (or its footer, when it sent none) begins the file: its bytes start with the header the
    // writer wrote. Every other output starts at its own byte 0, its offsets relative to it (rebased by `footer`).
    if (!startsFile) this.restart();
  }

  /** The writer's next output begins at byte 0 (getBuffer copied what it held). */
  private restart(): void {
    this.writer.index = this.writer.offset = 0;
  }

  /** The page's records as row groups; `onGroup` hears each group's encoding time (ADR 0009's bound). */
  encode(page: number, records: ReadonlyArray<Record<string, unknown>>, onGroup?: (ms: number, rows: number) => void): { bytes: ArrayBuffer; part: PagePart } {
    const { leaves, sizes } = this.shredder.shred(records);
    for (const [a, b] of cuts(sizes, this.rule)) {
      const t = performance.now();
      this.group(leaves, a, b, records.length);
      onGroup?.(performance.now() - t, b - a);
    }
    const out = this.writer.getBuffer();
    this.restart();
    const part: PagePart = { page, length: out.byteLength, groups: this.file.row_groups.splice(0), indexes: this.file.pendingIndexes.splice(0) };
    return { bytes: out, part };
  }

  /** Records `[a, b)` of the page as one row group, written as ParquetWriter.write writes one. */
  private group(leaves: LeafData[], a: number, b: number, n: number): void {
    const start = this.writer.offset;
    const columns: RowGroup['columns'] = [];
    for (let k = 0; k < leaves.length; k++) {
      const column = this.encoders[k]!;
      const pageData = leafSlice(leaves[k]!, a, b, n);
      // Statistics off in the writer, made here as it makes them (parquet-stats.ts), in less time.
      const result = writeColumn({ writer: this.writer, column, pageData: pageData as Parameters<typeof writeColumn>[0]['pageData'] });
      const m = result.chunk.meta_data!;
      m.statistics = statistics(pageData.values, column.element as SchemaElement) as typeof m.statistics;
      m.encoding_stats = encodingStats(m.dictionary_page_offset !== undefined, m.encodings, result.offsetIndex?.page_locations.length ?? 1) as typeof m.encoding_stats;
      columns.push(result.chunk);
      this.file.pendingIndexes.push(result);
    }
    let total_byte_size = 0n;
    for (const { meta_data } of columns) total_byte_size += meta_data?.total_uncompressed_size ?? 0n;
    this.file.row_groups.push({ columns, total_byte_size, num_rows: BigInt(b - a), total_compressed_size: BigInt(this.writer.offset - start) });
  }

  /**
   * Thread 0's footer: every page's row groups in page order, rebased by the pages before them (`parts`, one a page
   * that was sent; a page with no part wrote nothing), then the page indexes and the file metadata as finish() writes
   * them. When no page was sent, the footer's bytes begin with the file's header.
   */
  footer(parts: Map<number, PagePart>): ArrayBuffer {
    const file = this.file;
    const pages = [...parts.keys()].sort((a, b) => a - b);
    // The rows this thread's own groups counted as they were written are counted again here, with everyone's.
    file.num_rows = 0n;
    let base = 0;
    for (const p of pages) {
      const part = parts.get(p)!;
      rebase(part, BigInt(base));
      for (const g of part.groups) {
        file.row_groups.push(g);
        file.num_rows += g.num_rows;
      }
      file.pendingIndexes.push(...part.indexes);
      base += part.length;
    }
    this.writer.offset += base;
    file.finish();
    return this.writer.getBuffer();
  }
}

/** Moves a page's offsets by `base`, the page's first byte in the file (the page indexes' own offsets are the footer's). */
function rebase(part: PagePart, base: bigint): void {
  for (const g of part.groups)
    for (const c of g.columns) {
      c.file_offset += base;
      const m = c.meta_data;
      if (!m) continue;
      m.data_page_offset += base;
      if (m.dictionary_page_offset !== undefined) m.dictionary_page_offset += base;
      if (m.index_page_offset !== undefined) m.index_page_offset += base;
    }
  for (const x of part.indexes) for (const l of x.offsetIndex?.page_locations ?? []) l.offset += base;
}

/**
 * Thread 0's gathering of every thread's page parts (its own, and the others' by their ports) until each thread has
 * ended; then `ready` is called once.
 */
export class PartsGathered {
  readonly parts = new Map<number, PagePart>();
  private waiting: number;
  private ownEnded = false;

  constructor(
    ports: MessagePort[],
    private readonly ready: () => void,
  ) {
    this.waiting = ports.length;
    for (const port of ports)
      port.on('message', (m: ToFooter) => {
        if ('part' in m) this.parts.set(m.part.page, m.part);
        else {
          this.waiting--;
          port.close();
          this.check();
        }
      });
  }

  put(part: PagePart): void {
    this.parts.set(part.page, part);
  }

  /** This thread's own pages ended. */
  end(): void {
    this.ownEnded = true;
    this.check();
  }

  private check(): void {
    if (this.ownEnded && this.waiting === 0) this.ready();
  }
}

/**
 * An export thread's Parquet pages (export.worker.ts): `page` encodes its next page and hands the bytes to `send`;
 * `end` says its pages ended. Thread 0 gathers every part and sends the footer (`send(bytes, true)`) once all ended.
 */
export function threadParquet(columns: Column[], o: { createdBy: string; from?: MessagePort[]; to?: MessagePort }, share: { index: number; of: number }, send: (bytes: ArrayBuffer, footer: boolean) => void) {
  const encoder = new PageEncoder(columns, o.createdBy, share.index === 0);
  const gathered = o.from ? new PartsGathered(o.from, () => send(encoder.footer(gathered!.parts), true)) : null;
  let k = 0;
  return {
    page(records: ReadonlyArray<Record<string, unknown>>): void {
      const { bytes, part } = encoder.encode(k++ * share.of + share.index, records);
      if (gathered) gathered.put(part);
      else o.to!.postMessage({ part } satisfies ToFooter);
      send(bytes, false);
    },
    end(): void {
      if (gathered) gathered.end();
      else o.to!.postMessage({ end: true } satisfies ToFooter);
    },
  };
}
