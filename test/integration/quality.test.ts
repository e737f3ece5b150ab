import type { ProjectProgress, SessionInfo, Task } from '../../shared/protocol';
import { call, invite, makeProject, ok, pairwiseItems, startServer, type Client, type TestServer } from '../helpers/server';

/**
 * Quality acts (issue 8, points 23 and 18): the project's gold-check bar stops serving a human whose accuracy on
 * gold checks falls below it, tells them kindly, frees what they held and leaves their labels out of the report
 * and the gold set; gold checks exist only when the project serves them (`gold_rate` > 0).
 */

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const KIND_MESSAGE = 'Thank you for your work. This study needs answers that match its checks more closely, so there are no more tasks for you.';

/** The answer to give, in the order the task was shown, for a canonical verdict (`A` = the item's answer_a). */
const shown = (t: Task, canonical: 'A' | 'B') => (t.order === 'BA' ? (canonical === 'A' ? 'B' : 'A') : canonical);

let labelSeq = 0;
async function label(c: Client, t: Task, canonical: 'A' | 'B') {
  return ok(c, 'label:submit', { leaseId: t.leaseId, value: shown(t, canonical), clientLabelId: `l-${++labelSeq}` });
}

/** The right answer to item qN alternates A, B, A, … */
const rightAnswer = (itemId: string): 'A' | 'B' => (Number(itemId.slice(1)) % 2 === 0 ? 'B' : 'A');
/** Items q1..qN; the first `gold` of them have their right answer as gold. */
const items = (n: number, gold: number) => pairwiseItems(n, (i) => (i < gold ? { gold: rightAnswer(`q${i + 1}`) } : {}));
const right = (t: Task) => rightAnswer(t.item.id);
const wrong = (t: Task) => (rightAnswer(t.item.id) === 'A' ? 'B' : 'A');

