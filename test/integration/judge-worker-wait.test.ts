/**
 * The judge worker (judge-worker/worker.ts) in an escalation cascade (issue 13, part 2): a later judge has nothing
 * to take until the judge before it escalates items, and the server says so with `session:get`'s `waiting`. The
 * worker must wait and ask again rather than end its run, finish once nothing more can come, and stop at once when
 * told to while it waits. Real parts: the server on a free port, its in-server runs (the same worker code as
 * `concord judge`), the mock OpenAI-compatible endpoint, a human on a real socket.
 */
import type { SessionInfo, Task } from '../../shared/protocol';
import { inCalibration, type RoutingState } from '../../shared/routing';
import { closeServerAndModel, listedJudge, startServerAndModel, until } from '../helpers/judges';
import { shown, verdict, type MockOpenAI, type MockRequest } from '../helpers/mock-openai';
import { call, makeProject, ok, pairwiseItems, type Client, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

// Enough calibration items that the second judge, calibrated on those the first did not decide (about a third), has 30.
const ITEMS = 240;
const SHARE = 0.5;
const number = (ext: string) => Number(ext.slice(1));
/** Item qN's better answer. */
const truth = (n: number): 'A' | 'B' => (n % 2 === 0 ? 'B' : 'A');
/** The first judge is sure and right except on every third item, where it is unsure (60) and wrong. */
const firstUnsure = (n: number) => n % 3 === 0;
const itemOf = (req: MockRequest) => Number(/Question (\d+)\?/.exec(shown(req).question)?.[1]);

/**
 * Judge "first" answers as {@link firstUnsure} says; judge "second" is always sure and right. With the human right
 * on every calibration item, "first"'s threshold can only be certified at 99 (its 60s are all wrong), so it escalates
 * exactly its unsure items outside the calibration share.
 */
function answer(req: MockRequest) {
  const n = itemOf(req);
  if (!Number.isInteger(n)) throw new Error(`no item number in the prompt: ${shown(req).question}`);
  // The better answer as the judge was shown it (the server may show a pair in either order).
  const better = truth(n) === 'A' ? 'first answer' : 'second answer';
  const right = shown(req).a.startsWith(better) ? 'A' : 'B';
  if (req.body.model === 'model-first' && firstUnsure(n)) return verdict(req, right === 'A' ? 'B' : 'A', 60);
  return verdict(req, right, 99);
}

/** A human who answers every item right (as shown), until nothing is left and the server says nothing more will come. */
async function human(c: Client): Promise<number> {
  let n = 0;
  for (;;) {
    const t = await ok<Task | null>(c, 'task:next');
    if (t === null) {
      if (!(await ok<SessionInfo>(c, 'session:get')).waiting) return n;
      await new Promise((r) => setTimeout(r, 20));
      continue;
    }
    // A task shown BA has its answers swapped on screen: the better one is then on the other side.
    const right = truth(number(t.item.id));
    const value = t.order === 'BA' ? (right === 'A' ? 'B' : 'A') : right;
    const r = await call(c, 'label:submit', { leaseId: t.leaseId, value, certainty: 80, clientLabelId: `h${n}` });
    if (!r.ok) throw new Error(`label:submit: ${r.error.message}`);
    n++;
  }
}

/** A pairwise project with certainty, two judges on the mock model, escalating through them in that order. */
async function cascade(): Promise<{ pid: number; first: number; second: number; calibration: Set<string> }> {
  const pid = await makeProject(s, { certainty: { min: 1, max: 100 }, redundancy: 1 }, pairwiseItems(ITEMS));
  const register = async (name: string) => (await s.api('POST', `/api/projects/${pid}/judges`, { name, model: `model-${name}`, base_url: mock.url, concurrency: 4 })).body.id as number;
  const first = await register('first');
  const second = await register('second');
  const set = await s.api('PATCH', `/api/projects/${pid}`, { routing: { mode: 'escalate', judges: [first, second], calibration: SHARE } });
  expect(set.status).toBe(200);
  const items = s.db.prepare('SELECT id, external_id AS ext FROM items WHERE project_id = ?').all(pid) as Array<{ id: number; ext: string }>;
  const calibration = new Set(items.filter((i) => inCalibration(pid, i.id, SHARE)).map((i) => i.ext));
  return { pid, first, second, calibration };
}

const labelledBy = (pid: number, judge: number) =>
  new Set((s.db.prepare('SELECT i.external_id AS ext FROM labels l JOIN items i ON i.id = l.item_id WHERE l.project_id = ? AND l.annotator_id = ?').all(pid, judge) as Array<{ ext: string }>).map((r) => r.ext));

const routingOf = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/progress`)).body.routing as RoutingState;

describe('judge worker in an escalation cascade', () => {
  test('the second judge, started first, waits for the first instead of ending its run, then labels exactly the calibration items and what the first escalated', async () => {
    mock.rule = answer;
    const { pid, first, second, calibration } = await cascade();
    // "first" is certified on its sure calibration verdicts: the minimum it needs (the report's min_items, 30).
    expect([...calibration].filter((e) => !firstUnsure(number(e))).length).toBeGreaterThanOrEqual(30);
    // "second" on the rest, the calibration items "first" leaves (as the authors' cascade calibrates): 30 or more too.
    expect([...calibration].filter((e) => firstUnsure(number(e))).length).toBeGreaterThanOrEqual(30);

    expect((await s.api('POST', `/api/projects/${pid}/judges/${second}/run`)).status).toBe(202);
    // It gets the calibration items at once, then nothing until "first" has judged: it waits, still running.
    await until(() => Promise.resolve(labelledBy(pid, second).size), (n) => n === calibration.size);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await listedJudge(s, pid, second)).toMatchObject({ state: 'running' });
    expect(labelledBy(pid, second)).toEqual(calibration);

    const inv = (await s.api('POST', `/api/projects/${pid}/invites`, {})).body.token as string;
    const person = s.connect({ token: inv, worker: 'w1' }).then(human);
    expect((await s.api('POST', `/api/projects/${pid}/judges/${first}/run`)).status).toBe(202);

    const done = await until(() => listedJudge(s, pid, second), (j) => j.state !== 'running', 1500);
    expect(done).toMatchObject({ state: 'done', last_error: null });
    expect(await until(() => listedJudge(s, pid, first), (j) => j.state !== 'running', 1500)).toMatchObject({ state: 'done' });
    expect(await person).toBe(calibration.size);

    const escalated = pairwiseItems(ITEMS)
      .map((i) => i.id)
      .filter((e) => !calibration.has(e) && firstUnsure(number(e)));
    expect(escalated.length).toBeGreaterThan(0);
    expect(labelledBy(pid, second)).toEqual(new Set([...calibration, ...escalated]));
    expect(labelledBy(pid, first).size).toBe(ITEMS);
    const routing = await routingOf(pid);
    expect(routing.judges.map((j) => j.threshold)).toEqual([99, 99]);
    expect(routing.items).toEqual({ judges: ITEMS - calibration.size, humans: calibration.size, pending: 0 });
  });

  test('stopping an in-server run while it waits ends it at once, not after its pause', async () => {
    mock.rule = answer;
    const { pid, second, calibration } = await cascade();
    await s.api('POST', `/api/projects/${pid}/judges/${second}/run`);
    await until(() => Promise.resolve(labelledBy(pid, second).size), (n) => n === calibration.size);
    // Waiting since then: pauses of 250, 500, 1000 ms, then 2 s from 1.75 s on; 2.2 s in, the pause has ≥ 1.5 s to go.
    await new Promise((r) => setTimeout(r, 2200));
    expect(await listedJudge(s, pid, second)).toMatchObject({ state: 'running' });
    const t = Date.now();
    const stopped = await s.api('DELETE', `/api/projects/${pid}/judges/${second}/run`);
    expect(Date.now() - t).toBeLessThan(1000);
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('stopped');
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.leases.llm).toBe(0);
  });
});
