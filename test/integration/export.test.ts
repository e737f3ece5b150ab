import { parse } from 'csv-parse/sync';
import { jsonl, makeProject, pairwiseItems, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const get = async (route: string, token: string | null = s.token) => {
  const res = await fetch(s.url + route, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
};
const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));

/** q1 unanimous A (3), q2 majority B (2 of 3, certainties 90/80/20), q3 tied (A, B), q4 gold tie with one label, q5 unlabelled. */
async function seeded(): Promise<number> {
  const items = pairwiseItems(5, (i) => (i === 3 ? { gold: 'tie' } : {}));
  const pid = await makeProject(s, { certainty: true }, items);
  const labels = [
    { item: 'q1', annotator: 'h1', value: 'A', certainty: 90, rationale: 'clearer' },
    { item: 'q1', annotator: 'h2', value: 'A', certainty: 70 },
    { item: 'q1', annotator: 'h3', value: 'A', certainty: 60 },
    { item: 'q2', annotator: 'h1', value: 'B', certainty: 90 },
    { item: 'q2', annotator: 'h2', value: 'B', certainty: 80 },
    { item: 'q2', annotator: 'h3', value: 'A', certainty: 20 },
    { item: 'q3', annotator: 'h1', value: 'A', certainty: 50 },
    { item: 'q3', annotator: 'h2', value: 'B', certainty: 50 },
    { item: 'q3', annotator: 'judge', kind: 'llm', value: 'A', certainty: 99 },
    { item: 'q4', annotator: 'h1', value: 'A', certainty: 40 },
  ];
  const r = await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(r.body).toEqual({ imported: labels.length });
  return pid;
}

