import { parse as parseCsv } from 'csv-parse/sync';
import type { ErrorDetail } from '../../shared/errors';
import { AppError } from '../errors';

export type ImportFormat = 'jsonl' | 'json' | 'csv';

/** One record of an import file with where it came from, for error messages. */
export interface RawRecord {
  /** JSONL: line number; JSON array: element number (1-based); CSV: line number in the file (header = 1). */
  line: number;
  value: unknown;
  /** A cell of this record could not be read and is already reported: skip the record's validation. */
  failed?: boolean;
}

/** Most problems listed in one error response; the message says how many more there were. */
export const MAX_DETAILS = 100;

/**
 * Collects the problems of a file. Reading the file and validating its records find problems in two passes, so
 * they arrive out of line order; the listed ones are the first {@link MAX_DETAILS} by line, in line order.
 */
export class Problems {
  private kept: ErrorDetail[] = [];
  total = 0;
  add(d: ErrorDetail): void {
    this.total++;
    this.kept.push(d);
    // Bounded: trim to the lowest lines now and then rather than keep every problem of a huge bad file.
    if (this.kept.length >= 4 * MAX_DETAILS) this.kept = this.sorted();
  }
  private sorted(): ErrorDetail[] {
    return this.kept
      .map((d, i) => ({ d, i }))
      .sort((a, b) => (a.d.line ?? 0) - (b.d.line ?? 0) || a.i - b.i)
      .slice(0, MAX_DETAILS)
      .map(({ d }) => d);
  }
  get list(): ErrorDetail[] {
    return this.sorted();
  }
  get any(): boolean {
    return this.total > 0;
  }
  /** Throws the 400 that names every bad record (up to the cap), if there were any. */
  throwIfAny(what: string): void {
    if (!this.any) return;
    const list = this.list;
    const more = this.total > list.length ? ` (the first ${list.length} are listed)` : '';
    const first = list[0]!;
    const where = `${first.line !== undefined ? `line ${first.line}` : ''}${first.field ? `${first.line !== undefined ? ', ' : ''}${first.field}` : ''}`;
    throw new AppError(
      'invalid-input',
      `Nothing was imported: ${this.total} problem${this.total === 1 ? '' : 's'} in the ${what}${more}. First: ${where ? `${where}: ` : ''}${first.message}`,
      list,
    );
  }
}

const MEDIA: Record<string, ImportFormat> = {
  'application/x-ndjson': 'jsonl',
  'application/jsonl': 'jsonl',
  'application/x-jsonlines': 'jsonl',
  'application/jsonlines': 'jsonl',
  'application/json': 'json',
  'text/csv': 'csv',
  'application/csv': 'csv',
};

/**
 * Picks the format from an explicit `?format=`, else the Content-Type, else the first character. A JSON body
 * that starts with `{` is read as JSONL (one object per line), so a JSONL file sent as application/json works.
 */
export function detectFormat(body: Buffer, contentType: string | undefined, explicit?: string): ImportFormat {
  if (explicit) {
    if (explicit === 'jsonl' || explicit === 'json' || explicit === 'csv') return explicit;
    throw new AppError('invalid-input', `Unknown format "${explicit}": use jsonl, json or csv`);
  }
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  const first = firstChar(body);
  const byMedia = media ? MEDIA[media] : undefined;
  if (byMedia === 'json') return first === '[' ? 'json' : 'jsonl';
  if (byMedia) return byMedia;
  if (media && media !== 'application/octet-stream' && media !== 'text/plain')
    throw new AppError('unsupported-media-type', `Cannot import ${media}: send application/x-ndjson (JSONL), application/json (an array) or text/csv`);
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  throw new AppError('unsupported-media-type', 'Cannot tell the file format: send application/x-ndjson (JSONL), application/json (an array) or text/csv');
}

