/**
 * The annotator page in a real chromium: annotators see the study's public title and never the researcher's
 * internal project name, and `Esc` closes the instructions and puts focus back where it was.
 */
import type { Page } from 'playwright-core';
import { invite, makeProject, pairwiseItems } from '../helpers/server';
import { browserSuite, watchErrors } from './browser';

jest.setTimeout(120_000);

declare const document: any;

const suite = browserSuite();

const INTERNAL = 'ACME-internal-batch-7';
const PUBLIC = 'Which answer helps more?';

/** Everything an annotator can see or hear of the page's name: the tab title and the page's text. */
const visibleNames = (page: Page) => page.evaluate(() => `${document.title}\n${document.body.innerText}`);

describe('annotator page study title', () => {
  test('the tab title and the page show the public study title, never the internal project name', async () => {
    const pid = await makeProject(suite.server, { name: INTERNAL, public_title: PUBLIC, instructions: 'Pick the better answer.', redundancy: 1 }, pairwiseItems(1));
    const page = await suite.ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${suite.server.url}/join/${await invite(suite.server, pid)}?worker=title-1`);
    await page.getByRole('heading', { level: 1, name: PUBLIC }).waitFor();
    await expect(page.title()).resolves.toContain(PUBLIC);
    expect(await visibleNames(page)).not.toContain(INTERNAL);

    await page.keyboard.press('Enter');
    await page.locator('article.task').waitFor();
    await expect(page.title()).resolves.toContain(PUBLIC);
    await expect(page.locator('header.topbar').textContent()).resolves.toContain(PUBLIC);
    expect(await visibleNames(page)).not.toContain(INTERNAL);

    await page.keyboard.press('1');
    await page.keyboard.press('Enter');
    await page.locator('#end-title').waitFor();
    await expect(page.title()).resolves.toContain(PUBLIC);
    expect(await visibleNames(page)).not.toContain(INTERNAL);
    expect(errors).toEqual([]);
  });

  test('without a public title the page shows the project name', async () => {
    const pid = await makeProject(suite.server, { name: 'Plain study' }, pairwiseItems(1));
    const page = await suite.ctx.newPage();
    await page.goto(`${suite.server.url}/join/${await invite(suite.server, pid)}?worker=title-2`);
    await page.getByRole('heading', { level: 1, name: 'Plain study' }).waitFor();
    await expect(page.title()).resolves.toContain('Plain study');
  });
});

describe('annotator page instructions', () => {
  let page: Page;
  const instructions = () => page.getByRole('region', { name: 'Instructions' });
  const focused = () => page.evaluate(() => ({ tag: document.activeElement?.tagName, label: document.activeElement?.getAttribute('aria-label') ?? document.activeElement?.textContent?.trim() }));

  beforeAll(async () => {
    const pid = await makeProject(suite.server, { name: 'Esc study', instructions: 'Read **both** answers before choosing.', rationale: 'optional' }, pairwiseItems(3));
    page = await suite.ctx.newPage();
    await page.goto(`${suite.server.url}/join/${await invite(suite.server, pid)}?worker=esc-1`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await page.keyboard.press('Enter');
    await page.locator('article.task').waitFor();
  });

  test('I opens the instructions and Esc closes them, leaving focus on the task so the keys work at once', async () => {
    await page.keyboard.press('i');
    await instructions().waitFor();
    await expect(instructions().textContent()).resolves.toContain('Read both answers');
    await page.keyboard.press('Escape');
    await instructions().waitFor({ state: 'detached', timeout: 2_000 });
    expect(await focused()).toEqual({ tag: 'ARTICLE', label: 'Task' });
    // The answer keys work straight away.
    await page.keyboard.press('2');
    await expect(page.getByRole('button', { name: /B is better/ }).getAttribute('aria-pressed')).resolves.toBe('true');
  });

  test('opened with the Instructions button, Esc closes them and puts focus back on that button', async () => {
    const button = page.getByRole('button', { name: /Instructions/ });
    await button.click();
    await instructions().waitFor();
    await expect(button.getAttribute('aria-expanded')).resolves.toBe('true');
    await page.keyboard.press('Escape');
    await instructions().waitFor({ state: 'detached', timeout: 2_000 });
    await expect(button.getAttribute('aria-expanded')).resolves.toBe('false');
    expect((await focused()).label).toMatch(/^Instructions/);
  });

  test('Esc in the reason box leaves the box first, and a second Esc closes the instructions', async () => {
    await page.keyboard.press('i');
    await instructions().waitFor();
    await page.locator('#rationale').focus();
    await page.keyboard.type('because');
    await page.keyboard.press('Escape');
    expect((await focused()).tag).not.toBe('TEXTAREA');
    await expect(instructions().isVisible()).resolves.toBe(true);
    await page.keyboard.press('Escape');
    await instructions().waitFor({ state: 'detached', timeout: 2_000 });
    await expect(page.locator('#rationale').inputValue()).resolves.toBe('because');
  });
});
