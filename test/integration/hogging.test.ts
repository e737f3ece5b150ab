import type { ProjectProgress, SessionInfo, Task } from '../../shared/protocol';
import type { InviteView } from '../../shared/views';
import { call, invite, makeProject, ok, pairwiseItems, startServer, type Client, type TestServer } from '../helpers/server';

/**
 * Issue 8, point 2: one join link with many made-up worker ids must not be able to take a study away from the
 * people it is for. Ids that never label leave nothing behind; a lease cannot be kept forever; a link may cap its
 * worker ids; and "finished" (with the completion code) means nothing is left once others' leases lapse.
 */

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const annotatorRows = (pid: number) => s.db.prepare('SELECT id, key FROM annotators WHERE project_id = ? ORDER BY id').all(pid) as Array<{ id: number; key: string }>;

async function connectMany(token: string, n: number, prefix: string): Promise<Client[]> {
  const out: Client[] = [];
  for (let i = 0; i < n; i += 100) out.push(...(await Promise.all(Array.from({ length: Math.min(100, n - i) }, (_, k) => s.connect({ token, worker: `${prefix}${i + k}` })))));
  return out;
}

describe('hogging: a worker id becomes an annotator only when it labels', () => {
  test('a thousand throwaway worker ids that connect and take tasks leave no annotators and no progress entries; one label makes exactly one', async () => {
    const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(10));
    const token = await invite(s, pid);
    const admin = await s.connect({ token: s.token });
    await ok<ProjectProgress>(admin, 'project:watch', { projectId: pid });
    const pushes: ProjectProgress[] = [];
    admin.on('project:progress', (p) => pushes.push(p));

    const hogs = await connectMany(token, 1000, 'throwaway-');
    const tasks = await Promise.all(hogs.map((c) => call<Task | null>(c, 'task:next')));
    expect(tasks.filter((t) => t.ok && t.data !== null)).toHaveLength(30); // every slot of 10 items × 3 is leased
    await Promise.all(hogs.slice(0, 50).map((c) => ok<SessionInfo>(c, 'session:get')));

    expect(annotatorRows(pid)).toEqual([]);
    const snapshot = (await s.api<ProjectProgress>('GET', `/api/projects/${pid}/progress`)).body;
    expect(snapshot.annotators).toEqual([]);
    expect(snapshot.connected.human).toBe(1000);
    expect(JSON.stringify(snapshot).length).toBeLessThan(1000);
    const deadline = Date.now() + 2000;
    while (Date.now() < deadline && pushes.at(-1)?.leases.human !== 30) await new Promise((r) => setTimeout(r, 20));
    expect(pushes.at(-1)).toMatchObject({ annotators: [], leases: { human: 30 } });
    expect(JSON.stringify(pushes.at(-1)).length).toBeLessThan(1000);

    // One of them labels: now (and only now) it is an annotator, and the label is its own.
    const i = tasks.findIndex((t) => t.ok && t.data !== null);
    const t = (tasks[i] as { ok: true; data: Task }).data;
    await ok(hogs[i]!, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'first' });
    const rows = annotatorRows(pid);
    expect(rows).toEqual([{ id: expect.any(Number), key: `throwaway-${i}` }]);
    expect(s.db.prepare('SELECT annotator_id FROM labels WHERE project_id = ?').all(pid)).toEqual([{ annotator_id: rows[0]!.id }]);
    const after = (await s.api<ProjectProgress>('GET', `/api/projects/${pid}/progress`)).body;
    expect(after.annotators).toEqual([expect.objectContaining({ name: `throwaway-${i}`, labels: 1, connected: true })]);
  }, 60_000);

  test('a new worker keeps its tasks across its sockets before its first label, and is one annotator after it', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(4));
    const token = await invite(s, pid);
    const tab1 = await s.connect({ token, worker: 'new-worker' });
    const t = (await ok<Task>(tab1, 'task:next'))!;
    tab1.disconnect();
    const tab2 = await s.connect({ token, worker: 'new-worker' });
    const tab3 = await s.connect({ token, worker: 'new-worker' });
    expect((await ok<Task>(tab2, 'task:next'))!.leaseId).toBe(t.leaseId);
    expect((await ok<Task>(tab3, 'task:next'))!.leaseId).toBe(t.leaseId); // each socket is handed the worker's tasks
    const t2 = (await ok<Task>(tab3, 'task:next'))!;
    expect(t2.leaseId).not.toBe(t.leaseId);
    await ok(tab2, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'a' });
    // The other tab's task moved with the worker to its new annotator row.
    await ok(tab3, 'label:submit', { leaseId: t2.leaseId, value: 'B', clientLabelId: 'b' });
    expect(annotatorRows(pid)).toHaveLength(1);
    expect((await ok<SessionInfo>(tab3, 'session:get')).progress.done).toBe(2);
    const again = await s.connect({ token, worker: 'new-worker' });
    expect((await ok<SessionInfo>(again, 'session:get')).progress.done).toBe(2);
    expect(annotatorRows(pid)).toHaveLength(1);
  });

  test('a worker who never labelled is forgotten once it has no socket and no task', async () => {
    const pid = await makeProject(s, { redundancy: 1, lease_seconds: { human: 60 } }, pairwiseItems(2));
    const token = await invite(s, pid);
    const hogs = await connectMany(token, 20, 'gone-');
    await Promise.all(hogs.map((c) => ok(c, 'task:next')));
    expect(s.app.tasks.provisionalWorkers()).toBe(20);
    for (const c of hogs) c.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    expect(s.app.tasks.provisionalWorkers()).toBe(2); // the two that hold a task, until it lapses
    s.clock.advance(61_000);
    await new Promise((r) => setTimeout(r, 150));
    expect(s.app.tasks.provisionalWorkers()).toBe(0);
    expect(annotatorRows(pid)).toEqual([]);
  });
});

