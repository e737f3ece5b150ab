/**
 * The Parquet schema of an export's columns (columns.ts) and its records' values as the writer takes them. Every
 * column is OPTIONAL (a null is a null); a list is Parquet's three-level LIST (`<name>` LIST, repeated `list`,
 * optional `element`), which readers (DuckDB, pyarrow, hence Hugging Face datasets) read as a list column.
 */
import type { Column, ColumnType, Scalar } from './columns';

/** A Parquet schema element as hyparquet-writer takes it (the parquet-format thrift SchemaElement's fields used here). */
export interface SchemaElement {
  name: string;
  type?: 'BOOLEAN' | 'INT64' | 'DOUBLE' | 'BYTE_ARRAY';
  converted_type?: 'UTF8' | 'LIST';
  repetition_type?: 'OPTIONAL' | 'REPEATED';
  num_children?: number;
}

const SCALAR: Record<Scalar | 'json', Omit<SchemaElement, 'name'>> = {
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  json: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
  int64: { type: 'INT64' },
  float64: { type: 'DOUBLE' },
  bool: { type: 'BOOLEAN' },
};

function elements(name: string, type: ColumnType): SchemaElement[] {
  if (typeof type === 'string') return [{ name, ...SCALAR[type], repetition_type: 'OPTIONAL' }];
  const element = typeof type.list === 'string' ? elements('element', type.list) : [{ name: 'element', repetition_type: 'OPTIONAL' as const, num_children: type.list.length }, ...type.list.flatMap((c) => elements(c.name, c.type))];
  return [{ name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 }, { name: 'list', repetition_type: 'REPEATED', num_children: 1 }, ...element];
}

/** The file's schema: the root, then each column's elements, depth first. */
export function parquetSchema(columns: readonly Column[]): SchemaElement[] {
  return [{ name: 'root', num_children: columns.length }, ...columns.flatMap((c) => elements(c.name, c.type))];
}

/** A value its column's type refuses: `path` is where inside the column's value (`.field` of a struct), for the message. */
export class CellError extends Error {
  path = '';
}

/**
 * A record's value as its column's type writes it; null or absent is null. Text columns take a number or boolean
 * as its text and any other value as JSON text (a message's content parts); number columns refuse what is not a
 * number (columnData names the record and column). Where a value sits is written only into an error's message: a
 * text made for every cell was a third of the Parquet encoder's own time on gold records.
 */
export function cell(value: unknown, type: ColumnType): unknown {
  if (value === null || value === undefined) return null;
  if (typeof type !== 'string') {
    if (!Array.isArray(value)) throw new CellError(`expected a list, got ${typeof value}`);
    const of = type.list;
    return typeof of === 'string' ? value.map((v) => cell(v, of)) : value.map((v) => (v === null ? null : struct(v as Record<string, unknown>, of)));
  }
  switch (type) {
    case 'string':
      return typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
    case 'json':
      return JSON.stringify(value);
    case 'bool':
      if (typeof value !== 'boolean') throw new CellError(`expected true or false, got ${JSON.stringify(value)}`);
      return value;
    case 'int64':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw new CellError(`expected an integer, got ${JSON.stringify(value)}`);
      return BigInt(value);
    case 'float64': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new CellError(`expected a number, got ${JSON.stringify(value)}`);
      return n;
    }
  }
}

/** A struct's fields in the columns' order (a loop, not Object.fromEntries: one object a label, millions a file). */
function struct(value: Record<string, unknown>, fields: readonly Column[]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const f of fields) {
    try {
      o[f.name] = cell(value[f.name], f.type);
    } catch (e) {
      if (e instanceof CellError) e.path = `.${f.name}${e.path}`;
      throw e;
    }
  }
  return o;
}

/** Records as the writer's column data: one array of values per column, in the columns' order. */
export function columnData(records: ReadonlyArray<Record<string, unknown>>, columns: readonly Column[]): Array<{ name: string; data: unknown[] }> {
  return columns.map((c) => {
    const data = new Array<unknown>(records.length);
    for (let i = 0; i < records.length; i++) {
      try {
        data[i] = cell(records[i]![c.name], c.type);
      } catch (e) {
        throw e instanceof CellError ? new Error(`record ${i + 1}, ${c.name}${e.path}: ${e.message}`) : e;
      }
    }
    return { name: c.name, data };
  });
}
