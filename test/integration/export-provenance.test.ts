import { parse } from 'csv-parse/sync';
import type { Task } from '../../shared/protocol';
import { JudgeWorker } from '../../judge-worker/worker';
import { closeServerAndModel, startServerAndModel } from '../helpers/judges';
import { verdict, type MockOpenAI } from '../helpers/mock-openai';
import { makeProject, ok, pairwiseItems, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

const get = async (route: string) => {
  const res = await fetch(s.url + route, { headers: { authorization: `Bearer ${s.token}` } });
  return res.text();
};
const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

/** Two items: a human from a Prolific join link labels one; a judge with swap judges both in both orders. */
async function project(): Promise<{ pid: number; inviteId: number }> {
  const pid = await makeProject(s, { redundancy: 1, rationale: 'optional' }, pairwiseItems(2));
  const inv = (await s.api('POST', `/api/projects/${pid}/invites`, { label: 'prolific' })).body;
  const human = await s.connect({ token: inv.token, worker: 'PID123', study: 'STUDY9', session: 'SESS7' });
  // The join link, its study and its session are stored with the label at submit.
  const t = await ok<Task | null>(human, 'task:next');
  await ok(human, 'label:submit', { leaseId: t!.leaseId, value: 'A', rationale: 'clearer', clientLabelId: 'h1' });
  const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'gpt-test', swap: true })).body as { token: string };
  mock.rule = (req) => verdict(req, 'A', 70);
  const summary = await new JudgeWorker({ server: s.url, token: judge.token, baseUrl: mock.url, statusEveryMs: 50 }).run();
  expect(summary).toMatchObject({ state: 'done', labels: 4 });
  return { pid, inviteId: inv.id as number };
}

describe('labels export provenance', () => {
  test('a judge label in JSONL carries its model, template and version, order, sample, raw output, tokens and latency', async () => {
    const { pid } = await project();
    const labels = lines(await get(`/api/projects/${pid}/export?kind=labels`));
    const judged = labels.filter((l) => l.kind === 'llm');
    expect(judged).toHaveLength(4);
    expect(judged.map((l) => `${String(l.order)}#${String(l.sample)}`).sort()).toEqual(['AB#0', 'AB#0', 'BA#0', 'BA#0']);
    for (const l of judged) {
      expect(l).toMatchObject({ annotator: 'gpt-test', model: 'gpt-test', template: 'pairwise', excluded: false, invite_id: null, study_id: null, session_id: null });
      expect(l.template_version).toMatch(/^[0-9a-f]{12}$/);
      expect(JSON.parse(l.raw_output as string)).toMatchObject({ verdict: expect.any(String) });
      expect(l.prompt_tokens).toEqual(expect.any(Number));
      expect(l.prompt_tokens).toBeGreaterThan(0);
      expect(l.completion_tokens).toEqual(expect.any(Number));
      expect(l.latency_ms).toEqual(expect.any(Number));
    }
  });

  test('a human label in JSONL carries its join link and the crowd platform study and session, and no model fields', async () => {
    const { pid, inviteId } = await project();
    const human = lines(await get(`/api/projects/${pid}/export?kind=labels`)).filter((l) => l.kind === 'human');
    expect(human).toEqual([
      expect.objectContaining({
        annotator: 'PID123',
        rationale: 'clearer',
        invite_id: inviteId,
        study_id: 'STUDY9',
        session_id: 'SESS7',
        excluded: false,
        model: null,
        template: null,
        template_version: null,
        raw_output: null,
        prompt_tokens: null,
        completion_tokens: null,
        latency_ms: null,
      }),
    ]);
  });

  test('the labels CSV has one flat column for each provenance field, for both kinds', async () => {
    const { pid, inviteId } = await project();
    const rows = parse(await get(`/api/projects/${pid}/export?kind=labels&format=csv`), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual([
      'item', 'annotator', 'kind', 'value', 'certainty', 'rationale', 'order', 'sample', 'seconds', 'created_at',
      'excluded', 'model', 'template', 'template_version', 'raw_output', 'prompt_tokens', 'completion_tokens', 'latency_ms',
      'invite_id', 'study_id', 'session_id',
    ]);
    const human = rows.find((r) => r.kind === 'human')!;
    expect(human).toMatchObject({ invite_id: String(inviteId), study_id: 'STUDY9', session_id: 'SESS7', model: '', raw_output: '', excluded: 'false' });
    const judged = rows.filter((r) => r.kind === 'llm');
    expect(judged).toHaveLength(4);
    for (const r of judged) {
      expect(r).toMatchObject({ model: 'gpt-test', template: 'pairwise', invite_id: '', study_id: '', excluded: 'false' });
      expect(r.template_version).toMatch(/^[0-9a-f]{12}$/);
      expect(Number(r.prompt_tokens)).toBeGreaterThan(0);
      expect(Number.isInteger(Number(r.latency_ms))).toBe(true);
      expect(JSON.parse(r.raw_output!)).toMatchObject({ verdict: expect.any(String) });
    }
  });

  test('both formats with provenance still re-import as the same labels', async () => {
    const { pid } = await project();
    const exported = lines(await get(`/api/projects/${pid}/export?kind=labels`));
    for (const format of ['jsonl', 'csv'] as const) {
      const body = await get(`/api/projects/${pid}/export?kind=labels&format=${format}`);
      const copy = await makeProject(s, {}, pairwiseItems(2));
      const r = await s.api('POST', `/api/projects/${copy}/labels`, body, { type: format === 'csv' ? 'text/csv' : 'application/x-ndjson' });
      expect(r.body).toEqual({ imported: 5 });
      const again = lines(await get(`/api/projects/${copy}/export?kind=labels`));
      const core = (l: Record<string, unknown>) => [l.item, l.annotator, l.kind, l.value, l.certainty, l.rationale, l.order, l.sample];
      expect(again.map(core)).toEqual(exported.map(core));
    }
  });
});
