import type { ProjectProgress, Task } from '../../shared/protocol';
import { call, invite, jsonl, makeProject, ok, pairwiseItems, startServer, type Client, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const labelsIn = (projectId: number) =>
  s.db
    .prepare(
      `SELECT l.*, i.external_id AS item, a.key AS worker, a.kind FROM labels l JOIN items i ON i.id = l.item_id JOIN annotators a ON a.id = l.annotator_id WHERE l.project_id = ?`,
    )
    .all(projectId) as Array<{ item: string; worker: string; kind: string; value: unknown; shown_order: string | null; client_label_id: string; sample: number }>;

/** Takes and labels tasks until the server says there are none left; returns the items labelled. */
async function labelAll(c: Client, value: string | ((t: Task) => string) = 'A', prefix = 'c'): Promise<string[]> {
  const done: string[] = [];
  for (let i = 0; i < 10_000; i++) {
    const t = await ok<Task | null>(c, 'task:next');
    if (!t) return done;
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: typeof value === 'string' ? value : value(t), clientLabelId: `${prefix}-${i}` });
    done.push(t.item.id);
  }
  throw new Error('never ran out of tasks');
}

describe('task protocol: assignment', () => {
  test('each item collects exactly `redundancy` human labels, no annotator labels an item twice, then there is nothing left', async () => {
    const pid = await makeProject(s, { redundancy: 2 }, pairwiseItems(6));
    const token = await invite(s, pid);
    const clients = await Promise.all(['w1', 'w2', 'w3'].map((w) => s.connect({ token, worker: w })));
    const done = await Promise.all(clients.map((c, i) => labelAll(c, 'A', `w${i}`)));
    for (const d of done) expect(new Set(d).size).toBe(d.length);
    const labels = labelsIn(pid);
    expect(labels).toHaveLength(12);
    const perItem = new Map<string, number>();
    for (const l of labels) perItem.set(l.item, (perItem.get(l.item) ?? 0) + 1);
    expect([...perItem.values()]).toEqual(Array(6).fill(2));
    const progress = await s.api('GET', `/api/projects/${pid}/progress`);
    expect(progress.body.items).toEqual({ total: 6, complete: 6, gold: 0 });
    expect(progress.body.labels).toEqual({ human: 12, llm: 0 });
  });

  test('forty clients racing for the last three slots of an item: exactly three get it', async () => {
    const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(1));
    const token = await invite(s, pid);
    const clients = await Promise.all(Array.from({ length: 40 }, (_, i) => s.connect({ token, worker: `racer${i}` })));
    const tasks = await Promise.all(clients.map((c) => ok<Task | null>(c, 'task:next')));
    const winners = tasks.map((t, i) => [t, clients[i]!] as const).filter(([t]) => t !== null);
    expect(winners).toHaveLength(3);
    const acks = await Promise.all(winners.map(([t, c], i) => call(c, 'label:submit', { leaseId: t!.leaseId, value: 'B', clientLabelId: `race-${i}` })));
    expect(acks.every((a) => a.ok)).toBe(true);
    // Everyone asks again: nothing is left for anyone.
    expect((await Promise.all(clients.map((c) => ok(c, 'task:next')))).every((t) => t === null)).toBe(true);
    expect(labelsIn(pid)).toHaveLength(3);
  });

  test('thirty annotators labelling twenty items at once never push an item past its redundancy', async () => {
    const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(20));
    const token = await invite(s, pid);
    const clients = await Promise.all(Array.from({ length: 30 }, (_, i) => s.connect({ token, worker: `w${i}` })));
    await Promise.all(clients.map((c, i) => labelAll(c, 'tie', `w${i}`)));
    const perItem = new Map<string, Set<string>>();
    for (const l of labelsIn(pid)) {
      const set = perItem.get(l.item) ?? new Set();
      expect(set.has(l.worker)).toBe(false);
      set.add(l.worker);
      perItem.set(l.item, set);
    }
    expect(perItem.size).toBe(20);
    for (const set of perItem.values()) expect(set.size).toBe(3);
  });

  test('items with the fewest labels are handed out first', async () => {
    const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(4));
    const token = await invite(s, pid);
    const first = await s.connect({ token, worker: 'early' });
    const labelled = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const t = (await ok<Task>(first, 'task:next'))!;
      labelled.add(t.item.id);
      await ok(first, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: `e${i}` });
    }
    // Every item now has one label; a second annotator labels two; a third must get the other two first.
    const second = await s.connect({ token, worker: 'second' });
    const secondDone: string[] = [];
    for (let i = 0; i < 2; i++) {
      const t = (await ok<Task>(second, 'task:next'))!;
      secondDone.push(t.item.id);
      await ok(second, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: `s${i}` });
    }
    const third = await s.connect({ token, worker: 'third' });
    const a = (await ok<Task>(third, 'task:next'))!;
    const b = (await ok<Task>(third, 'task:next'))!;
    expect(new Set([a.item.id, b.item.id])).toEqual(new Set([...labelled].filter((id) => !secondDone.includes(id))));
  });

  test('a human may hold the task on screen and a prefetched next one, but not hoard more', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(10));
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const held = [await ok<Task>(c, 'task:next'), await ok<Task>(c, 'task:next'), await ok<Task>(c, 'task:next')];
    expect(new Set(held.map((t) => t!.item.id)).size).toBe(3);
    const more = await call(c, 'task:next');
    expect(more).toMatchObject({ ok: false, error: { code: 'conflict' } });
    await ok(c, 'task:release', { leaseId: held[0]!.leaseId });
    expect(await ok(c, 'task:next')).not.toBeNull();
  });

  test('the completion code is given only to someone who has labelled and has nothing left to do', async () => {
    const pid = await makeProject(s, { redundancy: 1, completion_code: 'PAID-123', redirect_url: 'https://app.prolific.com/submissions/complete?cc=PAID-123' }, pairwiseItems(2));
    const token = await invite(s, pid);
    const idle = await s.connect({ token, worker: 'idle' });
    const worker = await s.connect({ token, worker: 'worker' });
    expect((await ok(idle, 'session:get')).project).toMatchObject({ completion_code: null, redirect_url: null });
    const t = (await ok<Task>(worker, 'task:next'))!;
    await ok(worker, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'one' });
    expect(await ok(worker, 'session:get')).toMatchObject({ finished: false, project: { completion_code: null } });
    await labelAll(worker);
    expect(await ok(worker, 'session:get')).toMatchObject({ finished: true, project: { completion_code: 'PAID-123', redirect_url: expect.stringContaining('cc=PAID-123') } });
    // Nothing is left for the idle worker either, but having labelled nothing, it is not paid.
    expect(await ok(idle, 'task:next')).toBeNull();
    expect(await ok(idle, 'session:get')).toMatchObject({ finished: false, project: { completion_code: null } });
  });

  test('max_per_annotator caps how many items one crowd worker labels', async () => {
    const pid = await makeProject(s, { max_per_annotator: 2 }, pairwiseItems(10));
    const c = await s.connect({ token: await invite(s, pid), worker: 'capped' });
    expect(await labelAll(c)).toHaveLength(2);
    expect((await ok(c, 'session:get')).progress).toEqual({ done: 2, target: 2 });
  });

  test('with gold_rate 1 the gold items come first as quality checks, and each worker\'s score on them is tracked', async () => {
    const items = pairwiseItems(6, (i) => (i < 2 ? { gold: 'A' } : {}));
    const pid = await makeProject(s, { gold_rate: 1, redundancy: 1 }, items);
    const c = await s.connect({ token: await invite(s, pid), worker: 'checked' });
    const t1 = (await ok<Task>(c, 'task:next'))!;
    const t2 = (await ok<Task>(c, 'task:next'))!;
    expect(new Set([t1.item.id, t2.item.id])).toEqual(new Set(['q1', 'q2']));
    // Answer one check right and one wrong, in display positions.
    const shownFirstIs = (t: Task, canonical: 'A' | 'B') => (t.order === 'BA' ? (canonical === 'A' ? 'B' : 'A') : canonical);
    await ok(c, 'label:submit', { leaseId: t1.leaseId, value: shownFirstIs(t1, 'A'), clientLabelId: 'g1' });
    await ok(c, 'label:submit', { leaseId: t2.leaseId, value: shownFirstIs(t2, 'B'), clientLabelId: 'g2' });
    const p = await s.api('GET', `/api/projects/${pid}/progress`);
    expect(p.body.items.gold).toBe(2);
    expect(p.body.annotators.find((a: { name: string }) => a.name === 'checked').gold_checks).toEqual({ n: 2, correct: 1 });
  });
});