describe('qualification bar', () => {
  test('an annotator who fails the gold checks is stopped at once, told kindly, and the task they held goes to someone else', async () => {
    // Redundancy 1 and gold first: the bad annotator takes both gold checks, then holds the only regular item.
    const pid = await makeProject(
      s,
      { redundancy: 1, gold_rate: 1, completion_code: 'PAID-42', qualification: { min_checks: 2, min_accuracy: 0.5, completion_code: 'withhold' } },
      items(3, 2),
    );
    const token = await invite(s, pid);
    const bad = await s.connect({ token, worker: 'careless' });
    const t1 = (await ok<Task>(bad, 'task:next'))!;
    const t2 = (await ok<Task>(bad, 'task:next'))!;
    const held = (await ok<Task>(bad, 'task:next'))!;
    expect([t1.item.id, t2.item.id].sort()).toEqual(['q1', 'q2']);
    expect(held.item.id).toBe('q3');

    await label(bad, t1, wrong(t1));
    // One wrong check is below the bar but under min_checks: still served.
    expect((await ok<SessionInfo>(bad, 'session:get')).blocked).toBeNull();
    await label(bad, t2, wrong(t2));

    const next = await call(bad, 'task:next');
    expect(next).toEqual({ ok: false, error: { code: 'forbidden', message: KIND_MESSAGE } });
    const session = await ok<SessionInfo>(bad, 'session:get');
    expect(session).toMatchObject({ blocked: 'qualification', project: { completion_code: null, redirect_url: null } });
    // The held task went back at once: no lease lapse, no clock moved.
    const heartbeat = await call(bad, 'task:heartbeat', { leaseId: held.leaseId });
    expect(heartbeat.ok).toBe(false);
    const other = await s.connect({ token, worker: 'careful' });
    expect((await ok<Task>(other, 'task:next'))?.item.id).toBe('q3');
    const late = await call(bad, 'label:submit', { leaseId: held.leaseId, value: 'A', clientLabelId: 'late' });
    expect(late.ok).toBe(false);

    // Their two labels are kept.
    const kept = s.db.prepare("SELECT COUNT(*) AS n FROM labels l JOIN annotators a ON a.id = l.annotator_id WHERE a.key = 'careless'").get() as { n: number };
    expect(kept.n).toBe(2);

    // The completion-code policy is a setting: with 'give' the stopped annotator is paid for the work done.
    const patch = await s.api('PATCH', `/api/projects/${pid}`, { qualification: { min_checks: 2, min_accuracy: 0.5, completion_code: 'give' } });
    expect(patch.status).toBe(200);
    expect((await ok<SessionInfo>(bad, 'session:get')).project.completion_code).toBe('PAID-42');
  });

  test('a stopped annotator is told again on reconnect, and an annotator above the bar keeps labelling', async () => {
    const pid = await makeProject(s, { redundancy: 2, gold_rate: 1, qualification: { min_checks: 2, min_accuracy: 0.5, completion_code: 'give' } }, items(6, 3));
    const token = await invite(s, pid);
    const bad = await s.connect({ token, worker: 'w-bad' });
    for (let i = 0; i < 2; i++) {
      const t = (await ok<Task>(bad, 'task:next'))!;
      await label(bad, t, wrong(t));
    }
    expect((await call(bad, 'task:next')).ok).toBe(false);
    bad.disconnect();
    const again = await s.connect({ token, worker: 'w-bad' });
    expect(await ok<SessionInfo>(again, 'session:get')).toMatchObject({ blocked: 'qualification' });
    expect(await call(again, 'task:next')).toMatchObject({ ok: false, error: { code: 'forbidden', message: KIND_MESSAGE } });

    // One wrong of two is exactly the bar (0.5): not below it.
    const fair = await s.connect({ token, worker: 'w-fair' });
    const f1 = (await ok<Task>(fair, 'task:next'))!;
    const f2 = (await ok<Task>(fair, 'task:next'))!;
    await label(fair, f1, right(f1));
    await label(fair, f2, wrong(f2));
    expect((await ok<Task | null>(fair, 'task:next'))).not.toBeNull();
    expect((await ok<SessionInfo>(fair, 'session:get')).blocked).toBeNull();
  });

  test("a stopped annotator's labels are kept and listed but left out of the report and the gold set until restored", async () => {
    const pid = await makeProject(s, { redundancy: 3, gold_rate: 0.5, qualification: { min_checks: 2, min_accuracy: 0.6, completion_code: 'withhold' } }, items(8, 2));
    const token = await invite(s, pid);
    // The careless annotator answers every item wrong until the bar stops them (after both gold checks).
    const bad = await s.connect({ token, worker: 'contrarian' });
    let badLabels = 0;
    for (;;) {
      const r = await call<Task | null>(bad, 'task:next');
      if (!r.ok) break;
      expect(r.data).not.toBeNull();
      const t = r.data!;
      await label(bad, t, wrong(t));
      badLabels++;
    }
    expect(badLabels).toBeGreaterThanOrEqual(2);
    // Two careful annotators label everything right.
    for (const w of ['good-1', 'good-2']) {
      const c = await s.connect({ token, worker: w });
      for (let t = await ok<Task | null>(c, 'task:next'); t; t = await ok<Task | null>(c, 'task:next')) await label(c, t, right(t));
    }

    const listed = await s.api('GET', `/api/projects/${pid}/annotators`);
    expect(listed.status).toBe(200);
    const contrarian = listed.body.annotators.find((a: { name: string }) => a.name === 'contrarian');
    expect(contrarian).toMatchObject({ kind: 'human', labels: badLabels, blocked: true, blocked_reason: 'qualification', excluded: true, gold_checks: { n: 2, correct: 0 } });

    const report = async () => (await s.api('GET', `/api/projects/${pid}/report?resamples=0`)).body;
    let r = await report();
    expect(r.annotators.map((a: { annotator: string }) => a.annotator).sort()).toEqual(['good-1', 'good-2']);
    expect(r.humans.annotators).toBe(2);
    expect(r.humans.fleiss_kappa).toBe(1);
    const gold = async () =>
      (await fetch(`${s.url}/api/projects/${pid}/export?kind=gold`, { headers: { authorization: `Bearer ${s.token}` } }).then((x) => x.text()))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l));
    let g = await gold();
    expect(g).toHaveLength(8);
    for (const rec of g) {
      expect(rec.labels.map((l: { annotator: string }) => l.annotator)).not.toContain('contrarian');
      expect(rec.agreement).toBe(1);
    }

    // Restored by the researcher: back in the report and the gold set.
    const restore = await s.api('PATCH', `/api/projects/${pid}/annotators/${contrarian.id}`, { excluded: false });
    expect(restore.status).toBe(200);
    expect(restore.body).toMatchObject({ blocked: true, excluded: false });
    r = await report();
    expect(r.humans.annotators).toBe(3);
    expect(r.humans.fleiss_kappa).toBeLessThan(1);
    g = await gold();
    expect(g.some((rec: { labels: Array<{ annotator: string }> }) => rec.labels.some((l) => l.annotator === 'contrarian'))).toBe(true);
  });

  test('a bar with gold rate 0 is refused, naming both fields, on create and on every edit that would make it', async () => {
    const bar = { min_checks: 5, min_accuracy: 0.8, completion_code: 'give' };
    const created = await s.api('POST', '/api/projects', { name: 'No checks', type: 'pairwise', qualification: bar });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/qualification/);
    expect(created.body.error.message).toMatch(/gold_rate/);
    expect(created.body.error.details.map((d: { field: string }) => d.field)).toContain('qualification');

    const pid = await makeProject(s, { gold_rate: 0 }, []);
    const patched = await s.api('PATCH', `/api/projects/${pid}`, { qualification: bar });
    expect(patched.status).toBe(400);
    expect(patched.body.error.message).toMatch(/gold_rate/);
    expect((await s.api('PATCH', `/api/projects/${pid}`, { qualification: bar, gold_rate: 0.2 })).status).toBe(200);
    const zeroed = await s.api('PATCH', `/api/projects/${pid}`, { gold_rate: 0 });
    expect(zeroed.status).toBe(400);
    expect(zeroed.body.error.message).toMatch(/qualification/);
    expect((await s.api('GET', `/api/projects/${pid}`)).body.gold_rate).toBe(0.2);
  });
});

describe('gold checks in progress', () => {
  test('with gold rate 0 gold items are ordinary items: progress shows no gold-check figure', async () => {
    const pid = await makeProject(s, { redundancy: 1, gold_rate: 0 }, items(4, 4));
    const token = await invite(s, pid);
    const c = await s.connect({ token, worker: 'w1' });
    for (let t = await ok<Task | null>(c, 'task:next'); t; t = await ok<Task | null>(c, 'task:next')) await label(c, t, right(t));
    const p = (await s.api('GET', `/api/projects/${pid}/progress`)).body as ProjectProgress;
    expect(p.annotators).toHaveLength(1);
    expect(p.annotators[0]).toMatchObject({ name: 'w1', labels: 4, gold_checks: null });
    const listed = (await s.api('GET', `/api/projects/${pid}/annotators`)).body.annotators;
    expect(listed[0]).toMatchObject({ name: 'w1', gold_checks: null });

    // Served as checks once the project mixes them in: the same labels count as checks.
    expect((await s.api('PATCH', `/api/projects/${pid}`, { gold_rate: 0.25 })).status).toBe(200);
    const q = (await s.api('GET', `/api/projects/${pid}/progress`)).body as ProjectProgress;
    expect(q.annotators[0]!.gold_checks).toEqual({ n: 4, correct: 4 });
  });
});
