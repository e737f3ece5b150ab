import { isUtf8 } from 'node:buffer';
import { pipeline, Readable } from 'node:stream';
import { Parser as CsvParser } from 'csv-parse';
import type { ErrorDetail } from '../../shared/errors';
import { jsonTooDeep, MAX_JSON_DEPTH, tooDeepMessage } from '../../shared/json-depth';
import { AppError } from '../errors';
import type { ImportBody } from './spool';

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

/** Checks an explicit `?format=` (before the body is read). */
export function explicitFormat(explicit: string | undefined): ImportFormat | undefined {
  if (explicit === undefined || explicit === 'jsonl' || explicit === 'json' || explicit === 'csv') return explicit;
  throw new AppError('invalid-input', `Unknown format "${explicit}": use jsonl, json or csv`);
}

/**
 * Picks the format from an explicit `?format=`, else the Content-Type, else the first character of `head` (the
 * body's first bytes). A JSON body that starts with `{` is read as JSONL (one object per line), so a JSONL file
 * sent as application/json works.
 */
export function detectFormat(head: Buffer, contentType: string | undefined, explicit?: string): ImportFormat {
  const chosen = explicitFormat(explicit);
  if (chosen) return chosen;
  const media = contentType?.split(';')[0]?.trim().toLowerCase();
  const first = firstChar(head);
  const byMedia = media ? MEDIA[media] : undefined;
  if (byMedia === 'json') return first === '[' ? 'json' : 'jsonl';
  if (byMedia) return byMedia;
  if (media && media !== 'application/octet-stream' && media !== 'text/plain')
    throw new AppError('unsupported-media-type', `Cannot import ${media}: send application/x-ndjson (JSONL), application/json (an array) or text/csv`);
  if (first === '[') return 'json';
  if (first === '{') return 'jsonl';
  throw new AppError('unsupported-media-type', 'Cannot tell the file format: send application/x-ndjson (JSONL), application/json (an array) or text/csv');
}

function firstChar(head: Buffer): string {
  for (let i = 0; i < head.length; i++) {
    const c = head[i]!;
    if (c === 0xef && head[i + 1] === 0xbb && head[i + 2] === 0xbf) {
      i += 2;
      continue;
    }
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return String.fromCharCode(c);
  }
  return '';
}

const emptyFile = () => new AppError('invalid-input', 'The file is empty: nothing to import', [{ message: 'the file is empty' }]);

/** The error for a file that is not UTF-8, naming the first line with bad bytes (read again: the error path only). */
async function notUtf8(body: ImportBody): Promise<AppError> {
  let line = 1;
  let carry: Buffer[] = [];
  const bad = () =>
    new AppError('invalid-input', `The file is not valid UTF-8 (first bad bytes on line ${line}); save it as UTF-8 and try again`, [{ line, message: 'not valid UTF-8' }]);
  for await (const chunk of body.chunks()) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const bytes = carry.length ? Buffer.concat([...carry, chunk.subarray(start, nl)]) : chunk.subarray(start, nl);
      if (!isUtf8(bytes)) return bad();
      carry = [];
      line++;
      start = nl + 1;
    }
    carry.push(chunk.subarray(start));
  }
  const rest = Buffer.concat(carry);
  if (!isUtf8(rest)) return bad();
  return new AppError('invalid-input', 'The file is not valid UTF-8; save it as UTF-8 and try again');
}

/** The body as text, chunk by chunk, decoded strictly (a byte-order mark is dropped). */
async function* text(body: ImportBody): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  for await (const chunk of body.chunks()) {
    let t: string;
    try {
      t = decoder.decode(chunk, { stream: true });
    } catch {
      throw await notUtf8(body);
    }
    yield t;
  }
  try {
    decoder.decode();
  } catch {
    throw await notUtf8(body);
  }
}

/**
 * Splits an import body into records, reading it chunk by chunk (never the whole file at once). Problems of the
 * file itself (bad JSON on a line, a record over the size limit or nested too deep) are collected into `problems`
 * with their line, so one response names them all.
 */
export async function readRecords(body: ImportBody, format: ImportFormat, maxRecordBytes: number, problems: Problems, numericColumns: ReadonlySet<string>): Promise<RawRecord[]> {
  if (body.size === 0 || (body.size <= body.head.length && firstChar(body.head) === '')) throw emptyFile();
  if (format === 'jsonl') return readJsonl(body, maxRecordBytes, problems);
  if (format === 'json') return readJsonArray(body, maxRecordBytes, problems);
  return readCsv(body, maxRecordBytes, problems, numericColumns);
}

