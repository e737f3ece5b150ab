/**
 * The gold export under each consensus method (`?method=`, default the project's `aggregation`), over the real
 * server: the model's consensus is fitted in the report worker before the export streams.
 */
import { parse } from 'csv-parse/sync';
import type { GoldRecord } from '../../shared/views';
import { CARELESS, crowdLabels, truthOf } from '../helpers/crowd';
import { jsonl, makeProject, pairwiseItems, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const CROWD = 40;
const text = async (route: string) => {
  const res = await fetch(s.url + route, { headers: { authorization: `Bearer ${s.token}` } });
  if (res.status !== 200) throw new Error(`${route}: ${res.status} ${await res.text()}`);
  return res.text();
};
const gold = async (pid: number, query = '') =>
  (await text(`/api/projects/${pid}/export?kind=gold${query}`))
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as GoldRecord);
const byId = (records: GoldRecord[]) => new Map(records.map((r) => [r.id, r]));

/**
 * q1–q40: the crafted crowd (four careful annotators, one careless, a judge; only the judge states a certainty);
 * q41: a tie between careful h1 (B, certainty 30) and the careless annotator (A, certainty 80); q42: gold `tie` against two votes for A; q43: adjudicated A against B, B, A; q44: no label.
 */
async function seeded(settings: Record<string, unknown> = {}): Promise<number> {
  const items = pairwiseItems(CROWD + 4, (i) => (i === CROWD + 1 ? { gold: 'tie' } : {}));
  const pid = await makeProject(s, { certainty: true, ...settings }, items);
  const labels = [
    ...crowdLabels(CROWD, { judge: true }),
    { item: 'q41', annotator: 'h1', value: 'B', certainty: 30 },
    { item: 'q41', annotator: CARELESS, value: 'A', certainty: 80 },
    { item: 'q42', annotator: 'h1', value: 'A' },
    { item: 'q42', annotator: 'h2', value: 'A' },
    { item: 'q43', annotator: 'h1', value: 'B' },
    { item: 'q43', annotator: 'h2', value: 'B' },
    { item: 'q43', annotator: 'h3', value: 'A' },
  ];
  expect((await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).body).toEqual({ imported: labels.length });
  expect((await s.api('PUT', `/api/projects/${pid}/items/q43/adjudication`, { label: 'A', by: 'dr. lee' })).status).toBe(200);
  return pid;
}

