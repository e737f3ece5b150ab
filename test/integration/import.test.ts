import { call, invite, jsonl, makeProject, ok, pairwiseItems, startServer, type TestServer } from '../helpers/server';

/**
 * Importing items and existing labels over REST, as a researcher would: real HTTP, a real SQLite file, and
 * every answer read back through the API (items list, progress) or a real annotator socket.
 */

const NDJSON = 'application/x-ndjson';
const JSON_TYPE = 'application/json';
const CSV = 'text/csv';

type Detail = { line?: number; field?: string; message: string };

const postItems = (s: TestServer, pid: number, body: string | Buffer, type = NDJSON, query = '') =>
  s.api('POST', `/api/projects/${pid}/items${query}`, body, { type });
const postLabels = (s: TestServer, pid: number, body: string | Buffer, type = NDJSON, query = '') =>
  s.api('POST', `/api/projects/${pid}/labels${query}`, body, { type });

async function listItems(s: TestServer, pid: number): Promise<{ items: any[]; total: number }> {
  const r = await s.api('GET', `/api/projects/${pid}/items?limit=1000`);
  expect(r.status).toBe(200);
  return r.body;
}
const itemTotal = async (s: TestServer, pid: number) => (await s.api('GET', `/api/projects/${pid}/items?limit=1`)).body.total as number;
const labelTotals = async (s: TestServer, pid: number) => (await s.api('GET', `/api/projects/${pid}/progress`)).body.labels as { human: number; llm: number };
const byId = (items: any[], id: string) => items.find((i) => i.id === id);

/** Asserts a refused import and returns its details as `line:field` strings, in order. */
function refused(r: { status: number; body: any }): string[] {
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('invalid-input');
  expect(typeof r.body.error.message).toBe('string');
  expect(r.body.error.message.length).toBeGreaterThan(0);
  const details = r.body.error.details as Detail[];
  expect(Array.isArray(details)).toBe(true);
  expect(details.length).toBeGreaterThan(0);
  for (const d of details) expect(typeof d.message).toBe('string');
  return details.map((d) => `${d.line ?? '-'}:${d.field ?? '-'}`);
}
const detailsOf = (r: { body: any }) => r.body.error.details as Detail[];

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const newProject = (overrides: Record<string, unknown> = {}, items: unknown[] = []) => makeProject(s, overrides, items);

