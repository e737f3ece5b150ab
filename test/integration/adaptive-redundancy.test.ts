/**
 * Issue 13 part 1, adaptive redundancy, end to end: a real server on a free port, real socket.io clients, a real
 * SQLite file. The settings are validated by field; racing annotators never give an item more labels than the rule
 * allows (checked on the stored labels, in the order they were stored); a reopened item is served first; a restart
 * rebuilds the same decisions; progress reports labels spent against the fixed budget and the labels per item.
 */
import type { ProjectProgress, SessionInfo, SubmitResult, Task } from '../../shared/protocol';
import { seeded } from '../unit/assignment/pool-fixtures';
import { call, invite, jsonl, makeProject, ok, pairwiseItems, serversPerTest, type Client, type TestServer } from '../helpers/server';

const { server, restart } = serversPerTest();

const ADAPTIVE = { min: 2, max: 5, stop: 'unanimous' };

/** Each item's human label values, in the order they were stored. */
function storedValues(s: TestServer, pid: number): Map<string, string[]> {
  const rows = s.db
    .prepare(`SELECT i.external_id AS item, l.value FROM labels l JOIN items i ON i.id = l.item_id JOIN annotators a ON a.id = l.annotator_id
              WHERE l.project_id = ? AND a.kind = 'human' ORDER BY l.id`)
    .all(pid) as Array<{ item: string; value: string }>;
  const out = new Map<string, string[]>();
  for (const r of rows) out.set(r.item, [...(out.get(r.item) ?? []), r.value]);
  return out;
}

/** What the rule allows an item with these labels, once every lease is in: unanimous at min → min; otherwise max. */
function ruleBreaches(values: Map<string, string[]>, items: number, min: number, max: number): string[] {
  const wrong: string[] = [];
  for (let i = 1; i <= items; i++) {
    const v = values.get(`q${i}`) ?? [];
    const first = v.slice(0, min);
    const want = first.length === min && first.every((x) => x === first[0]) ? min : max;
    if (v.length !== want) wrong.push(`q${i}: ${v.join(',')} (want ${want} labels)`);
  }
  return wrong;
}

/** The value to send for a canonical pairwise value: a task shown BA has its answers swapped on screen. */
const shown = (t: Task, canonical: string) => (t.order === 'BA' ? ({ A: 'B', B: 'A' } as Record<string, string>)[canonical] ?? canonical : canonical);

