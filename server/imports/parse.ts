import { parse as parseCsv } from 'csv-parse/sync';
import type { ErrorDetail } from '../../shared/errors';
import { AppError } from '../errors';

export type ImportFormat = 'jsonl' | 'json' | 'csv';

/** One record of an import file with where it came from, for error messages. */
export interface RawRecord {
  /** JSONL: line number; JSON array: element number (1-based); CSV: line number in the file (header = 1). */
  line: number;
  value: unknown;
}

/** Most problems listed in one error response; the message says how many more there were. */
export const MAX_DETAILS = 100;

export class Problems {
  readonly list: ErrorDetail[] = [];
  total = 0;
  add(d: ErrorDetail): void {
    this.total++;
    if (this.list.length < MAX_DETAILS) this.list.push(d);
  }
  get any(): boolean {
    return this.total > 0;
  }
  /** Throws the 400 that names every bad record (up to the cap), if there were any. */
  throwIfAny(what: string): void {
    if (!this.any) return;
    const more = this.total > this.list.length ? ` (the first ${this.list.length} are listed)` : '';
    const first = this.list[0]!;
    const where = `${first.line !== undefined ? `line ${first.line}` : ''}${first.field ? `${first.line !== undefined ? ', ' : ''}${first.field}` : ''}`;
    throw new AppError(
      'invalid-input',
      `Nothing was imported: ${this.total} problem${this.total === 1 ? '' : 's'} in the ${what}${more}. First: ${where ? `${where}: ` : ''}${first.message}`,
      this.list,
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
  if (body.length === 0 || firstChar(body) === '') throw new AppError('invalid-input', 'The file is empty: nothing to import');
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
  if (!Array.isArray(data)) throw new AppError('invalid-input', 'A JSON import must be an array of records (or send JSONL, one record per line)');
  if (data.length === 0) throw new AppError('invalid-input', 'The file is empty: the array has no records');
  const out: RawRecord[] = [];
  data.forEach((value, i) => {
    const bytes = Buffer.byteLength(JSON.stringify(value) ?? '');
    if (bytes > max) problems.add(tooBig(i + 1, bytes, max));
    else out.push({ line: i + 1, value });
  });
  return out;
}

/**
 * CSV with a header row. Empty cells are absent fields; `options` holds a JSON array or `|`-separated
 * options, `meta` a JSON object, `meta.<key>` columns go into meta; numeric columns become numbers when they
 * parse as one (otherwise validation reports the field).
 */
function readCsv(text: string, max: number, problems: Problems, numericColumns: ReadonlySet<string>): RawRecord[] {
  let rows: Array<{ record: Record<string, string>; info: { lines: number; bytes: number } }>;
  try {
    rows = parseCsv(text, { columns: true, bom: true, skip_empty_lines: true, info: true, max_record_size: max }) as typeof rows;
  } catch (e) {
    const err = e as Error & { lines?: number; code?: string };
    const line = err.lines;
    const msg = err.code === 'CSV_MAX_RECORD_SIZE' ? `record over the ${max}-byte limit for one record` : err.message.replace(/^Invalid Record Length: /, '');
    throw new AppError('invalid-input', `The CSV file cannot be read${line ? ` (line ${line})` : ''}: ${msg}`, [line ? { line, message: msg } : { message: msg }]);
  }
  if (rows.length === 0) throw new AppError('invalid-input', 'The file is empty: the CSV has a header but no rows');
  return rows.map(({ record, info }) => {
    const line = info.lines;
    const value: Record<string, unknown> = {};
    const meta: Record<string, unknown> = {};
    for (const [col, cell] of Object.entries(record)) {
      if (cell === '') continue;
      if (col.startsWith('meta.')) meta[col.slice(5)] = cell;
      else if (col === 'meta' || col === 'options') {
        const t = cell.trim();
        if (t.startsWith('[') || t.startsWith('{')) {
          try {
            value[col] = JSON.parse(t);
          } catch {
            problems.add({ line, field: col, message: `${col} is not valid JSON` });
          }
        } else if (col === 'options') value[col] = cell.split('|').map((o) => o.trim());
        else problems.add({ line, field: col, message: 'meta must be a JSON object' });
      } else if (numericColumns.has(col) && cell.trim() !== '' && Number.isFinite(Number(cell))) value[col] = Number(cell);
      else value[col] = cell;
    }
    if (Object.keys(meta).length > 0) value.meta = { ...(value.meta as object | undefined), ...meta };
    return { line, value };
  });
}
