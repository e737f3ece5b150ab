/** Reading an import file into records: telling its format, splitting JSONL and JSON arrays, and collecting its problems by line. */
import type { ErrorDetail } from '../../shared/errors';
import { jsonTooDeep, tooDeepMessage } from '../../shared/json-depth';
import { AppError } from '../errors';
import { readCsv } from './csv';
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
  if (body.size === 0 || (body.size <= body.head.length && firstChar(body.head) === '')) throw emptyFile();
  if (format === 'jsonl') return readJsonl(body, maxRecordBytes, problems);
  if (format === 'json') return readJsonArray(body, maxRecordBytes, problems);
  return readCsv(body, maxRecordBytes, problems, numericColumns, jsonColumns);
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

const notJson = (line: number, why: string) =>
  new AppError('invalid-input', `The file is not valid JSON (line ${line}): ${why}`, [{ line, message: `not valid JSON: ${why}` }]);

/**
 * The state after a character between a JSON array's elements (not whitespace): `Value` when it starts an element.
 * Errors in the array's own shape throw, naming the line of text.
 */
function betweenElements(state: Json, c: number, textLine: number): Json {
  if (state === Json.Before) {
    if (c !== 0x5b) throw new AppError('invalid-input', 'A JSON import must be an array of records (or send JSONL, one record per line)', [{ line: 1, message: 'not an array' }]);
    return Json.First;
  }
  if (state === Json.Closed) throw notJson(textLine, 'there is more after the closing ]');
  if (c === 0x5d) {
    if (state === Json.Next) throw notJson(textLine, 'a comma just before the closing ]');
    return Json.Closed;
  }
  if (c === 0x2c) throw notJson(textLine, state === Json.First ? 'a comma just after the opening [' : 'two commas in a row');
  return Json.Value;
}

/**
 * The quote that closes a string open at `from` (no escape pending there), found with indexOf (far faster than a
 * loop over long answers) and checked for an odd run of backslashes before it; -1 when it is in a later chunk.
 */
function closingQuote(t: string, from: number): number {
  for (let q = t.indexOf('"', from); q !== -1; q = t.indexOf('"', q + 1)) {
    let b = q - 1;
    while (b >= from && t.charCodeAt(b) === 0x5c) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
  return -1;
}

/** Whether a chunk ends in an odd run of backslashes after `from`: the next chunk's first character is escaped. */
function endsInEscape(t: string, from: number): boolean {
  let b = t.length - 1;
  while (b >= from && t.charCodeAt(b) === 0x5c) b--;
  return (t.length - 1 - b) % 2 === 1;
}

/**
 * The element of a JSON array being read: its text so far (until it is known to be over the limit, then only its
 * size). `spaces` is the whitespace between its tokens, which its size leaves out (counted by the scan).
 */
class ArrayElement {
  private parts: string[] = [];
  private chars = 0;
  private overBytes = -1;

  constructor(
    private readonly max: number,
    private readonly problems: Problems,
  ) {}

  /** Adds the element's text that ends in this chunk. */
  addLast(piece: string): void {
    if (this.overBytes >= 0) this.overBytes += Buffer.byteLength(piece);
    else this.parts.push(piece);
  }

  /** Adds the rest of a chunk: the element goes on in the next one. */
  addCarried(piece: string, spaces: number): void {
    this.chars += piece.length;
    if (this.overBytes >= 0) this.overBytes += Buffer.byteLength(piece);
    else {
      this.parts.push(piece);
      // Characters never outnumber bytes: once they pass the limit (whitespace aside), keep only the count.
      if (this.chars - spaces > this.max) {
        this.overBytes = Buffer.byteLength(this.parts.join(''));
        this.parts = [];
      }
    }
  }

  /** Ends element number `element`: a record in `out`, or a problem on its number. Then reads the next one afresh. */
  end(element: number, spaces: number, out: RawRecord[]): void {
    const json = this.parts.join('');
    if (this.overBytes >= 0) this.problems.add(tooBig(element, this.overBytes - spaces, this.max));
    else {
      const bytes = Buffer.byteLength(json) - spaces;
      if (bytes > this.max) this.problems.add(tooBig(element, bytes, this.max));
      else {
        const r = parseChecked(json, element, this.problems);
        if (r) out.push({ line: element, value: r.value });
      }
    }
    this.parts = [];
    this.chars = 0;
    this.overBytes = -1;
  }
}

/**
 * A JSON array of records, element by element: a scan of the text (strings, brackets, commas at the top level)
 * cuts out each element, which is then checked for depth and parsed on its own. An element's size is its bytes
 * without the whitespace between tokens, as if written compactly. Errors in the array's own shape (not an array,
 * never closed, text after it) refuse the file; an element that is not valid JSON is a problem on its line (the
 * element's number, as for every problem in a JSON array).
 */
async function readJsonArray(body: ImportBody, max: number, problems: Problems): Promise<RawRecord[]> {
  const out: RawRecord[] = [];
  const current = new ArrayElement(max, problems);
  let state = Json.Before as Json;
  let textLine = 1;
  let element = 0;
  let spaces = 0;
  let depth = 0;
  let inString = false;
  let escaped = false;
  for await (const t of text(body)) {
    let from = -1; // where the current element's text starts in this chunk
    if (state === Json.Value) from = 0;
    for (let i = 0; i < t.length; i++) {
      const c = t.charCodeAt(i);
      if (c === 0x0a) textLine++;
      if (state === Json.Value) {
        if (inString) {
          // A string may end in a later chunk, and a backslash at a chunk's end escapes the next chunk's first character.
          if (escaped) {
            escaped = false;
            continue;
          }
          const q = closingQuote(t, i);
          if (q === -1) {
            escaped = endsInEscape(t, i);
            i = t.length - 1;
          } else {
            inString = false;
            i = q;
          }
        } else if (c === 0x22) inString = true;
        else if (c === 0x7b || c === 0x5b) depth++;
        else if ((c === 0x7d || c === 0x5d) && depth > 0) depth--;
        else if (depth === 0 && (c === 0x2c || c === 0x5d)) {
          current.addLast(t.slice(from, i));
          current.end(element, spaces, out);
          spaces = 0;
          state = c === 0x2c ? Json.Next : Json.Closed;
        } else if (c === 0x7d) throw notJson(textLine, 'a } with no { before it');
        else if (isSpace(c)) spaces++;
        continue;
      }
      if (isSpace(c)) continue;
      state = betweenElements(state, c, textLine);
      if (state === Json.Value) {
        // The first character of an element: read it again in the Value state.
        element++;
        from = i;
        i--;
      }
    }
    if (state === Json.Value) current.addCarried(t.slice(from), spaces);
  }
  if (state === Json.Before) throw emptyFile();
  if (state !== Json.Closed) throw notJson(textLine, 'the file ends before the array is closed (a missing ], or a string or bracket left open)');
  if (element === 0) throw new AppError('invalid-input', 'The file is empty: the array has no records', [{ message: 'the array has no records' }]);
  return out;
}
