/** Problems (the list of a file's problems) and detectFormat (which reader an import body goes to). */
import { AppError } from '../../../server/errors';
import { detectFormat, explicitFormat, MAX_DETAILS, Problems } from '../../../server/imports/parse';

const thrown = (f: () => void): AppError => {
  try {
    f();
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected an AppError');
};

describe('Problems', () => {
  test('no problems: throwIfAny does nothing', () => {
    const p = new Problems();
    expect(p.any).toBe(false);
    expect(() => p.throwIfAny('file')).not.toThrow();
  });

  test('problems added out of line order are listed by line, ties in the order they came', () => {
    const p = new Problems();
    p.add({ line: 9, field: 'gold', message: 'late' });
    p.add({ line: 2, field: 'b', message: 'first of line 2' });
    p.add({ line: 2, field: 'a', message: 'second of line 2' });
    p.add({ message: 'no line' });
    expect(p.list.map((d) => d.message)).toEqual(['no line', 'first of line 2', 'second of line 2', 'late']);
  });

  test('the message counts every problem and names the first by line and field', () => {
    const p = new Problems();
    p.add({ line: 5, field: 'answer_b', message: 'answer_b is required' });
    p.add({ line: 3, field: 'id', message: 'id cannot be empty' });
    const e = thrown(() => p.throwIfAny('file'));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toBe('Nothing was imported: 2 problems in the file. First: line 3, id: id cannot be empty');
    expect(e.details).toEqual([
      { line: 3, field: 'id', message: 'id cannot be empty' },
      { line: 5, field: 'answer_b', message: 'answer_b is required' },
    ]);
  });

  test('one problem is "1 problem"; a problem with only a line, only a field or neither is worded to fit', () => {
    const one = (d: { line?: number; field?: string; message: string }) => {
      const p = new Problems();
      p.add(d);
      return thrown(() => p.throwIfAny('file')).message;
    };
    expect(one({ line: 4, message: 'not valid JSON: x' })).toBe('Nothing was imported: 1 problem in the file. First: line 4: not valid JSON: x');
    expect(one({ field: 'value', message: 'bad' })).toBe('Nothing was imported: 1 problem in the file. First: value: bad');
    expect(one({ message: 'the file is empty' })).toBe('Nothing was imported: 1 problem in the file. First: the file is empty');
  });

  test(`over ${MAX_DETAILS} problems: the first ${MAX_DETAILS} by line are listed and the message says so`, () => {
    const p = new Problems();
    // Added in reverse, and far more than the trimming threshold, so the kept list is trimmed more than once.
    for (let line = 1000; line >= 1; line--) p.add({ line, message: `bad ${line}` });
    const e = thrown(() => p.throwIfAny('labels file'));
    expect(p.total).toBe(1000);
    expect(e.details).toHaveLength(MAX_DETAILS);
    expect(e.details!.map((d) => d.line)).toEqual(Array.from({ length: MAX_DETAILS }, (_, i) => i + 1));
    expect(e.message).toBe(`Nothing was imported: 1000 problems in the labels file (the first ${MAX_DETAILS} are listed). First: line 1: bad 1`);
  });
});

describe('detectFormat', () => {
  const head = (s: string) => Buffer.from(s);

  test('an explicit format wins over the content type and the first byte', () => {
    expect(detectFormat(head('{"a":1}'), 'text/csv', 'json')).toBe('json');
    expect(detectFormat(head('[1]'), 'application/json', 'csv')).toBe('csv');
    expect(explicitFormat(undefined)).toBeUndefined();
  });

  test('an unknown explicit format is refused before anything is read', () => {
    const e = thrown(() => explicitFormat('xml'));
    expect(e.code).toBe('invalid-input');
    expect(e.message).toBe('Unknown format "xml": use jsonl, json or csv');
    expect(thrown(() => detectFormat(head('[]'), undefined, 'JSONL')).message).toBe('Unknown format "JSONL": use jsonl, json or csv');
  });

  test('every JSONL and CSV media type is known, whatever its case and parameters', () => {
    for (const t of ['application/x-ndjson', 'application/jsonl', 'application/x-jsonlines', 'application/jsonlines']) expect(detectFormat(head('['), t)).toBe('jsonl');
    expect(detectFormat(head('id,question'), 'Text/CSV; charset=utf-8')).toBe('csv');
    expect(detectFormat(head('id'), 'application/csv')).toBe('csv');
  });

  test('application/json is an array when the body starts with [ (after a BOM and whitespace), JSONL otherwise', () => {
    expect(detectFormat(head('\ufeff \r\n\t[{"id":1}]'), 'application/json')).toBe('json');
    expect(detectFormat(head('{"id":1}\n{"id":2}'), 'application/json; charset=utf-8')).toBe('jsonl');
    expect(detectFormat(head(''), 'application/json')).toBe('jsonl');
  });

  test('no content type, octet-stream or text/plain: the first character decides', () => {
    expect(detectFormat(head('  [1]'), undefined)).toBe('json');
    expect(detectFormat(head('\ufeff{"id":1}'), 'application/octet-stream')).toBe('jsonl');
    expect(detectFormat(head('\n{"id":1}'), 'text/plain')).toBe('jsonl');
  });

  test('another media type is a 415 naming it; an unrecognisable body is a 415 too', () => {
    const media = thrown(() => detectFormat(head('[1]'), 'application/xml'));
    expect(media.code).toBe('unsupported-media-type');
    expect(media.status).toBe(415);
    expect(media.message).toBe('Cannot import application/xml: send application/x-ndjson (JSONL), application/json (an array) or text/csv');
    const unknown = thrown(() => detectFormat(head('id,question\n'), undefined));
    expect(unknown.code).toBe('unsupported-media-type');
    expect(unknown.message).toBe('Cannot tell the file format: send application/x-ndjson (JSONL), application/json (an array) or text/csv');
    expect(thrown(() => detectFormat(head('   '), 'text/plain')).code).toBe('unsupported-media-type');
  });
});
