/**
 * The judges panel in a real chromium: a judge added from the form against a keyless local endpoint runs (no API
 * key variable is asked for by default), an unreachable endpoint shows "error" and its reason (not "running"), and
 * a judge can be edited, archived, restored and deleted (the confirm names its label count).
 */
import net from 'node:net';
import type { Page } from 'playwright-core';
import { startMockOpenAI, verdict, type MockOpenAI } from '../helpers/mock-openai';
import { makeProject, ok, pairwiseItems } from '../helpers/server';
import { browserSuite, watchErrors } from './browser';

jest.setTimeout(120_000);

let mock: MockOpenAI;

beforeAll(async () => {
  // The server reads a keyless run's key from OPENAI_API_KEY when it is set: a local endpoint must work without it.
  delete process.env.OPENAI_API_KEY;
  mock = await startMockOpenAI((req) => verdict(req, 'A'));
});
afterAll(async () => {
  await mock?.close();
});
const suite = browserSuite({ context: { viewport: { width: 1280, height: 900 } } });

async function openJudges(pid: number): Promise<Page> {
  const page = await suite.ctx.newPage();
  await page.goto(`${suite.server.url}/projects/${pid}/judges?token=${suite.server.token}`);
  await page.getByRole('heading', { name: 'Judges', level: 2 }).waitFor();
  return page;
}

const row = (page: Page, name: string) => page.getByRole('table', { name: 'Judges' }).locator('tbody tr', { hasText: name });
const listed = async (pid: number) => (await suite.server.api('GET', `/api/projects/${pid}/judges`)).body.judges as Array<Record<string, any>>;

/** A port on this machine where nothing listens (bound, then closed). */
async function closedPort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const port = (srv.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => srv.close(() => resolve()));
  return port;
}

async function addModel(page: Page, model: string, baseUrl: string): Promise<void> {
  await page.getByLabel('Judge', { exact: true }).selectOption('llm');
  await page.getByLabel('Model', { exact: true }).fill(model);
  await page.getByLabel('API base URL (blank: OpenAI)').fill(baseUrl);
  await page.getByRole('button', { name: 'Add and start' }).click();
}

describe('judges panel', () => {
  test('a judge on a keyless local endpoint, added from the form, runs to done: no API key variable is filled in', async () => {
    const pid = await makeProject(suite.server, { name: 'Keyless', redundancy: 1 }, pairwiseItems(3));
    const page = await openJudges(pid);
    const errors = watchErrors(page);
    await page.getByLabel('Judge', { exact: true }).selectOption('llm');
    const key = page.getByLabel(/Environment variable with the API key/);
    expect(await key.inputValue()).toBe('');
    expect(await key.getAttribute('placeholder')).toBe('OPENAI_API_KEY');
    await addModel(page, 'llama3.1:8b', mock.url);
    await row(page, 'llama3.1:8b').getByTestId('judge-state').getByText('done', { exact: true }).waitFor({ timeout: 20_000 });
    await page.getByTestId('judge-banner').getByText(/llama3\.1:8b is done/).waitFor();
    expect((await listed(pid))[0]!.config).not.toHaveProperty('api_key_env');
    expect(errors).toEqual([]);
  });

  test('a judge whose endpoint cannot be reached shows "error" and the reason, not "running"', async () => {
    const pid = await makeProject(suite.server, { name: 'Unreachable', redundancy: 1 }, pairwiseItems(1));
    const page = await openJudges(pid);
    await addModel(page, 'nowhere-model', `http://127.0.0.1:${await closedPort()}/v1`);
    const r = row(page, 'nowhere-model');
    await r.getByTestId('judge-state').getByText('error', { exact: true }).waitFor({ timeout: 30_000 });
    const reason = (await listed(pid))[0]!.last_error as string;
    expect(reason).toMatch(/connect|connection|reach|ECONNREFUSED/i);
    const banner = page.getByRole('status');
    expect(await banner.textContent()).not.toMatch(/running/);
    await banner.getByText(/nowhere-model ended in error/).waitFor();
    expect(await banner.textContent()).toContain(reason);
    expect(await r.getByTestId('judge-error').textContent()).toBe(reason);
    await expect(r.getByRole('button', { name: 'Start' }).isVisible()).resolves.toBe(true);
  });

  test('a judge is edited, archived and restored from the panel', async () => {
    const pid = await makeProject(suite.server, { name: 'Edit me' }, pairwiseItems(2));
    const j = (await suite.server.api('POST', `/api/projects/${pid}/judges`, { model: 'gpt-4o', base_url: 'http://127.0.0.1:9/v1', api_key_env: 'OPENAI_API_KEY' })).body;
    const page = await openJudges(pid);
    const errors = watchErrors(page);
    await row(page, 'gpt-4o').getByRole('button', { name: 'Edit gpt-4o' }).click();
    const form = page.getByRole('form', { name: 'Edit judge' });
    await form.getByLabel('Name', { exact: true }).fill('gpt-4o-mini');
    await form.getByLabel('Model', { exact: true }).fill('gpt-4o-mini');
    await form.getByLabel(/Environment variable with the API key/).fill('');
    await form.getByLabel('Temperature').fill('0');
    await form.getByRole('button', { name: 'Save' }).click();
    await row(page, 'gpt-4o-mini').waitFor();
    expect(await form.count()).toBe(0);
    const [edited] = await listed(pid);
    expect(edited).toMatchObject({ id: j.id, name: 'gpt-4o-mini', config: { model: 'gpt-4o-mini', temperature: 0, base_url: 'http://127.0.0.1:9/v1' } });
    expect(edited!.config).not.toHaveProperty('api_key_env');

    await row(page, 'gpt-4o-mini').getByRole('button', { name: 'Archive gpt-4o-mini' }).click();
    await row(page, 'gpt-4o-mini').getByTestId('judge-state').getByText('archived').waitFor();
    expect((await listed(pid))[0]).toMatchObject({ archived: true });
    await row(page, 'gpt-4o-mini').getByRole('button', { name: 'Restore' }).click();
    await row(page, 'gpt-4o-mini').getByRole('button', { name: 'Start' }).waitFor();
    expect((await listed(pid))[0]).toMatchObject({ archived: false });
    expect(errors).toEqual([]);
  });

  test('deleting a judge with labels asks first, naming how many labels go with it', async () => {
    const pid = await makeProject(suite.server, { name: 'Delete me', redundancy: 1 }, pairwiseItems(3));
    const j = (await suite.server.api('POST', `/api/projects/${pid}/judges`, { model: 'wrong-judge', swap: true })).body;
    const sock = await suite.server.connect({ token: j.token });
    for (let t = await ok(sock, 'task:next', {}); t; t = await ok(sock, 'task:next', {}))
      await ok(sock, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: `c-${t.leaseId}` });
    sock.disconnect();
    const page = await openJudges(pid);
    const r = row(page, 'wrong-judge');
    await r.waitFor();

    let asked = '';
    page.once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await r.getByRole('button', { name: 'Delete wrong-judge' }).click();
    expect(asked).toMatch(/wrong-judge and its 6 labels/);
    expect(await listed(pid)).toHaveLength(1);

    page.once('dialog', (d) => void d.accept());
    await r.getByRole('button', { name: 'Delete wrong-judge' }).click();
    await r.waitFor({ state: 'detached' });
    await page.getByTestId('judge-banner').getByText('wrong-judge was deleted.').waitFor();
    expect(await listed(pid)).toEqual([]);
    expect((suite.server.db.prepare('SELECT COUNT(*) AS n FROM labels WHERE project_id = ?').get(pid) as { n: number }).n).toBe(0);
  });
});