describe('task protocol: what a task holds', () => {
  test('a pairwise task shows answers in its own order and the label is stored in the canonical frame', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(40));
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const seen = new Map<string, Task>();
    await labelAll(c, (t) => {
      seen.set(t.item.id, t);
      return 'A'; // always "the answer shown first"
    });
    const orders = new Set([...seen.values()].map((t) => t.order));
    expect(orders).toEqual(new Set(['AB', 'BA']));
    for (const l of labelsIn(pid)) {
      const t = seen.get(l.item)!;
      const n = l.item.slice(1);
      expect(l.shown_order).toBe(t.order);
      if (t.order === 'AB') {
        expect(t.item.answer_a).toBe(`first answer ${n}`);
        expect(l.value).toBe('A');
      } else {
        expect(t.item.answer_a).toBe(`second answer ${n}`);
        expect(l.value).toBe('B');
      }
    }
  });

  test('a task never carries gold, metadata or labels; the reference shows only when the project allows', async () => {
    const items = pairwiseItems(3, (i) => ({ gold: 'B', meta: { model_a: 'secret-model' }, reference: `ref ${i}`, persona: 'A retired teacher' }));
    const pid = await makeProject(s, { show_reference: false }, items);
    await s.api('POST', `/api/projects/${pid}/labels`, jsonl([{ item: 'q1', annotator: 'other', value: 'A' }]), { type: 'application/x-ndjson' });
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const t = (await ok<Task>(c, 'task:next'))!;
    expect(Object.keys(t.item).sort()).toEqual(['answer_a', 'answer_b', 'id', 'persona', 'question']);
    expect(JSON.stringify(t)).not.toMatch(/secret-model|gold|"B"/);
    await s.api('PATCH', `/api/projects/${pid}`, { show_reference: true });
    const t2 = (await ok<Task>(c, 'task:next'))!;
    expect(t2.item.reference).toMatch(/^ref /);
  });

  test('values are checked against the project: verdicts, certainty on its scale, a required rationale', async () => {
    const pid = await makeProject(s, { certainty: true, rationale: 'required' }, pairwiseItems(2));
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const t = (await ok<Task>(c, 'task:next'))!;
    const submit = (v: Record<string, unknown>) => call(c, 'label:submit', { leaseId: t.leaseId, clientLabelId: `x${Math.random()}`, ...v });
    expect(await submit({ value: 'C', certainty: 50, rationale: 'r' })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('"A", "B" or "tie"') } });
    expect(await submit({ value: 'A', rationale: 'r' })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringContaining('certainty') } });
    expect(await submit({ value: 'A', certainty: 101, rationale: 'r' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('outside the 1–100 scale') } });
    expect(await submit({ value: 'A', certainty: 90 })).toMatchObject({ ok: false, error: { message: expect.stringContaining('rationale is required') } });
    expect(await submit({ value: 'tie', certainty: 90, rationale: 'both fine' })).toMatchObject({ ok: true });
    expect(labelsIn(pid)[0]).toMatchObject({ value: 'tie', certainty: 90, rationale: 'both fine' });
  });

  test('rating and choice tasks: scores on the scale, choices among the options', async () => {
    const rp = await makeProject(s, { type: 'rating', scale: { min: 1, max: 5 } }, [{ id: 'r1', question: 'Q', answer: 'Ans', rubric: '5 = perfect' }]);
    const rc = await s.connect({ token: await invite(s, rp), worker: 'w' });
    const rt = (await ok<Task>(rc, 'task:next'))!;
    expect(rt.item).toEqual({ id: 'r1', question: 'Q', answer: 'Ans', rubric: '5 = perfect' });
    expect(rt.order).toBeUndefined();
    expect(await call(rc, 'label:submit', { leaseId: rt.leaseId, value: 6, clientLabelId: 'a' })).toMatchObject({ ok: false, error: { message: expect.stringContaining('outside the 1–5 scale') } });
    expect(await call(rc, 'label:submit', { leaseId: rt.leaseId, value: 4, clientLabelId: 'b' })).toMatchObject({ ok: true });

    const cp = await makeProject(s, { type: 'choice', options: ['yes', 'no', 'unsure'] }, [{ id: 'c1', question: 'Is it safe?' }]);
    const cc = await s.connect({ token: await invite(s, cp), worker: 'w' });
    const ct = (await ok<Task>(cc, 'task:next'))!;
    expect(ct.item.options).toEqual(['yes', 'no', 'unsure']);
    expect(await call(cc, 'label:submit', { leaseId: ct.leaseId, value: 'maybe', clientLabelId: 'a' })).toMatchObject({ ok: false, error: { code: 'invalid-input' } });
    expect(await call(cc, 'label:submit', { leaseId: ct.leaseId, value: 'unsure', clientLabelId: 'b' })).toMatchObject({ ok: true });
  });
});

