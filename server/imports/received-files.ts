/**
 * The image files that came with an import (multipart parts, or a zip's entries), written one after another into
 * one unlinked spool file as they arrive, each hashed (SHA-256) and sniffed on the way; never held in memory. The
 * import reads back only the files its items name, inside its transaction.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { LIMITS } from '../../shared/constants';
import { AppError } from '../errors';
import { sniffImage, SNIFF_BYTES, type ImageType } from '../files/sniff';
import { formatBytes } from './spool';

/** One received file: where its bytes are in the spool, and what they are. */
export interface ReceivedFile {
  /** The relative path items name it by. */
  name: string;
  offset: number;
  size: number;
  /** Null when the file was over {@link LIMITS.imageBytes} (its bytes were dropped, `size` is how many arrived). */
  sha256: string | null;
  type: ImageType | null;
}

/**
 * A file's path as an import's items name it: relative, `/`-separated, no `.` or `..` segment, no empty segment, no
 * control character. The sender's own path (a Windows one) is not guessed at: a name that is not one is refused.
 */
export function fileNameProblem(name: string): string | null {
  if (name === '') return 'a file has no name: give each file part the relative path the items use';
  if (name.startsWith('/') || /^[a-z]:/i.test(name)) return `"${name}" is an absolute path: files are named by the relative path the items use`;
  if (name.includes('\\')) return `"${name}" has a backslash: use "/" between folders`;
  if (/[\p{Cc}]/u.test(name)) return `${JSON.stringify(name)} has a control character`;
  const parts = name.split('/');
  if (parts.includes('..')) return `"${name}" goes outside the upload (".."): files are named by the relative path the items use`;
  if (parts.some((p) => p === '' || p === '.')) return `"${name}" has an empty or "." folder`;
  return null;
}

export class ReceivedFiles {
  private readonly files = new Map<string, ReceivedFile>();
  private end = 0;
  /** Bytes received into the spool so far, image files and all. */
  total = 0;

  private constructor(
    private readonly handle: fs.promises.FileHandle,
    private readonly linked: string | null,
  ) {}

  /** A new spool in `dir` (the database's folder), unlinked at once where the system allows it. */
  static async open(dir: string): Promise<ReceivedFiles> {
    const file = path.join(dir, `.concord-files-${randomUUID()}.tmp`);
    const handle = await fs.promises.open(file, 'wx+', 0o600);
    try {
      await fs.promises.unlink(file);
      return new ReceivedFiles(handle, null);
    } catch {
      return new ReceivedFiles(handle, file);
    }
  }

  get count(): number {
    return this.files.size;
  }

  get(name: string): ReceivedFile | undefined {
    return this.files.get(name);
  }

  /** Checks a new file's name before its bytes are read: a bad or repeated name, or one file too many, refuses the import. */
  private admit(name: string): void {
    const bad = fileNameProblem(name);
    if (bad) throw new AppError('invalid-input', `A file of the import is refused: ${bad}`, [{ field: 'files', message: bad }]);
    if (this.files.has(name)) throw new AppError('invalid-input', `The file "${name}" was sent twice`, [{ field: 'files', message: `"${name}" was sent twice` }]);
    if (this.files.size >= LIMITS.filesPerImport)
      throw new AppError('invalid-input', `Too many files: an import takes at most ${LIMITS.filesPerImport}`, [{ field: 'files', message: `more than ${LIMITS.filesPerImport} files` }]);
  }

  /**
   * Reads one file from `source` into the spool. Past {@link LIMITS.imageBytes} its bytes are no longer kept: with
   * `stopOverCap` (a zip entry being inflated: a zip bomb would inflate on) the source is destroyed there, else (a
   * multipart part, which must be read to reach the next) the rest is read and dropped. `maxTotal` caps every byte
   * received (413).
   */
  async add(name: string, source: Readable, { maxTotal, stopOverCap }: { maxTotal: number; stopOverCap: boolean }): Promise<ReceivedFile> {
    this.admit(name);
    const hash = createHash('sha256');
    const head: Buffer[] = [];
    let headBytes = 0;
    let size = 0;
    let over = false;
    const offset = this.end;
    for await (const chunk of source as AsyncIterable<Buffer>) {
      size += chunk.length;
      this.total += chunk.length;
      if (this.total > maxTotal) {
        source.destroy();
        throw new AppError('payload-too-large', `The import's files come to more than the ${formatBytes(maxTotal)} limit`);
      }
      if (over) continue;
      if (size > LIMITS.imageBytes) {
        over = true;
        if (stopOverCap) {
          source.destroy();
          break;
        }
        continue;
      }
      if (headBytes < SNIFF_BYTES) {
        const part = Buffer.from(chunk.subarray(0, SNIFF_BYTES - headBytes));
        head.push(part);
        headBytes += part.length;
      }
      hash.update(chunk);
      await this.handle.write(chunk, 0, chunk.length, this.end);
      this.end += chunk.length;
    }
    const file: ReceivedFile = over
      ? { name, offset, size, sha256: null, type: null }
      : { name, offset, size, sha256: hash.digest('hex'), type: sniffImage(Buffer.concat(head)) };
    // A file over the cap wrote only its first bytes: they are overwritten by the next file.
    if (over) this.end = offset;
    this.files.set(name, file);
    return file;
  }

  /** Records a file over {@link LIMITS.imageBytes} without reading it (a zip entry whose declared size is over). */
  addTooLarge(name: string, size: number): void {
    this.admit(name);
    this.files.set(name, { name, offset: this.end, size, sha256: null, type: null });
  }

  /** A file's bytes, read synchronously (inside the import's transaction, where nothing may be awaited). */
  readSync(file: ReceivedFile): Buffer {
    const buf = Buffer.allocUnsafe(file.size);
    let at = 0;
    while (at < file.size) {
      const n = fs.readSync(this.handle.fd, buf, at, file.size - at, file.offset + at);
      if (n === 0) throw new Error(`The spooled file ${file.name} is shorter than received`);
      at += n;
    }
    return buf;
  }

  async dispose(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    if (this.linked) await fs.promises.rm(this.linked, { force: true }).catch(() => undefined);
  }
}
