/** Reading an import file into records: telling its format, splitting JSONL and JSON arrays, and collecting its problems by line. */
import type { ErrorDetail } from '../../shared/errors';
import { AppError } from '../errors';
import { readCsv } from './csv';
import { readJsonArray } from './json-array';
import { parseChecked, tooBig } from './json-records';
import type { ImportBody } from './spool';
import { emptyFile, text } from './text';

/** The formats an import file may be in (`?format=` names one; otherwise the Content-Type or the first byte tells). */
export const IMPORT_FORMATS = ['jsonl', 'json', 'csv'] as const;
export type ImportFormat = (typeof IMPORT_FORMATS)[number];

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

/** Whether a media type (parameters aside) is one an import file may be declared as. */
export const importMedia = (type: string): boolean => MEDIA[type.split(';')[0]!.trim().toLowerCase()] !== undefined;

/** Checks an explicit `?format=` (before the body is read). */
export function explicitFormat(explicit: string | undefined): ImportFormat | undefined {
  if (explicit === undefined || (IMPORT_FORMATS as readonly string[]).includes(explicit)) return explicit as ImportFormat | undefined;
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

/**
 * Splits an import body into records, reading it chunk by chunk (never the whole file at once). Problems of the
 * file itself (bad JSON on a line, a record over the size limit or nested too deep) are collected into `problems`
 * with their line, so one response names them all. CSV: `numericColumns` become numbers, `jsonColumns` hold JSON
 * text (a conversation, a ranking's answers).
 */
export async function readRecords(
  body: ImportBody,
  format: ImportFormat,
  maxRecordBytes: number,
  problems: Problems,
  numericColumns: ReadonlySet<string>,
  jsonColumns: ReadonlySet<string> = new Set(),
): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  for await (const batch of recordBatches(body, format, maxRecordBytes, problems, numericColumns, jsonColumns)) for (const r of batch) out.push(r);
  return out;
}

/**
 * The records of an import body as {@link readRecords} reads them, a batch (a chunk's worth) at a time, so a caller
 * can deal with each record and let it go: a million parsed records held at once cost gigabytes and most of the
 * time went to collecting their garbage.
 */
export async function* recordBatches(
  body: ImportBody,
  format: ImportFormat,
  maxRecordBytes: number,
  problems: Problems,
  numericColumns: ReadonlySet<string>,
  jsonColumns: ReadonlySet<string> = new Set(),
): AsyncGenerator<RawRecord[]> {
  if (body.size === 0 || (body.size <= body.head.length && firstChar(body.head) === '')) throw emptyFile();
  if (format === 'jsonl') yield* readJsonl(body, maxRecordBytes, problems);
  else if (format === 'json') yield* readJsonArray(body, maxRecordBytes, problems);
  else yield* readCsv(body, maxRecordBytes, problems, numericColumns, jsonColumns);
}

async function* readJsonl(body: ImportBody, max: number, problems: Problems): AsyncGenerator<RawRecord[]> {
  let out: RawRecord[] = [];
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
    if (out.length) yield out;
    out = [];
  }
  if (pending !== '' || overBytes >= 0) endLine();
  if (!any) throw emptyFile();
  if (out.length) yield out;
}
