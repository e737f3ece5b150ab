/** readRecords on JSONL bodies: line numbers, blank lines, BOM and CRLF, the per-record size limit, nesting depth. */
import { appError, reader } from './memory-body';

const read = reader('jsonl');

describe('readRecords (JSONL)', () => {
  test('each record keeps the line it is on; blank and whitespace-only lines are skipped but counted', async () => {
    const { records, problems } = await read('{"id":"a"}\n\n   \n{"id":"b"}\n\t\n{"id":"c"}');
    expect(records).toEqual([
      { line: 1, value: { id: 'a' } },
      { line: 4, value: { id: 'b' } },
      { line: 6, value: { id: 'c' } },
    ]);
    expect(problems).toEqual([]);
  });

  test('CRLF line ends, a byte-order mark and a final newline change nothing', async () => {
    const { records } = await read('\ufeff{"id":"a"}\r\n{"id":"b"}\r\n');
    expect(records).toEqual([
      { line: 1, value: { id: 'a' } },
      { line: 2, value: { id: 'b' } },
    ]);
  });

  test('a line that is not JSON is a problem on its line; the other lines are still read', async () => {
    const { records, problems } = await read('{"id":"a"}\n{"id": "b",}\n[1, 2]\n"text"');
    expect(records.map((r) => r.line)).toEqual([1, 3, 4]);
    expect(records[1]!.value).toEqual([1, 2]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(2);
    expect(problems[0]!.message).toMatch(/^not valid JSON: /);
  });

  test('a line over the limit is named with its size in bytes (multi-byte letters count as bytes; the CR does not)', async () => {
    const ok = `{"q":"${'é'.repeat(10)}"}`; // 8 + 20 bytes = 28
    const { records, problems } = await read(`${ok}\r\n{"q":"${'é'.repeat(20)}"}\r\n${ok}`, { max: 30 });
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    expect(problems).toEqual([{ line: 2, message: 'record is 48 bytes, over the 30-byte limit for one record' }]);
  });

  test('a line far over the limit, arriving in many small chunks, is counted exactly without being kept', async () => {
    const long = `{"q":"${'x'.repeat(5000)}"}`;
    const { records, problems } = await read(`{"id":1}\n${long}\r\n{"id":3}\n`, { max: 100, chunk: 7 });
    expect(records).toEqual([
      { line: 1, value: { id: 1 } },
      { line: 3, value: { id: 3 } },
    ]);
    expect(problems).toEqual([{ line: 2, message: `record is ${long.length} bytes, over the 100-byte limit for one record` }]);
  });

  test('a last line over the limit without a final newline is still reported', async () => {
    const { problems } = await read(`{"id":1}\n{"q":"${'x'.repeat(200)}"}`, { max: 100, chunk: 16 });
    expect(problems).toEqual([{ line: 2, message: 'record is 208 bytes, over the 100-byte limit for one record' }]);
  });

  test('a letter split between two chunks is read whole', async () => {
    const text = '{"q":"ça va"}\n{"q":"naïve"}';
    for (let chunk = 1; chunk <= 4; chunk++) {
      const { records } = await read(text, { chunk });
      expect(records.map((r) => r.value)).toEqual([{ q: 'ça va' }, { q: 'naïve' }]);
    }
  });

  test('a line nested deeper than 64 levels is a problem naming the top-level field, before it is parsed', async () => {
    const deep = '{"a":'.repeat(65) + '1' + '}'.repeat(65);
    const { records, problems } = await read(`{"id":1}\n{"id":2,"meta":${'['.repeat(100)}${']'.repeat(100)}}\n${deep}`, { max: 10_000 });
    expect(records).toEqual([{ line: 1, value: { id: 1 } }]);
    expect(problems).toEqual([
      { line: 2, field: 'meta', message: 'nested deeper than 64 levels' },
      { line: 3, field: 'a', message: 'nested deeper than 64 levels' },
    ]);
  });

  test('a file of blank lines is the empty-file error; so is an empty body', async () => {
    for (const body of ['\n\n  \r\n', '']) {
      const e = await appError(read(body));
      expect(e.code).toBe('invalid-input');
      expect(e.message).toBe('The file is empty: nothing to import');
      expect(e.details).toEqual([{ message: 'the file is empty' }]);
    }
  });

  test('blank lines beyond the first 4 KiB: still the empty-file error', async () => {
    const e = await appError(read(' '.repeat(5000) + '\n'.repeat(10), { max: 10_000, chunk: 512 }));
    expect(e.message).toBe('The file is empty: nothing to import');
  });

  test('bytes that are not UTF-8 refuse the file, naming the first line that has them', async () => {
    const body = Buffer.concat([Buffer.from('{"id":1}\n{"id":2}\n{"q":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}\n')]);
    const e = await appError(read(body, { chunk: 5 }));
    expect(e.message).toBe('The file is not valid UTF-8 (first bad bytes on line 3); save it as UTF-8 and try again');
    expect(e.details).toEqual([{ line: 3, message: 'not valid UTF-8' }]);
  });
});
