import { pipeline, Readable } from 'node:stream';
import { Parser as CsvParser } from 'csv-parse';
import { jsonTooDeep, MAX_JSON_DEPTH, tooDeepMessage } from '../../shared/json-depth';
import { AppError } from '../errors';
import type { Problems, RawRecord } from './parse';
import type { ImportBody } from './spool';
import type { TaskType } from '../../shared/schemas';
import { emptyFile, notUtf8 } from './text';

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
 * CSV with a header row. Empty cells are absent fields; `options` (and `images`) hold a JSON array or `|`-separated
 * options (paths), `meta` a JSON object, `meta.<key>` columns go into meta; `jsonColumns` (a conversation, a
 * ranking's answers and gold, which no cell could hold otherwise) hold JSON text; numeric columns become numbers when they
 * parse as one (otherwise validation reports the field). A record's line is the line it starts on: csv-parse's
 * own line count is the line a record ends on and counts a CRLF inside a quoted cell as two lines, so a
 * spreadsheet's multi-line answers would shift every later line number; counting newlines in the bytes it
 * consumed does not.
 */
export async function* readCsv(
  body: ImportBody,
  max: number,
  problems: Problems,
  numericColumns: ReadonlySet<string>,
  jsonColumns: ReadonlySet<string> = new Set(),
): AsyncGenerator<RawRecord[]> {
  const lines = new StreamLines();
  // Byte offset just past the last record read (the header included): where a failing record starts.
  let end = 0;
  async function* checked(): AsyncGenerator<Buffer> {
    const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
    let first = true;
    for await (let chunk of body.chunks()) {
      // The byte-order mark is dropped here so csv-parse's offsets and the line count see the same bytes.
      if (first && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf) chunk = chunk.subarray(3);
      first = false;
      try {
        decoder.decode(chunk, { stream: true });
      } catch {
        throw await notUtf8(body);
      }
      lines.push(chunk);
      yield chunk;
    }
    try {
      decoder.decode();
    } catch {
      throw await notUtf8(body);
    }
  }
  const parser = new CsvParser({
    skip_empty_lines: true,
    info: true,
    max_record_size: max,
    on_record: (record: string[], context: { bytes: number }) => {
      end = context.bytes;
      return record;
    },
  });
  const rows = pipeline(Readable.from(checked()), parser, () => undefined) as AsyncIterable<{ record: string[]; info: { bytes: number } }>;

  let header: string[] | undefined;
  let prevEnd = 0;
  let out: RawRecord[] = [];
  let rowCount = 0;
  try {
    for await (const { record, info } of rows) {
      if (!header) {
        header = record;
        const seenColumns = new Set<string>();
        for (const col of header) {
          if (seenColumns.has(col)) throw new AppError('invalid-input', `The CSV header names the column "${col}" twice`, [{ line: 1, field: col, message: 'column named twice in the header' }]);
          seenColumns.add(col);
        }
        prevEnd = info.bytes;
        continue;
      }
      const line = lines.startLine(prevEnd);
      prevEnd = info.bytes;
      out.push(csvRecord(header, record, line, problems, numericColumns, jsonColumns));
      rowCount++;
      if (out.length === CSV_BATCH) {
        yield out;
        out = [];
      }
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw unreadable(e as Error & { code?: string }, lines.startLine(end), max);
  }
  if (!header) throw emptyFile();
  if (rowCount === 0) throw new AppError('invalid-input', 'The file is empty: the CSV has a header but no rows', [{ message: 'no rows after the header' }]);
  if (out.length) yield out;
}

/** Rows handed on at once (csv-parse gives them one by one). */
const CSV_BATCH = 1000;

/** csv-parse's error for a file it cannot read, in words, on the line where the failing record starts. */
function unreadable(err: Error & { code?: string }, line: number, max: number): AppError {
  const msg =
    err.code === 'CSV_MAX_RECORD_SIZE'
      ? `record over the ${max}-byte limit for one record`
      : err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? `${/got (\d+)/.exec(err.message)?.[1] ?? 'a different number of'} cells where the header has ${/expect (\d+)/.exec(err.message)?.[1] ?? 'another number'}`
        : err.code === 'CSV_QUOTE_NOT_CLOSED'
          ? 'a quoted cell that starts here is never closed'
          : err.message.replace(/ at line \d+.*$|^Invalid Record Length: /, '');
  return new AppError('invalid-input', `The CSV file cannot be read (line ${line}): ${msg}`, [{ line, message: msg }]);
}

/** Columns whose cell may be a list of strings separated by `|` when it is not JSON. */
const LIST_COLUMNS = new Set(['options', 'images']);

function csvRecord(header: string[], record: string[], line: number, problems: Problems, numericColumns: ReadonlySet<string>, jsonColumns: ReadonlySet<string>): RawRecord {
  const value: Record<string, unknown> = {};
  const meta: Record<string, unknown> = {};
  let failed = false;
  const fail = (field: string, message: string) => {
    failed = true;
    problems.add({ line, field, message });
  };
  header.forEach((col, i) => {
    const cell = record[i] ?? '';
    if (cell === '') return;
    if (col.startsWith('meta.')) meta[col.slice(5)] = cell;
    else if (col === 'meta' || LIST_COLUMNS.has(col) || jsonColumns.has(col)) {
      const t = cell.trim();
      if (t.startsWith('[') || t.startsWith('{')) {
        // The cell is one level inside its record, as the field is in JSONL.
        if (jsonTooDeep(t, MAX_JSON_DEPTH - 1)) fail(col, tooDeepMessage());
        else
          try {
            value[col] = JSON.parse(t);
          } catch {
            fail(col, `${col} is not valid JSON`);
          }
      } else if (LIST_COLUMNS.has(col)) value[col] = cell.split('|').map((o) => o.trim());
      else if (col === 'meta') fail(col, 'meta must be a JSON object');
      else if (numericColumns.has(col) && Number.isFinite(Number(cell))) value[col] = Number(cell);
      else fail(col, `${col} must be JSON text in a CSV cell (e.g. ${JSON_EXAMPLES[col] ?? '[...]'})`);
    } else if (numericColumns.has(col) && cell.trim() !== '' && Number.isFinite(Number(cell))) value[col] = Number(cell);
    else value[col] = cell;
  });
  if (Object.keys(meta).length > 0) value.meta = { ...(value.meta as object | undefined), ...meta };
  return failed ? { line, value, failed } : { line, value };
}

/** What a JSON cell looks like, for the error when one is not JSON. */
const JSON_EXAMPLES: Record<string, string> = {
  answers: '["first answer", "second answer"]',
  gold: '[2, 0, 1]',
  conversation: '[{"role":"user","content":"…"},{"role":"assistant","content":"…"}]',
  conversation_a: '[{"role":"user","content":"…"},{"role":"assistant","content":"…"}]',
  conversation_b: '[{"role":"user","content":"…"},{"role":"assistant","content":"…"}]',
  permutation: '[2, 0, 1]',
  scores: '[7, 9, 4]',
};

/** The CSV columns read as numbers and as JSON text, by what is imported into a project of which type. */
export function csvColumns(kind: 'items' | 'labels', type: TaskType): { numeric: Set<string>; json: Set<string> } {
  if (kind === 'labels') return { numeric: new Set(['certainty', 'sample', 'seconds', ...(type === 'rating' ? ['value'] : [])]), json: new Set(['permutation', 'scores']) };
  if (type === 'pairwise') return { numeric: new Set(['turn']), json: new Set(['conversation_a', 'conversation_b']) };
  if (type === 'rating') return { numeric: new Set(['gold', 'turn']), json: new Set(['conversation']) };
  if (type === 'ranking') return { numeric: new Set(), json: new Set(['answers', 'gold']) };
  return { numeric: new Set(), json: new Set() };
}
