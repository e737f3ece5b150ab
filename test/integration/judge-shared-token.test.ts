/**
 * Workers sharing one judge token (a fleet: issue 14, part 3). A task handed to a lane that is still connected is
 * that lane's: another connection with the same token gets a new task, not a copy of it, so no model call is
 * wasted; once the connection holding it closes, the task goes to whoever asks next.
 */
import type { Task } from '../../shared/protocol';
import { JudgeWorker } from '../../judge-worker/worker';
import { closeServerAndModel, startServerAndModel, until } from '../helpers/judges';
import { verdict, type MockOpenAI } from '../helpers/mock-openai';
import { makeProject, ok, pairwiseItems, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

async function register(projectId: number, body: Record<string, unknown>): Promise<{ id: number; token: string }> {
  const r = await s.api('POST', `/api/projects/${projectId}/judges`, body);
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body;
}

describe('workers sharing a judge token', () => {
  test("a second connection is handed new tasks while the first is open, and the first's tasks once it closes", async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(6));
    const judge = await register(pid, { model: 'judge-model', concurrency: 4 });
    const a = await s.connect({ token: judge.token });
    const b = await s.connect({ token: judge.token });
    const held = [await ok<Task>(a, 'task:next'), await ok<Task>(a, 'task:next')];
    const other = await ok<Task>(b, 'task:next');
    expect(held.map((t) => t.leaseId)).not.toContain(other.leaseId);
    expect(held.map((t) => t.item.id)).not.toContain(other.item.id);

    a.disconnect();
    // The server learns of the close a moment later; until then b is still handed fresh items.
    const back = (await until(() => ok<Task | null>(b, 'task:next'), (t) => t !== null && held.some((h) => h.leaseId === t.leaseId)))!;
    expect(held.map((t) => t.item.id)).toContain(back.item.id);
    // Reconnecting with the same token is how a restarted worker gets its tasks back: the other one is handed too.
    const c = await s.connect({ token: judge.token });
    const rest = await ok<Task>(c, 'task:next');
    expect(held.map((t) => t.leaseId)).toContain(rest.leaseId);
    expect(rest.leaseId).not.toBe(back.leaseId);
  });

  test('three workers on one token judge every task exactly once: one model call per stored label', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(40));
    const judge = await register(pid, { model: 'judge-model', swap: true, concurrency: 4 });
    mock.rule = (req) => verdict(req, 'A', 70);
    const workers = [1, 2, 3].map(() => new JudgeWorker({ server: s.url, token: judge.token, baseUrl: mock.url, statusEveryMs: 50 }));
    const summaries = await Promise.all(workers.map((w) => w.run()));

    const stored = s.db.prepare('SELECT count(*) AS n, count(DISTINCT item_id || slot) AS distinct_slots FROM labels WHERE annotator_id = ?').get(judge.id) as { n: number; distinct_slots: number };
    expect(stored).toEqual({ n: 80, distinct_slots: 80 });
    expect(summaries.reduce((n, r) => n + r.labels, 0)).toBe(80);
    expect(mock.requests).toHaveLength(80);
  });
});
