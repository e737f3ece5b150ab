import { jsonTooDeep, MAX_JSON_DEPTH, tooDeepMessage } from '../../shared/json-depth';
import { AppError } from '../errors';
import type { Problems, RawRecord } from './parse';
import type { ImportBody, SpooledBody } from './spool';
import { CSV_BATCH, CsvUnreadable, csvRows } from './csv-rows';
import { csvRowsInThread, csvThread } from './csv-thread';
import type { TaskType } from '../../shared/schemas';
import { emptyFile, notUtf8 } from './text';

/**
 * CSV with a header row. Empty cells are absent fields; `options` (and `images`) hold a JSON array or `|`-separated
 * options (paths), `meta` a JSON object, `meta.<key>` columns go into meta; `jsonColumns` (a conversation, a
 * ranking's answers and gold, which no cell could hold otherwise) hold JSON text; numeric columns become numbers when they
 * parse as one (otherwise validation reports the field). A record's line is the line it starts on: csv-parse's
 * own line count is the line a record ends on and counts a CRLF inside a quoted cell as two lines, so a
 * spreadsheet's multi-line answers would shift every later line number; counting newlines in the bytes it
 * consumed does not.
 */
export async function* readCsv(
  body: ImportBody,
  max: number,
  problems: Problems,
  numericColumns: ReadonlySet<string>,
  jsonColumns: ReadonlySet<string> = new Set(),
): AsyncGenerator<RawRecord[]> {
  const source = 'fd' in body && body.size >= csvThread.minBytes ? csvRowsInThread((body as SpooledBody).fd, body.size, max) : csvRows(body.chunks(), max);
  let header: string[] | undefined;
  let out: RawRecord[] = [];
  let rowCount = 0;
  try {
    for await (const { records, lines } of source) {
      for (let k = 0; k < records.length; k++) {
        const record = records[k]!;
        if (!header) {
          header = headerOf(record);
          continue;
        }
        out.push(csvRecord(header, record, lines[k]!, problems, numericColumns, jsonColumns));
        rowCount++;
      }
      if (out.length >= CSV_BATCH) {
        yield out;
        out = [];
      }
    }
  } catch (e) {
    if (!(e instanceof CsvUnreadable)) throw e;
    throw e.failure.kind === 'utf8' ? await notUtf8(body) : unreadable(e.failure, e.failure.line, max);
  }
  if (!header) throw emptyFile();
  if (rowCount === 0) throw new AppError('invalid-input', 'The file is empty: the CSV has a header but no rows', [{ message: 'no rows after the header' }]);
  if (out.length) yield out;
}

function headerOf(record: string[]): string[] {
  const seenColumns = new Set<string>();
  for (const col of record) {
    if (seenColumns.has(col)) throw new AppError('invalid-input', `The CSV header names the column "${col}" twice`, [{ line: 1, field: col, message: 'column named twice in the header' }]);
    seenColumns.add(col);
  }
  return record;
}

/** csv-parse's error for a file it cannot read, in words, on the line where the failing record starts. */
function unreadable(err: { code?: string | undefined; message: string }, line: number, max: number): AppError {
  const msg =
    err.code === 'CSV_MAX_RECORD_SIZE'
      ? `record over the ${max}-byte limit for one record`
      : err.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH'
        ? `${/got (\d+)/.exec(err.message)?.[1] ?? 'a different number of'} cells where the header has ${/expect (\d+)/.exec(err.message)?.[1] ?? 'another number'}`
        : err.code === 'CSV_QUOTE_NOT_CLOSED'
          ? 'a quoted cell that starts here is never closed'
          : err.message.replace(/ at line \d+.*$|^Invalid Record Length: /, '');
  return new AppError('invalid-input', `The CSV file cannot be read (line ${line}): ${msg}`, [{ line, message: msg }]);
}

/** Columns whose cell may be a list of strings separated by `|` when it is not JSON. */
const LIST_COLUMNS = new Set(['options', 'images']);

function csvRecord(header: string[], record: string[], line: number, problems: Problems, numericColumns: ReadonlySet<string>, jsonColumns: ReadonlySet<string>): RawRecord {
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
    else if (col === 'meta' || LIST_COLUMNS.has(col) || jsonColumns.has(col)) {
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
      } else if (LIST_COLUMNS.has(col)) value[col] = cell.split('|').map((o) => o.trim());
      else if (col === 'meta') fail(col, 'meta must be a JSON object');
      else if (numericColumns.has(col) && Number.isFinite(Number(cell))) value[col] = Number(cell);
      else fail(col, `${col} must be JSON text in a CSV cell (e.g. ${JSON_EXAMPLES[col] ?? '[...]'})`);
    } else if (numericColumns.has(col) && cell.trim() !== '' && Number.isFinite(Number(cell))) value[col] = Number(cell);
    else value[col] = cell;
  });
  if (Object.keys(meta).length > 0) value.meta = { ...(value.meta as object | undefined), ...meta };
  return failed ? { line, value, failed } : { line, value };
}

/** What a JSON cell looks like, for the error when one is not JSON. */
const JSON_EXAMPLES: Record<string, string> = {
  answers: '["first answer", "second answer"]',
  gold: '[2, 0, 1]',
  conversation: '[{"role":"user","content":"…"},{"role":"assistant","content":"…"}]',
  conversation_a: '[{"role":"user","content":"…"},{"role":"assistant","content":"…"}]',
  conversation_b: '[{"role":"user","content":"…"},{"role":"assistant","content":"…"}]',
  permutation: '[2, 0, 1]',
  scores: '[7, 9, 4]',
};

/** The CSV columns read as numbers and as JSON text, by what is imported into a project of which type. */
export function csvColumns(kind: 'items' | 'labels', type: TaskType): { numeric: Set<string>; json: Set<string> } {
  if (kind === 'labels') return { numeric: new Set(['certainty', 'sample', 'seconds', ...(type === 'rating' ? ['value'] : [])]), json: new Set(['permutation', 'scores']) };
  if (type === 'pairwise') return { numeric: new Set(['turn']), json: new Set(['conversation_a', 'conversation_b']) };
  if (type === 'rating') return { numeric: new Set(['gold', 'turn']), json: new Set(['conversation']) };
  if (type === 'ranking') return { numeric: new Set(), json: new Set(['answers', 'gold']) };
  return { numeric: new Set(), json: new Set() };
}
