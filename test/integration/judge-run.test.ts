import { closeServerAndModel, concord, listedJudge, startServerAndModel, until } from '../helpers/judges';
import { verdict, type MockOpenAI } from '../helpers/mock-openai';
import { makeProject, pairwiseItems, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

const llmLabels = (pid: number) => (s.db.prepare("SELECT COUNT(*) AS n FROM labels WHERE project_id = ? AND source = 'live'").get(pid) as { n: number }).n;

describe('judge runs inside the server (API)', () => {
  test('POST …/run judges the whole project through the socket protocol and GET …/judges shows it done with its tokens and cost', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(10));
    const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'in-server', base_url: mock.url, swap: true, price: { input: 2, output: 10 } })).body;
    mock.rule = (req) => verdict(req, 'A');
    const started = await s.api('POST', `/api/projects/${pid}/judges/${judge.id}/run`);
    expect(started.status).toBe(202);
    expect(started.body.state).toBe('running');
    const again = await s.api('POST', `/api/projects/${pid}/judges/${judge.id}/run`);
    expect([202, 409]).toContain(again.status); // 409 while it runs; 202 if it had already finished

    const row = await until(() => listedJudge(s, pid, judge.id), (j) => j.state === 'done');
    expect(row).toMatchObject({ progress: { done: 20, target: 20 }, last_error: null, invalid: 0, run: { in_server: true, labels: 20 } });
    expect(row.tokens.prompt).toBeGreaterThan(0);
    expect(row.cost).toBeCloseTo((row.tokens.prompt * 2 + row.tokens.completion * 10) / 1e6, 10);
    expect(llmLabels(pid)).toBe(20);
  });

  test('DELETE …/run stops a run: the tasks in flight are released, nothing half-done is stored', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(10));
    const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'slow', base_url: mock.url, concurrency: 4 })).body;
    mock.rule = () => ({ hang: true });
    await s.api('POST', `/api/projects/${pid}/judges/${judge.id}/run`);
    await until(() => Promise.resolve(mock.requests.length), (n) => n >= 4);
    // Four lanes, each judging one task and holding its next one.
    await until(async () => (await s.api('GET', `/api/projects/${pid}/progress`)).body.leases.llm as number, (n) => n === 8);
    expect(mock.requests).toHaveLength(4);

    const stopped = await s.api('DELETE', `/api/projects/${pid}/judges/${judge.id}/run`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('stopped');
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.leases.llm).toBe(0);
    expect(llmLabels(pid)).toBe(0);
    expect((await s.api('DELETE', `/api/projects/${pid}/judges/${judge.id}/run`)).status).toBe(404);
    expect((await s.api('POST', `/api/projects/${pid}/judges/999/run`)).status).toBe(404);
  });

  test('an in-server run of a judge whose API key variable is missing ends in error, with the reason listed', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(2));
    const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'keyed', base_url: mock.url, api_key_env: 'CONCORD_TEST_NO_SUCH_API_KEY' })).body;
    await s.api('POST', `/api/projects/${pid}/judges/${judge.id}/run`);
    const row = await until(() => listedJudge(s, pid, judge.id), (j) => j.state === 'error');
    expect(row.last_error).toMatch(/CONCORD_TEST_NO_SUCH_API_KEY is not set/);
    expect(mock.requests).toHaveLength(0);
  });
});

test('a judge cannot be pointed at a server secret that is not an API key', async () => {
  const pid = await makeProject(s, {}, pairwiseItems(1));
  const r = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm', base_url: mock.url, api_key_env: 'AWS_SECRET_ACCESS_KEY' });
  expect(r.status).toBe(400);
  expect(r.body.error.details[0]).toMatchObject({ field: 'api_key_env', message: expect.stringContaining('_API_KEY') });
});

describe('concord judge (CLI)', () => {
  test('one step: registers the judge, labels the project with swap and 2 samples, exits 0 with the summary, and the server lists it done', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(5));
    mock.rule = (req) => verdict(req, req.n % 2 === 0 ? 'A' : 'B');
    const r = await concord(
      ['judge', '--server', s.url, '--project', String(pid), '--admin-token', s.token, '--model', 'cli-model', '--base-url', mock.url, '--api-key-env', 'MOCK_API_KEY', '--swap', '--samples', '2', '--temperature', '0.5', '--concurrency', '4', '--json'],
      { MOCK_API_KEY: 'sk-test-123' },
    );
    expect(r.stderr).toMatch(/Registered judge "cli-model"/);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ state: 'done', labels: 20, invalid: 0, errors: 0, judge: { name: 'cli-model' } });
    expect(mock.requests[0]!.headers.authorization).toBe('Bearer sk-test-123');
    expect(mock.requests[0]!.body.temperature).toBe(0.5);
    expect(llmLabels(pid)).toBe(20);
    const listed = (await s.api('GET', `/api/projects/${pid}/judges`)).body.judges[0];
    expect(listed).toMatchObject({ state: 'done', run: { in_server: false, labels: 20 } });
  }, 30_000);

  test('with a judge token and a bad server token, it says why and exits 1', async () => {
    const r = await concord(['judge', '--server', s.url, '--token', 'cjdg_not-a-real-token']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/refused the connection: This token is not valid/);
  }, 30_000);
});
