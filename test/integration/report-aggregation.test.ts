/**
 * The project's consensus method and the report's issue 10 options over the real server: `aggregation` stored and
 * returned, `?method=` with each human's competence, `?by=` slices, the alt-test's and certified threshold's
 * parameters, and the report staying live under a model.
 */
import type { Task } from '../../shared/protocol';
import type { ReportJson } from '../../shared/stats/report/json';
import { CARELESS, CAREFUL, crowdLabels } from '../helpers/crowd';
import { invite, jsonl, makeProject, ok, pairwiseItems, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const report = async (pid: number, query = '') => {
  const r = await s.api<ReportJson>('GET', `/api/projects/${pid}/report${query}`);
  if (r.status !== 200) throw new Error(`report${query}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
};

/** A pairwise project of `n` items labelled by the crafted crowd (plus `extra` unlabelled items at the end). */
async function crowdProject(n: number, settings: Record<string, unknown> = {}, options: { judge?: boolean; extra?: number; meta?: (i: number) => unknown } = {}): Promise<number> {
  const items = pairwiseItems(n + (options.extra ?? 0), (i) => (options.meta ? { meta: options.meta(i) } : {}));
  const pid = await makeProject(s, { certainty: true, ...settings }, items);
  const labels = crowdLabels(n, { judge: options.judge });
  const r = await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(r.body).toEqual({ imported: labels.length });
  return pid;
}

describe("a project's aggregation setting", () => {
  test('is majority unless set, is kept on create and patch, and is shown in the project', async () => {
    const plain = await s.api('POST', '/api/projects', { name: 'plain', type: 'pairwise' });
    expect(plain.body.aggregation).toBe('majority');
    const made = await s.api('POST', '/api/projects', { name: 'modelled', type: 'choice', options: ['x', 'y'], aggregation: 'mace' });
    expect(made.status).toBe(201);
    expect(made.body.aggregation).toBe('mace');
    expect((await s.api('GET', `/api/projects/${made.body.id}`)).body.aggregation).toBe('mace');
    const patched = await s.api('PATCH', `/api/projects/${made.body.id}`, { aggregation: 'dawid-skene' });
    expect(patched.body).toMatchObject({ aggregation: 'dawid-skene', options: ['x', 'y'] });
    expect((await s.api('GET', '/api/projects')).body.projects.find((p: { id: number }) => p.id === made.body.id).aggregation).toBe('dawid-skene');
    // Stored in its own column, which the database itself checks.
    expect(s.db.prepare('SELECT aggregation FROM projects WHERE id = ?').pluck().get(made.body.id)).toBe('dawid-skene');
    expect(() => s.db.prepare("UPDATE projects SET aggregation = 'vote' WHERE id = ?").run(made.body.id)).toThrow(/CHECK/);
    // Another setting's patch leaves it as it is.
    expect((await s.api('PATCH', `/api/projects/${made.body.id}`, { redundancy: 2 })).body.aggregation).toBe('dawid-skene');
  });

  test('an unknown method is refused, naming the field', async () => {
    const bad = await s.api('POST', '/api/projects', { name: 'x', type: 'pairwise', aggregation: 'vote' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('aggregation');
    const pid = (await s.api('POST', '/api/projects', { name: 'y', type: 'pairwise' })).body.id;
    const patch = await s.api('PATCH', `/api/projects/${pid}`, { aggregation: 'Majority' });
    expect(patch.status).toBe(400);
    expect(patch.body.error.message).toContain('aggregation');
  });
});

describe('the report under a consensus model', () => {
  test('?method=mace and ?method=dawid-skene flag the careless annotator and rate the careful ones', async () => {
    const pid = await crowdProject(40);
    const majority = await report(pid);
    expect(majority.aggregation).toEqual({ method: 'majority', items: 40, spammers: 0 });
    for (const a of majority.annotators) expect([a.annotator, a.competence, a.spammer]).toEqual([a.annotator, null, null]);
    for (const method of ['mace', 'dawid-skene'] as const) {
      const r = await report(pid, `?method=${method}`);
      expect(r.aggregation).toEqual({ method, items: 40, spammers: 1 });
      const row = (name: string) => r.annotators.find((a) => a.annotator === name)!;
      expect([method, row(CARELESS).spammer]).toEqual([method, true]);
      expect(row(CARELESS).competence!).toBeLessThan(0.5);
      for (const h of CAREFUL) {
        expect([method, h, row(h).spammer]).toEqual([method, h, false]);
        expect(row(h).competence!).toBeGreaterThan(0.8);
      }
    }
  });

  test("the project's setting is the default and ?method= overrides it; a bad method is a 400", async () => {
    const pid = await crowdProject(40, { aggregation: 'mace' });
    expect((await report(pid)).aggregation.method).toBe('mace');
    expect((await report(pid, '?method=majority')).aggregation).toEqual({ method: 'majority', items: 40, spammers: 0 });
    await s.api('PATCH', `/api/projects/${pid}`, { aggregation: 'dawid-skene' });
    expect((await report(pid)).aggregation).toEqual({ method: 'dawid-skene', items: 40, spammers: 1 });
    const bad = await s.api('GET', `/api/projects/${pid}/report?method=plurality`);
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('method');
  });

  test('a label submitted after a MACE report shows in the next one', async () => {
    const pid = await crowdProject(40, { aggregation: 'mace', redundancy: 3 }, { extra: 1 });
    const before = await report(pid);
    expect(before.aggregation).toEqual({ method: 'mace', items: 40, spammers: 1 });
    expect(before.annotators.map((a) => a.annotator)).not.toContain('late');
    // Every crowd item has its five labels: the newcomer is served only the unlabelled q41.
    const late = await s.connect({ token: await invite(s, pid), worker: 'late' });
    const task = await ok<Task | null>(late, 'task:next');
    expect(task!.item.id).toBe('q41');
    await ok(late, 'label:submit', { leaseId: task!.leaseId, value: 'tie', certainty: 70, clientLabelId: 'late-1' });
    const after = await report(pid);
    expect(after.project.labels.human).toBe(before.project.labels.human + 1);
    expect(after.aggregation.items).toBe(41);
    const row = after.annotators.find((a) => a.annotator === 'late')!;
    expect(row).toMatchObject({ kind: 'human', labels: 1 });
    expect(row.competence).not.toBeNull();
  });
});

describe('the report sliced by a meta key (?by=)', () => {
  const category = (i: number) => (i % 3 === 0 ? { category: 'math' } : i % 3 === 1 ? { category: 'code', level: 2 } : { level: 1 });

  test('one group per value, items without the key in the group whose value is null', async () => {
    const pid = await crowdProject(30, {}, { meta: category });
    const plain = await report(pid);
    expect(plain.slices).toBeNull();
    const r = await report(pid, '?by=category');
    expect(r.slices!.by).toBe('category');
    expect(r.slices!.groups.map((g) => [g.value, g.items])).toEqual([
      ['math', 10],
      ['code', 10],
      [null, 10],
    ]);
    for (const g of r.slices!.groups) expect(g.annotators.find((a) => a.annotator === 'h1')!.labels).toBe(10);
    // Numbers stay numbers; a key no item has puts every item in the null group.
    expect((await report(pid, '?by=level')).slices!.groups.map((g) => [g.value, g.items])).toEqual([
      [2, 10],
      [1, 10],
      [null, 10],
    ]);
    expect((await report(pid, '?by=nowhere')).slices!.groups.map((g) => [g.value, g.items])).toEqual([[null, 30]]);
  });

  test('a key is matched as it is, never read as SQL or a JSON path', async () => {
    const tricky = ["it's", 'a.b', '$[0]', 'x" OR 1=1 --'];
    const pid = await crowdProject(4, {}, { meta: (i) => ({ [tricky[i]!]: 'here' }) });
    for (const key of tricky) {
      const r = await report(pid, `?by=${encodeURIComponent(key)}`);
      expect([key, r.slices!.groups.map((g) => [g.value, g.items])]).toEqual([
        key,
        [
          ['here', 1],
          [null, 3],
        ],
      ]);
    }
  });

  test('a key with more than 100 values is a 400: each value would be a report of its own', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(101, (i) => ({ meta: { position: i, half: i % 2 } })));
    const r = await s.api('GET', `/api/projects/${pid}/report?by=position`);
    expect(r.status).toBe(400);
    expect(r.body.error.details).toEqual([{ field: 'by', message: 'meta.position takes 101 values (missing counted as one); a report can be sliced by a key with at most 100' }]);
    expect((await report(pid, '?by=half')).slices!.groups.map((g) => [g.value, g.items])).toEqual([
      [0, 51],
      [1, 50],
    ]);
  });

  test('an empty, overlong or control-character key is a 400 that says what a key may be', async () => {
    const pid = await crowdProject(4);
    for (const by of ['', 'x'.repeat(101), 'tab%09key', 'nul%00']) {
      const r = await s.api('GET', `/api/projects/${pid}/report?by=${by}`);
      expect([by, r.status]).toEqual([by, 400]);
      expect(r.body.error.details[0]).toEqual({ field: 'by', message: 'a meta key is 1 to 100 characters, none of them a control character' });
    }
  });
});

describe("the alt-test's and certified threshold's parameters", () => {
  test('?epsilon, ?target, ?delta and ?min_items are echoed in each judge’s alt_test and selective', async () => {
    const pid = await crowdProject(40, {}, { judge: true });
    const defaults = (await report(pid)).judges[0]!;
    expect(defaults.alt_test).toMatchObject({ epsilon: 0.2, metric: 'accuracy' });
    expect(defaults.selective).toMatchObject({ target: 0.9, delta: 0.1, min_items: 30 });
    const judge = (await report(pid, '?epsilon=0.1&target=0.75&delta=0.2&min_items=5')).judges[0]!;
    expect(judge.alt_test).toMatchObject({ epsilon: 0.1 });
    expect(judge.selective).toMatchObject({ target: 0.75, delta: 0.2, min_items: 5, calibration_items: 40 });
    // Right on 32 of the 40 at certainty 90 (the 8 wrong ones say 40): 0.75 is certified at 90 with 5 labels enough.
    expect(judge.selective!.steps[0]).toMatchObject({ threshold: 90, n: 32, errors: 0, accepted: true });
  });

  test('out-of-range values are a 400 naming the parameter', async () => {
    const pid = await crowdProject(4);
    const cases: Array<[string, string]> = [
      ['epsilon=0', 'epsilon'],
      ['epsilon=1', 'epsilon'],
      ['epsilon=much', 'epsilon'],
      ['target=1.5', 'target'],
      ['target=0', 'target'],
      ['delta=-0.1', 'delta'],
      ['delta=1', 'delta'],
      ['min_items=0', 'min_items'],
      ['min_items=2.5', 'min_items'],
    ];
    for (const [query, field] of cases) {
      const r = await s.api('GET', `/api/projects/${pid}/report?${query}`);
      expect([query, r.status, r.body.error.details[0].field]).toEqual([query, 400, field]);
      expect(r.body.error.message).toContain(field);
    }
  });
});
