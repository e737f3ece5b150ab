import { jsonl, makeProject, pairwiseItems, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const gold = async (pid: number, q = '') => {
  const res = await fetch(`${s.url}/api/projects/${pid}/export?kind=gold${q}`, { headers: { authorization: `Bearer ${s.token}` } });
  return lines(await res.text());
};
const importLabels = async (pid: number, labels: unknown[]) => {
  const r = await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(r.body).toEqual({ imported: labels.length });
};
/** A judge's four labels on an item: both orders, two samples. */
const fourRuns = (item: string, values: [string, string, string, string], certainty?: number) =>
  (['AB', 'BA', 'AB', 'BA'] as const).map((order, i) => ({ item, annotator: 'judge', kind: 'llm', value: values[i], order, sample: i < 2 ? 0 : 1, ...(certainty ? { certainty } : {}) }));

describe('gold export with judges in the consensus: one vote per annotator per item', () => {
  test('a judge with both orders and two samples casts one vote, not four, against one human', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2));
    await importLabels(pid, [
      { item: 'q1', annotator: 'h1', value: 'A' },
      ...fourRuns('q1', ['A', 'A', 'A', 'B']),
      { item: 'q2', annotator: 'h1', value: 'B' },
      ...fourRuns('q2', ['A', 'A', 'A', 'A']),
    ]);
    const recs = await gold(pid, '&include_llm=1');
    // q1: the human's A and the judge's runs reduced to A (three A, one B: JudgeBench's net rule) → 2 votes, unanimous.
    expect(recs.map((r) => [r.id, r.label, r.source, r.n, r.agreement])).toEqual([['q1', 'A', 'unanimous', 2, 1]]);
    // Every label behind the record is still listed.
    expect(recs[0].labels).toHaveLength(5);
    // q2: the judge's four A runs are one vote against the human's B: a tie, so no consensus (not A by 4 to 1).
    expect(recs.find((r) => r.id === 'q2')).toBeUndefined();
    // min_labels counts votes too.
    expect(await gold(pid, '&include_llm=1&min_labels=3')).toEqual([]);
  });

  test('a judge whose runs cancel out (position bias) casts a tie vote, as its swap verdict is reduced', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(1));
    await importLabels(pid, [
      { item: 'q1', annotator: 'h1', value: 'tie' },
      ...fourRuns('q1', ['A', 'B', 'A', 'B']),
    ]);
    expect((await gold(pid, '&include_llm=1')).map((r) => [r.label, r.n, r.source])).toEqual([['tie', 2, 'unanimous']]);
  });
});

describe('the report says what each n counts', () => {
  /**
   * Three items; two humans who agree (A, B, A); one judge with both orders and two samples on every item (12
   * labels, 6 AB/BA pairs), always A.
   */
  async function small(): Promise<any> {
    const pid = await makeProject(s, { certainty: true }, pairwiseItems(3));
    await importLabels(pid, [
      ...['h1', 'h2'].flatMap((h) => [
        { item: 'q1', annotator: h, value: 'A', certainty: 90 },
        { item: 'q2', annotator: h, value: 'B', certainty: 90 },
        { item: 'q3', annotator: h, value: 'A', certainty: 90 },
      ]),
      ...fourRuns('q1', ['A', 'A', 'A', 'A'], 80),
      ...fourRuns('q2', ['A', 'A', 'A', 'A'], 80),
      ...fourRuns('q3', ['A', 'A', 'A', 'A'], 80),
    ]);
    return (await s.api('GET', `/api/projects/${pid}/report?resamples=0`)).body;
  }

  test('a judge compared against the majority: n and n_labels count labels (12), n_items counts items (3)', async () => {
    const r = await small();
    const j = r.judges[0];
    expect(j.vs_majority).toMatchObject({ n: 12, n_labels: 12, n_items: 3, accuracy: 8 / 12 });
    expect(r.annotators.find((a: { annotator: string }) => a.annotator === 'judge').labels).toBe(12);
  });

  test('a rater pair: n and n_items count the items both rated (3)', async () => {
    const r = await small();
    expect(r.humans.pairs).toEqual([expect.objectContaining({ a: 'h1', b: 'h2', n: 3, n_items: 3 })]);
  });

  test('position bias: pairs counts AB/BA pairs (one per item and sample: 6), n_items the items (3); items is kept as the pair count', async () => {
    const r = await small();
    expect(r.judges[0].swap).toMatchObject({ pairs: 6, items: 6, n_items: 3 });
  });

  test('certainty thresholds count labels', async () => {
    const r = await small();
    expect(r.judges[0].certainty.thresholds[0]).toMatchObject({ n: 12 });
  });
});
