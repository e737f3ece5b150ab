import { jsonTooDeep, MAX_JSON_DEPTH, valueTooDeep } from '../../shared/json-depth';

const arrays = (n: number) => '['.repeat(n) + ']'.repeat(n);
const objects = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);

describe('jsonTooDeep (text, before JSON.parse)', () => {
  test('the limit is 64 levels, the outermost value counting as one', () => {
    expect(MAX_JSON_DEPTH).toBe(64);
    expect(jsonTooDeep(arrays(64))).toBeNull();
    expect(jsonTooDeep(arrays(65))).toEqual({});
    expect(jsonTooDeep(objects(64))).toBeNull();
    expect(jsonTooDeep(objects(65))).toEqual({ field: 'a' });
    expect(jsonTooDeep('1')).toBeNull();
    expect(jsonTooDeep('')).toBeNull();
  });

  test('brackets inside strings, escaped quotes included, do not count', () => {
    const inString = JSON.stringify({ q: '['.repeat(1000) + '\\"{{{{' + '"[[[[[' });
    expect(jsonTooDeep(inString)).toBeNull();
    expect(jsonTooDeep(`{"a":"\\\\","b":${arrays(64)}}`)).toEqual({ field: 'b' });
  });

  test('names the top-level field the deep value sits under, even after other fields', () => {
    const text = JSON.stringify({ id: 'q1', question: 'a [ b { c', options: ['x', 'y'], meta: { n: 1 } }).replace('{"n":1}', objects(500));
    expect(jsonTooDeep(text)).toEqual({ field: 'meta' });
    expect(jsonTooDeep(`{"we\\"ird": ${arrays(100)}}`)).toEqual({ field: 'we"ird' });
    expect(jsonTooDeep(`[1, ${arrays(100)}]`)).toEqual({});
  });

  test('a 10-million-level text is scanned without a stack overflow', () => {
    expect(jsonTooDeep(arrays(10_000_000))).toEqual({});
    expect(jsonTooDeep(JSON.stringify({ text: 'x'.repeat(10_000_000) }))).toBeNull();
  });

  test('malformed text is left to JSON.parse, and stray closing brackets do not buy extra levels', () => {
    expect(jsonTooDeep('{"a": [1, 2')).toBeNull();
    expect(jsonTooDeep(']]]]' + arrays(64))).toBeNull();
    expect(jsonTooDeep(']]]]' + arrays(65))).toEqual({});
    expect(jsonTooDeep('"never closed [[[[')).toBeNull();
    expect(jsonTooDeep(arrays(3), 2)).toEqual({});
  });
});

describe('valueTooDeep (already parsed, without recursion)', () => {
  test('agrees with the text scan on the same values', () => {
    for (const text of [arrays(64), arrays(65), objects(64), objects(65), '{"x":1,"meta":' + objects(70) + '}', '[1,{"a":[]}]', '7', 'null']) {
      expect(valueTooDeep(JSON.parse(text))).toEqual(jsonTooDeep(text));
    }
  });

  test('a 100,000-level value is measured without a stack overflow and names its field', () => {
    const deep = JSON.parse(`{"leaseId":"l","meta":${objects(100_000)}}`);
    expect(valueTooDeep(deep)).toEqual({ field: 'meta' });
    expect(valueTooDeep({ a: { b: 1 } }, 1)).toEqual({ field: 'a' });
    expect(valueTooDeep({ a: 1, b: 'x' }, 1)).toBeNull();
  });
});
