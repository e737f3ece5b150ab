/**
 * An items file imported in two passes, so that a million items never sit in memory at once and the write is
 * still all or nothing. The first pass streams the file from its spool, checks each record as it comes (the event
 * loop runs between chunks, so annotators are served meanwhile) and appends each item, in the form its row stores,
 * to a second spool (`StagedRows`). Only a file without problems gets a second pass: one transaction that reads
 * the staged rows back from disk and inserts them, so a problem on line 900,000 writes nothing, and the rows are
 * read in constant memory. Before this, every parsed record and every item was held until the transaction: 2.1 GB
 * of RSS and a third of the time in garbage collection at 1M items (docs/BENCHMARKS.md, issue 14).
 */
import fs from 'node:fs';
import type { Db } from '../db/database';
import { AppError } from '../errors';
import type { FilesRepo } from '../files/files.repo';
import { storedItem, type ItemsRepo, type StoredItem } from '../items/items.repo';
import type { Project } from '../../shared/views';
import { ItemChecker } from './item-checks';
import { csvColumns } from './csv';
import type { ImportRequest } from './imports.service';
import { detectFormat, Problems, recordBatches } from './parse';
import type { ReceivedFiles } from './received-files';
import { openSpool, type Spool } from './spool';
import type { NewItem } from '../items/items.repo';

/** Staging buffers are this size (bigger for one larger row); the rows are read back in pieces of this size too. */
const STAGE_BYTES = 4 * 1024 * 1024;
/** Gold's type in a staged row. */
const GOLD_NULL = 0;
const GOLD_TEXT = 1;
const GOLD_NUMBER = 2;
/** A staged meta length that stands for no meta. */
const NO_META = 0xffffffff;

/**
 * Items checked and waiting for the transaction, in their stored form on an unlinked temporary file: each row is
 * its external id, content text, gold and meta text, each string as a 32-bit length and its UTF-8 bytes. Binary
 * rather than JSON lines: a JSON line escaped every quote of the content's JSON text again and parsed it back,
 * which cost more than SQLite's inserts.
 */
export class StagedRows {
  private full: Buffer[] = [];
  private buf = Buffer.allocUnsafe(STAGE_BYTES);
  private used = 0;
  private size = 0;
  count = 0;

  private constructor(private readonly spool: Spool) {}

  static async open(dir: string): Promise<StagedRows> {
    return new StagedRows(await openSpool(dir));
  }

  add(item: NewItem): void {
    const r = storedItem(item);
    const gold = typeof r.gold === 'string' ? r.gold : '';
    // UTF-8 takes at most 3 bytes per UTF-16 unit: with this much room every write below fits.
    const room = 3 * (r.externalId.length + r.content.length + gold.length + (r.meta?.length ?? 0)) + 32;
    if (this.used + room > this.buf.length) {
      if (this.used > 0) this.full.push(this.buf.subarray(0, this.used));
      this.buf = Buffer.allocUnsafe(Math.max(STAGE_BYTES, room));
      this.used = 0;
    }
    this.text(r.externalId);
    this.text(r.content);
    if (r.gold === null) this.buf[this.used++] = GOLD_NULL;
    else if (typeof r.gold === 'number') {
      this.buf[this.used++] = GOLD_NUMBER;
      this.used = this.buf.writeDoubleLE(r.gold, this.used);
    } else {
      this.buf[this.used++] = GOLD_TEXT;
      this.text(gold);
    }
    if (r.meta === null) this.used = this.buf.writeUInt32LE(NO_META, this.used);
    else this.text(r.meta);
    this.count++;
  }

  private text(s: string): void {
    const n = this.buf.write(s, this.used + 4);
    this.buf.writeUInt32LE(n, this.used);
    this.used += 4 + n;
  }

  /** Writes the filled buffers (and, with `all`, the one being filled). */
  async flush(all = false): Promise<void> {
    if (all && this.used > 0) {
      this.full.push(this.buf.subarray(0, this.used));
      this.buf = Buffer.allocUnsafe(STAGE_BYTES);
      this.used = 0;
    }
    for (const b of this.full) {
      await this.spool.handle.write(b, 0, b.length, this.size);
      this.size += b.length;
    }
    this.full = [];
  }

