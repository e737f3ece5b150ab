/**
 * The row count of a Parquet file from its tail, whichever library wrote it: the file ends with the FileMetaData
 * (Thrift compact protocol), its length (4 bytes, little-endian) and `PAR1`; FileMetaData's field 3 is `num_rows`
 * (i64). Formats: https://parquet.apache.org/docs/file-format/ and parquet.thrift (FileMetaData: 1 version, 2 schema,
 * 3 num_rows, 4 row_groups); the compact protocol: github.com/apache/thrift, doc/specs/thrift-compact-protocol.md.
 * Only what is needed to skip fields 1–2 is decoded.
 */
export function parquetRows(tail: Buffer): number {
  if (tail.length < 12 || tail.subarray(tail.length - 4).toString('latin1') !== 'PAR1') throw new Error('Parquet: the file does not end with PAR1');
  const length = tail.readUInt32LE(tail.length - 8);
  if (length + 8 > tail.length) throw new Error(`Parquet: a footer of ${length} bytes is longer than the tail kept (${tail.length})`);
  const r = new CompactReader(tail.subarray(tail.length - 8 - length, tail.length - 8));
  let id = 0;
  for (;;) {
    const header = r.byte();
    const type = header & 0x0f;
    if (type === 0) throw new Error('Parquet: FileMetaData has no num_rows');
    const delta = header >> 4;
    id = delta === 0 ? r.zigzag() : id + delta;
    if (id === 3 && type === 6) return r.zigzag();
    r.skip(type);
  }
}

class CompactReader {
  private at = 0;
  constructor(private readonly b: Buffer) {}

  byte(): number {
    if (this.at >= this.b.length) throw new Error('Parquet: the footer ends early');
    return this.b[this.at++]!;
  }

  varint(): number {
    let n = 0;
    let scale = 1;
    for (;;) {
      const x = this.byte();
      n += (x & 0x7f) * scale;
      if (x < 0x80) return n;
      scale *= 128;
    }
  }

  /** A zigzag varint (i16, i32, i64; exact below 2^53, plenty for a row count). */
  zigzag(): number {
    const n = this.varint();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  skip(type: number): void {
    switch (type) {
      case 1: // boolean true / false: in the field header
      case 2:
        return;
      case 3:
        this.at += 1;
        return;
      case 4:
      case 5:
      case 6:
        this.varint();
        return;
      case 7:
        this.at += 8;
        return;
      case 8: {
        // Not `this.at += this.varint()`: that adds to the position before the length was read.
        const length = this.varint();
        this.at += length;
        return;
      }
      case 9: // list, set
      case 10: {
        const h = this.byte();
        const size = h >> 4 === 15 ? this.varint() : h >> 4;
        for (let k = 0; k < size; k++) this.element(h & 0x0f);
        return;
      }
      case 11: {
        const size = this.varint();
        if (size === 0) return;
        const kv = this.byte();
        for (let k = 0; k < size; k++) {
          this.element(kv >> 4);
          this.element(kv & 0x0f);
        }
        return;
      }
      case 12:
        this.struct();
        return;
      default:
        throw new Error(`Parquet: unknown Thrift compact type ${type}`);
    }
  }

  /** A list's or map's element: booleans there take a byte each. */
  private element(type: number): void {
    if (type === 1 || type === 2) this.at += 1;
    else this.skip(type);
  }

  private struct(): void {
    for (;;) {
      const header = this.byte();
      if ((header & 0x0f) === 0) return;
      if (header >> 4 === 0) this.zigzag();
      this.skip(header & 0x0f);
    }
  }
}