function firstChar(body: Buffer): string {
  for (let i = 0; i < Math.min(body.length, 4096); i++) {
    const c = body[i]!;
    if (c === 0xef && body[i + 1] === 0xbb && body[i + 2] === 0xbf) {
      i += 2;
      continue;
    }
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return String.fromCharCode(c);
  }
  return '';
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** Decodes strictly; on bad bytes, names the first line that holds them. */
export function decodeUtf8(body: Buffer): string {
  try {
    return utf8.decode(body);
  } catch {
    let line = 1;
    let start = 0;
    for (let i = 0; i <= body.length; i++) {
      if (i === body.length || body[i] === 0x0a) {
        try {
          utf8.decode(body.subarray(start, i));
        } catch {
          throw new AppError('invalid-input', `The file is not valid UTF-8 (first bad bytes on line ${line}); save it as UTF-8 and try again`, [
            { line, message: 'not valid UTF-8' },
          ]);
        }
        line++;
        start = i + 1;
      }
    }
    throw new AppError('invalid-input', 'The file is not valid UTF-8; save it as UTF-8 and try again');
  }
}

/**
 * Splits an import body into records. Problems of the file itself (bad JSON on a line, a record over the size
 * limit) are collected into `problems` with their line, so one response names them all.
 */
export function readRecords(body: Buffer, format: ImportFormat, maxRecordBytes: number, problems: Problems, numericColumns: ReadonlySet<string>): RawRecord[] {
  if (body.length === 0 || firstChar(body) === '') throw new AppError('invalid-input', 'The file is empty: nothing to import', [{ message: 'the file is empty' }]);
  const text = decodeUtf8(body);
  if (format === 'jsonl') return readJsonl(text, maxRecordBytes, problems);
  if (format === 'json') return readJsonArray(text, maxRecordBytes, problems);
  return readCsv(text, maxRecordBytes, problems, numericColumns);
}

const tooBig = (line: number, bytes: number, max: number): ErrorDetail => ({
  line,
  message: `record is ${bytes} bytes, over the ${max}-byte limit for one record`,
});

function readJsonl(text: string, max: number, problems: Problems): RawRecord[] {
  const out: RawRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    let l = lines[i]!;
    if (i === 0 && l.charCodeAt(0) === 0xfeff) l = l.slice(1);
    if (l.endsWith('\r')) l = l.slice(0, -1);
    if (l.trim() === '') continue;
    const line = i + 1;
    const bytes = Buffer.byteLength(l);
    if (bytes > max) {
      problems.add(tooBig(line, bytes, max));
      continue;
    }
    try {
      out.push({ line, value: JSON.parse(l) });
    } catch (e) {
      problems.add({ line, message: `not valid JSON: ${(e as Error).message}` });
    }
  }
  return out;
}

function readJsonArray(text: string, max: number, problems: Problems): RawRecord[] {
  let data: unknown;
  try {
    data = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const msg = (e as Error).message;
    const pos = /position (\d+)/.exec(msg);
    const line = pos ? text.slice(0, Number(pos[1])).split('\n').length : undefined;
    throw new AppError('invalid-input', `The file is not valid JSON${line ? ` (line ${line})` : ''}: ${msg}`, [
      line ? { line, message: `not valid JSON: ${msg}` } : { message: `not valid JSON: ${msg}` },
    ]);
  }
  if (!Array.isArray(data))
    throw new AppError('invalid-input', 'A JSON import must be an array of records (or send JSONL, one record per line)', [{ line: 1, message: 'not an array' }]);
  if (data.length === 0) throw new AppError('invalid-input', 'The file is empty: the array has no records', [{ message: 'the array has no records' }]);
  const out: RawRecord[] = [];
  data.forEach((value, i) => {
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (bytes > max) problems.add(tooBig(i + 1, bytes, max));
    else out.push({ line: i + 1, value });
  });
  return out;
}