describe('task protocol: who may connect', () => {
  test('a worker id that is not an id (markup, spaces) is refused at connection, saying what an id may hold', async () => {
    const pid = await makeProject(s);
    const token = await invite(s, pid);
    await expect(s.connect({ token, worker: '<img src=x onerror=alert(1)>' })).rejects.toThrow(/letters, digits and \. _ - @ : \+ only/);
    await expect(s.connect({ token, worker: '5f1e2d3c4b5a69788796a5b4' })).resolves.toBeTruthy();
    await expect(s.connect({ token, worker: 'ana.lopez@example.org' })).resolves.toBeTruthy();
  });
});

describe('task protocol: leases', () => {
  test('a reconnecting annotator gets its own unexpired task back and can submit it', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(5));
    const token = await invite(s, pid);
    const c1 = await s.connect({ token, worker: 'returning' });
    const t = (await ok<Task>(c1, 'task:next'))!;
    c1.disconnect();
    const c2 = await s.connect({ token, worker: 'returning' });
    const again = (await ok<Task>(c2, 'task:next'))!;
    expect(again.leaseId).toBe(t.leaseId);
    expect(again.item).toEqual(t.item);
    expect(again.order).toBe(t.order);
    expect(await call(c2, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'r1' })).toMatchObject({ ok: true });
    // Someone else never saw that item while the lease was held.
    expect(labelsIn(pid).map((l) => l.worker)).toEqual(['returning']);
  });

  test('an expired lease returns its item to the pool, and the late submission is refused', async () => {
    const pid = await makeProject(s, { redundancy: 1, lease_seconds: { human: 60 } }, pairwiseItems(1));
    const token = await invite(s, pid);
    const slow = await s.connect({ token, worker: 'slow' });
    const fast = await s.connect({ token, worker: 'fast' });
    const t = (await ok<Task>(slow, 'task:next'))!;
    expect(await ok(fast, 'task:next')).toBeNull();
    s.clock.advance(61_000);
    const t2 = (await ok<Task>(fast, 'task:next'))!;
    expect(t2.item.id).toBe(t.item.id);
    expect(await call(slow, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'late' })).toMatchObject({ ok: false, error: { code: 'lease-expired' } });
    expect(await call(fast, 'label:submit', { leaseId: t2.leaseId, value: 'A', clientLabelId: 'ontime' })).toMatchObject({ ok: true });
    expect(labelsIn(pid)).toHaveLength(1);
  });

  test('lapsed leases are swept back on a timer, with nobody asking', async () => {
    const pid = await makeProject(s, { redundancy: 1, lease_seconds: { human: 60 } }, pairwiseItems(1));
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    await ok(c, 'task:next');
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.leases.human).toBe(1);
    s.clock.advance(61_000);
    await new Promise((r) => setTimeout(r, 150));
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.leases.human).toBe(0);
  });

  test('a heartbeat keeps a task alive past its lease time', async () => {
    const pid = await makeProject(s, { lease_seconds: { human: 60 } }, pairwiseItems(1));
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const t = (await ok<Task>(c, 'task:next'))!;
    s.clock.advance(50_000);
    const hb = await ok<{ expiresAt: number }>(c, 'task:heartbeat', { leaseId: t.leaseId });
    expect(hb.expiresAt).toBe(s.clock.now + 60_000);
    s.clock.advance(50_000);
    expect(await call(c, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'k' })).toMatchObject({ ok: true });
  });

  test('a released task goes straight to the next annotator', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(1));
    const token = await invite(s, pid);
    const a = await s.connect({ token, worker: 'a' });
    const b = await s.connect({ token, worker: 'b' });
    const t = (await ok<Task>(a, 'task:next'))!;
    expect(await ok(b, 'task:next')).toBeNull();
    await ok(a, 'task:release', { leaseId: t.leaseId });
    expect((await ok<Task>(b, 'task:next'))!.item.id).toBe(t.item.id);
    expect(await call(a, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'x' })).toMatchObject({ ok: false, error: { code: 'lease-expired' } });
  });
});