describe('hogging: a lease cannot be kept forever', () => {
  test('heartbeats keep a task for at most three lease lengths; then it goes to someone else', async () => {
    const pid = await makeProject(s, { redundancy: 1, lease_seconds: { human: 60 } }, pairwiseItems(1));
    const token = await invite(s, pid);
    const hog = await s.connect({ token, worker: 'hog' });
    const real = await s.connect({ token, worker: 'real' });
    const t = (await ok<Task>(hog, 'task:next'))!;
    const issued = s.clock.now;
    for (let i = 0; i < 3; i++) {
      s.clock.advance(50_000);
      const hb = await ok<{ expiresAt: number }>(hog, 'task:heartbeat', { leaseId: t.leaseId });
      expect(hb.expiresAt).toBe(Math.min(s.clock.now + 60_000, issued + 180_000));
    }
    expect(await ok(real, 'task:next')).toBeNull();
    s.clock.advance(31_000); // 181 s after the task was handed out
    expect(await call(hog, 'task:heartbeat', { leaseId: t.leaseId })).toMatchObject({ ok: false, error: { code: 'lease-expired' } });
    const t2 = (await ok<Task>(real, 'task:next'))!;
    expect(t2.item.id).toBe(t.item.id);
    expect(await call(hog, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'late' })).toMatchObject({ ok: false, error: { code: 'lease-expired' } });
    await ok(real, 'label:submit', { leaseId: t2.leaseId, value: 'B', clientLabelId: 'real' });
  });

  test('a judge keeps its tasks alive as long as its model takes (its leases hold only its own work)', async () => {
    const pid = await makeProject(s, { redundancy: 1, lease_seconds: { llm: 60 } }, pairwiseItems(1));
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'slow-model' });
    const j = await s.connect({ token: judge.body.token });
    const t = (await ok<Task>(j, 'task:next'))!;
    for (let i = 0; i < 10; i++) {
      s.clock.advance(50_000);
      await ok(j, 'task:heartbeat', { leaseId: t.leaseId });
    }
    await ok(j, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'slow' });
    // Humans were never kept from the item.
    const h = await s.connect({ token: await invite(s, pid), worker: 'h' });
    expect(await ok(h, 'task:next')).not.toBeNull();
  });
});