const tooBig = (line: number, bytes: number, max: number): ErrorDetail => ({
  line,
  message: `record is ${bytes} bytes, over the ${max}-byte limit for one record`,
});

/** Checks one JSON text's nesting, then parses it; a problem is added with its line and nothing returned. */
function parseChecked(json: string, line: number, problems: Problems): { value: unknown } | null {
  const deep = jsonTooDeep(json);
  if (deep) {
    problems.add(deep.field === undefined ? { line, message: tooDeepMessage() } : { line, field: deep.field, message: tooDeepMessage() });
    return null;
  }
  try {
    return { value: JSON.parse(json) };
  } catch (e) {
    problems.add({ line, message: `not valid JSON: ${(e as Error).message}` });
    return null;
  }
}

async function readJsonl(body: ImportBody, max: number, problems: Problems): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  let line = 0;
  let any = false;
  // The current line so far; past the limit only its size is kept.
  let pending = '';
  let overBytes = -1;
  let endsCr = false;
  const endLine = () => {
    line++;
    if (overBytes >= 0) {
      any = true;
      problems.add(tooBig(line, overBytes - (endsCr ? 1 : 0), max));
    } else {
      let l = pending;
      if (line === 1 && l.charCodeAt(0) === 0xfeff) l = l.slice(1);
      if (l.endsWith('\r')) l = l.slice(0, -1);
      if (l.trim() !== '') {
        any = true;
        const bytes = Buffer.byteLength(l);
        if (bytes > max) problems.add(tooBig(line, bytes, max));
        else {
          const r = parseChecked(l, line, problems);
          if (r) out.push({ line, value: r.value });
        }
      }
    }
    pending = '';
    overBytes = -1;
  };
  for await (const t of text(body)) {
    let start = 0;
    for (;;) {
      const nl = t.indexOf('\n', start);
      const piece = nl === -1 ? t.slice(start) : t.slice(start, nl);
      if (piece.length > 0) endsCr = piece.charCodeAt(piece.length - 1) === 0x0d;
      if (overBytes >= 0) overBytes += Buffer.byteLength(piece);
      else {
        pending += piece;
        // Characters never outnumber bytes: a line this long is over the limit whatever it holds (+1 for a CR).
        if (pending.length > max + 1) {
          overBytes = Buffer.byteLength(pending);
          pending = '';
        }
      }
      if (nl === -1) break;
      endLine();
      start = nl + 1;
    }
  }
  if (pending !== '' || overBytes >= 0) endLine();
  if (!any) throw emptyFile();
  return out;
}