describe('items import: what a researcher gets back', () => {
  test('pairwise JSONL items come back with their content, gold and meta', async () => {
    const pid = await newProject();
    const r = await postItems(
      s,
      pid,
      jsonl([
        { id: 'q1', question: 'Which is kinder?', answer_a: 'Yes.', answer_b: 'Of course!', reference: 'ref', persona: 'a child', gold: 'B', meta: { source: 'mt-bench', turn: 2 } },
        { id: 'q2', question: 'Q2', answer_a: 'a2', answer_b: 'b2' },
        { id: 3, question: 'Q3', answer_a: 'a3', answer_b: 'b3', gold: 'tie' },
      ]),
    );
    expect(r).toEqual({ status: 200, body: { imported: 3 } });
    const { items, total } = await listItems(s, pid);
    expect(total).toBe(3);
    expect(byId(items, 'q1')).toMatchObject({
      content: { question: 'Which is kinder?', answer_a: 'Yes.', answer_b: 'Of course!', reference: 'ref', persona: 'a child' },
      gold: 'B',
      meta: { source: 'mt-bench', turn: 2 },
      labels: { human: 0, llm: 0 },
    });
    expect(byId(items, 'q2')).toMatchObject({ gold: null, meta: null });
    expect(byId(items, '3')).toMatchObject({ content: { question: 'Q3' }, gold: 'tie' });
  });

  test('a JSON array of rating items on a half-point scale imports with numeric gold and rubric', async () => {
    const pid = await newProject({ type: 'rating', scale: { min: 0, max: 5, step: 0.5 } });
    const body = JSON.stringify([
      { id: 'r1', question: 'Explain TCP.', answer: 'It is a protocol.', rubric: '5 = complete', gold: 2.5 },
      { id: 'r2', question: 'Explain UDP.', answer: 'Datagrams.', gold: 5 },
      { id: 'r3', question: 'Explain IP.', answer: 'Addresses.' },
    ]);
    expect(await postItems(s, pid, body, JSON_TYPE)).toEqual({ status: 200, body: { imported: 3 } });
    const { items, total } = await listItems(s, pid);
    expect(total).toBe(3);
    expect(byId(items, 'r1')).toMatchObject({ content: { question: 'Explain TCP.', answer: 'It is a protocol.', rubric: '5 = complete' }, gold: 2.5 });
    expect(byId(items, 'r2').gold).toBe(5);
    expect(byId(items, 'r3').gold).toBeNull();
  });

  test('CSV keeps quoted multi-line cells and escaped quotes, and meta.x columns become meta', async () => {
    const pid = await newProject();
    const csv = [
      'id,question,answer_a,answer_b,gold,meta.source,meta.round',
      'q1,"Write a haiku, please","line one',
      'line two',
      'line three","Say ""hi""",A,arena,1',
      'q2,Plain?,yes,no,,,',
      '',
      'q3,Third?,x,y,tie,web,',
      '',
    ].join('\n');
    expect(await postItems(s, pid, csv, CSV)).toEqual({ status: 200, body: { imported: 3 } });
    const { items, total } = await listItems(s, pid);
    expect(total).toBe(3);
    expect(byId(items, 'q1')).toMatchObject({
      content: { question: 'Write a haiku, please', answer_a: 'line one\nline two\nline three', answer_b: 'Say "hi"' },
      gold: 'A',
      meta: { source: 'arena', round: '1' },
    });
    expect(byId(items, 'q2')).toMatchObject({ content: { question: 'Plain?', answer_a: 'yes', answer_b: 'no' }, gold: null, meta: null });
    expect(byId(items, 'q3')).toMatchObject({ gold: 'tie', meta: { source: 'web' } });
  });

  test('a CSV saved by a spreadsheet (BOM, CRLF line ends, multi-line cells) imports', async () => {
    const pid = await newProject({ type: 'rating' });
    const csv = '\ufeffid,question,answer,gold\r\nr1,"Two\r\nlines",ans,7\r\nr2,Q,ans,\r\n';
    expect(await postItems(s, pid, csv, CSV)).toEqual({ status: 200, body: { imported: 2 } });
    const { items } = await listItems(s, pid);
    expect(byId(items, 'r1').gold).toBe(7);
    expect(byId(items, 'r1').content.question).toMatch(/^Two\r?\nlines$/);
    expect(byId(items, 'r2').gold).toBeNull();
  });

  test('choice items use the project options, or their own given as JSON or a|b|c in CSV', async () => {
    const pid = await newProject({ type: 'choice', options: ['safe', 'unsafe'] });
    const csv = [
      'id,question,options,gold,persona',
      'c1,Is this safe?,,unsafe,',
      'c2,Pick a colour,"[""red"",""green"",""blue""]",green,painter',
      'c3,Pick a size,small | medium|large,large,',
    ].join('\n');
    expect(await postItems(s, pid, csv, CSV)).toEqual({ status: 200, body: { imported: 3 } });
    const { items } = await listItems(s, pid);
    expect(byId(items, 'c1').content.options).toBeUndefined();
    expect(byId(items, 'c1').gold).toBe('unsafe');
    expect(byId(items, 'c2')).toMatchObject({ content: { options: ['red', 'green', 'blue'], persona: 'painter' }, gold: 'green' });
    expect(byId(items, 'c3')).toMatchObject({ content: { options: ['small', 'medium', 'large'] }, gold: 'large' });

    const again = await postItems(s, pid, jsonl([{ id: 'c4', question: 'Q', options: ['x', 'y'], gold: 'y' }]));
    expect(again).toEqual({ status: 200, body: { imported: 1 } });
    expect(await itemTotal(s, pid)).toBe(4);
  });

  test('a choice project without options takes items that bring their own', async () => {
    const pid = await newProject({ type: 'choice' });
    const r = await postItems(s, pid, jsonl([{ id: 'c1', question: 'Q', options: ['a', 'b', 'c'], gold: 'c' }]));
    expect(r).toEqual({ status: 200, body: { imported: 1 } });
  });

  test('importing again with ?upsert=1 replaces the content of existing ids and adds new ones', async () => {
    const pid = await newProject({}, pairwiseItems(3));
    const r = await postItems(
      s,
      pid,
      jsonl([
        { id: 'q2', question: 'Reworded?', answer_a: 'new a', answer_b: 'new b', gold: 'A', meta: { v: 2 } },
        { id: 'q4', question: 'New', answer_a: 'a', answer_b: 'b' },
      ]),
      NDJSON,
      '?upsert=1',
    );
    expect(r).toEqual({ status: 200, body: { imported: 2 } });
    const { items, total } = await listItems(s, pid);
    expect(total).toBe(4);
    expect(byId(items, 'q2')).toMatchObject({ content: { question: 'Reworded?', answer_a: 'new a', answer_b: 'new b' }, gold: 'A', meta: { v: 2 } });
    expect(byId(items, 'q1').content.question).toBe('Question 1?');
  });

  test('the items list pages with offset and limit and refuses a bad page', async () => {
    const pid = await newProject({}, pairwiseItems(25));
    const page = await s.api('GET', `/api/projects/${pid}/items?offset=10&limit=5`);
    expect(page.status).toBe(200);
    expect(page.body).toMatchObject({ total: 25, offset: 10, limit: 5 });
    expect(page.body.items.map((i: any) => i.id)).toEqual(['q11', 'q12', 'q13', 'q14', 'q15']);
    const bad = await s.api('GET', `/api/projects/${pid}/items?limit=0`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('invalid-input');
  });

  test('100,000 JSONL items import in one request', async () => {
    const pid = await newProject();
    const body = jsonl(pairwiseItems(100_000));
    const r = await postItems(s, pid, body);
    expect(r).toEqual({ status: 200, body: { imported: 100_000 } });
    expect(await itemTotal(s, pid)).toBe(100_000);
  }, 60_000);
});

describe('items import: a bad file imports nothing and says where', () => {
  test('one bad record among many valid ones imports zero and names its line and field', async () => {
    const pid = await newProject();
    const records: Record<string, unknown>[] = pairwiseItems(50);
    delete records[36]!.answer_b;
    const r = await postItems(s, pid, jsonl(records));
    expect(refused(r)).toEqual(['37:answer_b']);
    expect(detailsOf(r)[0]!.message).toMatch(/answer_b is required/);
    expect(r.body.error.message).toMatch(/Nothing was imported/);
    expect(r.body.error.message).toMatch(/line 37/);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('the same mistake in a JSON array or a CSV names the element or the row line', async () => {
    const pid = await newProject();
    const arr = pairwiseItems(5).map((x, i) => (i === 3 ? { ...x, question: '' } : x));
    expect(refused(await postItems(s, pid, JSON.stringify(arr), JSON_TYPE))).toEqual(['4:question']);
    const csv = 'id,question,answer_a,answer_b\nq1,"two\nlines",a,b\nq2,Q,a,\nq3,Q,a,b\n';
    expect(refused(await postItems(s, pid, csv, CSV))).toEqual(['4:answer_b']);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('wrong types, missing fields and unknown fields are each named', async () => {
    const pid = await newProject({}, pairwiseItems(2));
    const r = await postItems(
      s,
      pid,
      [
        JSON.stringify({ id: 'x1', question: true, answer_a: 'a', answer_b: 'b' }),
        JSON.stringify({ question: 'no id', answer_a: 'a', answer_b: 'b' }),
        JSON.stringify({ id: 'x3', question: 'Q', answer_a: 'a', answer_b: 'b', answer_c: 'c' }),
        JSON.stringify({ id: 'x4', question: 'Q', answer_a: 'a', answer_b: 'b', meta: 'not an object' }),
        JSON.stringify({ id: 'x5', question: 'Q', answer_a: ['a'], answer_b: 'b' }),
        '"just a string"',
        '{"id": "x7", "question": "Q",',
      ].join('\n'),
    );
    expect(refused(r)).toEqual(['1:question', '2:id', '3:answer_c', '4:meta', '5:answer_a', '6:-', '7:-']);
    const d = detailsOf(r);
    expect(d[0]!.message).toMatch(/question must be a string/);
    expect(d[1]!.message).toMatch(/id is required/);
    expect(d[2]!.message).toMatch(/unknown field "answer_c"/);
    expect(d[6]!.message).toMatch(/not valid JSON/);
    expect(await itemTotal(s, pid)).toBe(2);
  });

  test('a pairwise gold other than A, B or tie is refused', async () => {
    const pid = await newProject();
    const r = await postItems(s, pid, jsonl(pairwiseItems(3, (i) => (i === 1 ? { gold: 'C' } : { gold: 'A' }))));
    expect(refused(r)).toEqual(['2:gold']);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('a rating gold outside the scale or off its steps is refused', async () => {
    const pid = await newProject({ type: 'rating', scale: { min: 1, max: 5 } });
    const items = [
      { id: 'r1', question: 'Q', answer: 'A', gold: 3 },
      { id: 'r2', question: 'Q', answer: 'A', gold: 6 },
      { id: 'r3', question: 'Q', answer: 'A', gold: 2.5 },
      { id: 'r4', question: 'Q', answer: 'A', gold: 0 },
      { id: 'r5', question: 'Q', answer: 'A', gold: 'four' },
    ];
    const r = await postItems(s, pid, jsonl(items));
    expect(refused(r)).toEqual(['2:gold', '3:gold', '4:gold', '5:gold']);
    expect(detailsOf(r)[0]!.message).toMatch(/outside the 1–5 scale/);
    expect(detailsOf(r)[1]!.message).toMatch(/steps/);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('a choice gold that is not one of the options is refused, as are items with no options anywhere', async () => {
    const withOptions = await newProject({ type: 'choice', options: ['yes', 'no'] });
    const r1 = await postItems(
      s,
      withOptions,
      jsonl([
        { id: 'c1', question: 'Q', gold: 'maybe' },
        { id: 'c2', question: 'Q', options: ['red', 'blue'], gold: 'yes' },
        { id: 'c3', question: 'Q', options: ['only one'] },
        { id: 'c4', question: 'Q', options: ['dup', 'dup'] },
      ]),
    );
    expect(refused(r1)).toEqual(['1:gold', '2:gold', '3:options', '4:options']);
    expect(await itemTotal(s, withOptions)).toBe(0);

    const without = await newProject({ type: 'choice' });
    const r2 = await postItems(s, without, jsonl([{ id: 'c1', question: 'Q', options: ['a', 'b'] }, { id: 'c2', question: 'Q' }]));
    expect(refused(r2)).toEqual(['2:options']);
    expect(await itemTotal(s, without)).toBe(0);
  });

  test('non-UTF-8 bytes are refused and the message names the line', async () => {
    const pid = await newProject();
    const good = jsonl(pairwiseItems(2));
    const latin1 = Buffer.from(JSON.stringify({ id: 'q3', question: 'caf\u00e9?', answer_a: 'a', answer_b: 'b' }) + '\n', 'latin1');
    const r = await postItems(s, pid, Buffer.concat([Buffer.from(good), latin1, Buffer.from(jsonl([{ id: 'q4', question: 'Q', answer_a: 'a', answer_b: 'b' }]))]));
    expect(refused(r)).toEqual(['3:-']);
    expect(r.body.error.message).toMatch(/UTF-8/);
    expect(r.body.error.message).toMatch(/line 3/);
    const csv = await postItems(s, pid, Buffer.concat([Buffer.from('id,question,answer_a,answer_b\nq1,Q,a,b\nq2,'), Buffer.from('na\u00efve', 'latin1'), Buffer.from(',a,b\n')]), CSV);
    expect(refused(csv)).toEqual(['3:-']);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('an empty file is refused in every format', async () => {
    const pid = await newProject();
    for (const [body, type] of [
      ['', NDJSON],
      ['\n\n  \n', NDJSON],
      ['[]', JSON_TYPE],
      ['', JSON_TYPE],
      ['id,question,answer_a,answer_b\n', CSV],
      ['', CSV],
    ] as const) {
      const r = await postItems(s, pid, body, type);
      expect({ type, body, status: r.status, code: r.body.error.code }).toEqual({ type, body, status: 400, code: 'invalid-input' });
      expect(r.body.error.message).toMatch(/empty/);
    }
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('a JSON body that is not an array of records is refused', async () => {
    const pid = await newProject();
    const r = await postItems(s, pid, '"hello"', JSON_TYPE, '?format=json');
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid-input');
    expect(r.body.error.message).toMatch(/array/);
    const broken = await postItems(s, pid, '[\n{"id":"q1",\n', JSON_TYPE);
    expect(broken.status).toBe(400);
    expect(broken.body.error.message).toMatch(/not valid JSON/);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('a CSV row with the wrong number of cells or an unclosed quote is named by the line it starts on', async () => {
    const pid = await newProject();
    const cells = await postItems(s, pid, 'id,question,answer_a,answer_b\r\nq1,"multi\r\nline",a,b\r\nq2,Q,a,b,extra\r\n', CSV);
    expect(refused(cells)).toEqual(['4:-']);
    expect(cells.body.error.message).toMatch(/line 4/);
    const quote = await postItems(s, pid, 'id,question,answer_a,answer_b\nq1,Q,a,b\nq2,"never closed,a,b\nq3,Q,a,b\n', CSV);
    expect(refused(quote)).toEqual(['3:-']);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('a CSV whose header names a column twice is refused rather than silently keeping one of them', async () => {
    const pid = await newProject();
    const r = await postItems(s, pid, 'id,question,answer_a,answer_b,answer_a\nq1,Q,first,b,second\n', CSV);
    expect(refused(r)).toEqual(['1:answer_a']);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('a CSV with bad options JSON is named by line and field', async () => {
    const pid = await newProject({ type: 'choice' });
    const r = await postItems(s, pid, 'id,question,options\nc1,Q,a|b\nc2,Q,"[""a"", oops]"\n', CSV);
    expect(refused(r)).toEqual(['3:options']);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('duplicate ids inside one file are refused, naming both lines', async () => {
    const pid = await newProject();
    const items = pairwiseItems(6);
    items[4] = { ...items[4]!, id: 'q2' };
    const r = await postItems(s, pid, jsonl(items));
    expect(refused(r)).toEqual(['5:id']);
    expect(detailsOf(r)[0]!.message).toMatch(/duplicate id "q2"/);
    expect(detailsOf(r)[0]!.message).toMatch(/line 2\b/);
    expect(await itemTotal(s, pid)).toBe(0);
    // Upsert does not make a file's own duplicates acceptable: which one should win?
    expect(refused(await postItems(s, pid, jsonl(items), NDJSON, '?upsert=1'))).toEqual(['5:id']);
  });

  test('an id already in the project is refused unless upserting, and the old content stays', async () => {
    const pid = await newProject({}, pairwiseItems(3));
    const r = await postItems(s, pid, jsonl([{ id: 'q9', question: 'new', answer_a: 'a', answer_b: 'b' }, { id: 'q2', question: 'changed', answer_a: 'a', answer_b: 'b' }]));
    expect(refused(r)).toEqual(['2:id']);
    expect(detailsOf(r)[0]!.message).toMatch(/already in the project/);
    const { items, total } = await listItems(s, pid);
    expect(total).toBe(3);
    expect(byId(items, 'q2').content.question).toBe('Question 2?');
  });

  test('more than 100 bad lines: 100 are listed and the message says how many in total', async () => {
    const pid = await newProject();
    const items = pairwiseItems(300, (i) => (i % 2 === 0 ? { gold: 'C' } : {}));
    const r = await postItems(s, pid, jsonl(items));
    const where = refused(r);
    expect(where).toHaveLength(100);
    expect(where[0]).toBe('1:gold');
    expect(where[99]).toBe('199:gold');
    expect(r.body.error.message).toMatch(/150 problems/);
    expect(r.body.error.message).toMatch(/first 100/);
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('the listed problems are the first ones by line, whatever kind of problem they are', async () => {
    const pid = await newProject();
    // 90 bad golds on lines 1–179, then 120 lines that are not JSON at all on lines 181–300.
    const lines = pairwiseItems(180, (i) => (i % 2 === 0 ? { gold: 'C' } : {})).map((x) => JSON.stringify(x));
    for (let i = 0; i < 120; i++) lines.push('{broken');
    const r = await postItems(s, pid, lines.join('\n'));
    const where = refused(r);
    expect(where).toHaveLength(100);
    expect(where.slice(0, 3)).toEqual(['1:gold', '3:gold', '5:gold']);
    expect(where[89]).toBe('179:gold');
    expect(where.slice(90, 92)).toEqual(['181:-', '182:-']);
    expect(where[99]).toBe('190:-');
    expect(r.body.error.message).toMatch(/210 problems/);
    expect(r.body.error.message).toMatch(/line 1, gold/);
  });

  test('an unsupported content type is a 415 in the error shape', async () => {
    const pid = await newProject();
    for (const type of ['application/xml', 'text/html', 'image/png']) {
      const r = await postItems(s, pid, jsonl(pairwiseItems(1)), type);
      expect({ type, status: r.status, code: r.body.error.code }).toEqual({ type, status: 415, code: 'unsupported-media-type' });
      expect(typeof r.body.error.message).toBe('string');
    }
    expect(await itemTotal(s, pid)).toBe(0);
  });

  test('an import into a project that does not exist is a 404', async () => {
    const r = await postItems(s, 999_999, jsonl(pairwiseItems(1)));
    expect(r.status).toBe(404);
    expect(r.body.error.code).toBe('not-found');
  });
});

describe('import size limits', () => {
  let small: TestServer;
  beforeAll(async () => {
    small = await startServer({ maxRecordBytes: 1024, maxImportBytes: 64 * 1024 });
  });
  afterAll(async () => {
    await small.close();
  });

  test('a record over the size limit is refused with its line, in JSONL, JSON and CSV', async () => {
    const pid = await makeProject(small, {}, []);
    const items = pairwiseItems(5);
    items[2] = { ...items[2]!, answer_a: 'x'.repeat(2000) };
    const a = await postItems(small, pid, jsonl(items));
    expect(refused(a)).toEqual(['3:-']);
    expect(detailsOf(a)[0]!.message).toMatch(/1024-byte limit/);
    expect(refused(await postItems(small, pid, JSON.stringify(items), JSON_TYPE))).toEqual(['3:-']);
    const csv = 'id,question,answer_a,answer_b\n' + items.map((i) => [i.id, i.question, i.answer_a, i.answer_b].join(',')).join('\n') + '\n';
    const c = await postItems(small, pid, csv, CSV);
    expect(refused(c)).toEqual(['4:-']);
    expect(await itemTotal(small, pid)).toBe(0);
  });

  test('a body over the import limit is a 413 and imports nothing', async () => {
    const pid = await makeProject(small, {}, []);
    const body = jsonl(pairwiseItems(2000));
    expect(body.length).toBeGreaterThan(64 * 1024);
    const r = await postItems(small, pid, body);
    expect(r.status).toBe(413);
    expect(r.body.error.code).toBe('payload-too-large');
    // The limit is 64 KiB: the message should say so, not round it to "0 MiB".
    expect(r.body.error.message).toMatch(/64 KiB|64 KB|65,?536 bytes/);
    expect(await itemTotal(small, pid)).toBe(0);
    // The server still takes a file within the limits afterwards.
    expect((await postItems(small, pid, jsonl(pairwiseItems(3)))).body).toEqual({ imported: 3 });
  });
});

describe('labels import', () => {
  test('pairwise labels import with certainty, rationale and order, and their annotators are created', async () => {
    const pid = await newProject({ certainty: true }, pairwiseItems(3));
    const r = await postLabels(
      s,
      pid,
      jsonl([
        { item: 'q1', annotator: 'alice', value: 'A', certainty: 80, rationale: 'clearer', order: 'BA' },
        { item: 'q1', annotator: 'bob', kind: 'human', value: 'tie', certainty: 1 },
        { item: 'q2', annotator: 'alice', value: 'B', certainty: 100, seconds: 12.5, created_at: '2024-05-01T10:00:00Z' },
        { item: 'q1', annotator: 'gpt-judge', kind: 'llm', value: 'A', order: 'AB', sample: 0 },
        { item: 'q1', annotator: 'gpt-judge', kind: 'llm', value: 'B', order: 'BA', sample: 0 },
        { item: 'q1', annotator: 'gpt-judge', kind: 'llm', value: 'A', order: 'AB', sample: 1 },
      ]),
    );
    expect(r).toEqual({ status: 200, body: { imported: 6 } });
    const { items } = await listItems(s, pid);
    expect(byId(items, 'q1').labels).toEqual({ human: 2, llm: 3 });
    expect(byId(items, 'q2').labels).toEqual({ human: 1, llm: 0 });
    expect(byId(items, 'q3').labels).toEqual({ human: 0, llm: 0 });
    const progress = (await s.api('GET', `/api/projects/${pid}/progress`)).body;
    expect(progress.labels).toEqual({ human: 3, llm: 3 });
    const annotators = progress.annotators.map((a: any) => [a.name, a.kind, a.labels]).sort();
    expect(annotators).toEqual([
      ['alice', 'human', 2],
      ['bob', 'human', 1],
      ['gpt-judge', 'llm', 3],
    ]);
  });

  test('labels import from a JSON array and from CSV, with rating values on the project scale', async () => {
    const pid = await newProject({ type: 'rating', scale: { min: 0, max: 10, step: 0.5 } }, [
      { id: 'r1', question: 'Q', answer: 'A' },
      { id: 'r2', question: 'Q', answer: 'A' },
    ]);
    const arr = JSON.stringify([
      { item: 'r1', annotator: 'h1', value: 7.5 },
      { item: 'r2', annotator: 'h1', value: 0 },
    ]);
    expect(await postLabels(s, pid, arr, JSON_TYPE)).toEqual({ status: 200, body: { imported: 2 } });
    const csv = 'item,annotator,kind,value,rationale,sample\nr1,h2,human,10,"Good,\nvery good",0\nr1,judge,llm,3.5,,2\nr2,judge,llm,,,0\n';
    expect(await postLabels(s, pid, csv, CSV)).toEqual({ status: 200, body: { imported: 3 } });
    expect(await labelTotals(s, pid)).toEqual({ human: 3, llm: 2 });
  });

  test('choice labels are checked against each item’s own options, or the project’s', async () => {
    const pid = await newProject({ type: 'choice', options: ['safe', 'unsafe'] }, [
      { id: 'c1', question: 'Q' },
      { id: 'c2', question: 'Q', options: ['red', 'green'] },
    ]);
    const ok1 = await postLabels(s, pid, jsonl([{ item: 'c1', annotator: 'h', value: 'safe' }, { item: 'c2', annotator: 'h', value: 'green' }]));
    expect(ok1).toEqual({ status: 200, body: { imported: 2 } });
    const bad = await postLabels(
      s,
      pid,
      jsonl([
        { item: 'c1', annotator: 'k', value: 'green' },
        { item: 'c2', annotator: 'k', value: 'safe' },
        { item: 'c2', annotator: 'm', value: 'red' },
      ]),
    );
    expect(refused(bad)).toEqual(['1:value', '2:value']);
    expect(detailsOf(bad)[1]!.message).toMatch(/"red", "green"/);
    expect(await labelTotals(s, pid)).toEqual({ human: 2, llm: 0 });
  });

  test('a judge label may have a null value (unparseable output), a human one may not', async () => {
    const pid = await newProject({}, pairwiseItems(2));
    const human = await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'j', kind: 'llm', value: 'A' }, { item: 'q2', annotator: 'h', value: null }]));
    expect(refused(human)).toEqual(['2:value']);
    expect(detailsOf(human)[0]!.message).toMatch(/llm/);
    const csvHuman = await postLabels(s, pid, 'item,annotator,kind,value\nq1,h,human,\n', CSV);
    expect(refused(csvHuman)).toEqual(['2:value']);
    expect(await labelTotals(s, pid)).toEqual({ human: 0, llm: 0 });

    const judge = await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'j', kind: 'llm', value: null }]));
    expect(judge).toEqual({ status: 200, body: { imported: 1 } });
    const csvJudge = await postLabels(s, pid, 'item,annotator,kind,value\nq2,j,llm,\n', CSV);
    expect(csvJudge).toEqual({ status: 200, body: { imported: 1 } });
    expect(await labelTotals(s, pid)).toEqual({ human: 0, llm: 2 });
  });

  describe('a bad label file imports nothing and says where', () => {
    let pid: number;
    let before: { human: number; llm: number };
    beforeAll(async () => {
      pid = await newProject({ certainty: { min: 0, max: 10 } }, pairwiseItems(5));
      expect((await postLabels(s, pid, jsonl([{ item: 'q5', annotator: 'seed', value: 'A', certainty: 5 }]))).status).toBe(200);
      before = await labelTotals(s, pid);
    });
    afterEach(async () => {
      expect(await labelTotals(s, pid)).toEqual(before);
    });

    const good = (n: number) => Array.from({ length: n }, (_, i) => ({ item: `q${(i % 4) + 1}`, annotator: `ok${i}`, value: 'A', certainty: 5 }));

    test('unknown item ids are named, even among many valid labels', async () => {
      const recs: object[] = good(40);
      recs.splice(25, 0, { item: 'q404', annotator: 'x', value: 'A' });
      const r = await postLabels(s, pid, jsonl(recs));
      expect(refused(r)).toEqual(['26:item']);
      expect(detailsOf(r)[0]!.message).toMatch(/q404/);
    });

    test('a pairwise value other than A, B or tie is refused', async () => {
      const r = await postLabels(s, pid, jsonl([...good(2), { item: 'q1', annotator: 'x', value: 'C' }, { item: 'q1', annotator: 'y', value: 1 }]));
      expect(refused(r)).toEqual(['3:value', '4:value']);
    });

    test('certainty outside the project scale is refused', async () => {
      const r = await postLabels(s, pid, jsonl([...good(1), { item: 'q1', annotator: 'x', value: 'A', certainty: 11 }, { item: 'q1', annotator: 'y', value: 'A', certainty: -1 }]));
      expect(refused(r)).toEqual(['2:certainty', '3:certainty']);
      expect(detailsOf(r)[0]!.message).toMatch(/0–10/);
    });

    test('wrong types and missing fields are named', async () => {
      const r = await postLabels(
        s,
        pid,
        jsonl([
          { item: 'q1', value: 'A' },
          { item: 'q1', annotator: 'x' },
          { item: 'q1', annotator: 'y', value: 'A', certainty: 'high' },
          { item: 'q1', annotator: 'z', value: 'A', sample: 'first' },
          { item: 'q1', annotator: 'w', value: 'A', kind: 'robot' },
          { item: 'q1', annotator: 'v', value: 'A', order: 'CA' },
          { item: 'q1', annotator: 'u', value: { v: 'A' } },
          { item: 'q1', annotator: 't', value: 'A', colour: 'red' },
        ]),
      );
      expect(refused(r)).toEqual(['1:annotator', '2:value', '3:certainty', '4:sample', '5:kind', '6:order', '7:value', '8:colour']);
      expect(detailsOf(r)[1]!.message).toMatch(/value is required/);
    });

    test('a human label with sample above 0 is refused', async () => {
      const r = await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'x', value: 'A', certainty: 5, sample: 1 }]));
      expect(refused(r)).toEqual(['1:sample']);
    });

    test('a second label by the same annotator for the same item inside the file names both lines', async () => {
      const r = await postLabels(
        s,
        pid,
        jsonl([
          { item: 'q1', annotator: 'x', value: 'A', certainty: 5 },
          { item: 'q2', annotator: 'x', value: 'A', certainty: 5 },
          { item: 'q1', annotator: 'x', value: 'B', certainty: 5 },
        ]),
      );
      expect(refused(r)).toEqual(['3:item']);
      expect(detailsOf(r)[0]!.message).toMatch(/first on line 1\b/);
    });

    test('a label by an annotator who already labelled that item in the project is refused', async () => {
      const r = await postLabels(s, pid, jsonl([...good(1), { item: 'q5', annotator: 'seed', value: 'B', certainty: 5 }]));
      expect(refused(r)).toEqual(['2:item']);
      expect(detailsOf(r)[0]!.message).toMatch(/already has a label/);
    });

    test('a label file over the record size limit or in a wrong encoding is refused', async () => {
      const bytes = Buffer.concat([Buffer.from(jsonl(good(1))), Buffer.from('{"item":"q1","annotator":"J\u00f6rg","value":"A"}\n', 'latin1')]);
      const r = await postLabels(s, pid, bytes);
      expect(refused(r)).toEqual(['2:-']);
      expect(r.body.error.message).toMatch(/line 2/);
      const empty = await postLabels(s, pid, '');
      expect(empty.status).toBe(400);
      expect(empty.body.error.code).toBe('invalid-input');
      expect((await postLabels(s, pid, 'x', 'application/xml')).status).toBe(415);
    });
  });

  test('certainty on a project that does not collect it is refused', async () => {
    const pid = await newProject({}, pairwiseItems(2));
    const r = await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'x', value: 'A' }, { item: 'q2', annotator: 'x', value: 'A', certainty: 50 }]));
    expect(refused(r)).toEqual(['2:certainty']);
    expect(detailsOf(r)[0]!.message).toMatch(/does not collect certainty/);
    expect(await labelTotals(s, pid)).toEqual({ human: 0, llm: 0 });
  });

  test('rating labels outside the scale or off its steps are refused', async () => {
    const pid = await newProject({ type: 'rating', scale: { min: 1, max: 7 } }, [{ id: 'r1', question: 'Q', answer: 'A' }]);
    const r = await postLabels(
      s,
      pid,
      jsonl([
        { item: 'r1', annotator: 'a', value: 7 },
        { item: 'r1', annotator: 'b', value: 8 },
        { item: 'r1', annotator: 'c', value: 3.5 },
        { item: 'r1', annotator: 'd', value: 'seven' },
      ]),
    );
    expect(refused(r)).toEqual(['2:value', '3:value', '4:value']);
    const csv = await postLabels(s, pid, 'item,annotator,value\nr1,a,7\nr1,b,0\n', CSV);
    expect(refused(csv)).toEqual(['3:value']);
    expect(await labelTotals(s, pid)).toEqual({ human: 0, llm: 0 });
  });

  test('an order on a non-pairwise project is refused', async () => {
    const pid = await newProject({ type: 'rating' }, [{ id: 'r1', question: 'Q', answer: 'A' }]);
    const r = await postLabels(s, pid, jsonl([{ item: 'r1', annotator: 'a', value: 5, order: 'AB' }]));
    expect(refused(r)).toEqual(['1:order']);
  });

  test('more than 100 bad labels: 100 are listed and the message gives the total', async () => {
    const pid = await newProject({}, pairwiseItems(1));
    const recs = Array.from({ length: 250 }, (_, i) => ({ item: 'q1', annotator: `a${i}`, value: 'Z' }));
    const r = await postLabels(s, pid, jsonl(recs));
    expect(refused(r)).toHaveLength(100);
    expect(r.body.error.message).toMatch(/250 problems/);
  });

  test('?upsert=1 replaces an existing label instead of refusing it', async () => {
    const pid = await newProject({}, pairwiseItems(2));
    expect((await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'alice', value: 'A' }]))).status).toBe(200);
    const r = await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'alice', value: 'B', rationale: 'changed my mind' }, { item: 'q2', annotator: 'alice', value: 'tie' }]), NDJSON, '?upsert=1');
    expect(r).toEqual({ status: 200, body: { imported: 2 } });
    expect(await labelTotals(s, pid)).toEqual({ human: 2, llm: 0 });
    // No API reads single labels yet (exports come later), so look at the record itself.
    const stored = s.db
      .prepare("SELECT l.value, l.rationale FROM labels l JOIN items i ON i.id = l.item_id WHERE i.project_id = ? AND i.external_id = 'q1'")
      .all(pid);
    expect(stored).toEqual([{ value: 'B', rationale: 'changed my mind' }]);
  });

  test('a label for an item the worker already labelled live is refused', async () => {
    const pid = await newProject({ redundancy: 1 }, pairwiseItems(1));
    const sock = await s.connect({ token: await invite(s, pid), worker: 'W1' });
    const task = await ok(sock, 'task:next');
    await ok(sock, 'label:submit', { leaseId: task.leaseId, value: 'A', clientLabelId: 'c1' });
    sock.disconnect();
    const r = await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'W1', value: 'B' }]));
    expect(refused(r)).toEqual(['1:item']);
    expect(await labelTotals(s, pid)).toEqual({ human: 1, llm: 0 });
  });

  test('imported human labels use up redundancy: a new annotator gets no task for a full item', async () => {
    const pid = await newProject({ redundancy: 1 }, pairwiseItems(1));
    const token = await invite(s, pid);
    const early = await s.connect({ token, worker: 'early-bird' });
    await ok(early, 'session:get'); // the project's pool is loaded before the import, so the import must update it
    expect((await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'annotator1', value: 'A' }]))).body).toEqual({ imported: 1 });

    const late = await s.connect({ token, worker: 'newcomer' });
    expect(await ok(late, 'task:next')).toBeNull();
    expect(await ok(early, 'task:next')).toBeNull();
    const progress = (await s.api('GET', `/api/projects/${pid}/progress`)).body;
    expect(progress.items).toMatchObject({ total: 1, complete: 1 });
    expect(progress.labels).toEqual({ human: 1, llm: 0 });
  });

  test('an imported label keeps its annotator from that item, while others still get it', async () => {
    const pid = await newProject({ redundancy: 2 }, pairwiseItems(1));
    expect((await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'annotator1', value: 'A' }]))).status).toBe(200);
    const token = await invite(s, pid);
    const same = await s.connect({ token, worker: 'annotator1' });
    expect(await ok(same, 'task:next')).toBeNull();
    const other = await s.connect({ token, worker: 'annotator2' });
    const task = await ok(other, 'task:next');
    expect(task.item.id).toBe('q1');
    await ok(other, 'label:submit', { leaseId: task.leaseId, value: 'B', clientLabelId: 'x' });
    const progress = (await s.api('GET', `/api/projects/${pid}/progress`)).body;
    expect(progress.items).toMatchObject({ total: 1, complete: 1 });
    expect(progress.labels).toEqual({ human: 2, llm: 0 });
  });

  test('imported judge labels do not use up human redundancy', async () => {
    const pid = await newProject({ redundancy: 1 }, pairwiseItems(1));
    expect((await postLabels(s, pid, jsonl([{ item: 'q1', annotator: 'judge', kind: 'llm', value: 'A' }]))).status).toBe(200);
    const sock = await s.connect({ token: await invite(s, pid), worker: 'human1' });
    const task = await ok(sock, 'task:next');
    expect(task?.item.id).toBe('q1');
    const progress = (await s.api('GET', `/api/projects/${pid}/progress`)).body;
    expect(progress.items.complete).toBe(0);
    expect(progress.labels).toEqual({ human: 0, llm: 1 });
    const r = await call(sock, 'task:release', { leaseId: task.leaseId });
    expect(r.ok).toBe(true);
  });
});