describe('gold export', () => {
  test('one record per item with a consensus: unanimous, majority or gold; tied and unlabelled items are left out', async () => {
    const pid = await seeded();
    const r = await get(`/api/projects/${pid}/export?kind=gold`);
    expect(r.status).toBe(200);
    const recs = lines(r.text);
    expect(recs.map((x) => [x.id, x.label, x.source, x.n, x.agreement])).toEqual([
      ['q1', 'A', 'unanimous', 3, 1],
      ['q2', 'B', 'majority', 3, 2 / 3],
      ['q4', 'tie', 'gold', 1, 0],
    ]);
    expect(recs[0]).toMatchObject({ question: 'Question 1?', answer_a: 'first answer 1', answer_b: 'second answer 1', reference: null, persona: null });
    expect(recs[0].labels[0]).toEqual({ annotator: 'h1', kind: 'human', value: 'A', certainty: 90, rationale: 'clearer' });
  });

  test('minimum agreement, minimum certainty and LLM participation filter the consensus', async () => {
    const pid = await seeded();
    const ids = async (q: string) => lines((await get(`/api/projects/${pid}/export?kind=gold&${q}`)).text).map((x) => x.id);
    expect(await ids('min_agreement=0.9')).toEqual(['q1', 'q4']);
    // Certainty ≥ 75 keeps h1's and h2's B on q2 (now unanimous) and only h1's A on q1.
    const certain = lines((await get(`/api/projects/${pid}/export?kind=gold&min_certainty=75`)).text);
    expect(certain.map((x) => [x.id, x.source, x.n])).toEqual([
      ['q1', 'majority', 1],
      ['q2', 'unanimous', 2],
      ['q4', 'gold', 0],
    ]);
    expect(await ids('min_labels=3')).toEqual(['q1', 'q2', 'q4']);
    // The judge breaks q3's tie only when LLM labels take part.
    expect(await ids('include_llm=1')).toEqual(['q1', 'q2', 'q3', 'q4']);
  });

  test('an adjudicated label wins over the majority and is kept with who decided and why', async () => {
    const pid = await seeded();
    const put = await s.api('PUT', `/api/projects/${pid}/items/q3/adjudication`, { label: 'B', note: 'B answers the question', by: 'dr. lee' });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ item: 'q3', label: 'B', note: 'B answers the question', by: 'dr. lee' });
    const q3 = lines((await get(`/api/projects/${pid}/export?kind=gold`)).text).find((x) => x.id === 'q3');
    expect(q3).toMatchObject({ label: 'B', source: 'adjudicated', n: 2, agreement: 0.5 });
    const bad = await s.api('PUT', `/api/projects/${pid}/items/q3/adjudication`, { label: 'C' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toContain('"A", "B" or "tie"');
    expect((await s.api('PUT', `/api/projects/${pid}/items/nope/adjudication`, { label: 'A' })).status).toBe(404);
    expect((await s.api('DELETE', `/api/projects/${pid}/items/q3/adjudication`)).status).toBe(204);
    expect(lines((await get(`/api/projects/${pid}/export?kind=gold`)).text).map((x) => x.id)).not.toContain('q3');
  });

  test('CSV export has a header, one row per record and the labels as JSON', async () => {
    const pid = await seeded();
    const r = await get(`/api/projects/${pid}/export?kind=gold&format=csv`);
    expect(r.type).toContain('text/csv');
    const rows = parse(r.text, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual(['id', 'question', 'answer_a', 'answer_b', 'reference', 'persona', 'label', 'agreement', 'n', 'source', 'labels', 'meta', 'posterior']);
    expect(rows.map((x) => x.id)).toEqual(['q1', 'q2', 'q4']);
    expect(JSON.parse(rows[0]!.labels!)).toHaveLength(3);
  });
});

describe('raw label export', () => {
  test('every label in the label import format, in JSONL and CSV, and both re-import to the same labels', async () => {
    const pid = await seeded();
    const exported = lines((await get(`/api/projects/${pid}/export?kind=labels`)).text);
    expect(exported).toHaveLength(10);
    expect(exported[8]).toMatchObject({ item: 'q3', annotator: 'judge', kind: 'llm', value: 'A', certainty: 99, order: null, sample: 0 });
    for (const format of ['jsonl', 'csv'] as const) {
      const body = (await get(`/api/projects/${pid}/export?kind=labels&format=${format}`)).text;
      const copy = await makeProject(s, { certainty: true }, pairwiseItems(5));
      const r = await s.api('POST', `/api/projects/${copy}/labels`, body, { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
      expect(r.body).toEqual({ imported: 10 });
      const again = lines((await get(`/api/projects/${copy}/export?kind=labels`)).text);
      expect(again.map(({ created_at: _, ...rest }) => rest)).toEqual(exported.map(({ created_at: _, ...rest }) => rest));
    }
  });

  test('an export streams a project of 30,000 labels without error', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(10_000));
    const labels = Array.from({ length: 30_000 }, (_, i) => ({ item: `q${(i % 10_000) + 1}`, annotator: `h${Math.floor(i / 10_000)}`, value: i % 3 === 0 ? 'tie' : 'A' }));
    await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
    const r = await get(`/api/projects/${pid}/export?kind=labels`);
    expect(lines(r.text)).toHaveLength(30_000);
    const gold = lines((await get(`/api/projects/${pid}/export?kind=gold`)).text);
    expect(gold).toHaveLength(10_000);
  });
});

describe('export, report and adjudication routes are for researchers only', () => {
  test('no token is 401, an annotator or judge token is 403', async () => {
    const pid = await seeded();
    const invite = (await s.api('POST', `/api/projects/${pid}/invites`, {})).body.token;
    const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm' })).body.token;
    for (const route of [`/api/projects/${pid}/export?kind=gold`, `/api/projects/${pid}/export?kind=labels`, `/api/projects/${pid}/report`]) {
      expect((await get(route, null)).status).toBe(401);
      expect((await get(route, invite)).status).toBe(403);
      expect((await get(route, judge)).status).toBe(403);
    }
    for (const token of [null, invite, judge]) {
      const r = await s.api('PUT', `/api/projects/${pid}/items/q1/adjudication`, { label: 'A' }, { token });
      expect(r.status).toBe(token ? 403 : 401);
    }
  });

  test('bad export options are named', async () => {
    const pid = await seeded();
    const r = await s.api('GET', `/api/projects/${pid}/export?kind=everything`);
    expect(r.status).toBe(400);
    expect(r.body.error.details[0].field).toBe('kind');
  });
});
