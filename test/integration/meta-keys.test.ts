/**
 * `GET /api/projects/:id/meta-keys` over the real server (the report worker reads the items' meta), and the issue 10
 * research routes refusing annotators' and judges' tokens.
 */
import type { MetaKeys } from '../../shared/views';
import { jsonl, makeProject, pairwiseItems, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const metaKeys = async (pid: number) => {
  const r = await s.api<MetaKeys>('GET', `/api/projects/${pid}/meta-keys`);
  expect(r.status).toBe(200);
  return r.body;
};

describe('GET /api/projects/:id/meta-keys', () => {
  test('lists the top-level keys with their items and distinct values, most common first', async () => {
    const metas: Array<Record<string, unknown> | undefined> = [
      { category: 'math', source: 's1', tags: ['a', 'b'] },
      { category: 'code', source: 's1', nested: { deep: 1 } },
      { category: 'math', difficulty: 3 },
      { category: 'math', tags: ['a', 'b'] },
      {},
      undefined,
    ];
    const pid = await makeProject(s, {}, pairwiseItems(metas.length, (i) => (metas[i] ? { meta: metas[i] } : {})));
    expect(await metaKeys(pid)).toEqual({
      keys: [
        { key: 'category', items: 4, values: 2 },
        { key: 'source', items: 2, values: 1 },
        { key: 'tags', items: 2, values: 1 },
        { key: 'difficulty', items: 1, values: 1 },
        { key: 'nested', items: 1, values: 1 },
      ],
    });
  });

  test('values of different JSON types are different values, as the slices tell them apart', async () => {
    const values = [1, '1', true, 1, null, 1.5];
    const pid = await makeProject(s, {}, pairwiseItems(values.length, (i) => ({ meta: { v: values[i] } })));
    expect((await metaKeys(pid)).keys).toEqual([{ key: 'v', items: 6, values: 5 }]);
  });

  test('a project without meta has no keys; at most 200 keys are listed', async () => {
    expect(await metaKeys(await makeProject(s, {}, pairwiseItems(3)))).toEqual({ keys: [] });
    const wide = Object.fromEntries(Array.from({ length: 250 }, (_, k) => [`k${String(k).padStart(3, '0')}`, k]));
    const pid = await makeProject(s, {}, pairwiseItems(2, (i) => ({ meta: i === 0 ? wide : { k249: 'again' } })));
    const keys = (await metaKeys(pid)).keys;
    expect(keys).toHaveLength(200);
    expect(keys[0]).toEqual({ key: 'k249', items: 2, values: 2 });
    expect(keys[1]).toEqual({ key: 'k000', items: 1, values: 1 });
  });

  test('items imported later are listed at once', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2, () => ({ meta: { lang: 'en' } })));
    expect((await metaKeys(pid)).keys).toEqual([{ key: 'lang', items: 2, values: 1 }]);
    const more = [{ id: 'x1', question: 'q', answer_a: 'a', answer_b: 'b', meta: { lang: 'de', split: 'test' } }];
    expect((await s.api('POST', `/api/projects/${pid}/items`, jsonl(more), { type: 'application/x-ndjson' })).status).toBe(200);
    expect((await metaKeys(pid)).keys).toEqual([
      { key: 'lang', items: 3, values: 2 },
      { key: 'split', items: 1, values: 1 },
    ]);
  });

  test('an unknown project is a 404', async () => {
    expect((await s.api('GET', '/api/projects/987654/meta-keys')).status).toBe(404);
  });
});

describe('the report, the model gold export and the meta keys are for researchers only', () => {
  test('no token is 401; an annotator or judge token is 403', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2, () => ({ meta: { lang: 'en' } })));
    await s.api('POST', `/api/projects/${pid}/labels`, jsonl([{ item: 'q1', annotator: 'h1', value: 'A' }]), { type: 'application/x-ndjson' });
    const invite = (await s.api('POST', `/api/projects/${pid}/invites`, {})).body.token as string;
    const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm' })).body.token as string;
    const routes = [`/api/projects/${pid}/meta-keys`, `/api/projects/${pid}/report?method=mace&by=lang`, `/api/projects/${pid}/export?kind=gold&method=mace`];
    for (const route of routes) {
      expect([route, (await s.api('GET', route, undefined, { token: null })).status]).toEqual([route, 401]);
      expect([route, (await s.api('GET', route, undefined, { token: invite })).status]).toEqual([route, 403]);
      expect([route, (await s.api('GET', route, undefined, { token: judge })).status]).toEqual([route, 403]);
      const res = await fetch(s.url + route, { headers: { authorization: `Bearer ${s.token}` } });
      expect([route, res.status]).toEqual([route, 200]);
      await res.text();
    }
  });
});