describe('gold export ?method=', () => {
  test('majority is as before, with posterior the winning share: the tie is left out', async () => {
    const pid = await seeded();
    const records = await gold(pid, '&method=majority');
    expect(records.map((r) => r.id)).toEqual([...Array.from({ length: CROWD }, (_, i) => `q${i + 1}`), 'q42', 'q43']);
    for (const r of records.slice(0, CROWD)) {
      expect(['unanimous', 'majority']).toContain(r.source);
      expect([r.id, r.posterior]).toEqual([r.id, r.agreement]);
    }
    expect(byId(records).get('q42')).toMatchObject({ label: 'tie', source: 'gold', posterior: null, n: 2, agreement: 0 });
    expect(byId(records).get('q43')).toMatchObject({ label: 'A', source: 'adjudicated', posterior: null, n: 3 });
    // The record's fields keep their order; posterior comes last, so older CSV columns keep their positions.
    expect(Object.keys(records[0]!)).toEqual(['id', 'question', 'answer_a', 'answer_b', 'reference', 'persona', 'label', 'agreement', 'n', 'source', 'labels', 'meta', 'posterior']);
  });

  test.each(['mace', 'dawid-skene'] as const)('%s labels every item with a vote, the tie included; gold and adjudication still win', async (method) => {
    const pid = await seeded();
    const records = byId(await gold(pid, `&method=${method}`));
    expect([...records.keys()]).toEqual([...Array.from({ length: CROWD }, (_, i) => `q${i + 1}`), 'q41', 'q42', 'q43']);
    for (let i = 0; i < CROWD; i++) {
      const r = records.get(`q${i + 1}`)!;
      expect([r.id, r.label, r.source, r.n]).toEqual([r.id, truthOf(i), method, 5]);
      expect(r.posterior!).toBeGreaterThan(0.5);
      expect(r.posterior!).toBeLessThanOrEqual(1);
      expect(r.agreement).toBe(r.labels.filter((l) => l.value === r.label).length / 5);
    }
    // The careful annotator outweighs the careless one.
    const tie = records.get('q41')!;
    expect(tie).toMatchObject({ label: 'B', source: method, n: 2, agreement: 0.5 });
    expect(tie.posterior!).toBeGreaterThan(0.5);
    expect(records.get('q42')).toMatchObject({ label: 'tie', source: 'gold', posterior: null });
    expect(records.get('q43')).toMatchObject({ label: 'A', source: 'adjudicated', posterior: null });
  });

  test("the project's aggregation is the default, and ?method= overrides it", async () => {
    const pid = await seeded({ aggregation: 'mace' });
    expect((await gold(pid)).find((r) => r.id === 'q1')!.source).toBe('mace');
    expect((await gold(pid, '&method=majority')).find((r) => r.id === 'q1')!.source).toBe('majority');
    await s.api('PATCH', `/api/projects/${pid}`, { aggregation: 'dawid-skene' });
    expect((await gold(pid)).find((r) => r.id === 'q41')!.source).toBe('dawid-skene');
    const bad = await s.api('GET', `/api/projects/${pid}/export?kind=gold&method=vote`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('method');
  });

  test('min_labels and min_agreement filter under a model by the share of votes for its label', async () => {
    const pid = await seeded();
    const ids = async (query: string) => (await gold(pid, query)).map((r) => r.id);
    const crowdIds = (rs: GoldRecord[]) => rs.filter((r) => r.source !== 'gold' && r.source !== 'adjudicated').map((r) => r.id);
    const all = await gold(pid, '&method=mace');
    const agreeing = crowdIds(all.filter((r) => r.agreement! >= 0.7));
    expect(agreeing.length).toBeGreaterThan(0);
    expect(agreeing.length).toBeLessThan(CROWD);
    expect(await ids('&method=mace&min_agreement=0.7')).toEqual([...agreeing, 'q42', 'q43']);
    // The same items as the plurality keeps at that bar, since both agree on every crowd item.
    expect(crowdIds(await gold(pid, '&method=majority&min_agreement=0.7'))).toEqual(agreeing);
    expect(await ids('&method=mace&min_labels=3')).not.toContain('q41');
  });

  test("include_llm and min_certainty choose the model's votes as they choose the plurality's", async () => {
    const pid = await seeded();
    const withJudge = await gold(pid, '&method=dawid-skene&include_llm=1');
    expect(withJudge.find((r) => r.id === 'q1')!.n).toBe(6);
    // Only the judge states a certainty on q1–q40: at 50 or more, its 32 confident labels (all right) are their only votes.
    const certain = (await gold(pid, '&method=mace&include_llm=1&min_certainty=50')).filter((r) => r.source === 'mace' && r.id !== 'q41');
    expect(certain).toHaveLength(32);
    for (const r of certain) expect([r.id, r.n, r.label, r.labels[0]!.annotator]).toEqual([r.id, 1, truthOf(Number(r.id.slice(1)) - 1), 'judge']);
    // The model is fitted on the same votes: at 50, q41's one vote is the careless A (h1's B says 30).
    const q41 = (await gold(pid, '&method=mace&min_certainty=50')).filter((r) => r.source === 'mace');
    expect(q41.map((r) => [r.id, r.label, r.n, r.agreement])).toEqual([['q41', 'A', 1, 1]]);
  });

  test('CSV gains a posterior column after agreement, empty for gold and adjudicated rows', async () => {
    const pid = await seeded();
    const rows = parse(await text(`/api/projects/${pid}/export?kind=gold&format=csv&method=mace`), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual(['id', 'question', 'answer_a', 'answer_b', 'reference', 'persona', 'label', 'agreement', 'n', 'source', 'labels', 'meta', 'posterior']);
    const row = (id: string) => rows.find((r) => r.id === id)!;
    expect(row('q41')).toMatchObject({ label: 'B', source: 'mace', agreement: '0.5' });
    expect(Number(row('q41').posterior)).toBeGreaterThan(0.5);
    expect(row('q42')).toMatchObject({ source: 'gold', posterior: '' });
    expect(row('q43')).toMatchObject({ source: 'adjudicated', posterior: '' });
  });

  test("a model's export sees labels imported after the last one", async () => {
    const pid = await seeded();
    expect((await gold(pid, '&method=mace')).map((r) => r.id)).not.toContain('q44');
    await s.api('POST', `/api/projects/${pid}/labels`, jsonl([{ item: 'q44', annotator: 'h2', value: 'tie' }]), { type: 'application/x-ndjson' });
    expect((await gold(pid, '&method=mace')).find((r) => r.id === 'q44')).toMatchObject({ label: 'tie', source: 'mace', n: 1 });
  });
});
