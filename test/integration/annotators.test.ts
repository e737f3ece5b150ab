import type { SessionInfo, Task } from '../../shared/protocol';
import type { AnnotatorView } from '../../shared/views';
import { call, invite, makeProject, ok, pairwiseItems, startServer, type TestServer } from '../helpers/server';

/**
 * Researchers list a project's annotators and block or unblock one (`GET/PATCH /api/projects/:id/annotators`):
 * a blocked human is served nothing and what they held goes back to the pool at once.
 */

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const RESEARCHER_MESSAGE = 'Thank you for your work. The researcher has closed this study to you, so there are no more tasks for you.';

describe('annotators API', () => {
  test('only the admin token lists or changes annotators: 401 without a token, 403 with an annotator token', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2));
    const token = await invite(s, pid);
    const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm' })).body.token as string;
    for (const [method, body] of [['GET', undefined], ['PATCH', { blocked: true }]] as const) {
      const route = `/api/projects/${pid}/annotators${method === 'PATCH' ? '/1' : ''}`;
      expect((await s.api(method, route, body, { token: null })).status).toBe(401);
      expect((await s.api(method, route, body, { token })).status).toBe(403);
      expect((await s.api(method, route, body, { token: judge })).status).toBe(403);
    }
    expect((await s.api('GET', `/api/projects/999/annotators`)).status).toBe(404);
  });

  test('a researcher blocks an annotator: their next task is refused, what they held is claimable at once, and unblocking restores them', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(3));
    const token = await invite(s, pid);
    const w1 = await s.connect({ token, worker: 'hog-1' });
    const first = (await ok<Task>(w1, 'task:next'))!;
    await ok(w1, 'label:submit', { leaseId: first.leaseId, value: 'A', clientLabelId: 'x1' });
    const held = [(await ok<Task>(w1, 'task:next'))!, (await ok<Task>(w1, 'task:next'))!];

    const listed = await s.api<{ annotators: AnnotatorView[] }>('GET', `/api/projects/${pid}/annotators`);
    expect(listed.status).toBe(200);
    expect(listed.body.annotators).toEqual([
      { id: expect.any(Number), name: 'hog-1', kind: 'human', labels: 1, gold_checks: null, blocked: false, blocked_reason: null, blocked_at: null, excluded: false, created_at: expect.any(String) },
    ]);
    const id = listed.body.annotators[0]!.id;

    const blocked = await s.api<AnnotatorView>('PATCH', `/api/projects/${pid}/annotators/${id}`, { blocked: true });
    expect(blocked.status).toBe(200);
    expect(blocked.body).toMatchObject({ id, blocked: true, blocked_reason: 'researcher', excluded: true });
    expect(Date.parse(blocked.body.blocked_at!)).toBe(s.clock.now);

    expect(await call(w1, 'task:next')).toEqual({ ok: false, error: { code: 'forbidden', message: RESEARCHER_MESSAGE } });
    expect(await ok<SessionInfo>(w1, 'session:get')).toMatchObject({ blocked: 'researcher', project: { completion_code: null } });
    expect((await call(w1, 'label:submit', { leaseId: held[0]!.leaseId, value: 'A', clientLabelId: 'x2' })).ok).toBe(false);
    // Both items they held go to the next annotator without waiting for a lease to lapse.
    const w2 = await s.connect({ token, worker: 'real-1' });
    const got = [(await ok<Task>(w2, 'task:next'))!.item.id, (await ok<Task>(w2, 'task:next'))!.item.id];
    expect(got.sort()).toEqual(held.map((t) => t.item.id).sort());
    const progress = (await s.api('GET', `/api/projects/${pid}/progress`)).body;
    expect(progress.leases.human).toBe(2);

    const unblocked = await s.api<AnnotatorView>('PATCH', `/api/projects/${pid}/annotators/${id}`, { blocked: false });
    expect(unblocked.body).toMatchObject({ blocked: false, blocked_reason: null, blocked_at: null, excluded: false });
    expect(await call(w1, 'task:next')).toEqual({ ok: true, data: null });
    expect((await ok<SessionInfo>(w1, 'session:get')).blocked).toBeNull();
  });

  test('blocking can keep the labels in, exclusion can change alone, and bad requests say what is wrong', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(2));
    const token = await invite(s, pid);
    const w = await s.connect({ token, worker: 'w' });
    const t = (await ok<Task>(w, 'task:next'))!;
    await ok(w, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'y1' });
    const id = (await s.api('GET', `/api/projects/${pid}/annotators`)).body.annotators[0].id as number;
    const route = `/api/projects/${pid}/annotators/${id}`;

    expect((await s.api('PATCH', route, { blocked: true, excluded: false })).body).toMatchObject({ blocked: true, excluded: false });
    expect((await s.api('PATCH', route, { excluded: true })).body).toMatchObject({ blocked: true, excluded: true });
    expect((await s.api('PATCH', route, { blocked: false, excluded: true })).body).toMatchObject({ blocked: false, excluded: true });

    const empty = await s.api('PATCH', route, {});
    expect(empty.status).toBe(400);
    expect(empty.body.error.code).toBe('invalid-input');
    expect((await s.api('PATCH', route, { blocked: 'yes' })).status).toBe(400);
    expect((await s.api('PATCH', `/api/projects/${pid}/annotators/99999`, { blocked: true })).status).toBe(404);
    const other = await makeProject(s, {}, []);
    expect((await s.api('PATCH', `/api/projects/${other}/annotators/${id}`, { blocked: true })).status).toBe(404);
    // Judges are not blocked here (stop their run instead); they are listed.
    await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm' });
    const judge = (await s.api<{ annotators: AnnotatorView[] }>('GET', `/api/projects/${pid}/annotators`)).body.annotators.find((a) => a.kind === 'llm')!;
    expect(judge).toMatchObject({ name: 'm', gold_checks: null, blocked: false });
    const refused = await s.api('PATCH', `/api/projects/${pid}/annotators/${judge.id}`, { blocked: true });
    expect(refused.status).toBe(400);
    expect(refused.body.error.message).toMatch(/judge/i);
  });
});
