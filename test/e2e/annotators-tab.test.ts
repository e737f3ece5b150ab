/**
 * Quality that acts, in the browser: the annotator page tells a human stopped by the gold-check bar kindly and
 * shows no further task; the dashboard's Annotators tab lists everyone with gold checks and state, and blocks,
 * unblocks, includes and excludes by keyboard; the Progress tab shows gold checks only when they are served.
 */
import type { Page } from 'playwright-core';
import type { Task } from '../../shared/protocol';
import type { AnnotatorList } from '../../shared/views';
import { invite, makeProject, ok, pairwiseItems } from '../helpers/server';
import { browserSuite, fieldError, watchErrors } from './browser';

jest.setTimeout(120_000);

declare const document: any;

const suite = browserSuite();

const KIND_MESSAGE = 'Thank you for your work. This study needs answers that match its checks more closely, so there are no more tasks for you.';

/** Gold items with a `tie` gold (any A or B is wrong, whatever order they are shown in), then ordinary items. */
const items = (gold: number, plain: number) => pairwiseItems(gold + plain, (i) => (i < gold ? { gold: 'tie' } : {}));

async function openDashboard(route: string): Promise<Page> {
  const page = await suite.ctx.newPage();
  await page.goto(`${suite.server.url}${route}?token=${suite.server.token}`);
  return page;
}

/** Presses Tab until the element with this accessible label has focus (proves it is reachable by keyboard). */
async function tabTo(page: Page, label: string): Promise<void> {
  for (let i = 0; i < 60; i++) {
    await page.keyboard.press('Tab');
    if ((await page.evaluate(() => document.activeElement?.getAttribute('aria-label'))) === label) return;
  }
  throw new Error(`${label} was never reached with Tab`);
}

const row = (page: Page, name: string) => page.locator(`tr[data-annotator="${name}"]`);

