/**
 * A page of records made straight into the leaf columns hyparquet-writer encodes (issue 14; parquet-pages.ts): for
 * each leaf, its values with their definition and repetition levels, exactly as the writer's own `write()` makes
 * them (dremel.js encodeNestedValues over parquet-schema.ts columnData's cells), but in one loop a column over the
 * records as they are, without a struct object a label or the writer's recursive walk of each value (a third of the
 * gold export's encoding time went there). Each record's size (its cells' text) is measured on the way, for the row
 * groups. Columns: scalars, lists of scalars and lists of structs of scalars, every level OPTIONAL (parquet-schema.ts);
 * `supported` says whether a set of columns is only those.
 */
import type { Column, ColumnType, Scalar } from './columns';
import { cell, CellError, parquetSchema, type SchemaElement } from './parquet-schema';

type Leaf = { kind: 'flat'; column: Column; path: SchemaElement[] } | { kind: 'list'; column: Column; of: Scalar; path: SchemaElement[] } | { kind: 'structs'; column: Column; fields: Column[]; paths: SchemaElement[][] };

/** A leaf column of a page: what encodeNestedValues gives, and where each record's values start (lists; none: one a record). */
export interface LeafData {
  path: SchemaElement[];
  values: unknown[];
  definitionLevels: number[];
  repetitionLevels: number[];
  maxDefinitionLevel: number;
  starts: Int32Array | null;
}

/** Whether every column is a scalar, a list of scalars or a list of structs of scalars (what a Shredder takes). */
function supported(columns: readonly Column[]): boolean {
  return columns.every(({ type: t }) => typeof t === 'string' || typeof t.list === 'string' || t.list.every((f) => typeof f.type === 'string'));
}

/** A record's size for the row groups: a text's length, 8 another value, 1 a null or an empty or absent list. */
const sizeOf = (v: unknown): number => (typeof v === 'string' ? v.length : v === null || v === undefined ? 1 : 8);

export class Shredder {
  private readonly leaves: Leaf[];
  /** Each leaf column's schema path from the root, in the order `shred` gives the leaves. */
  readonly paths: SchemaElement[][];

  constructor(columns: readonly Column[]) {
    if (!supported(columns)) throw new Error('Parquet export: a column the page shredder does not take');
    const root = parquetSchema(columns)[0]!;
    this.leaves = columns.map((column): Leaf => {
      const els = parquetSchema([column]).slice(1);
      const t = column.type;
      if (typeof t === 'string') return { kind: 'flat', column, path: [root, ...els] };
      if (typeof t.list === 'string') return { kind: 'list', column, of: t.list, path: [root, ...els] };
      return { kind: 'structs', column, fields: t.list, paths: t.list.map((_, k) => [root, els[0]!, els[1]!, els[2]!, els[3 + k]!]) };
    });
    this.paths = this.leaves.flatMap((l) => (l.kind === 'structs' ? l.paths : [l.path]));
  }

  /** The page's leaf columns in schema order, and each record's size. */
  shred(records: ReadonlyArray<Record<string, unknown>>): { leaves: LeafData[]; sizes: Float64Array } {
    const sizes = new Float64Array(records.length);
    const out: LeafData[] = [];
    for (const leaf of this.leaves) {
      try {
        if (leaf.kind === 'flat') out.push(flat(leaf.column, leaf.path, records, sizes));
        else if (leaf.kind === 'list') out.push(list(leaf.column, leaf.of, leaf.path, records, sizes));
        else out.push(...structs(leaf.column, leaf.fields, leaf.paths, records, sizes));
      } catch (e) {
        // As columnData says it (parquet-schema.ts).
        if (!(e instanceof RowError)) throw e;
        throw new Error(`Parquet export: record ${e.row + 1}, ${leaf.column.name}${e.refused.path}: ${e.refused.message}`);
      }
    }
    return { leaves: out, sizes };
  }
}

class RowError extends Error {
  constructor(
    readonly row: number,
    readonly refused: CellError,
  ) {
    super(refused.message);
  }
}
/** `cell`, its refusal named by the record's place. */
function cellAt(row: number, v: unknown, type: ColumnType): unknown {
  try {
    return cell(v, type);
  } catch (e) {
    throw e instanceof CellError ? new RowError(row, e) : e;
  }
}

function flat(c: Column, path: SchemaElement[], records: ReadonlyArray<Record<string, unknown>>, sizes: Float64Array): LeafData {
  const n = records.length;
  const values = new Array<unknown>(n);
  const definitionLevels = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const v = cellAt(i, records[i]![c.name], c.type);
    values[i] = v;
    definitionLevels[i] = v === null ? 0 : 1;
    sizes[i] = sizes[i]! + sizeOf(v);
  }
  return { path, values, definitionLevels, repetitionLevels: [], maxDefinitionLevel: 1, starts: null };
}

