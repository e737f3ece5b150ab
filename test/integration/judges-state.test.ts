/**
 * What `GET /api/projects/:id/judges` says about a judge's run is what happened to it: running while it runs, then
 * done, stopped or error with the last error; never "running" for a run that has ended.
 */
import { closedPort, closeServerAndModel, listedJudge, startServerAndModel, until } from '../helpers/judges';
import { verdict, type MockOpenAI } from '../helpers/mock-openai';
import { makeProject, pairwiseItems, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

const ended = (j: Record<string, any>) => j.state !== 'running';

describe('GET /api/projects/:id/judges: the state of a judge\'s run', () => {
  test('a run whose endpoint refuses the key (401) is listed as error with the endpoint\'s message, not running', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(3));
    const j = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm', base_url: mock.url })).body;
    mock.rule = () => ({ status: 401, error: { message: 'Incorrect API key provided', type: 'invalid_request_error', code: 'invalid_api_key' } });
    expect((await s.api('POST', `/api/projects/${pid}/judges/${j.id}/run`)).status).toBe(202);
    const row = await until(() => listedJudge(s, pid, j.id), ended);
    expect(row.state).toBe('error');
    expect(row.last_error).toMatch(/401/);
    expect(row.last_error).toMatch(/Incorrect API key provided/);
    expect(row.run).toMatchObject({ in_server: true, connected: false, labels: 0 });
  });

  test('a run whose endpoint cannot be reached (closed port) is listed as error with the reason', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(1));
    const port = await closedPort();
    const j = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm', base_url: `http://127.0.0.1:${port}/v1`, concurrency: 1 })).body;
    expect((await s.api('POST', `/api/projects/${pid}/judges/${j.id}/run`)).status).toBe(202);
    const row = await until(() => listedJudge(s, pid, j.id), ended);
    expect(row.state).toBe('error');
    expect(row.last_error).toMatch(/connect|connection|reach|ECONNREFUSED/i);
    expect(row.run).toMatchObject({ labels: 0, errors: 1 });
  }, 20_000);

  test('a run that labelled everything is listed as done; a run stopped by the researcher as stopped', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(2));
    const fast = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'fast', base_url: mock.url })).body;
    const slow = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'slow', base_url: mock.url })).body;
    mock.rule = (req) => (req.body.model === 'slow' ? { hang: true } : verdict(req, 'A'));
    await s.api('POST', `/api/projects/${pid}/judges/${fast.id}/run`);
    expect(await until(() => listedJudge(s, pid, fast.id), ended)).toMatchObject({ state: 'done', last_error: null, progress: { done: 2, target: 2 } });

    await s.api('POST', `/api/projects/${pid}/judges/${slow.id}/run`);
    await until(() => Promise.resolve(mock.requests.filter((r) => r.body.model === 'slow').length), (n) => n > 0);
    expect((await listedJudge(s, pid, slow.id)).state).toBe('running');
    const stopped = await s.api('DELETE', `/api/projects/${pid}/judges/${slow.id}/run`);
    expect(stopped.body.state).toBe('stopped');
    expect((await listedJudge(s, pid, slow.id)).state).toBe('stopped');
  });

  test('a judge that has never run is idle', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(1));
    const j = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm', base_url: mock.url })).body;
    expect(await listedJudge(s, pid, j.id)).toMatchObject({ state: 'idle', last_error: null, run: null });
  });
});
