/**
 * A CSV body's records with the line each starts on, in batches: csv-parse over the bytes, checked as UTF-8 on the
 * way. The same code runs on the request's thread for a small body and in a worker thread for a big one
 * (csv-thread.ts), where csv-parse's 11 s for a million rows no longer add to the import's time.
 */
import { pipeline, Readable } from 'node:stream';
import { Parser as CsvParser, type Options as CsvOptions } from 'csv-parse';

/** Records handed on at once, each with the line it starts on. */
export interface CsvRows {
  records: string[][];
  lines: number[];
}

/** Why the bytes could not be read as CSV: not UTF-8, or csv-parse's error (its code) where the failing record starts. */
export type CsvFailure = { kind: 'utf8' } | { kind: 'csv'; code?: string | undefined; message: string; line: number };

export class CsvUnreadable extends Error {
  constructor(readonly failure: CsvFailure) {
    super(failure.kind === 'utf8' ? 'not UTF-8' : failure.message);
  }
}

export const CSV_BATCH = 1000;

/** Counts lines in a byte stream fed chunk by chunk, for records whose byte offsets are known; keeps only unread chunks. */
class StreamLines {
  private chunks: Buffer[] = [];
  /** Offset of chunks[0]. */
  private base = 0;
  private pos = 0;
  private line = 1;
  push(chunk: Buffer): void {
    this.chunks.push(chunk);
  }
  private byteAt(offset: number): number | undefined {
    let at = offset - this.base;
    for (const c of this.chunks) {
      if (at < c.length) return c[at];
      at -= c.length;
    }
    return undefined;
  }
  /** The line of the first non-blank byte at or after `offset` (blank lines between records are skipped). */
  startLine(offset: number): number {
    let at = offset;
    for (let b = this.byteAt(at); b === 0x0a || b === 0x0d; b = this.byteAt(++at));
    let start = this.base;
    for (const c of this.chunks) {
      const end = start + c.length;
      if (end > this.pos && start < at) {
        const stop = Math.min(at, end) - start;
        for (let i = c.indexOf(0x0a, Math.max(0, this.pos - start)); i !== -1 && i < stop; i = c.indexOf(0x0a, i + 1)) this.line++;
        this.pos = Math.min(at, end);
      }
      start = end;
    }
    while (this.chunks.length > 0 && this.base + this.chunks[0]!.length <= this.pos) this.base += this.chunks.shift()!.length;
    return this.line;
  }
}

/**
 * The records of `chunks`, header first. A record's line is the line it starts on: csv-parse's own line count is
 * the line a record ends on and counts a CRLF inside a quoted cell as two lines, so a spreadsheet's multi-line
 * answers would shift every later line number; counting newlines in the bytes it consumed does not. Throws
 * {@link CsvUnreadable}.
 */
export async function* csvRows(chunks: AsyncIterable<Buffer>, max: number): AsyncGenerator<CsvRows> {
  const lines = new StreamLines();
  // Byte offset just past the last record read (the header included): where a failing record starts.
  let end = 0;
  async function* checked(): AsyncGenerator<Buffer> {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let first = true;
    for await (let chunk of chunks) {
      // The byte-order mark is dropped here so csv-parse's offsets and the line count see the same bytes.
      if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      first = false;
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        throw new CsvUnreadable({ kind: 'utf8' });
      }
      lines.push(chunk);
      yield chunk;
    }
    try {
      decoder.decode();
    } catch {
      throw new CsvUnreadable({ kind: 'utf8' });
    }
  }
  const options: CsvOptions<{ record: string[]; bytes: number }, string[]> = {
    skip_empty_lines: true,
    max_record_size: max,
    // The record's end offset is taken here rather than with `info: true`, which would make csv-parse build its
    // info object a second time for every record (2.8 s of 1M rows' 13 s in csv-parse).
    on_record: (record: string[], context: { bytes: number }) => {
      end = context.bytes;
      return { record, bytes: context.bytes };
    },
  };
  // The Parser's constructor is typed for records that stay string[]; on_record's are the objects above.
  const parser = new CsvParser(options as unknown as CsvOptions);
  const rows = pipeline(Readable.from(checked()), parser, () => undefined) as AsyncIterable<{ record: string[]; bytes: number }>;
  let prevEnd = 0;
  let out: CsvRows = { records: [], lines: [] };
  try {
    for await (const { record, bytes } of rows) {
      out.records.push(record);
      out.lines.push(lines.startLine(prevEnd));
      prevEnd = bytes;
      if (out.records.length === CSV_BATCH) {
        yield out;
        out = { records: [], lines: [] };
      }
    }
  } catch (e) {
    if (e instanceof CsvUnreadable) throw e;
    const err = e as Error & { code?: string };
    throw new CsvUnreadable({ kind: 'csv', code: err.code, message: err.message, line: lines.startLine(end) });
  }
  if (out.records.length) yield out;
}
