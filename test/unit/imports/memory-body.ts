/** An import body held in memory, cut into chunks of a chosen size, so the parser's chunk boundaries can be placed. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ImportBody } from '../../../server/imports/spool';
import { HEAD_BYTES } from '../../../server/imports/spool';
import { AppError } from '../../../server/errors';
import { Problems, readRecords, type ImportFormat } from '../../../server/imports/parse';

export function memoryBody(content: string | Buffer, chunkBytes = 1024 * 1024): ImportBody {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  return {
    size: bytes.length,
    head: bytes.subarray(0, HEAD_BYTES),
    async *chunks() {
      for (let at = 0; at < bytes.length; at += chunkBytes) yield bytes.subarray(at, at + chunkBytes);
    },
  };
}

/**
 * The same bytes as a spooled body on a real file (an open descriptor, as `spoolBody` gives): what a big CSV body is
 * read from in a worker thread (server/imports/csv-thread.ts). Close it with `dispose`.
 */
export function fileBody(content: string | Buffer): ImportBody & { fd: number; dispose(): void } {
  const bytes = typeof content === 'string' ? Buffer.from(content) : content;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-body-'));
  const file = path.join(dir, 'body');
  fs.writeFileSync(file, bytes);
  const fd = fs.openSync(file, 'r');
  return {
    ...memoryBody(bytes),
    fd,
    dispose() {
      fs.closeSync(fd);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The AppError a promise rejects with (fails the test if it resolves or rejects with something else). */
export async function appError(p: Promise<unknown>): Promise<AppError> {
  const e: unknown = await p.then(
    () => new Error('expected the file to be refused'),
    (err: unknown) => err,
  );
  if (!(e instanceof AppError)) throw e;
  return e;
}

/** A fresh problem list and a way to read what it holds. */
export function problemList(): { problems: Problems; list: () => Problems['list'] } {
  const problems = new Problems();
  return { problems, list: () => problems.list };
}

/**
 * Reads a text as `format` through the real parser, in chunks of `chunk` bytes: the records, and the problems found
 * (`numeric`: CSV columns whose cells are read as numbers).
 */
export function reader(format: ImportFormat) {
  return async (text: string | Buffer, { max = 1000, chunk = 1024 * 1024, numeric = [] as string[], file = false } = {}) => {
    const { problems, list } = problemList();
    const onFile = file ? fileBody(text) : null;
    try {
      const records = await readRecords(onFile ?? memoryBody(text, chunk), format, max, problems, new Set(numeric));
      return { records, problems: list() };
    } finally {
      onFile?.dispose();
    }
  };
}