describe('hogging: a join link may cap its worker ids', () => {
  test('beyond max_workers a new worker id is told the study is full; those who labelled always get back in', async () => {
    const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(10));
    const created = await s.api<InviteView>('POST', `/api/projects/${pid}/invites`, { label: 'Prolific', max_workers: 2 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ max_workers: 2, workers: 0 });
    const token = created.body.token;

    const w1 = await s.connect({ token, worker: 'w1' });
    const t1 = (await ok<Task>(w1, 'task:next'))!;
    await ok(w1, 'label:submit', { leaseId: t1.leaseId, value: 'A', clientLabelId: 'w1-1' });
    const w2 = await s.connect({ token, worker: 'w2' });
    const t2 = (await ok<Task>(w2, 'task:next'))!;

    // Both places are taken (w1 labelled, w2 holds a task): a third id is refused at connection.
    await expect(s.connect({ token, worker: 'w3' })).rejects.toThrow(/this study is full/i);
    // A third id that connected while there was room cannot take a task either.
    await ok(w2, 'task:release', { leaseId: t2.leaseId });
    const w4 = await s.connect({ token, worker: 'w4' });
    await ok(w2, 'task:next');
    expect(await call(w4, 'task:next')).toMatchObject({ ok: false, error: { code: 'forbidden', message: expect.stringMatching(/this study is full/i) } });

    // w1 labelled through the link: back in at any time, and w2 keeps its place while it holds a task.
    w1.disconnect();
    const back = await s.connect({ token, worker: 'w1' });
    expect(await ok(back, 'task:next')).not.toBeNull();
    expect(await ok(w2, 'task:next')).not.toBeNull();

    const list = await s.api<{ invites: InviteView[] }>('GET', `/api/projects/${pid}/invites`);
    expect(list.body.invites[0]).toMatchObject({ max_workers: 2, workers: 1 });
    // Another link of the same project is not capped by this one.
    const open = await s.connect({ token: await invite(s, pid), worker: 'w3' });
    expect(await ok(open, 'task:next')).not.toBeNull();
  });

  test('a place held by a worker who never labelled frees when their task lapses', async () => {
    const pid = await makeProject(s, { redundancy: 3, lease_seconds: { human: 60 } }, pairwiseItems(10));
    const { token } = (await s.api<InviteView>('POST', `/api/projects/${pid}/invites`, { max_workers: 1 })).body;
    const hog = await s.connect({ token, worker: 'hog' });
    await ok(hog, 'task:next');
    await expect(s.connect({ token, worker: 'real' })).rejects.toThrow(/this study is full/i);
    s.clock.advance(61_000);
    await new Promise((r) => setTimeout(r, 150));
    const real = await s.connect({ token, worker: 'real' });
    const t = (await ok<Task>(real, 'task:next'))!;
    await ok(real, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'r' });
    expect(await call(hog, 'task:next')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  test('max_workers is checked: a number of at least 1, or null', async () => {
    const pid = await makeProject(s);
    expect((await s.api('POST', `/api/projects/${pid}/invites`, { max_workers: 0 })).status).toBe(400);
    expect((await s.api('POST', `/api/projects/${pid}/invites`, { max_workers: null })).body).toMatchObject({ max_workers: null, workers: 0 });
  });
});

describe('hogging: finished means nothing is left once others’ leases lapse', () => {
  test('while others hold the last items the annotator is told to wait, not finished, and gets them when the leases lapse', async () => {
    const pid = await makeProject(s, { redundancy: 1, lease_seconds: { human: 60 }, completion_code: 'PAID-1', redirect_url: 'https://example.org/done?cc=PAID-1' }, pairwiseItems(3));
    const token = await invite(s, pid);
    const real = await s.connect({ token, worker: 'real' });
    const first = (await ok<Task>(real, 'task:next'))!;
    await ok(real, 'label:submit', { leaseId: first.leaseId, value: 'A', clientLabelId: 'r1' });
    const hogs = await connectMany(token, 2, 'hog-');
    for (const h of hogs) expect(await ok(h, 'task:next')).not.toBeNull();

    expect(await ok(real, 'task:next')).toBeNull();
    expect(await ok<SessionInfo>(real, 'session:get')).toMatchObject({ finished: false, waiting: true, project: { completion_code: null, redirect_url: null } });

    s.clock.advance(61_000);
    const rest: Task[] = [];
    for (let t = await ok<Task | null>(real, 'task:next'); t; t = await ok<Task | null>(real, 'task:next')) {
      rest.push(t);
      await ok(real, 'label:submit', { leaseId: t.leaseId, value: 'B', clientLabelId: `r-${t.item.id}` });
    }
    expect(rest).toHaveLength(2);
    expect(await ok<SessionInfo>(real, 'session:get')).toMatchObject({ finished: true, waiting: false, project: { completion_code: 'PAID-1' } });
  });

  test('someone who has not labelled yet is also told to wait while every item is held', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(1));
    const token = await invite(s, pid);
    const hog = await s.connect({ token, worker: 'hog' });
    await ok(hog, 'task:next');
    const late = await s.connect({ token, worker: 'late' });
    expect(await ok(late, 'task:next')).toBeNull();
    expect(await ok<SessionInfo>(late, 'session:get')).toMatchObject({ finished: false, waiting: true });
  });
});

