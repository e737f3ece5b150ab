/**
 * Reads a streamed export to its end the way a client saving it would, without keeping it: counts its bytes and its
 * records, and keeps what is needed to check it (the first record; for Parquet the file's tail, where its footer is).
 * - JSONL: one record a line;
 * - CSV: records end at a newline outside quotes (csv-stringify quotes every field holding a newline or a quote, and
 *   doubles quotes inside, which toggles twice), minus the header;
 * - Parquet: the row count in the footer (./parquet-rows.ts).
 */
import { parquetRows } from './parquet-rows';

export const EXPORT_FORMATS = ['jsonl', 'csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ReadExport {
  bytes: number;
  records: number;
  /** The first record's field names (JSONL, CSV header; Parquet: none). */
  fields: string[];
  /** performance.now() when the first bytes of the body came (the headers come before them). */
  firstByteAt: number;
}

const NL = 10;
const QUOTE = 34;
/** Parquet footers of a million rows are a few hundred KB; 64 MiB of tail is room to spare. */
const TAIL = 64 * 2 ** 20;

export async function readExport(url: string, headers: Record<string, string>, format: ExportFormat): Promise<ReadExport> {
  const res = await fetch(url, { headers });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${(await res.text()).slice(0, 300)}`);
  const counter = format === 'csv' ? csvCounter() : format === 'jsonl' ? jsonlCounter() : null;
  const tail: Buffer[] = [];
  let tailBytes = 0;
  let head = Buffer.alloc(0);
  let bytes = 0;
  let firstByteAt = 0;
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    if (bytes === 0) firstByteAt = performance.now();
    const b = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length);
    bytes += b.length;
    if (head.length < 65536) head = Buffer.concat([head, b.subarray(0, 65536 - head.length)]);
    if (counter) counter.add(b);
    else {
      tail.push(Buffer.from(b));
      tailBytes += b.length;
      while (tailBytes - tail[0]!.length >= TAIL) tailBytes -= tail.shift()!.length;
    }
  }
  if (format === 'parquet') {
    if (head.subarray(0, 4).toString('latin1') !== 'PAR1') throw new Error(`${url}: not a Parquet file (it starts ${JSON.stringify(head.subarray(0, 16).toString('latin1'))})`);
    return { bytes, records: parquetRows(Buffer.concat(tail)), fields: [], firstByteAt };
  }
  return { bytes, records: counter!.records(), fields: firstFields(head.toString('utf8'), format), firstByteAt };
}

function jsonlCounter() {
  let lines = 0;
  return {
    add(b: Buffer) {
      for (let at = b.indexOf(NL); at >= 0; at = b.indexOf(NL, at + 1)) lines++;
    },
    records: () => lines,
  };
}

function csvCounter() {
  let rows = 0;
  let quoted = false;
  return {
    add(b: Buffer) {
      let at = 0;
      while (at < b.length) {
        const q = b.indexOf(QUOTE, at);
        const end = q < 0 ? b.length : q;
        if (!quoted) for (let nl = b.indexOf(NL, at); nl >= 0 && nl < end; nl = b.indexOf(NL, nl + 1)) rows++;
        if (q < 0) break;
        quoted = !quoted;
        at = q + 1;
      }
    },
    records: () => Math.max(0, rows - 1),
  };
}

/** The field names of the first record (JSONL) or the header (CSV), to check the export is of the kind asked for. */
function firstFields(head: string, format: 'jsonl' | 'csv'): string[] {
  const line = head.slice(0, head.indexOf('\n'));
  if (format === 'csv') return line.split(',');
  return line ? Object.keys(JSON.parse(line) as object) : [];
}