const enum Json {
  Before,
  First,
  Next,
  Value,
  Closed,
}
const isSpace = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * A JSON array of records, element by element: a scan of the text (strings, brackets, commas at the top level)
 * cuts out each element, which is then checked for depth and parsed on its own. An element's size is its bytes
 * without the whitespace between tokens, as if written compactly. Errors in the array's own shape (not an array,
 * never closed, text after it) refuse the file; an element that is not valid JSON is a problem on its line (the
 * element's number, as for every problem in a JSON array).
 */
async function readJsonArray(body: ImportBody, max: number, problems: Problems): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  let state = Json.Before as Json;
  let textLine = 1;
  let element = 0;
  // The element being read: its text so far (until it is known to be over the limit), characters, whitespace.
  let parts: string[] = [];
  let chars = 0;
  let spaces = 0;
  let overBytes = -1;
  let depth = 0;
  let inString = false;
  let escaped = false;
  const notJson = (why: string) =>
    new AppError('invalid-input', `The file is not valid JSON (line ${textLine}): ${why}`, [{ line: textLine, message: `not valid JSON: ${why}` }]);
  const endElement = () => {
    const json = parts.join('');
    if (overBytes >= 0) problems.add(tooBig(element, overBytes - spaces, max));
    else {
      const bytes = Buffer.byteLength(json) - spaces;
      if (bytes > max) problems.add(tooBig(element, bytes, max));
      else {
        const r = parseChecked(json, element, problems);
        if (r) out.push({ line: element, value: r.value });
      }
    }
    parts = [];
    chars = 0;
    spaces = 0;
    overBytes = -1;
    depth = 0;
  };
  for await (const t of text(body)) {
    let from = -1; // where the current element's text starts in this chunk
    if (state === Json.Value) from = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x0a) textLine++;
      if (state === Json.Value) {
        if (inString) {
          // Jump to the closing quote (indexOf is far faster than this loop over long answers); a string may
          // end in a later chunk, and a backslash at a chunk's end escapes the next chunk's first character.
          if (escaped) {
            escaped = false;
            continue;
          }
          let q = t.indexOf('"', i);
          for (; q !== -1; q = t.indexOf('"', q + 1)) {
            let b = q - 1;
            while (b >= i && t.charCodeAt(b) === 0x5c) b--;
            if ((q - 1 - b) % 2 === 0) break;
          }
          if (q === -1) {
            let b = t.length - 1;
            while (b >= i && t.charCodeAt(b) === 0x5c) b--;
            escaped = (t.length - 1 - b) % 2 === 1;
            i = t.length - 1;
          } else {
            inString = false;
            i = q;
          }
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if ((c === 0x7d || c === 0x5d) && depth > 0) depth--;
        else if (depth === 0 && (c === 0x2c || c === 0x5d)) {
          const piece = t.slice(from, i);
          if (overBytes >= 0) overBytes += Buffer.byteLength(piece);
          else parts.push(piece);
          endElement();
          state = c === 0x2c ? Json.Next : Json.Closed;
        } else if (c === 0x7d) throw notJson('a } with no { before it');
        else if (isSpace(c)) spaces++;
        continue;
      }
      if (isSpace(c)) continue;
      if (state === Json.Before) {
        if (c !== 0x5b)
          throw new AppError('invalid-input', 'A JSON import must be an array of records (or send JSONL, one record per line)', [{ line: 1, message: 'not an array' }]);
        state = Json.First;
      } else if (state === Json.Closed) throw notJson('there is more after the closing ]');
      else if (c === 0x5d) {
        if (state === Json.Next) throw notJson('a comma just before the closing ]');
        state = Json.Closed;
      } else if (c === 0x2c) throw notJson(state === Json.First ? 'a comma just after the opening [' : 'two commas in a row');
      else {
        // The first character of an element: read it again in the Value state.
        state = Json.Value;
        element++;
        from = i;
        i--;
      }
    }
    if (state === Json.Value) {
      const piece = t.slice(from);
      chars += piece.length;
      if (overBytes >= 0) overBytes += Buffer.byteLength(piece);
      else {
        parts.push(piece);
        // Characters never outnumber bytes: once they pass the limit (whitespace aside), keep only the count.
        if (chars - spaces > max) {
          overBytes = Buffer.byteLength(parts.join(''));
          parts = [];
        }
      }
    }
  }
  if (state === Json.Before) throw emptyFile();
  if (state !== Json.Closed) throw notJson('the file ends before the array is closed (a missing ], or a string or bracket left open)');
  if (element === 0) throw new AppError('invalid-input', 'The file is empty: the array has no records', [{ message: 'the array has no records' }]);
  return out;
}

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
 * CSV with a header row. Empty cells are absent fields; `options` holds a JSON array or `|`-separated
 * options, `meta` a JSON object, `meta.<key>` columns go into meta; numeric columns become numbers when they
 * parse as one (otherwise validation reports the field). A record's line is the line it starts on: csv-parse's
 * own line count is the line a record ends on and counts a CRLF inside a quoted cell as two lines, so a
 * spreadsheet's multi-line answers would shift every later line number; counting newlines in the bytes it
 * consumed does not.
 */
async function readCsv(body: ImportBody, max: number, problems: Problems, numericColumns: ReadonlySet<string>): Promise<RawRecord[]> {
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
  const out: RawRecord[] = [];
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
      out.push(csvRecord(header, record, line, problems, numericColumns));
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
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
  if (!header) throw emptyFile();
  if (out.length === 0) throw new AppError('invalid-input', 'The file is empty: the CSV has a header but no rows', [{ message: 'no rows after the header' }]);
  return out;
}

function csvRecord(header: string[], record: string[], line: number, problems: Problems, numericColumns: ReadonlySet<string>): RawRecord {
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
        // The cell is one level inside its record, as the field is in JSONL.
        if (jsonTooDeep(t, MAX_JSON_DEPTH - 1)) fail(col, tooDeepMessage());
        else
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
  return failed ? { line, value, failed } : { line, value };
}
