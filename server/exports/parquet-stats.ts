/**
 * A column chunk's statistics and page-encoding counts as hyparquet-writer's writeColumn (column.js 0.17.0) makes
 * them, for the cells the gold Parquet threads write (parquet-shred.ts: texts, numbers, bigints, booleans, nulls),
 * in one loop that compares a text only when it is not the current bound (the writer's own took ~15% of a thread's
 * encoding: a few checks and two comparisons a value). test/integration/parquet-pages.test.ts compares the file's
 * bytes with the writer's own.
 */
import type { SchemaElement } from './parquet-schema';

/** Strings in UTF-8 byte order, i.e. code point order, a lone surrogate as U+FFFD (column.js compareStrings). */
function compareStrings(left: string, right: string): number {
  if (left === right) return 0;
  const length = Math.min(left.length, right.length);
  let i = 0;
  while (i < length && left.charCodeAt(i) === right.charCodeAt(i)) i++;
  // Back up if the difference is in the low half of a surrogate pair.
  if (i > 0) {
    const prev = left.charCodeAt(i - 1);
    if (prev >= 0xd800 && prev <= 0xdbff) i--;
  }
  while (i < left.length && i < right.length) {
    const a = codePointAt(left, i);
    const b = codePointAt(right, i);
    if (a !== b) return a - b;
    i += a > 0xffff ? 2 : 1;
  }
  return left.length - right.length;
}

function codePointAt(s: string, i: number): number {
  const code = s.codePointAt(i) ?? 0xfffd;
  return code >= 0xd800 && code <= 0xdfff ? 0xfffd : code;
}

/** The chunk's { min_value, max_value, null_count, nan_count } (nan_count for a DOUBLE only; NaN is no bound). */
export function statistics(values: readonly unknown[], element: SchemaElement) {
  const float = element.type === 'DOUBLE';
  let min: unknown = undefined;
  let max: unknown = undefined;
  let nulls = 0;
  let nans = 0;
  if (element.type === 'BYTE_ARRAY') {
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as string | null | undefined;
      if (v === null || v === undefined) nulls++;
      else if (min === undefined) min = max = v;
      else if (v !== min && compareStrings(v, min as string) < 0) min = v;
      else if (v !== max && compareStrings(v, max as string) > 0) max = v;
    }
  } else {
    for (let i = 0; i < values.length; i++) {
      // A number, bigint or boolean: each column's values are of one of them, compared as JavaScript does.
      const v = values[i] as number | null | undefined;
      if (v === null || v === undefined) nulls++;
      else if (typeof v === 'number' && Number.isNaN(v)) nans++;
      else {
        if (min === undefined || v < (min as number)) min = v;
        if (max === undefined || v > (max as number)) max = v;
      }
    }
  }
  // Signed zero as the Parquet spec has it: min -0, max +0.
  return { min_value: min === 0 ? -0 : min, max_value: max === 0 ? 0 : max, null_count: BigInt(nulls), nan_count: float ? BigInt(nans) : undefined };
}

/** The chunk's page counts by encoding: its dictionary page, if any, then its data pages (`pages`, 1 without an offset index). */
export function encodingStats(dictionary: boolean, encodings: readonly string[], pages: number) {
  const data = { page_type: 'DATA_PAGE_V2', encoding: encodings[encodings.length - 1]!, count: pages };
  return dictionary ? [{ page_type: 'DICTIONARY_PAGE', encoding: 'PLAIN', count: 1 }, data] : [data];
}
