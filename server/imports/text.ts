import { isUtf8 } from 'node:buffer';
import { AppError } from '../errors';
import type { ImportBody } from './spool';

/** Reading an import body as UTF-8 text, and the errors every format shares. */

export const emptyFile = () => new AppError('invalid-input', 'The file is empty: nothing to import', [{ message: 'the file is empty' }]);

/** The error for a file that is not UTF-8, naming the first line with bad bytes (read again: the error path only). */
export async function notUtf8(body: ImportBody): Promise<AppError> {
  let line = 1;
  let carry: Buffer[] = [];
  const bad = () =>
    new AppError('invalid-input', `The file is not valid UTF-8 (first bad bytes on line ${line}); save it as UTF-8 and try again`, [{ line, message: 'not valid UTF-8' }]);
  for await (const chunk of body.chunks()) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      const bytes = carry.length ? Buffer.concat([...carry, chunk.subarray(start, nl)]) : chunk.subarray(start, nl);
      if (!isUtf8(bytes)) return bad();
      carry = [];
      line++;
      start = nl + 1;
    }
    carry.push(chunk.subarray(start));
  }
  const rest = Buffer.concat(carry);
  if (!isUtf8(rest)) return bad();
  return new AppError('invalid-input', 'The file is not valid UTF-8; save it as UTF-8 and try again');
}

/** The body as text, chunk by chunk, decoded strictly (a byte-order mark is dropped). */
export async function* text(body: ImportBody): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  for await (const chunk of body.chunks()) {
    let t: string;
    try {
      t = decoder.decode(chunk, { stream: true });
    } catch {
      throw await notUtf8(body);
    }
    yield t;
  }
  try {
    decoder.decode();
  } catch {
    throw await notUtf8(body);
  }
}