/** The list itself, or null for none; a value that is not a list is refused as `cell` refuses it. */
function listAt(row: number, v: unknown): unknown[] | null {
  if (v === null || v === undefined) return null;
  if (!Array.isArray(v)) throw new RowError(row, new CellError(`expected a list, got ${typeof v}`));
  return v;
}

/** A list of scalars: `<name>` LIST (def 1), repeated `list`, optional `element` (def 3 when not null). */
function list(c: Column, of: Scalar, path: SchemaElement[], records: ReadonlyArray<Record<string, unknown>>, sizes: Float64Array): LeafData {
  const values: unknown[] = [];
  const definitionLevels: number[] = [];
  const repetitionLevels: number[] = [];
  const starts = new Int32Array(records.length + 1);
  for (let i = 0; i < records.length; i++) {
    starts[i] = values.length;
    const v = listAt(i, records[i]![c.name]);
    if (v === null || v.length === 0) {
      values.push(undefined);
      definitionLevels.push(v === null ? 0 : 1);
      repetitionLevels.push(0);
      sizes[i] = sizes[i]! + 1;
      continue;
    }
    for (let k = 0; k < v.length; k++) {
      const x = cellAt(i, v[k], of);
      values.push(x);
      definitionLevels.push(x === null ? 2 : 3);
      repetitionLevels.push(k === 0 ? 0 : 1);
      sizes[i] = sizes[i]! + sizeOf(x);
    }
  }
  starts[records.length] = values.length;
  return { path, values, definitionLevels, repetitionLevels, maxDefinitionLevel: 3, starts };
}

/** A list of structs: as a list, with an optional struct `element` (def 2 when null) whose fields are the leaves (def 4 when not null). */
function structs(c: Column, fields: Column[], paths: SchemaElement[][], records: ReadonlyArray<Record<string, unknown>>, sizes: Float64Array): LeafData[] {
  const out = paths.map((path): LeafData => ({ path, values: [], definitionLevels: [], repetitionLevels: [], maxDefinitionLevel: 4, starts: null }));
  // Every field has the same repetition levels and record starts.
  const repetitionLevels: number[] = [];
  const starts = new Int32Array(records.length + 1);
  for (const leaf of out) {
    leaf.repetitionLevels = repetitionLevels;
    leaf.starts = starts;
  }
  for (let i = 0; i < records.length; i++) {
    starts[i] = repetitionLevels.length;
    const v = listAt(i, records[i]![c.name]);
    if (v === null || v.length === 0) {
      for (const leaf of out) leaf.values.push(undefined), leaf.definitionLevels.push(v === null ? 0 : 1);
      repetitionLevels.push(0);
      sizes[i] = sizes[i]! + 1;
      continue;
    }
    for (let k = 0; k < v.length; k++) {
      repetitionLevels.push(k === 0 ? 0 : 1);
      const s = v[k] as Record<string, unknown> | null;
      for (let f = 0; f < fields.length; f++) {
        const leaf = out[f]!;
        if (s === null) {
          leaf.values.push(undefined);
          leaf.definitionLevels.push(2);
          continue;
        }
        const field = fields[f]!;
        let x: unknown;
        try {
          x = cell(s[field.name], field.type);
        } catch (e) {
          if (e instanceof CellError) e.path = `.${field.name}${e.path}`;
          throw e instanceof CellError ? new RowError(i, e) : e;
        }
        leaf.values.push(x);
        leaf.definitionLevels.push(x === null ? 3 : 4);
        sizes[i] = sizes[i]! + sizeOf(x);
      }
    }
  }
  starts[records.length] = repetitionLevels.length;
  return out;
}

/** Records `a` to `b` (not included) of a page's leaf: the page's own arrays when that is the whole page. */
export function leafSlice(leaf: LeafData, a: number, b: number, n: number): Omit<LeafData, 'starts' | 'path'> {
  if (a === 0 && b === n) return leaf;
  const s = leaf.starts ? leaf.starts[a]! : a;
  const e = leaf.starts ? leaf.starts[b]! : b;
  return {
    values: leaf.values.slice(s, e),
    definitionLevels: leaf.definitionLevels.slice(s, e),
    repetitionLevels: leaf.starts ? leaf.repetitionLevels.slice(s, e) : leaf.repetitionLevels,
    maxDefinitionLevel: leaf.maxDefinitionLevel,
  };
}
