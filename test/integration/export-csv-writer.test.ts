/**
 * The export's CSV writer (server/exports/csv.ts) writes what csv-stringify wrote with the casts the exports used
 * (numbers by String, booleans as true/false, strings made inert for spreadsheets), field for field, on records of
 * every kind of value a record holds: text with commas, quotes, line breaks and formula starts, numbers, booleans,
 * nulls, absent fields, lists and objects.
 */
import { stringify } from 'csv-stringify/sync';
import { inertCell, toCsv } from '../../server/exports/csv';

const reference = (records: Array<Record<string, unknown>>, columns: string[], header: boolean) =>
  stringify(records, { header, columns, cast: { number: String, boolean: (b) => (b ? 'true' : 'false'), string: inertCell } });

/** A deterministic pseudo-random sequence (mulberry32), so a failure names a reproducible case. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = ['a', 'B c', ',', '"', '""', '\n', '\r\n', '\r', '=1+2', '+', '-', '@', '\t', ' ', 'é', '😀', "'", ';', '\\', '{"x":1}', ''];

function value(rnd: () => number): unknown {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)]!;
  switch (Math.floor(rnd() * 9)) {
    case 0: return null;
    case 1: return undefined;
    case 2: return pick([0, -1, 1.5, -0.25, 1e21, 7, Number.NaN]);
    case 3: return rnd() < 0.5;
    case 4: return pick([['A', 'B'], [1, 2], [], { a: 'x,y' }, [{ annotator: 'h1', value: 'A', rationale: 'say "no"' }]]);
    case 5: return '';
    default: return Array.from({ length: 1 + Math.floor(rnd() * 4) }, () => pick(PIECES)).join('');
  }
}

describe('export CSV writer', () => {
  test('writes what csv-stringify wrote for the same records, header and columns', () => {
    const rnd = random(14);
    const columns = ['id', 'question', 'label', 'agreement', 'excluded', 'labels', 'meta', 'absent'];
    for (let round = 0; round < 300; round++) {
      const records = Array.from({ length: Math.floor(rnd() * 6) }, () => Object.fromEntries(columns.slice(0, -1).map((c) => [c, value(rnd)])));
      const header = rnd() < 0.5;
      expect({ round, csv: toCsv(records, columns, header) }).toEqual({ round, csv: reference(records, columns, header) });
    }
  });

  test('a header alone when there is no record, and formula starts made inert in the header too', () => {
    expect(toCsv([], ['id', '=x', 'a,b'], true)).toBe(reference([], ['id', '=x', 'a,b'], true));
    expect(toCsv([], ['id'], true)).toBe('id\n');
  });
});