describe('hogging: a lapsed task goes to someone else, not back to whoever let it lapse', () => {
  const tick = (ms = 120) => new Promise((r) => setTimeout(r, ms));

  test('an id that lets its task lapse cannot take the same task back; the annotator waiting for it gets it', async () => {
    const pid = await makeProject(s, { redundancy: 1, lease_seconds: { human: 60 }, completion_code: 'PAID' }, pairwiseItems(2));
    const token = await invite(s, pid);
    const real = await s.connect({ token, worker: 'real' });
    const t0 = (await ok<Task>(real, 'task:next'))!;
    await ok(real, 'label:submit', { leaseId: t0.leaseId, value: 'A', clientLabelId: 'r0' });
    const hog = await s.connect({ token, worker: 'hog' });
    const held = (await ok<Task>(hog, 'task:next'))!;
    expect(await ok(real, 'task:next')).toBeNull();
    expect(await ok<SessionInfo>(real, 'session:get')).toMatchObject({ waiting: true, finished: false });

    s.clock.advance(61_000);
    await tick();
    // The hog asks first, as a script polling faster than the page would: it does not get its lapsed task back.
    expect(await ok(hog, 'task:next')).toBeNull();
    const got = (await ok<Task>(real, 'task:next'))!;
    expect(got.item.id).toBe(held.item.id);
  });

  test('an id that never labels gets no more tasks after letting two lapse, so it cannot keep a capped link full', async () => {
    const pid = await makeProject(s, { redundancy: 3, lease_seconds: { human: 60 } }, pairwiseItems(10));
    const { token } = (await s.api<InviteView>('POST', `/api/projects/${pid}/invites`, { max_workers: 1 })).body;
    const hog = await s.connect({ token, worker: 'hog' });
    for (let round = 0; round < 2; round++) {
      expect(await ok(hog, 'task:next')).not.toBeNull();
      await expect(s.connect({ token, worker: `real${round}` })).rejects.toThrow(/full/i);
      s.clock.advance(61_000);
      await tick();
    }
    expect(await ok(hog, 'task:next')).toBeNull();
    const real = await s.connect({ token, worker: 'real' });
    expect(await ok(real, 'task:next')).not.toBeNull();
  });
});