/** Labels until nothing is left, waiting while items it could take are held by others; returns its label ids. */
async function labelAll(c: Client, answer: () => string): Promise<number[]> {
  const ids: number[] = [];
  for (let n = 0; ; n++) {
    const t = await ok<Task | null>(c, 'task:next');
    if (t === null) {
      if (!(await ok<SessionInfo>(c, 'session:get')).waiting) return ids;
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const r = await ok<SubmitResult>(c, 'label:submit', { leaseId: t.leaseId, value: shown(t, answer()), clientLabelId: `l${n}` });
    ids.push(r.labelId);
  }
}

describe('adaptive redundancy: settings', () => {
  test('a number reads back as given; the object form reads back as given; bad rules are refused naming the field', async () => {
    const s = await server();
    const fixed = await s.api('POST', '/api/projects', { name: 'Fixed', type: 'pairwise', redundancy: 4 });
    expect([fixed.status, fixed.body.redundancy]).toEqual([201, 4]);
    const made = await s.api('POST', '/api/projects', { name: 'Adaptive', type: 'pairwise', redundancy: ADAPTIVE });
    expect([made.status, made.body.redundancy]).toEqual([201, ADAPTIVE]);
    expect((await s.api('GET', `/api/projects/${made.body.id}`)).body.redundancy).toEqual(ADAPTIVE);
    const back = await s.api('PATCH', `/api/projects/${made.body.id}`, { redundancy: 3 });
    expect([back.status, back.body.redundancy]).toEqual([200, 3]);
    const again = await s.api('PATCH', `/api/projects/${made.body.id}`, { redundancy: { min: 1, max: 3, stop: 'unanimous' } });
    expect([again.status, again.body.redundancy]).toEqual([200, { min: 1, max: 3, stop: 'unanimous' }]);

    const refused = async (redundancy: unknown) => {
      const r = await s.api('POST', '/api/projects', { name: 'Bad', type: 'pairwise', redundancy });
      expect(r.status).toBe(400);
      return { message: r.body.error.message as string, details: r.body.error.details as Array<{ field: string; message: string }> };
    };
    expect((await refused({ min: 3, max: 2, stop: 'unanimous' })).details).toEqual([{ field: 'redundancy.max', message: 'must be at least min (3)' }]);
    expect((await refused({ min: 0, max: 2, stop: 'unanimous' })).details).toEqual([{ field: 'redundancy.min', message: 'must be at least 1' }]);
    expect((await refused({ min: 1, max: 1001, stop: 'unanimous' })).details).toEqual([{ field: 'redundancy.max', message: 'must be at most 1000' }]);
    // Where zod stops at a field's type or value, the union's message names the field inside the object.
    const quorum = await refused({ min: 1, max: 2, stop: 'quorum' });
    expect(quorum.details).toEqual([{ field: 'redundancy', message: 'stop must be one of "unanimous", "posterior", not the text "quorum"' }]);
    expect(quorum.message).toBe('Invalid project (redundancy: stop must be one of "unanimous", "posterior", not the text "quorum")');
    expect((await refused({ min: 1.5, max: 2, stop: 'unanimous' })).details).toEqual([{ field: 'redundancy', message: 'min must be a whole number, not the number 1.5' }]);
    expect((await refused({ min: 1, max: 2, stop: 'posterior' })).details).toEqual([
      { field: 'redundancy.posterior', message: 'is required when stop is "posterior" (a target above 0.5 and below 1)' },
    ]);
    expect((await refused({ min: 1, max: 2, stop: 'unanimous', posterior: 0.9 })).details).toEqual([{ field: 'redundancy.posterior', message: 'applies only when stop is "posterior"' }]);
    expect((await refused({ min: 1, max: 2, stop: 'posterior', posterior: 0.5 })).details).toEqual([{ field: 'redundancy.posterior', message: 'must be above 0.5' }]);
    expect((await refused({ min: 1, max: 2, stop: 'unanimous', extra: 1 })).details).toEqual([{ field: 'redundancy', message: 'Unrecognized key: "extra"' }]);
    expect((await refused('three')).details).toEqual([{ field: 'redundancy', message: 'must be a whole number of human labels per item, or an object { "min", "max", "stop" }' }]);
    expect((await refused(0)).details).toEqual([{ field: 'redundancy', message: 'must be at least 1' }]);
    // A posterior rule is taken, on create and on a change, and reads back as given.
    const POSTERIOR = { min: 1, max: 3, stop: 'posterior', posterior: 0.9 };
    const posterior = await s.api('POST', '/api/projects', { name: 'Posterior', type: 'pairwise', redundancy: POSTERIOR });
    expect([posterior.status, posterior.body.redundancy]).toEqual([201, POSTERIOR]);
    const patch = await s.api('PATCH', `/api/projects/${fixed.body.id}`, { redundancy: POSTERIOR });
    expect([patch.status, patch.body.redundancy]).toEqual([200, POSTERIOR]);
    expect((await s.api('GET', `/api/projects/${fixed.body.id}`)).body.redundancy).toEqual(POSTERIOR);
  });
});

describe('adaptive redundancy: serving', () => {
  test('30 racing annotators on 200 items (min 2, max 5, unanimous): every item gets exactly what the rule allows, nothing is lost', async () => {
    const s = await server();
    const items = 200;
    const pid = await makeProject(s, { redundancy: ADAPTIVE }, pairwiseItems(items));
    const token = await invite(s, pid);
    const clients = await Promise.all(Array.from({ length: 30 }, (_, i) => s.connect({ token, worker: `w${i}` })));
    // Two in three always answer A (the item's own answer_a, whichever side it is shown on); the rest answer at random among A, B and tie.
    const answers = clients.map((_, i) => {
      const random = seeded(i + 1);
      return i % 3 === 0 ? () => ['A', 'B', 'tie'][Math.floor(random() * 3)]! : () => 'A';
    });
    const acked = (await Promise.all(clients.map((c, i) => labelAll(c, answers[i]!)))).flat();

    const values = storedValues(s, pid);
    expect(ruleBreaches(values, items, 2, 5)).toEqual([]);
    const stored = s.db.prepare('SELECT id FROM labels WHERE project_id = ? ORDER BY id').all(pid) as Array<{ id: number }>;
    expect(acked.sort((a, b) => a - b)).toEqual(stored.map((r) => r.id)); // every acked label is stored, once
    const stoppedEarly = [...values.values()].filter((v) => v.length === 2).length;
    expect(stoppedEarly).toBeGreaterThan(50); // the agreeing majority let many items stop at min
    expect(stoppedEarly).toBeLessThan(items); // and the random third made others go on to max

    const p = (await s.api<ProjectProgress>('GET', `/api/projects/${pid}/progress`)).body;
    const perItem = [0, 0, 0, 0, 0, 0];
    for (const v of values.values()) perItem[v.length]!++;
    expect(p.human_budget).toEqual({ spent: stored.length, budget: items * 5, per_item: perItem });
    expect(p.items).toMatchObject({ total: items, complete: items });
    expect(p.labels.human).toBe(stored.length);
  }, 60_000);

  test('a label that breaks unanimity sends its item back at once, ahead of fresh items', async () => {
    const s = await server();
    const pid = await makeProject(s, { redundancy: { min: 2, max: 3, stop: 'unanimous' } }, pairwiseItems(3));
    const imported = await s.api('POST', `/api/projects/${pid}/labels`, jsonl([{ item: 'q1', annotator: 'earlier', kind: 'human', value: 'A' }]), { type: 'application/x-ndjson' });
    expect(imported.status).toBe(200);
    const token = await invite(s, pid);
    const [h2, h3, h4] = await Promise.all(['h2', 'h3', 'h4'].map((worker) => s.connect({ token, worker })));
    // h2 takes all three: the two fresh items first (fewer labels), then q1.
    const held = [(await ok<Task>(h2!, 'task:next'))!, (await ok<Task>(h2!, 'task:next'))!, (await ok<Task>(h2!, 'task:next'))!];
    expect(held.map((t) => t.item.id)).toEqual([expect.stringMatching(/^q[23]$/), expect.stringMatching(/^q[23]$/), 'q1']);
    await ok(h2!, 'label:submit', { leaseId: held[2]!.leaseId, value: shown(held[2]!, 'B'), clientLabelId: 'b' });
    for (const t of held.slice(0, 2)) await ok(h2!, 'task:release', { leaseId: t.leaseId });
    // q1 (A, B) is served before q2 and q3, which have no label; while h3 holds it nobody else gets it.
    const t3 = (await ok<Task>(h3!, 'task:next'))!;
    expect(t3.item.id).toBe('q1');
    expect((await ok<Task>(h4!, 'task:next'))!.item.id).not.toBe('q1');
    await ok(h3!, 'label:submit', { leaseId: t3.leaseId, value: 'A', clientLabelId: 'a' });
    const p = (await s.api<ProjectProgress>('GET', `/api/projects/${pid}/progress`)).body;
    expect(p.items.complete).toBe(1); // q1 at max (3)
    expect(p.human_budget).toEqual({ spent: 3, budget: 9, per_item: [2, 0, 0, 1] });
  });

  test('a restart rebuilds the same decisions from SQLite', async () => {
    let s = await server();
    const items = 20;
    const pid = await makeProject(s, { redundancy: { min: 2, max: 4, stop: 'unanimous' } }, pairwiseItems(items));
    const token = await invite(s, pid);
    // Six annotators label five items each: even ones answer A, odd ones B, so some items disagree at min.
    for (let k = 0; k < 6; k++) {
      const c = await s.connect({ token, worker: `first${k}` });
      for (let n = 0; n < 5; n++) {
        const t = (await ok<Task>(c, 'task:next'))!;
        await ok(c, 'label:submit', { leaseId: t.leaseId, value: shown(t, k % 2 ? 'B' : 'A'), clientLabelId: `l${n}` });
      }
      c.disconnect();
    }
    const before = (await s.api<ProjectProgress>('GET', `/api/projects/${pid}/progress`)).body;
    s = await restart(s);
    const after = (await s.api<ProjectProgress>('GET', `/api/projects/${pid}/progress`)).body;
    expect([after.items, after.human_budget]).toEqual([before.items, before.human_budget]);
    expect(after.human_budget.spent).toBe(30);

    // The first task after the restart is a reopened item (two labels that disagree), if there is one.
    const values = storedValues(s, pid);
    const reopened = [...values].filter(([, v]) => v.length >= 2 && v.length < 4 && new Set(v).size > 1).map(([item]) => item);
    expect(reopened.length).toBeGreaterThan(0);
    const c = await s.connect({ token, worker: 'after-restart' });
    const first = (await ok<Task>(c, 'task:next'))!;
    expect(reopened).toContain(first.item.id);
    await ok(c, 'task:release', { leaseId: first.leaseId });
    // Fresh annotators finish the project: every item as the rule allows.
    const rest = await Promise.all(Array.from({ length: 6 }, (_, k) => s.connect({ token, worker: `later${k}` })));
    await Promise.all(rest.map((r, k) => labelAll(r, () => (k % 2 ? 'B' : 'A'))));
    const leftOver = await call<Task | null>(rest[0]!, 'task:next');
    expect(leftOver).toEqual({ ok: true, data: null });
    const final = storedValues(s, pid);
    expect(ruleBreaches(final, items, 2, 4)).toEqual([]);
  }, 30_000);
});
