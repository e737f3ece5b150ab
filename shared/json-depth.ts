/**
 * How deeply JSON may nest, checked before anything recurses over it.
 *
 * `JSON.parse` itself is iterative, but much that follows is not (`JSON.stringify`, validation, exports,
 * the browser's rendering): a record nested 100,000 levels deep overflows the stack there and becomes a 500
 * far from its cause. Text is measured before it is parsed ({@link jsonTooDeep}, a linear scan of its
 * brackets outside strings); a value that arrives already parsed (socket.io payloads) is measured without
 * recursion ({@link valueTooDeep}). Pure: no Node or DOM.
 */

/** The deepest nesting accepted. The outermost object or array (a record, a request body, a payload) is level 1. */
export const MAX_JSON_DEPTH = 64;

/** Where a JSON text or value went deeper than the limit. */
export interface TooDeep {
  /** The top-level key under which the limit was passed, when the outermost value is an object. */
  field?: string;
}

/** The detail message for a value over the limit (the field, if any, is named beside it). */
export const tooDeepMessage = (limit: number = MAX_JSON_DEPTH) => `nested deeper than ${limit} levels`;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COLON = 0x3a;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
/** Longest field name quoted back in a message. */
const MAX_FIELD_CHARS = 100;

/**
 * Scans JSON text for `{`/`[` nesting deeper than `limit`, outside strings, without parsing it: one pass,
 * constant memory, stops at the first level over. Malformed text is not an error here (JSON.parse reports it
 * afterwards); the scan only never lets deep text through. Returns null when the text is within the limit.
 */
export function jsonTooDeep(text: string, limit: number = MAX_JSON_DEPTH): TooDeep | null {
  let depth = 0;
  // The last string closed at level 1, and the one a `:` made the current key.
  let lastStart = -1;
  let lastEnd = -1;
  let keyStart = -1;
  let keyEnd = -1;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      i = stringEnd(text, i);
      if (depth === 1) {
        lastStart = start;
        lastEnd = i;
      }
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limit) return keyStart >= 0 ? { field: fieldName(text, keyStart, keyEnd) } : {};
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      // Stray closers (malformed text) must not buy credit for deeper openers later.
      if (depth > 0) depth--;
    } else if (c === COLON && depth === 1) {
      keyStart = lastStart;
      keyEnd = lastEnd;
    }
  }
  return null;
}

/**
 * The index of the quote that closes the string opened at `open` (or the text's length): found with indexOf,
 * which is much faster than a loop over the characters of long strings, then checked for an odd run of
 * backslashes before it (an escaped quote).
 */
export function stringEnd(text: string, open: number): number {
  for (let q = text.indexOf('"', open + 1); q !== -1; q = text.indexOf('"', q + 1)) {
    let b = q - 1;
    while (text.charCodeAt(b) === BACKSLASH) b--;
    if ((q - 1 - b) % 2 === 0) return q;
  }
  return text.length;
}

function fieldName(text: string, start: number, end: number): string {
  // A key is a short string in any sane file; do not decode a megabyte to quote it back.
  const raw = text.slice(start, Math.min(end + 1, start + 4 * MAX_FIELD_CHARS));
  let name: string;
  try {
    name = JSON.parse(raw) as string;
  } catch {
    name = raw.replace(/^"|"$/g, '');
  }
  return capField(name);
}

const capField = (name: string) => (name.length > MAX_FIELD_CHARS ? `${name.slice(0, MAX_FIELD_CHARS)}…` : name);

/**
 * Measures an already-parsed value's nesting without recursion (an explicit stack) and stops as soon as a
 * level over `limit` is found. Returns null when the value is within the limit.
 */
export function valueTooDeep(value: unknown, limit: number = MAX_JSON_DEPTH): TooDeep | null {
  if (value === null || typeof value !== 'object') return null;
  if (limit < 1) return {};
  const stack: Array<{ node: object; depth: number; field: string | undefined }> = [{ node: value, depth: 1, field: undefined }];
  while (stack.length > 0) {
    const { node, depth, field } = stack.pop()!;
    const top = depth === 1 && !Array.isArray(node);
    for (const key of Object.keys(node)) {
      const child = (node as Record<string, unknown>)[key];
      if (child === null || typeof child !== 'object') continue;
      const childField = top ? key : field;
      if (depth + 1 > limit) return childField === undefined ? {} : { field: capField(childField) };
      stack.push({ node: child, depth: depth + 1, field: childField });
    }
  }
  return null;
}