/**
 * Finds the line a record starts on from its byte offset. csv-parse's own line count is the line a record ends
 * on and counts a CRLF inside a quoted cell as two lines, so a spreadsheet's multi-line answers would shift
 * every later line number; counting newlines in the bytes it consumed does not. Offsets only grow, so the count
 * is incremental.
 */
class LineCounter {
  private pos = 0;
  private line = 1;
  constructor(private readonly bytes: Buffer) {}
  /** The line of the first non-blank byte at or after `offset` (blank lines between records are skipped). */
  startLine(offset: number): number {
    let at = offset;
    while (at < this.bytes.length && (this.bytes[at] === 0x0a || this.bytes[at] === 0x0d)) at++;
    for (; this.pos < at && this.pos < this.bytes.length; this.pos++) if (this.bytes[this.pos] === 0x0a) this.line++;
    return this.line;
  }
}

/**
 * CSV with a header row. Empty cells are absent fields; `options` holds a JSON array or `|`-separated
 * options, `meta` a JSON object, `meta.<key>` columns go into meta; numeric columns become numbers when they
 * parse as one (otherwise validation reports the field). A record's line is the line it starts on.
 */
function readCsv(text: string, max: number, problems: Problems, numericColumns: ReadonlySet<string>): RawRecord[] {
  const lines = new LineCounter(Buffer.from(text));
  // Byte offset just past the last record read (the header included): where a failing record starts.
  let end = 0;
  let rows: Array<{ record: string[]; info: { bytes: number } }>;
  try {
    rows = parseCsv(text, {
      bom: true,
      skip_empty_lines: true,
      info: true,
      max_record_size: max,
      on_record: (record: string[], context: { bytes: number }) => {
        end = context.bytes;
        return record;
      },
    }) as unknown as typeof rows;
  } catch (e) {
    const err = e as Error & { code?: string };
    const line = lines.startLine(end);
    const msg =
      err.code === 'CSV_MAX_RECORD_SIZE'
        ? `record over the ${max}-byte limit for one record`
        : err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
          ? `${/got (\d+)/.exec(err.message)?.[1] ?? 'a different number of'} cells where the header has ${/expect (\d+)/.exec(err.message)?.[1] ?? 'another number'}`
          : err.code === 'CSV_QUOTE_NOT_CLOSED'
            ? 'a quoted cell that starts here is never closed'
            : err.message.replace(/ at line \d+.*$|^Invalid Record Length: /, '');
    throw new AppError('invalid-input', `The CSV file cannot be read (line ${line}): ${msg}`, [{ line, message: msg }]);
  }
  const header = rows[0]?.record ?? [];
  const seenColumns = new Set<string>();
  for (const col of header) {
    if (seenColumns.has(col)) throw new AppError('invalid-input', `The CSV header names the column "${col}" twice`, [{ line: 1, field: col, message: 'column named twice in the header' }]);
    seenColumns.add(col);
  }
  if (rows.length < 2) throw new AppError('invalid-input', 'The file is empty: the CSV has a header but no rows', [{ message: 'no rows after the header' }]);
  const out: RawRecord[] = [];
  let prevEnd = rows[0]!.info.bytes;
  for (const { record, info } of rows.slice(1)) {
    const line = lines.startLine(prevEnd);
    prevEnd = info.bytes;
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
      else if (col === 'meta' || col === 'options') {
        const t = cell.trim();
        if (t.startsWith('[') || t.startsWith('{')) {
          try {
            value[col] = JSON.parse(t);
          } catch {
            fail(col, `${col} is not valid JSON`);
          }
        } else if (col === 'options') value[col] = cell.split('|').map((o) => o.trim());
        else fail(col, 'meta must be a JSON object');
      } else if (numericColumns.has(col) && cell.trim() !== '' && Number.isFinite(Number(cell))) value[col] = Number(cell);
      else value[col] = cell;
    });
    if (Object.keys(meta).length > 0) value.meta = { ...(value.meta as object | undefined), ...meta };
    out.push(failed ? { line, value, failed } : { line, value });
  }
  return out;
}
