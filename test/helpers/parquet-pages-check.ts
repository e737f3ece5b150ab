/**
 * The threads' Parquet (server/exports/parquet-pages.ts) against hyparquet-writer's own ParquetWriter, byte for byte
 * (run as a child process: hyparquet-writer is an ES module jest's CommonJS runtime cannot load): records of odd
 * values are cut into pages, the pages encoded by two PageEncoders in turn as two threads would (page p by encoder
 * p % 2, shredded by parquet-shred.ts, offsets relative to each page) and encoder 0 writes the footer from every
 * page's part; one ParquetWriter writes the same row groups from columnData's cells with write() and finish(). The
 * two files must be the same bytes. Prints one JSON line a case: { name, bytes, groups, pages, indexed (column chunks
 * with an offset index), same }.
 *
 *   node -r tsx/cjs test/helpers/parquet-pages-check.ts
 */
import type { Column } from '../../server/exports/columns';
import { goldColumns, labelColumns, SFT_COLUMNS } from '../../server/exports/columns';
import { PageEncoder, type PagePart } from '../../server/exports/parquet-pages';
import { columnData, parquetSchema } from '../../server/exports/parquet-schema';

type HyparquetWriter = typeof import('hyparquet-writer', { with: { 'resolution-mode': 'import' } });
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ByteWriter, ParquetWriter } = require('hyparquet-writer') as HyparquetWriter;

let seed = 7;
const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)]!;
const ODD = ['', 'a', 'say "hi",\nthen', 'emoji 🎉', 'lone \ud800 x', '\u2028', 'z'.repeat(300), 'ÿ', '\uffff', '𝔸'];
/** A text: sometimes null, sometimes long (over a data page a column chunk, with a page index), else odd or plain. */
const text = (long: boolean) => (rand() < 0.1 ? null : long && rand() < 0.5 ? `${rand()} ${'x'.repeat(20_000)}` : rand() < 0.5 ? pick(ODD) : `t${Math.floor(rand() * 50)}`);

/** A value of `type`, with nulls, empty lists and null elements; `long`: long texts in rationales (the leaf over a data page). */
function value(type: Column['type'], long: boolean, name = ''): unknown {
  if (rand() < 0.08) return rand() < 0.5 ? null : undefined;
  if (typeof type !== 'string') {
    if (rand() < 0.1) return [];
    const n = Math.floor(rand() * 6);
    const of = type.list;
    return Array.from({ length: n }, () => (rand() < 0.05 ? null : typeof of === 'string' ? value(of, long) : Object.fromEntries(of.map((f) => [f.name, value(f.type, long, f.name)]))));
  }
  switch (type) {
    case 'string':
      return text(long && name === 'rationale');
    case 'json':
      return rand() < 0.5 ? { a: text(false), n: [1, 2.5] } : [text(false)];
    case 'int64':
      return Math.floor(rand() * 1e9) - 5e8;
    case 'float64':
      return rand() < 0.1 ? -0 : rand() * 100 - 50;
    case 'bool':
      return rand() < 0.5;
  }
}

function check(name: string, columns: Column[], n: number, pageRows: number, rule: { rows: number; bytes: number }, long: boolean): void {
  const records = Array.from({ length: n }, () => Object.fromEntries(columns.map((c) => [c.name, value(c.type, long)])) as Record<string, unknown>);
  const encoders = [new PageEncoder(columns, 'check', true, rule), new PageEncoder(columns, 'check', false, rule)];
  const chunks: Uint8Array[] = [];
  const parts = new Map<number, PagePart>();
  const groups: number[] = [];
  let indexed = 0;
  for (let p = 0; p * pageRows < n || p === 0; p++) {
    const { bytes, part } = encoders[p % 2]!.encode(p, records.slice(p * pageRows, (p + 1) * pageRows), (_ms, rows) => groups.push(rows));
    chunks.push(new Uint8Array(bytes));
    parts.set(p, part);
    indexed += part.indexes.filter((x) => x.offsetIndex).length;
  }
  chunks.push(new Uint8Array(encoders[0]!.footer(parts)));
  const threaded = Buffer.concat(chunks);

  const writer = new ByteWriter();
  const file = new ParquetWriter({ writer, schema: parquetSchema(columns) as ConstructorParameters<HyparquetWriter['ParquetWriter']>[0]['schema'], createdBy: 'check' });
  let at = 0;
  for (const rows of groups) {
    file.write({ columnData: columnData(records.slice(at, at + rows), columns) as Parameters<typeof file.write>[0]['columnData'], rowGroupSize: rows });
    at += rows;
  }
  file.finish();
  const single = Buffer.from(writer.getBuffer());
  console.log(JSON.stringify({ name, bytes: threaded.length, groups: groups.length, pages: parts.size, indexed, same: threaded.equals(single) }));
}

const rule = { rows: 5_000, bytes: 1_200_000 };
check('gold pairwise, conversations, escalation', goldColumns({ type: 'pairwise', routing: { mode: 'escalate' } } as never, true), 3_000, 700, rule, false);
check('gold ranking, small groups', goldColumns({ type: 'ranking', routing: null } as never, false), 2_000, 450, { rows: 97, bytes: 1_200_000 }, false);
check('gold rating, long texts (page indexes)', goldColumns({ type: 'rating', routing: null } as never, false), 600, 250, { rows: 5_000, bytes: 4_000_000 }, true);
check('sft', SFT_COLUMNS, 1_500, 400, { rows: 5_000, bytes: 60_000 }, false);
check('labels of a ranking project', labelColumns({ type: 'ranking' }), 2_000, 600, rule, false);
check('no record', goldColumns({ type: 'pairwise', routing: null } as never, false), 0, 100, rule, false);
