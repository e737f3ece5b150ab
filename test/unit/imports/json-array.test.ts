/**
 * readRecords on JSON-array bodies: elements cut out by a scan of the text, numbered from 1, sized without the
 * whitespace between tokens, and the array's own shape errors, at any chunk boundary.
 */
import { appError, reader } from './memory-body';

const read = reader('json');
/** Every chunk size from 1 byte to the whole text: a boundary falls at every position at least once. */
const everyChunking = (text: string) => Array.from({ length: Buffer.byteLength(text) }, (_, i) => i + 1);

describe('readRecords (JSON array)', () => {
  test('each element is a record numbered from 1, whatever the layout', async () => {
    const { records, problems } = await read('\ufeff [\n  {"id": "a"},\n\n  {"id": "b"} ,{"id":"c"}\n]\n');
    expect(records).toEqual([
      { line: 1, value: { id: 'a' } },
      { line: 2, value: { id: 'b' } },
      { line: 3, value: { id: 'c' } },
    ]);
    expect(problems).toEqual([]);
  });

  test('brackets, braces, commas and escaped quotes inside strings do not cut an element, at any chunk boundary', async () => {
    const values = [{ q: 'a, b] c} {[', s: 'say \\"hi\\", \\\\' }, { q: '\\\\', n: [1, [2, { x: ']' }]] }, 'plain', 7, null];
    const text = JSON.stringify(values);
    for (const chunk of everyChunking(text)) {
      const { records, problems } = await read(text, { chunk });
      expect(problems).toEqual([]);
      expect(records.map((r) => r.value)).toEqual(values);
    }
  });

  test('an element that is not valid JSON is a problem on its element number; the others are read', async () => {
    const { records, problems } = await read('[{"id":1}, {"id":2,,}, {"id":3}]');
    expect(records.map((r) => r.line)).toEqual([1, 3]);
    expect(problems).toHaveLength(1);
    expect(problems[0]!.line).toBe(2);
    expect(problems[0]!.message).toMatch(/^not valid JSON: /);
  });

  test("an element's size leaves out the whitespace between tokens, as if written compactly", async () => {
    const compact = '{"q":"' + 'x'.repeat(20) + '"}'; // 28 bytes
    const spaced = '{\n    "q" :   "' + 'x'.repeat(20) + '"\n}';
    const atLimit = await read(`[${spaced}]`, { max: 28 });
    expect(atLimit.problems).toEqual([]);
    expect(atLimit.records).toEqual([{ line: 1, value: { q: 'x'.repeat(20) } }]);
    const over = await read(`[${compact}, ${compact}]`, { max: 27 });
    expect(over.problems).toEqual([
      { line: 1, message: 'record is 28 bytes, over the 27-byte limit for one record' },
      { line: 2, message: 'record is 28 bytes, over the 27-byte limit for one record' },
    ]);
  });

  test('an element far over the limit, in small chunks, is counted exactly; the next element is still read', async () => {
    const big = `{"q":"${'ü'.repeat(3000)}"}`;
    const { records, problems } = await read(`[${big},\n {"id":2}]`, { max: 100, chunk: 13 });
    expect(problems).toEqual([{ line: 1, message: `record is ${Buffer.byteLength(big)} bytes, over the 100-byte limit for one record` }]);
    expect(records).toEqual([{ line: 2, value: { id: 2 } }]);
  });

  test('an element nested deeper than 64 levels is a problem naming its field', async () => {
    const { records, problems } = await read(`[{"id":1}, {"id":2,"meta":${'{"a":'.repeat(70)}1${'}'.repeat(70)}}]`, { max: 10_000 });
    expect(records).toEqual([{ line: 1, value: { id: 1 } }]);
    expect(problems).toEqual([{ line: 2, field: 'meta', message: 'nested deeper than 64 levels' }]);
  });

  test('a body that is not an array is refused as a whole', async () => {
    const e = await appError(read('  "just text"'));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toBe('A JSON import must be an array of records (or send JSONL, one record per line)');
    expect(e.details).toEqual([{ line: 1, message: 'not an array' }]);
  });

  test.each([
    ['[{"id":1},]', 'a comma just before the closing ]', 1],
    ['[,{"id":1}]', 'a comma just after the opening [', 1],
    ['[{"id":1},\n\n,{"id":2}]', 'two commas in a row', 3],
    ['[{"id":1}]\n\n[{"id":2}]', 'there is more after the closing ]', 3],
    ['[{"id":1}}]', 'a } with no { before it', 1],
    // The newline inside the unclosed string is not counted: the line named is where that string starts.
    ['[\n{"id":1},\n{"q":"never closed}]\n', 'the file ends before the array is closed (a missing ], or a string or bracket left open)', 3],
    ['[{"id":1}', 'the file ends before the array is closed (a missing ], or a string or bracket left open)', 1],
  ])('a broken array (%j) is refused naming the text line: %s', async (text, why, line) => {
    const e = await appError(read(text));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toBe(`The file is not valid JSON (line ${line}): ${why}`);
    expect(e.details).toEqual([{ line, message: `not valid JSON: ${why}` }]);
  });

  test('an empty array, or a body of whitespace, is refused as empty', async () => {
    const empty = await appError(read('[ \n ]'));
    expect(empty.message).toBe('The file is empty: the array has no records');
    expect(empty.details).toEqual([{ message: 'the array has no records' }]);
    const blank = await appError(read(' \n\t'));
    expect(blank.message).toBe('The file is empty: nothing to import');
  });
});
