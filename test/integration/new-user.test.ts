/**
 * What a new user trips over: the CLI's help never shows a secret, `--version` answers, `concord judge` exits
 * non-zero naming the URL it could not reach when a run ends in error, and a route asked for without its `/api`
 * prefix is answered with the path it should have had.
 */
import fs from 'node:fs';
import path from 'node:path';
import { closedPort, concord } from '../helpers/judges';
import { startMockOpenAI, type MockOpenAI } from '../helpers/mock-openai';
import { makeProject, pairwiseItems, startServer, type TestServer } from '../helpers/server';

const SECRET = 'cadm_RECOGNISABLE-admin-secret-4242';

describe('concord --help and --version', () => {
  const commands = [[], ['serve'], ['import'], ['report'], ['export'], ['judge']];

  test.each(commands.map((c) => [c.join(' ') || '(top level)', c]))('%s --help never prints the admin token, and says where it comes from', async (_name, cmd) => {
    const r = await concord([...(cmd as string[]), '--help'], { CONCORD_ADMIN_TOKEN: SECRET });
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
    expect(r.stdout + r.stderr).not.toContain('RECOGNISABLE');
    if (['import', 'report', 'export', 'judge'].includes((cmd as string[])[0] ?? '')) expect(r.stdout).toMatch(/env:\s+CONCORD_ADMIN_TOKEN/);
  }, 30_000);

  test('--version prints the version in package.json', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
    const r = await concord(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  }, 30_000);
});

describe('concord judge when the run ends in error', () => {
  let s: TestServer;
  let mock: MockOpenAI;
  beforeAll(async () => {
    [s, mock] = await Promise.all([startServer(), startMockOpenAI()]);
  });
  afterAll(async () => {
    await Promise.all([s.close(), mock.close()]);
  });

  test('a model endpoint answering 500 to every request: exits non-zero and names the endpoint', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(3));
    mock.rule = () => ({ status: 500, error: { message: 'model crashed' } });
    const r = await concord(['judge', '--server', s.url, '--project', String(pid), '--admin-token', s.token, '--model', 'broken', '--base-url', mock.url, '--max-tries', '1', '--timeout', '5']);
    expect(r.stdout).toMatch(/: error\./); // the summary still says what happened
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(mock.url);
    expect(r.stderr).toMatch(/model crashed/);
  }, 60_000);

  test('a model endpoint on a closed port: exits non-zero and names it', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(2));
    const url = `http://127.0.0.1:${await closedPort()}/v1`;
    const r = await concord(['judge', '--server', s.url, '--project', String(pid), '--admin-token', s.token, '--model', 'nowhere', '--base-url', url, '--max-tries', '1', '--timeout', '5']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(url);
  }, 60_000);

  test('a Concord server on a closed port: exits non-zero and names it', async () => {
    const url = `http://127.0.0.1:${await closedPort()}`;
    const r = await concord(['judge', '--server', url, '--token', 'cjdg_whatever-token-here']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Cannot reach the Concord server at ${url}`);
  }, 60_000);
});

describe('a route asked for without its /api prefix', () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startServer();
  });
  afterAll(async () => {
    await s.close();
  });

  test('GET /projects answers 404 naming what was asked and pointing at /api/projects', async () => {
    const r = await fetch(`${s.url}/projects`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(r.status).toBe(404);
    const body = (await r.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('not-found');
    expect(body.error.message).toContain('GET /projects');
    expect(body.error.message).toContain('/api/projects');
  });

  test('POST /projects/1/items and GET /projects/1/report point at their /api routes too', async () => {
    const post = await fetch(`${s.url}/projects/1/items`, { method: 'POST', headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/x-ndjson' }, body: '{}\n' });
    expect(post.status).toBe(404);
    expect(((await post.json()) as { error: { message: string } }).error.message).toContain('POST /api/projects/1/items');
    const get = await fetch(`${s.url}/projects/1/report`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as { error: { message: string } }).error.message).toContain('/api/projects/1/report');
  });

  test('a path that is no API route either gets no such hint, and the browser app still opens on /projects/:id', async () => {
    const r = await fetch(`${s.url}/nothing-here`, { method: 'POST' });
    expect(r.status).toBe(404);
    expect(((await r.json()) as { error: { message: string } }).error.message).not.toContain('/api');
    const page = await fetch(`${s.url}/projects/1`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
  });
});
