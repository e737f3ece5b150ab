/**
 * Adaptive redundancy in the dashboard (issue 13 part 1), in a real chromium against a real server: the header
 * says the rule, the progress panel shows human labels against the fixed budget and the items by label count,
 * and the Settings tab edits the rule (a refused one shows the server's message by the field).
 */
import { jsonl, makeProject, pairwiseItems } from '../helpers/server';
import { browserSuite, fieldError, shot, watchErrors } from './browser';

jest.setTimeout(120_000);

const suite = browserSuite();
const text = async (p: Promise<string | null>) => (await p)?.replace(/\s+/g, ' ').trim();

describe('dashboard: adaptive redundancy', () => {
  test('the header, the budget and the labels per item, and the rule edited from the Settings tab', async () => {
    const s = suite.server;
    const pid = await makeProject(s, { name: 'Adaptive study', redundancy: { min: 2, max: 3, stop: 'unanimous' } }, pairwiseItems(3));
    // q1: two that agree (stopped at min); q2: two that disagree (open for a third); q3: none yet.
    const labels = [
      { item: 'q1', annotator: 'ann', kind: 'human', value: 'A' },
      { item: 'q1', annotator: 'bo', kind: 'human', value: 'A' },
      { item: 'q2', annotator: 'ann', kind: 'human', value: 'A' },
      { item: 'q2', annotator: 'bo', kind: 'human', value: 'B' },
    ];
    expect((await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).status).toBe(200);

    const page = await suite.ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${s.url}/projects/${pid}?token=${s.token}`);
    await page.getByRole('heading', { level: 1, name: 'Adaptive study' }).waitFor();
    await expect(text(page.locator('h1 + p').textContent())).resolves.toMatch(/2–3 human labels per item \(stops when they agree\)/);
    await page.getByTestId('human-budget').waitFor();
    await expect(text(page.getByTestId('human-budget').textContent())).resolves.toBe('4 / 9');
    await expect(text(page.getByTestId('items-complete').textContent())).resolves.toBe('1 / 3');
    const perItem = page.getByRole('table', { name: 'Items by human labels' });
    await expect(perItem.locator('th, td').allTextContents()).resolves.toEqual(['Human labels', '0', '1', '2', 'Items', '1', '0', '2']);
    await shot(page, 'dashboard-adaptive-progress');

    await page.getByRole('link', { name: 'Settings' }).click();
    const atMost = page.getByLabel('Most human labels per item');
    await expect(page.getByLabel('Fewest human labels per item').inputValue()).resolves.toBe('2');
    await expect(atMost.inputValue()).resolves.toBe('3');
    await atMost.fill('4');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: /Settings saved/ }).waitFor();
    expect((await s.api('GET', `/api/projects/${pid}`)).body.redundancy).toEqual({ min: 2, max: 4, stop: 'unanimous' });
    await expect(text(page.locator('h1 + p').textContent())).resolves.toMatch(/2–4 human labels per item/);

    // The posterior rule: picked from the list (a native select: keyboard reachable), its target typed, saved.
    await page.getByLabel('When an item stops').selectOption('posterior');
    await page.getByLabel('Stop when the posterior reaches').fill('0.9');
    const [saved] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'PATCH'), page.getByRole('button', { name: 'Save settings' }).click()]);
    expect(saved.status()).toBe(200);
    expect((await s.api('GET', `/api/projects/${pid}`)).body.redundancy).toEqual({ min: 2, max: 4, stop: 'posterior', posterior: 0.9 });
    await expect(text(page.locator('h1 + p').textContent())).resolves.toMatch(/2–4 human labels per item \(stops at posterior 0.9\)/);

    // At least above at most: the server refuses it, and its message shows by the inputs.
    await page.getByLabel('Fewest human labels per item').fill('5');
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'PATCH'), page.getByRole('button', { name: 'Save settings' }).click()]);
    expect(res.status()).toBe(400);
    await expect(fieldError(page, atMost)).resolves.toBe('must be at least min (5)');

    // Back to a fixed count.
    await page.getByLabel('Adaptive: stop early once the first labels settle an item').uncheck();
    await page.getByLabel('Human labels per item', { exact: true }).fill('3');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: /Settings saved/ }).waitFor();
    expect((await s.api('GET', `/api/projects/${pid}`)).body.redundancy).toBe(3);
    expect(errors).toEqual([]);
  });
});