describe('task protocol: idempotent submission', () => {
  test('a label resubmitted with the same clientLabelId is acknowledged again and stored once', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(3));
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const t = (await ok<Task>(c, 'task:next'))!;
    const payload = { leaseId: t.leaseId, value: 'A', clientLabelId: 'same-id' };
    // Twice at once (a retry racing the original) and once after (a retry after a lost ack).
    const [a, b] = await Promise.all([call(c, 'label:submit', payload), call(c, 'label:submit', payload)]);
    const later = await call(c, 'label:submit', payload);
    for (const r of [a, b, later]) expect(r.ok).toBe(true);
    const ids = [a, b, later].map((r) => (r.ok ? r.data.labelId : 0));
    expect(new Set(ids).size).toBe(1);
    expect([a, b, later].filter((r) => r.ok && r.data.duplicate)).toHaveLength(2);
    expect(labelsIn(pid)).toHaveLength(1);
  });
});

describe('task protocol: LLM judges', () => {
  test('a swap judge labels every item in both orders, and its labels do not use up human redundancy', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(3, () => ({ gold: 'A' })));
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'baseline:first', swap: true });
    expect(judge.status).toBe(201);
    const j = await s.connect({ token: judge.body.token });
    const info = await ok(j, 'session:get');
    expect(info).toMatchObject({ kind: 'llm', annotator: { name: 'baseline:first' }, progress: { done: 0, target: 6 } });
    const tasks: Task[] = [];
    for (;;) {
      const t = await ok<Task | null>(j, 'task:next');
      if (!t) break;
      tasks.push(t);
      expect(JSON.stringify(t)).not.toContain('gold');
      await ok(j, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: `j-${t.item.id}-${t.order}` });
    }
    expect(tasks.map((t) => `${t.item.id}:${t.order}:${t.sample}`).sort()).toEqual(['q1:AB:0', 'q1:BA:0', 'q2:AB:0', 'q2:BA:0', 'q3:AB:0', 'q3:BA:0']);
    // "Always the first answer" is A in AB order and B in BA order, canonically.
    for (const l of labelsIn(pid)) expect(l.value).toBe(l.shown_order === 'AB' ? 'A' : 'B');
    const human = await s.connect({ token: await invite(s, pid), worker: 'h' });
    expect(await labelAll(human)).toHaveLength(3);
    const judges = await s.api('GET', `/api/projects/${pid}/judges`);
    expect(judges.body.judges[0]).toMatchObject({ name: 'baseline:first', progress: { done: 6, target: 6 } });
  });

  test('a judge with samples labels each item several times; an unparseable output is kept as a null value', async () => {
    const pid = await makeProject(s, { type: 'rating' }, [{ id: 'r1', question: 'Q', answer: 'A' }]);
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm', name: 'sampler', samples: 3, temperature: 0.7 });
    const j = await s.connect({ token: judge.body.token });
    const samples: number[] = [];
    for (;;) {
      const t = await ok<Task | null>(j, 'task:next');
      if (!t) break;
      samples.push(t.sample!);
      await ok(j, 'label:submit', { leaseId: t.leaseId, value: t.sample === 1 ? null : 7, clientLabelId: `s${t.sample}`, meta: { raw: 'Rating: [[7]]' } });
    }
    expect(samples.sort()).toEqual([0, 1, 2]);
    const rows = s.db.prepare('SELECT value, sample, meta FROM labels ORDER BY sample').all();
    expect(rows).toEqual([
      { value: 7, sample: 0, meta: '{"raw":"Rating: [[7]]"}' },
      { value: null, sample: 1, meta: '{"raw":"Rating: [[7]]"}' },
      { value: 7, sample: 2, meta: '{"raw":"Rating: [[7]]"}' },
    ]);
  });

  test('two judges with the same name are refused with a clear conflict', async () => {
    const pid = await makeProject(s);
    await s.api('POST', `/api/projects/${pid}/judges`, { model: 'gpt-4o' });
    const again = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'gpt-4o' });
    expect(again.status).toBe(409);
    expect(again.body.error.message).toContain('already has an LLM annotator named "gpt-4o"');
  });
});

describe('live progress', () => {
  test('researchers watching a project see labels and connections change without asking', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(2));
    const admin = await s.connect({ token: s.token });
    const first = await ok<ProjectProgress>(admin, 'project:watch', { projectId: pid });
    expect(first.labels).toEqual({ human: 0, llm: 0 });
    const updates: ProjectProgress[] = [];
    admin.on('project:progress', (p) => updates.push(p));
    const c = await s.connect({ token: await invite(s, pid), worker: 'live' });
    await labelAll(c);
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline && updates.at(-1)?.items.complete !== 2) await new Promise((r) => setTimeout(r, 20));
    const last = updates.at(-1)!;
    expect(last).toMatchObject({ items: { total: 2, complete: 2 }, labels: { human: 2, llm: 0 }, connected: { human: 1, llm: 0 } });
    expect(last.labels_per_minute.human).toBe(2);
    expect(last.annotators).toEqual([expect.objectContaining({ name: 'live', kind: 'human', labels: 2, connected: true })]);
  });
});