  /** The staged rows from the first, read synchronously (inside a transaction) a few megabytes at a time. */
  *rows(): Generator<StoredItem> {
    let buf = Buffer.allocUnsafe(STAGE_BYTES);
    for (let pos = 0; pos < this.size; ) {
      const n = fs.readSync(this.spool.handle.fd, buf, 0, Math.min(buf.length, this.size - pos), pos);
      if (n === 0) throw new Error(`StagedRows: the staging file ended at ${pos} of ${this.size} bytes`);
      let at = 0;
      for (let row = readRow(buf, 0, n); row; row = readRow(buf, at, n)) {
        at = row.next;
        yield row.item;
      }
      // A row cut off at the end of the piece is read again from its start; one longer than the buffer grows it.
      if (at === 0) {
        if (n === this.size - pos) throw new Error(`StagedRows: the staging file ends inside a row at ${pos}`);
        buf = Buffer.allocUnsafe(buf.length * 2);
      }
      pos += at;
    }
  }

  dispose(): Promise<void> {
    return this.spool.dispose();
  }
}

/** The row that starts at `at` in `buf` (valid up to `end`), or null when it does not end before `end`. */
function readRow(buf: Buffer, at: number, end: number): { item: StoredItem; next: number } | null {
  const text = (): string | null => {
    if (at + 4 > end) return null;
    const n = buf.readUInt32LE(at);
    if (n === NO_META) {
      at += 4;
      return null;
    }
    if (at + 4 + n > end) return null;
    at += 4 + n;
    return buf.toString('utf8', at - n, at);
  };
  const externalId = text();
  const content = text();
  if (externalId === null || content === null || at + 1 > end) return null;
  const kind = buf[at++];
  let gold: string | number | null = null;
  if (kind === GOLD_NUMBER) {
    if (at + 8 > end) return null;
    gold = buf.readDoubleLE(at);
    at += 8;
  } else if (kind === GOLD_TEXT) {
    gold = text();
    if (gold === null) return null;
  }
  if (at + 4 > end) return null;
  const noMeta = buf.readUInt32LE(at) === NO_META;
  const meta = text();
  if (meta === null && !noMeta) return null;
  return { item: { externalId, content, gold, meta }, next: at };
}

export interface ItemsImportDeps {
  db: Db;
  items: ItemsRepo;
  files: FilesRepo;
  maxRecordBytes: number;
  clock: () => number;
  /** Where the staged rows are kept (the database's folder, as the import spool). */
  spoolDir: string;
}

/**
 * Imports an items file (no preset): checks every record, then writes them all in one transaction or nothing.
 * `files`: the image files that came with it (multipart), null for a plain body. The checks are made against the
 * project as it is when the first pass starts; an id another import adds meanwhile makes the write fail (409).
 */
export async function importItemsFile(
  deps: ItemsImportDeps,
  project: Project,
  req: ImportRequest,
  files: ReceivedFiles | null,
): Promise<{ imported: number; files: number }> {
  const problems = new Problems();
  const format = detectFormat(req.body.head, req.contentType, req.format);
  const { numeric, json } = csvColumns('items', project.type);
  const checker = new ItemChecker(project, deps.items, req.upsert, files, problems);
  const staged = await StagedRows.open(deps.spoolDir);
  try {
    for await (const batch of recordBatches(req.body, format, deps.maxRecordBytes, problems, numeric, json)) {
      for (const rec of batch) {
        const item = checker.check(rec);
        // A file with a problem is never written: only its problems are still collected.
        if (item && !problems.any) staged.add(item);
      }
      await staged.flush();
    }
    problems.throwIfAny('file');
    await staged.flush(true);
    const now = deps.clock();
    const used = checker.linker.used;
    try {
      deps.db
        .transaction(() => {
          // One file at a time from the spool: an import's images are never all in memory.
          for (const f of used.values()) deps.files.put(project.id, f.sha256, f.type, files!.readSync(f), now);
          deps.items.writeStored(project.id, staged.rows(), req.upsert, now);
        })
        .immediate();
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE')
        throw new AppError('conflict', 'Nothing was imported: an id in the file was added to the project by another import while this one was read; import again (with upsert to replace)');
      throw e;
    }
    return { imported: staged.count, files: used.size };
  } finally {
    await staged.dispose();
  }
}
