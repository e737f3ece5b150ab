/**
 * Slicing the report by the judged turn of conversation items (`?by=turn`), and `turn` among the meta keys.
 */
import type { ReportJson } from '../../shared/stats/report/json';
import type { MetaKeys } from '../../shared/views';
import { jsonl, makeProject, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const conversation = (who: string) => [
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: `${who}1` },
  { role: 'user', content: 'More?' },
  { role: 'assistant', content: `${who}2` },
];
const items = (meta: (i: number) => Record<string, unknown> | undefined = () => undefined) => [
  { id: 't1', conversation_a: conversation('A'), conversation_b: conversation('B'), turn: 1, meta: meta(0) },
  { id: 't2', conversation_a: conversation('A'), conversation_b: conversation('B'), meta: meta(1) },
  { id: 't2b', conversation_a: conversation('A'), conversation_b: conversation('B'), turn: 2, meta: meta(2) },
  { id: 'plain', question: 'Q', answer_a: 'a', answer_b: 'b', meta: meta(3) },
];
/** Two humans: agree on the turn-1 item, disagree on both turn-2 items, agree on the plain one. */
const labels = [
  ...['t1', 't2', 't2b', 'plain'].map((item) => ({ item, annotator: 'h1', value: 'A' })),
  ...[
    ['t1', 'A'],
    ['t2', 'B'],
    ['t2b', 'B'],
    ['plain', 'A'],
  ].map(([item, value]) => ({ item, annotator: 'h2', value })),
];

async function project(meta?: (i: number) => Record<string, unknown> | undefined): Promise<number> {
  const pid = await makeProject(s, {}, items(meta).map(({ meta: m, ...it }) => (m ? { ...it, meta: m } : it)));
  const r = await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(r.body).toEqual({ imported: labels.length });
  return pid;
}

describe('report slices by turn', () => {
  test('?by=turn groups conversation items by their judged turn (the last when the record gave none), others under null', async () => {
    const pid = await project();
    const r = (await s.api<ReportJson>('GET', `/api/projects/${pid}/report?resamples=0&by=turn`)).body;
    expect(r.slices!.by).toBe('turn');
    expect(r.slices!.groups.map((g) => [g.value, g.items, g.humans.percent_agreement])).toEqual([
      [1, 1, 1],
      [2, 2, 0],
      [null, 1, 1],
    ]);
    const keys = (await s.api<MetaKeys>('GET', `/api/projects/${pid}/meta-keys`)).body.keys;
    expect(keys).toEqual([{ key: 'turn', items: 3, values: 2 }]);
  });

  test("items' own meta.turn wins over the judged turn, in the slices and the meta keys", async () => {
    const pid = await project((i) => ({ turn: i < 2 ? 'early' : 'late', source: 'x' }));
    const r = (await s.api<ReportJson>('GET', `/api/projects/${pid}/report?resamples=0&by=turn`)).body;
    expect(r.slices!.groups.map((g) => [g.value, g.items])).toEqual([
      ['early', 2],
      ['late', 2],
    ]);
    const keys = (await s.api<MetaKeys>('GET', `/api/projects/${pid}/meta-keys`)).body.keys;
    expect(keys).toEqual([
      { key: 'source', items: 4, values: 1 },
      { key: 'turn', items: 4, values: 2 },
    ]);
  });

  test('a project without conversations lists no turn key', async () => {
    const pid = await makeProject(s, {}, [{ id: 'p', question: 'Q', answer_a: 'a', answer_b: 'b', meta: { zeta: 1 } }]);
    expect((await s.api<MetaKeys>('GET', `/api/projects/${pid}/meta-keys`)).body.keys).toEqual([{ key: 'zeta', items: 1, values: 1 }]);
  });
});
