import { stringify } from 'csv-stringify/sync';

/** A cell a spreadsheet would read as a formula (OWASP, "CSV Injection"): =, +, -, @, tab, carriage return. */
const FORMULA_START = /^[=+\-@\t\r]/;

/**
 * A string cell made inert for spreadsheets: OWASP's advice is to prefix a cell that starts a formula with a single
 * quote, which Excel, LibreOffice and Google Sheets show as text. Only strings: numbers are written as numbers, so a
 * rating of -1 stays -1. JSONL exports are never escaped (they are data, not a spreadsheet).
 */
export function inertCell(v: string): string {
  return FORMULA_START.test(v) ? `'${v}` : v;
}

/** Every CSV the server writes goes through here, so no export can forget the escaping. */
export function toCsv(records: ReadonlyArray<Record<string, unknown>>, columns: string[], header: boolean): string {
  return stringify(records as Array<Record<string, unknown>>, { header, columns, cast: { number: String, boolean: (b) => (b ? 'true' : 'false'), string: inertCell } });
}