describe('quality that acts', () => {
  test('an annotator who fails the gold checks is told kindly on the page, and the Annotators tab blocks, unblocks and includes by keyboard', async () => {
    const pid = await makeProject(
      suite.server,
      { name: 'Internal: kindness v2', public_title: 'Which reply is kinder?', redundancy: 3, gold_rate: 1, completion_code: 'PAID-1', qualification: { min_checks: 1, min_accuracy: 0.5, completion_code: 'withhold' } },
      items(3, 3),
    );
    const token = await invite(suite.server, pid);

    // A steady annotator over the socket: the gold checks right (tie), then one ordinary item.
    const steady = await suite.server.connect({ token, worker: 'steady' });
    for (let i = 0; i < 4; i++) {
      const t = (await ok<Task>(steady, 'task:next'))!;
      await ok(steady, 'label:submit', { leaseId: t.leaseId, value: Number(t.item.id.slice(1)) <= 3 ? 'tie' : 'A', clientLabelId: `st-${i}` });
    }

    // A careless annotator in the browser answers the first gold check wrong and is stopped at once.
    const page = await suite.ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${suite.server.url}/join/${token}?worker=careless`);
    await page.getByRole('heading', { name: 'Which reply is kinder?' }).waitFor();
    expect(await page.content()).not.toContain('Internal: kindness v2');
    await page.keyboard.press('Enter');
    await page.locator('article.task').waitFor();
    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    await page.getByTestId('blocked-message').waitFor();
    expect(await page.getByTestId('blocked-message').textContent()).toBe(KIND_MESSAGE);
    expect(await page.locator('article.task').count()).toBe(0);
    expect(await page.getByTestId('completion-code').count()).toBe(0);
    expect(await page.getByRole('button', { name: 'Check again for tasks' }).count()).toBe(0);
    expect(errors).toEqual([]);

    // The researcher's Annotators tab.
    const dash = await openDashboard(`/projects/${pid}/annotators`);
    await dash.getByRole('heading', { name: 'Annotators' }).waitFor();
    await row(dash, 'careless').waitFor();
    const cells = async (name: string) => (await row(dash, name).locator('td').allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    expect(await cells('careless')).toEqual(['careless', 'human', '1', '1', '0%', 'stopped by the qualification bar', 'left out', 'Unblock Include']);
    expect(await cells('steady')).toEqual(['steady', 'human', '4', '3', '100%', 'active', 'included', 'Block Exclude']);

    const view = async (name: string) =>
      (await suite.server.api<AnnotatorList>('GET', `/api/projects/${pid}/annotators`)).body.annotators.find((a) => a.name === name)!;

    // Block steady by keyboard alone: they are served nothing more.
    await tabTo(dash, 'Block steady');
    await dash.keyboard.press('Enter');
    await row(dash, 'steady').locator('td[data-testid="state"]', { hasText: 'blocked' }).waitFor();
    expect(await view('steady')).toMatchObject({ blocked: true, blocked_reason: 'researcher', excluded: true });
    expect((await ok(steady, 'session:get')).blocked).toBe('researcher');

    await tabTo(dash, 'Unblock steady');
    await dash.keyboard.press('Enter');
    await row(dash, 'steady').locator('td[data-testid="state"]', { hasText: 'active' }).waitFor();
    expect(await view('steady')).toMatchObject({ blocked: false, excluded: false });

    // The stopped annotator's labels back in the report and gold set, while they stay stopped.
    await tabTo(dash, 'Include careless');
    await dash.keyboard.press('Enter');
    await row(dash, 'careless').locator('td', { hasText: 'included' }).waitFor();
    expect(await view('careless')).toMatchObject({ blocked: true, blocked_reason: 'qualification', excluded: false });
  });

  test('the Settings tab sets the title annotators see and the qualification bar, and refuses a bar without gold checks by its field', async () => {
    const pid = await makeProject(suite.server, { name: 'Internal name 7', gold_rate: 0 }, items(1, 1));
    const page = await openDashboard(`/projects/${pid}/settings`);
    const errors = watchErrors(page);
    await page.getByLabel('Title annotators see', { exact: false }).fill('A short study about replies');
    await page.getByLabel('Stop serving anyone whose gold-check accuracy falls below a bar', { exact: false }).check();
    await page.getByLabel('Gold checks answered before the bar applies').fill('4');
    await page.getByLabel('Least share of gold checks answered right (0 to 1)').fill('0.75');
    await page.getByLabel('Completion code for someone the bar stops').selectOption('withhold');
    const [refused] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'PATCH'), page.getByRole('button', { name: 'Save settings' }).click()]);
    expect(refused.status()).toBe(400);
    await expect(fieldError(page, page.getByRole('group', { name: 'Qualification bar' }))).resolves.toMatch(/gold_rate above 0/);

    await page.getByLabel('Share of tasks that are gold checks (0 to 1)').fill('0.2');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: /Settings saved/ }).waitFor();
    expect((await suite.server.api('GET', `/api/projects/${pid}`)).body).toMatchObject({
      name: 'Internal name 7',
      public_title: 'A short study about replies',
      gold_rate: 0.2,
      qualification: { min_checks: 4, min_accuracy: 0.75, completion_code: 'withhold' },
    });
    // Reloaded, the form shows what was stored; clearing the title and the bar clears the settings.
    await page.reload();
    await expect(page.getByLabel('Title annotators see', { exact: false }).inputValue()).resolves.toBe('A short study about replies');
    await expect(page.getByLabel('Gold checks answered before the bar applies').inputValue()).resolves.toBe('4');
    await page.getByLabel('Title annotators see', { exact: false }).fill('');
    await page.getByLabel('Stop serving anyone whose gold-check accuracy falls below a bar', { exact: false }).uncheck();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: /Settings saved/ }).waitFor();
    expect((await suite.server.api('GET', `/api/projects/${pid}`)).body).toMatchObject({ public_title: null, qualification: null });
    expect(errors).toEqual([]);
  });

  test('the Progress tab shows gold checks only for a project that serves them (gold rate above 0)', async () => {
    const noChecks = await makeProject(suite.server, { name: 'No checks', redundancy: 1, gold_rate: 0 }, items(2, 0));
    const withChecks = await makeProject(suite.server, { name: 'With checks', redundancy: 1, gold_rate: 0.5 }, items(2, 0));
    for (const pid of [noChecks, withChecks]) {
      const c = await suite.server.connect({ token: await invite(suite.server, pid), worker: `w${pid}` });
      const t = (await ok<Task>(c, 'task:next'))!;
      await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'tie', clientLabelId: `p-${pid}` });
    }
    const none = await openDashboard(`/projects/${noChecks}`);
    await none.locator(`table[aria-label="Annotators"] td`, { hasText: `w${noChecks}` }).waitFor();
    expect(await none.locator('table[aria-label="Annotators"] th').allTextContents()).not.toContain('Gold checks');
    expect(await none.getByTestId('gold-checks').count()).toBe(0);

    const some = await openDashboard(`/projects/${withChecks}`);
    await some.locator(`table[aria-label="Annotators"] td`, { hasText: `w${withChecks}` }).waitFor();
    expect(await some.locator('table[aria-label="Annotators"] th').allTextContents()).toContain('Gold checks');
    expect(await some.getByTestId('gold-checks').textContent()).toBe('1 / 1');
  });
});
