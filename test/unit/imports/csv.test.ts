/**
 * readRecords on CSV bodies (csv.ts): a header row, the line each record starts on (blank lines and multi-line
 * cells included), how cells become fields, and the errors that refuse the whole file.
 */
import { csvThread } from '../../../server/imports/csv-thread';
import { appError, reader } from './memory-body';

const readCsv = reader('csv');

// Every case twice: parsed on this thread from memory, and parsed in a worker thread from a spooled file (what a
// body of 16 MiB or more gets; the threshold is lowered to 0 here so small cases go there too).
describe.each([
  ['on this thread', false],
  ['in a worker thread, from a file', true],
])('readRecords (CSV) %s', (_, file) => {
  const read = async (text: string | Buffer, o: Parameters<typeof readCsv>[1] = {}) => {
    const started = csvThread.started;
    try {
      return await readCsv(text, { ...o, file });
    } finally {
      // (A body of blank lines only is refused as empty before any parser runs.)
      expect(csvThread.started - started).toBe(file && String(text).trim() !== '' ? 1 : 0);
    }
  };
  const minBytes = csvThread.minBytes;
  beforeAll(() => (csvThread.minBytes = file ? 0 : minBytes));
  afterAll(() => (csvThread.minBytes = minBytes));

  test('a record is an object of its non-empty cells, numbered by the line it is on (header = line 1)', async () => {
    const { records, problems } = await read('id,question,reference\nq1,What?,\nq2,Why?,Because\n');
    expect(records).toEqual([
      { line: 2, value: { id: 'q1', question: 'What?' } },
      { line: 3, value: { id: 'q2', question: 'Why?', reference: 'Because' } },
    ]);
    expect(problems).toEqual([]);
  });

  test('blank lines, CRLF, a BOM and quoted cells over several lines keep each record on the line it starts on', async () => {
    const text = '\ufeffid,answer\r\n\r\nq1,"one\r\ntwo\r\nthree"\r\n\r\n\r\nq2,plain\r\nq3,"x\ny"\r\nq4,z';
    // The spool's first chunk is never under 3 bytes (it reads 1 MiB at a time), so the BOM arrives whole.
    for (const chunk of [3, 4, 7, 1024]) {
      const { records } = await read(text, { chunk });
      expect(records.map((r) => [r.line, (r.value as { id: string }).id])).toEqual([
        [3, 'q1'],
        [8, 'q2'],
        [9, 'q3'],
        [11, 'q4'],
      ]);
      expect((records[0]!.value as { answer: string }).answer).toBe('one\r\ntwo\r\nthree');
    }
  });

  test('numeric columns become numbers when they read as one; other text is left for validation to name', async () => {
    const { records } = await read('item,value,certainty,rationale\ni1,7.5,80,10\ni2,seven, ,1e3\n', { numeric: ['value', 'certainty'] });
    expect(records.map((r) => r.value)).toEqual([
      { item: 'i1', value: 7.5, certainty: 80, rationale: '10' },
      { item: 'i2', value: 'seven', certainty: ' ', rationale: '1e3' },
    ]);
  });

  test('options: a JSON array or |-separated text; meta: a JSON object, merged with meta.<key> columns', async () => {
    const text = 'id,options,meta,meta.source\nq1,"[""a"",""b, c""]","{""n"":1}",web\nq2, x | y |z,,\n';
    const { records, problems } = await read(text);
    expect(problems).toEqual([]);
    expect(records.map((r) => r.value)).toEqual([
      { id: 'q1', options: ['a', 'b, c'], meta: { n: 1, source: 'web' } },
      { id: 'q2', options: ['x', 'y', 'z'] },
    ]);
  });

  test('a bad options or meta cell is a problem on its line and field, and the record is marked failed', async () => {
    const text = 'id,options,meta\nq1,"[""a"",",\nq2,a|b,plain text\nq3,a|b,"{""n"":"\nq4,a|b,\n';
    const { records, problems } = await read(text);
    expect(problems).toEqual([
      { line: 2, field: 'options', message: 'options is not valid JSON' },
      { line: 3, field: 'meta', message: 'meta must be a JSON object' },
      { line: 4, field: 'meta', message: 'meta is not valid JSON' },
    ]);
    expect(records.map((r) => r.failed ?? false)).toEqual([true, true, true, false]);
  });

  test('a JSON cell counts as one level inside its record: 63 levels pass, 64 are too deep', async () => {
    const nest = (n: number) => '"' + '{""a"":'.repeat(n - 1) + '{}' + '}'.repeat(n - 1) + '"';
    const { records, problems } = await read(`id,meta\nq1,${nest(63)}\nq2,${nest(64)}\n`);
    expect(records[0]!.failed).toBeUndefined();
    expect(problems).toEqual([{ line: 3, field: 'meta', message: 'nested deeper than 64 levels' }]);
  });

  test('a header naming a column twice refuses the file', async () => {
    const e = await appError(read('id,question,id\nq1,What?,q2\n'));
    expect(e.message).toBe('The CSV header names the column "id" twice');
    expect(e.details).toEqual([{ line: 1, field: 'id', message: 'column named twice in the header' }]);
  });

  test('a row with another number of cells refuses the file, naming the line it starts on and both counts', async () => {
    const e = await appError(read('id,question\n\nq1,"What,\nnow?"\nq2,a,b\n'));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toBe('The CSV file cannot be read (line 5): 3 cells where the header has 2');
    expect(e.details).toEqual([{ line: 5, message: '3 cells where the header has 2' }]);
  });

  test('a quoted cell never closed refuses the file, naming the line the record starts on', async () => {
    const e = await appError(read('id,question\nq1,fine\nq2,"open\nstill open\n'));
    expect(e.message).toBe('The CSV file cannot be read (line 3): a quoted cell that starts here is never closed');
  });

  test('a record over the size limit refuses the file, naming its line', async () => {
    const e = await appError(read(`id,answer\nq1,short\nq2,${'x'.repeat(300)}\n`, { max: 100 }));
    expect(e.message).toBe('The CSV file cannot be read (line 3): record over the 100-byte limit for one record');
  });

  test('a header with no rows, or blank lines only, is refused as empty', async () => {
    const noRows = await appError(read('id,question\r\n\r\n'));
    expect(noRows.message).toBe('The file is empty: the CSV has a header but no rows');
    expect(noRows.details).toEqual([{ message: 'no rows after the header' }]);
    expect((await appError(read('\n\n\n'))).message).toBe('The file is empty: nothing to import');
  });

  test('bytes that are not UTF-8 refuse the file, naming their line, even split across chunks', async () => {
    const body = Buffer.concat([Buffer.from('id,question\nq1,ok\nq2,caf'), Buffer.from([0xc3]), Buffer.from(',\n')]);
    for (const chunk of [2, 5, 1024]) {
      const e = await appError(read(body, { chunk }));
      expect(e.message).toBe('The file is not valid UTF-8 (first bad bytes on line 3); save it as UTF-8 and try again');
    }
  });
});
