/** What makes a field quoted: the delimiter, a quote, or a line break (RFC 4180 §2.6). */
const NEEDS_QUOTES = /[",\n\r]/;

/**
 * A string cell made inert for spreadsheets: OWASP's advice is to prefix a cell that starts a formula with a single
 * quote, which Excel, LibreOffice and Google Sheets show as text. Only strings: numbers are written as numbers, so a
 * rating of -1 stays -1. JSONL exports are never escaped (they are data, not a spreadsheet).
 */
export function inertCell(v: string): string {
  // A cell a spreadsheet would read as a formula (OWASP, "CSV Injection") starts with =, +, -, @, a tab or a carriage
  // return; tested by character code, cheaper than a regular expression on every cell.
  const c = v.charCodeAt(0);
  return c === 61 || c === 43 || c === 45 || c === 64 || c === 9 || c === 13 ? `'${v}` : v;
}

/** A cell's text as the CSV holds it, already made inert, quoted and escaped (gold-json.ts writes the gold's JSON cells so). */
export class CsvField {
  constructor(readonly text: string) {}
}

/**
 * One field: nothing for null; strings made inert, then quoted (inner quotes doubled) when they hold a comma, a
 * quote or a line break; numbers as `String` writes them, booleans as true/false, other objects as their JSON.
 */
export function csvField(v: unknown): string {
  let s: string;
  if (typeof v === 'string') s = inertCell(v);
  else if (typeof v === 'number' || typeof v === 'bigint') s = String(v);
  else if (typeof v === 'boolean') s = v ? 'true' : 'false';
  else if (v === null || v === undefined) return '';
  else if (v instanceof CsvField) return v.text;
  else if (v instanceof Date) s = String(v.getTime());
  else s = JSON.stringify(v) ?? '';
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * Every CSV the server writes goes through here, so no export can forget the escaping: the records' `columns` in
 * order, a line each ending in a newline, the header line first when asked. Written by hand for speed (csv-stringify
 * with a cast per field took ~5 µs a gold record); its output is csv-stringify's with the casts this file used with
 * it, field for field (test/integration/export-csv-writer.test.ts compares them).
 */
export function toCsv(records: ReadonlyArray<Record<string, unknown>>, columns: string[], header: boolean): string {
  let out = header ? columns.map(csvField).join(',') + '\n' : '';
  for (const r of records) {
    let line = '';
    for (let i = 0; i < columns.length; i++) line += (i === 0 ? '' : ',') + csvField(r[columns[i]!]);
    out += line + '\n';
  }
  return out;
}
