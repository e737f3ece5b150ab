import type { SubmitResult, Task } from '../../shared/protocol';
import { call, invite, makeProject, ok, pairwiseItems, startServer, type TestServer } from '../helpers/server';

/** Issue 8, points 4, 5 and 20: what a submitted label means and what is stored with it. */

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const rows = (pid: number) =>
  s.db.prepare('SELECT l.id, i.external_id AS item, l.value, l.rationale, l.client_label_id, l.invite_id, l.study_id, l.session_id FROM labels l JOIN items i ON i.id = l.item_id WHERE l.project_id = ? ORDER BY l.id').all(pid) as Array<{
    id: number;
    item: string;
    value: unknown;
    rationale: string | null;
    client_label_id: string;
    invite_id: number | null;
    study_id: string | null;
    session_id: string | null;
  }>;

describe('clientLabelId names one label', () => {
  test('the same clientLabelId for another task is refused as a conflict, nothing is acknowledged, and the task is still yours to submit with a new id', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(3));
    const c = await s.connect({ token: await invite(s, pid), worker: 'reuser' });
    const t1 = (await ok<Task>(c, 'task:next'))!;
    const t2 = (await ok<Task>(c, 'task:next'))!;
    const first = await ok<SubmitResult>(c, 'label:submit', { leaseId: t1.leaseId, value: 'A', clientLabelId: 'same' });
    expect(first.duplicate).toBe(false);

    const reused = await call(c, 'label:submit', { leaseId: t2.leaseId, value: 'B', clientLabelId: 'same' });
    expect(reused).toMatchObject({ ok: false, error: { code: 'conflict', message: expect.stringMatching(/new clientLabelId/i) } });
    expect(rows(pid)).toHaveLength(1);

    // The task was not lost: sent again under a new id, it is stored.
    const fixed = await ok<SubmitResult>(c, 'label:submit', { leaseId: t2.leaseId, value: 'B', clientLabelId: 'fresh' });
    expect(fixed.duplicate).toBe(false);
    expect(rows(pid).map((r) => [r.item, r.value, r.client_label_id])).toEqual([
      [t1.item.id, expect.any(String), 'same'],
      [t2.item.id, expect.any(String), 'fresh'],
    ]);
  });

  test('the same clientLabelId on a task whose lease has lapsed is a conflict too, not an acknowledgement', async () => {
    const pid = await makeProject(s, { lease_seconds: { human: 60 } }, pairwiseItems(3));
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const t1 = (await ok<Task>(c, 'task:next'))!;
    await ok(c, 'label:submit', { leaseId: t1.leaseId, value: 'A', clientLabelId: 'x' });
    const t2 = (await ok<Task>(c, 'task:next'))!;
    s.clock.advance(61_000);
    expect(await call(c, 'label:submit', { leaseId: t2.leaseId, value: 'A', clientLabelId: 'x' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(rows(pid)).toHaveLength(1);
  });

  test('a true retry of the same task’s label stays an acknowledged duplicate, stored once', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(3));
    const c = await s.connect({ token: await invite(s, pid), worker: 'retrier' });
    const t = (await ok<Task>(c, 'task:next'))!;
    const payload = { leaseId: t.leaseId, value: 'A', clientLabelId: 'retry-me' };
    const a = await ok<SubmitResult>(c, 'label:submit', payload);
    const b = await ok<SubmitResult>(c, 'label:submit', payload);
    expect(b).toMatchObject({ labelId: a.labelId, duplicate: true });
    expect(rows(pid)).toHaveLength(1);
  });

  test('a judge reusing a clientLabelId for another task gets a conflict too', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2));
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm' });
    const j = await s.connect({ token: judge.body.token });
    const t1 = (await ok<Task>(j, 'task:next'))!;
    const t2 = (await ok<Task>(j, 'task:next'))!;
    await ok(j, 'label:submit', { leaseId: t1.leaseId, value: 'A', clientLabelId: 'j' });
    expect(await call(j, 'label:submit', { leaseId: t2.leaseId, value: 'A', clientLabelId: 'j' })).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(await ok<SubmitResult>(j, 'label:submit', { leaseId: t1.leaseId, value: 'A', clientLabelId: 'j' })).toMatchObject({ duplicate: true });
  });
});

describe('rationale off', () => {
  test('a rationale sent to a project that collects none is not stored, from humans or judges', async () => {
    const pid = await makeProject(s, { rationale: 'off' }, pairwiseItems(2));
    const c = await s.connect({ token: await invite(s, pid), worker: 'talker' });
    const t = (await ok<Task>(c, 'task:next'))!;
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'A', rationale: 'my secret reasoning', clientLabelId: 'h' });
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm' });
    const j = await s.connect({ token: judge.body.token });
    const jt = (await ok<Task>(j, 'task:next'))!;
    await ok(j, 'label:submit', { leaseId: jt.leaseId, value: 'B', rationale: 'the model explains', clientLabelId: 'j' });
    expect(rows(pid).map((r) => r.rationale)).toEqual([null, null]);
    const exported = await fetch(`${s.url}/api/projects/${pid}/export?kind=labels&format=jsonl`, { headers: { authorization: `Bearer ${s.token}` } });
    const text = await exported.text();
    expect(exported.status).toBe(200);
    expect(text).not.toContain('secret reasoning');
    expect(text).not.toContain('the model explains');
  });

  test('with rationale optional the reason is kept', async () => {
    const pid = await makeProject(s, { rationale: 'optional' }, pairwiseItems(1));
    const c = await s.connect({ token: await invite(s, pid), worker: 'w' });
    const t = (await ok<Task>(c, 'task:next'))!;
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'A', rationale: 'because', clientLabelId: 'h' });
    expect(rows(pid)[0]!.rationale).toBe('because');
  });
});

describe('where a human label came from', () => {
  test('each label stores its join link and the crowd platform’s study and session ids from the join URL', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(3));
    const created = await s.api('POST', `/api/projects/${pid}/invites`, { label: 'Prolific' });
    const c = await s.connect({ token: created.body.token, worker: '5f1a2b3c', study: '60aabbccdd', session: 'sess-77' });
    const t = (await ok<Task>(c, 'task:next'))!;
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'p' });
    const plain = await s.connect({ token: created.body.token, worker: 'no-platform' });
    const t2 = (await ok<Task>(plain, 'task:next'))!;
    await ok(plain, 'label:submit', { leaseId: t2.leaseId, value: 'B', clientLabelId: 'q' });
    expect(rows(pid).map((r) => [r.invite_id, r.study_id, r.session_id])).toEqual([
      [created.body.id, '60aabbccdd', 'sess-77'],
      [created.body.id, null, null],
    ]);
  });

  test('a study or session id that is not an id is refused at connection, saying what it may hold', async () => {
    const pid = await makeProject(s);
    const token = await invite(s, pid);
    await expect(s.connect({ token, worker: 'w', study: '<script>' })).rejects.toThrow(/study id may hold letters, digits/i);
    await expect(s.connect({ token, worker: 'w', session: 'x'.repeat(201) })).rejects.toThrow(/session id may hold/i);
  });
});
