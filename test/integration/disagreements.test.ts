import { invite, makeProject, ok, pairwiseItems, startServer, type TestServer } from '../helpers/server';

/** Labels every item the annotator is given with `pick(itemId)`, over the real socket protocol. */
async function labelAll(s: TestServer, token: string, worker: string, pick: (item: string) => 'A' | 'B' | 'tie', rationale?: string) {
  const sock = await s.connect({ token, worker });
  for (;;) {
    const t = await ok(sock, 'task:next', {});
    if (!t) break;
    // Values name display positions: flip back so `pick` speaks of the item's own answer_a / answer_b.
    const v = pick(t.item.id);
    const shown = t.order === 'BA' && v !== 'tie' ? (v === 'A' ? 'B' : 'A') : v;
    await ok(sock, 'label:submit', { leaseId: t.leaseId, value: shown, rationale: rationale ?? null, clientLabelId: `${worker}-${t.leaseId}` });
  }
  sock.disconnect();
}

describe('GET /api/projects/:id/disagreements', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(() => s.close());

  test('lists items by lowest human agreement with every label, rationale and adjudication', async () => {
    const pid = await makeProject(s, { redundancy: 3, rationale: 'optional' }, pairwiseItems(4));
    const token = await invite(s, pid);
    // q1: A,A,A (unanimous); q2: A,A,B (2/3); q3: A,B,tie (1/3, tied); q4: only two labels A,B (1/2, tied).
    const plan: Record<string, Array<'A' | 'B' | 'tie' | null>> = { q1: ['A', 'A', 'A'], q2: ['A', 'A', 'B'], q3: ['A', 'B', 'tie'], q4: ['A', 'B', null] };
    for (let w = 0; w < 3; w++) {
      const sock = await s.connect({ token, worker: `w${w}` });
      for (;;) {
        const t = await ok(sock, 'task:next', {});
        if (!t) break;
        const v = plan[t.item.id]![w];
        if (v === null) continue; // hold it unlabelled: this socket is not handed the same lease again
        const shown = t.order === 'BA' && v !== 'tie' ? (v === 'A' ? 'B' : 'A') : v;
        await ok(sock, 'label:submit', { leaseId: t.leaseId, value: shown, rationale: `w${w} on ${t.item.id}`, clientLabelId: `w${w}-${t.leaseId}` });
      }
      sock.disconnect();
    }
    await s.api('PUT', `/api/projects/${pid}/items/q3/adjudication`, { label: 'B', note: 'read it twice' });

    const r = await s.api('GET', `/api/projects/${pid}/disagreements`);
    expect(r.status).toBe(200);
    expect(r.body.total).toBe(4);
    expect(r.body.items.map((i: { id: string }) => i.id)).toEqual(['q3', 'q4', 'q2', 'q1']);
    const [q3, q4, q2, q1] = r.body.items;
    expect(q3).toMatchObject({ agreement: 1 / 3, n: 3, tied: true, adjudication: { label: 'B', note: 'read it twice', by: 'admin' } });
    expect(q3.content.question).toBe('Question 3?');
    expect(q3.labels.map((l: { value: string }) => l.value).sort()).toEqual(['A', 'B', 'tie']);
    expect(q3.labels.map((l: { rationale: string }) => l.rationale).sort()).toEqual(['w0 on q3', 'w1 on q3', 'w2 on q3']);
    expect(q4).toMatchObject({ agreement: 0.5, n: 2, tied: true, adjudication: null });
    expect(q2).toMatchObject({ agreement: 2 / 3, tied: false });
    expect(q1).toMatchObject({ agreement: 1, tied: false });

    const page = await s.api('GET', `/api/projects/${pid}/disagreements?limit=1&offset=1`);
    expect(page.body.items.map((i: { id: string }) => i.id)).toEqual(['q4']);
  });

  test('judge labels are listed but do not count toward agreement', async () => {
    const pid = await makeProject(s, { redundancy: 2 }, pairwiseItems(1));
    await labelAll(s, await invite(s, pid), 'h1', () => 'A');
    await labelAll(s, await invite(s, pid), 'h2', () => 'A');
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'scripted', swap: true });
    const js = await s.connect({ token: judge.body.token });
    for (let t = await ok(js, 'task:next', {}); t; t = await ok(js, 'task:next', {}))
      await ok(js, 'label:submit', { leaseId: t.leaseId, value: 'B', clientLabelId: `j-${t.leaseId}` });
    js.disconnect();
    const r = await s.api('GET', `/api/projects/${pid}/disagreements`);
    expect(r.body.items).toHaveLength(1);
    expect(r.body.items[0]).toMatchObject({ agreement: 1, n: 2 });
    expect(r.body.items[0].labels.filter((l: { kind: string }) => l.kind === 'llm')).toHaveLength(2);
  });

  test('refuses a bad page and an unknown project in words', async () => {
    const bad = await s.api('GET', '/api/projects/1/disagreements?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/limit 1 to 200/);
    const missing = await s.api('GET', '/api/projects/9999/disagreements');
    expect(missing.status).toBe(404);
    const anon = await s.api('GET', '/api/projects/1/disagreements', undefined, { token: null });
    expect(anon.status).toBe(401);
  });
});
