import type { Task } from '../../shared/protocol';
import { JudgeWorker, type WorkerOptions } from '../../judge-worker/worker';
import { closeServerAndModel, startServerAndModel } from '../helpers/judges';
import { shown, verdict, type MockOpenAI } from '../helpers/mock-openai';
import { invite, makeProject, ok, pairwiseItems, type Client, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

const judgeLabels = (projectId: number, annotatorId: number) =>
  s.db
    .prepare(`SELECT i.external_id AS item, l.value, l.certainty, l.shown_order, l.sample, l.meta FROM labels l JOIN items i ON i.id = l.item_id WHERE l.project_id = ? AND l.annotator_id = ?`)
    .all(projectId, annotatorId) as Array<{ item: string; value: string | number | null; certainty: number | null; shown_order: string | null; sample: number; meta: string }>;

async function register(projectId: number, body: Record<string, unknown>): Promise<{ id: number; token: string }> {
  const r = await s.api('POST', `/api/projects/${projectId}/judges`, body);
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body;
}

const worker = (token: string, o: Partial<WorkerOptions> = {}) => new JudgeWorker({ server: s.url, token, baseUrl: mock.url, statusEveryMs: 50, ...o });

async function labelAll(c: Client, prefix: string): Promise<number> {
  let n = 0;
  for (;;) {
    const t = await ok<Task | null>(c, 'task:next');
    if (!t) return n;
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'tie', certainty: 50, clientLabelId: `${prefix}-${n++}` });
  }
}

describe('judge worker', () => {
  test('a project judged with swap and two samples while two humans label: every item ends with exactly its four judge labels', async () => {
    const items = pairwiseItems(12, (i) => ({ answer_a: `the good answer ${i}`, answer_b: `a weak one ${i}` }));
    const pid = await makeProject(s, { redundancy: 2, certainty: true }, items);
    const judge = await register(pid, { model: 'judge-model', swap: true, samples: 2, temperature: 0.7, concurrency: 4 });
    // The endpoint prefers "the good answer" wherever it is shown, with a certainty.
    mock.rule = (req) => verdict(req, shown(req).a.startsWith('the good') ? 'A' : 'B', 80);
    const token = await invite(s, pid);
    const humans = await Promise.all(['h1', 'h2'].map((w) => s.connect({ token, worker: w })));
    const [summary, ...humanCounts] = await Promise.all([worker(judge.token).run(), ...humans.map((h, i) => labelAll(h, `h${i}`))]);

    expect(summary).toMatchObject({ state: 'done', labels: 48, invalid: 0, errors: 0, progress: { done: 48, target: 48 } });
    expect(summary.tokens.prompt).toBeGreaterThan(0);
    expect(humanCounts.reduce((a, b) => a + b, 0)).toBe(24);
    const labels = judgeLabels(pid, judge.id);
    const slots = new Map<string, string[]>();
    for (const l of labels) slots.set(l.item, [...(slots.get(l.item) ?? []), `${l.shown_order}#${l.sample}`]);
    expect(slots.size).toBe(12);
    for (const v of slots.values()) expect(v.sort()).toEqual(['AB#0', 'AB#1', 'BA#0', 'BA#1']);
    // Stored in the canonical frame: the good answer is always answer_a.
    expect(labels.every((l) => l.value === 'A' && l.certainty === 80)).toBe(true);
    const meta = JSON.parse(labels[0]!.meta);
    expect(meta).toMatchObject({ template: 'pairwise', model: 'judge-model', structured: true, usage: { prompt_tokens: expect.any(Number) } });
    expect(meta.template_version).toMatch(/^[0-9a-f]{12}$/);
    expect(mock.requests[0]!.body).toMatchObject({ model: 'judge-model', temperature: 0.7, stream: false, response_format: { type: 'json_schema' } });

    const listed = await s.api('GET', `/api/projects/${pid}/judges`);
    expect(listed.body.judges[0]).toMatchObject({ state: 'done', progress: { done: 48, target: 48 }, invalid: 0, tokens: { prompt: summary.tokens.prompt } });
    const progress = await s.api('GET', `/api/projects/${pid}/progress`);
    expect(progress.body.labels).toEqual({ human: 24, llm: 48 });
  });

  test('baseline:first is pure position bias in the report: consistency 0, first-position rate 1', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(8));
    const judge = await register(pid, { model: 'baseline:first', swap: true });
    const summary = await worker(judge.token).run();
    expect(summary).toMatchObject({ state: 'done', labels: 16, tokens: { prompt: 0, completion: 0 } });
    expect(mock.requests).toHaveLength(0);
    const report = await s.api('GET', `/api/projects/${pid}/report`);
    const row = report.body.judges.find((j: { annotator: string }) => j.annotator === 'baseline:first');
    expect(row.swap).toMatchObject({ items: 8, consistency: 0, first_position_rate: 1 });
  });

  test('baseline:longest prefers the longer answer, as counted by hand', async () => {
    const items = pairwiseItems(9, (i) => ({ answer_a: 'x'.repeat(10 + (i % 3) * 5), answer_b: 'y'.repeat(15) }));
    const pid = await makeProject(s, { redundancy: 1 }, items);
    const judge = await register(pid, { model: 'baseline:longest' });
    expect((await worker(judge.token).run()).labels).toBe(9);
    const byHand = new Map(items.map((it) => [it.id, it.answer_a.length > it.answer_b.length ? 'A' : it.answer_b.length > it.answer_a.length ? 'B' : 'tie']));
    const labels = judgeLabels(pid, judge.id);
    expect(labels).toHaveLength(9);
    for (const l of labels) expect(l.value).toBe(byHand.get(l.item));
    const count = (v: string) => labels.filter((l) => l.value === v).length;
    expect([count('A'), count('B'), count('tie')]).toEqual([3, 3, 3]);
  });

  test('baseline:random is seeded: two judges with the same seed give the same labels', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(10));
    const a = await register(pid, { model: 'baseline:random', name: 'r1', seed: 7 });
    const b = await register(pid, { model: 'baseline:random', name: 'r2', seed: 7 });
    await worker(a.token).run();
    await worker(b.token).run();
    const values = (id: number) => Object.fromEntries(judgeLabels(pid, id).map((l) => [l.item, l.value]));
    expect(values(a.id)).toEqual(values(b.id));
  });
});
