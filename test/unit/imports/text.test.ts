/** text.ts: decoding an import body as UTF-8 chunk by chunk, and naming the line of the first bytes that are not. */
import { notUtf8, text } from '../../../server/imports/text';
import { memoryBody } from './memory-body';

const collect = async (body: ReturnType<typeof memoryBody>) => {
  let out = '';
  for await (const t of text(body)) out += t;
  return out;
};

describe('text (an import body as UTF-8)', () => {
  test('letters split between chunks are decoded whole, and a byte-order mark is dropped', async () => {
    const s = '\ufeffnaïve café — 日本語 🎉\n';
    for (const chunk of [1, 2, 3, 5]) expect(await collect(memoryBody(s, chunk))).toBe('naïve café — 日本語 🎉\n');
  });

  test('a letter cut off at the very end is refused', async () => {
    const body = memoryBody(Buffer.concat([Buffer.from('ok\nfine\n'), Buffer.from('é').subarray(0, 1)]), 4);
    await expect(collect(body)).rejects.toThrow('The file is not valid UTF-8 (first bad bytes on line 3); save it as UTF-8 and try again');
  });
});

describe('notUtf8', () => {
  test('names the first line with bad bytes, counting lines across chunks', async () => {
    const bytes = Buffer.concat([Buffer.from('a\nb\nc\nd'), Buffer.from([0x80]), Buffer.from('\ne\n')]);
    for (const chunk of [1, 3, 1024]) {
      const e = await notUtf8(memoryBody(bytes, chunk));
      expect(e.code).toBe('invalid-input');
      expect(e.message).toBe('The file is not valid UTF-8 (first bad bytes on line 4); save it as UTF-8 and try again');
      expect(e.details).toEqual([{ line: 4, message: 'not valid UTF-8' }]);
    }
  });

  test('a letter split across chunks on a good line is not mistaken for bad bytes', async () => {
    const bytes = Buffer.concat([Buffer.from('é\nü\n'), Buffer.from([0xff])]);
    const e = await notUtf8(memoryBody(bytes, 1));
    expect(e.details).toEqual([{ line: 3, message: 'not valid UTF-8' }]);
  });

  test('a body with no bad line still gives the not-UTF-8 error, without a line', async () => {
    const e = await notUtf8(memoryBody('all fine\n'));
    expect(e.message).toBe('The file is not valid UTF-8; save it as UTF-8 and try again');
    expect(e.details).toBeUndefined();
  });
});
