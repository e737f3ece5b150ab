/** Reading a JSON array of records element by element, without holding the file (parse.ts picks the reader). */
import { AppError } from '../errors';
import { parseChecked, tooBig } from './json-records';
import type { Problems, RawRecord } from './parse';
import type { ImportBody } from './spool';
import { emptyFile, text } from './text';

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
export async function* readJsonArray(body: ImportBody, max: number, problems: Problems): AsyncGenerator<RawRecord[]> {
  let out: RawRecord[] = [];
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
    if (out.length) yield out;
    out = [];
  }
  if (state === Json.Before) throw emptyFile();
  if (state !== Json.Closed) throw notJson(textLine, 'the file ends before the array is closed (a missing ], or a string or bracket left open)');
  if (element === 0) throw new AppError('invalid-input', 'The file is empty: the array has no records', [{ message: 'the array has no records' }]);
}
