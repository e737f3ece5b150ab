/** An import body held in memory, cut into chunks of a chosen size, so the parser's chunk boundaries can be placed. */
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
  return async (text: string | Buffer, { max = 1000, chunk = 1024 * 1024, numeric = [] as string[] } = {}) => {
    const { problems, list } = problemList();
    const records = await readRecords(memoryBody(text, chunk), format, max, problems, new Set(numeric));
    return { records, problems: list() };
  };
}
