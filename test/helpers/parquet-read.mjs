// A Parquet file read back with hyparquet (an ES module jest's CommonJS runtime cannot load, hence a child process):
// prints JSON (bigints as text) of its metadata, its records, and a check of its page indexes: for every column chunk
// with an offset index, the index's first page must be the chunk's first data page and its pages must lie inside the
// chunk, and the chunk's rows read through the offset index (a row range inside the group) must be those of the
// whole read. Usage: node parquet-read.mjs <file>
import fs from 'node:fs';
import { parquetMetadata, parquetReadObjects, readOffsetIndex } from 'hyparquet';

const buf = fs.readFileSync(process.argv[2]);
const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);
const metadata = parquetMetadata(file);
const records = await parquetReadObjects({ file });

const indexed = [];
let groupStart = 0;
for (const [g, group] of metadata.row_groups.entries()) {
  for (const chunk of group.columns) {
    if (!chunk.offset_index_offset) continue;
    const start = Number(chunk.offset_index_offset);
    const index = readOffsetIndex({ view: new DataView(file, start, chunk.offset_index_length), offset: 0 });
    const m = chunk.meta_data;
    const first = Number(m.dictionary_page_offset ?? m.data_page_offset);
    const end = first + Number(m.total_compressed_size);
    const inside = index.page_locations.every((p) => Number(p.offset) >= first && Number(p.offset) + p.compressed_page_size <= end);
    const column = m.path_in_schema[0];
    // The rows of the group's last page alone, read through the offset index.
    const last = index.page_locations.at(-1);
    const rowStart = groupStart + Number(last.first_row_index);
    const rowEnd = groupStart + Number(group.num_rows);
    const part = await parquetReadObjects({ file, columns: [column], rowStart, rowEnd, useOffsetIndex: true });
    const same = JSON.stringify(part.map((r) => r[column]), bigints) === JSON.stringify(records.slice(rowStart, rowEnd).map((r) => r[column]), bigints);
    indexed.push({ group: g, column: m.path_in_schema.join('.'), pages: index.page_locations.length, firstIsDataPage: Number(index.page_locations[0].offset) === Number(m.data_page_offset), inside, same, rows: part.length });
  }
  groupStart += Number(group.num_rows);
}

function bigints(_key, value) {
  return typeof value === 'bigint' ? `${value}n` : value;
}
const { row_groups, ...rest } = metadata;
process.stdout.write(JSON.stringify({ metadata: { ...rest, metadata_length: undefined }, groups: row_groups.map((g) => Number(g.num_rows)), records, indexed }, bigints));
