/**
 * The Content-Security-Policy the server sends is one the built app lives with: every main screen (the annotator
 * page with Markdown and a submitted label, the project list, a project's progress, the report with its plots,
 * their tooltips and PNG/SVG export, the labels export) opens in chromium with no CSP violation and no console
 * error about one.
 */
import type { Page } from 'playwright-core';
import { jsonl, makeProject } from '../helpers/server';
import { browserSuite, watchErrors } from './browser';

jest.setTimeout(180_000);

declare const document: any;
declare const window: any;
declare const MutationObserver: any;

const suite = browserSuite({ context: { acceptDownloads: true } });

/** Violations the page itself saw, recorded from the first script on (before the app's own). */
const RECORD_VIOLATIONS = `
  window.__csp = [];
  document.addEventListener('securitypolicyviolation', (e) => {
    window.__csp.push(e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + (e.sample ? ' (' + e.sample + ')' : ''));
  });
`;

beforeAll(async () => {
  await suite.ctx.addInitScript({ content: RECORD_VIOLATIONS });
});

/** Console messages that name the policy (chromium logs each refusal), apart from watchErrors' list. */
function watchCsp(page: Page): { console: string[]; errors: string[]; seen(): Promise<string[]> } {
  const consoleLines: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) consoleLines.push(m.text());
  });
  const errors = watchErrors(page);
  return { console: consoleLines, errors, seen: () => page.evaluate(() => window.__csp as string[]) };
}

async function expectNoViolations(page: Page, w: ReturnType<typeof watchCsp>): Promise<void> {
  expect(await w.seen()).toEqual([]);
  expect(w.console).toEqual([]);
  expect(w.errors).toEqual([]);
}

async function streamBytes(stream: NodeJS.ReadableStream | null): Promise<Buffer> {
  const chunks: Buffer[] = [];
  if (!stream) return Buffer.alloc(0);
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks);
}

describe('Content-Security-Policy in the browser', () => {
  let projectId: number;

  beforeAll(async () => {
    const long = 'a much longer answer that goes on and on with detail, examples and caveats to be complete';
    const items = Array.from({ length: 8 }, (_, i) => ({
      id: `q${i + 1}`,
      question: `Question **${i + 1}** with \`code\` and a [link](https://example.org)?`,
      answer_a: i % 2 ? `short ${i}` : `${long} ${i}`,
      answer_b: i % 2 ? `${long} ${i}` : `short ${i}`,
    }));
    projectId = await makeProject(suite.server, { name: 'CSP study', redundancy: 4, certainty: true, rationale: 'optional', instructions: '# Read me\n\nPick the **better** answer.' }, items);
    // Three humans and a judge in both orders, with certainty: every plot of the report has data.
    const labels = items.flatMap((it, i) => [
      ...['h1', 'h2', 'h3'].map((h, j) => ({ item: it.id, annotator: h, kind: 'human', value: (i + j) % 3 === 0 ? 'B' : 'A', certainty: 50 + 10 * j })),
      { item: it.id, annotator: 'judge-x', kind: 'llm', value: i % 2 ? 'B' : 'A', order: 'AB', certainty: 80 },
      { item: it.id, annotator: 'judge-x', kind: 'llm', value: i % 3 ? 'A' : 'B', order: 'BA', certainty: 70 },
    ]);
    const r = await suite.server.api('POST', `/api/projects/${projectId}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
    expect(r.status).toBe(200);
  });

  test('the annotator page (instructions, a Markdown task, a submitted label) runs without a CSP violation', async () => {
    const token = (await suite.server.api('POST', `/api/projects/${projectId}/invites`, {})).body.token as string;
    const page = await suite.ctx.newPage();
    const w = watchCsp(page);
    const res = await page.goto(`${suite.server.url}/join/${token}?worker=csp-1`);
    expect(res!.headers()['content-security-policy']).toContain("script-src 'self'");
    await page.locator('#intro-title').waitFor();
    await page.keyboard.press('Enter');
    await page.locator('article.task').waitFor();
    const first = await page.locator('article.task').getAttribute('data-item');
    await page.keyboard.press('1');
    await page.keyboard.press('=');
    await page.keyboard.press('Enter');
    await page.waitForFunction((prev) => {
      const t = document.querySelector('article.task');
      return (t && t.getAttribute('data-item') !== prev) || document.getElementById('end-title');
    }, first);
    await expectNoViolations(page, w);
    await page.close();
  });

  test('the dashboard (project list, progress, report plots with tooltips, PNG/SVG and CSV export) runs without a CSP violation', async () => {
    const page = await suite.ctx.newPage();
    const w = watchCsp(page);
    await page.goto(`${suite.server.url}/?token=${suite.server.token}`);
    await page.getByRole('link', { name: 'CSP study' }).click();
    await page.getByTestId('items-complete').waitFor();

    await page.getByRole('link', { name: 'Report' }).click();
    await page.getByRole('heading', { name: 'Human agreement' }).waitFor({ timeout: 20_000 });
    await page.waitForFunction(() => document.querySelectorAll('figure.chart svg').length >= 4, null, { timeout: 20_000 });
    // Tooltips are HTML that ECharts writes with inline style attributes: hover across every chart and record
    // each tooltip text ECharts writes (a sibling of its drawing inside the chart's element).
    await page.evaluate(() => {
      window.__tooltips = new Set();
      new MutationObserver((ms: any[]) => {
        for (const m of ms) {
          const t = m.target.nodeType === 1 ? m.target : m.target.parentElement;
          const tip = t?.closest('.canvas > div:not(:first-child)');
          if (tip?.textContent.trim()) window.__tooltips.add(tip.closest('.canvas').getAttribute('_echarts_instance_'));
        }
      }).observe(document.body, { subtree: true, childList: true, characterData: true });
    });
    for (const chart of await page.locator('figure.chart .canvas').all()) {
      await chart.scrollIntoViewIfNeeded();
      const box = (await chart.boundingBox())!;
      for (let f = 0.15; f < 0.9; f += 0.1) for (const g of [0.3, 0.5, 0.7]) await page.mouse.move(box.x + box.width * f, box.y + box.height * g);
    }
    expect(await page.evaluate(() => window.__tooltips.size)).toBeGreaterThanOrEqual(4);
    const [svg] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Save Annotator × annotator Cohen's kappa as SVG/ }).click()]);
    expect((await streamBytes(await svg.createReadStream())).toString('utf8')).toMatch(/<svg/);
    const [png] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: /Save Length bias as PNG/ }).click()]);
    expect((await streamBytes(await png.createReadStream())).subarray(0, 8).toString('hex')).toBe('89504e470d0a1a0a');

    await page.getByRole('link', { name: 'Export' }).click();
    await page.getByRole('radio', { name: 'All labels' }).check();
    await page.getByRole('radio', { name: 'CSV' }).check();
    const [csv] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /^Download project-\d+-labels\.csv$/ }).click()]);
    expect((await streamBytes(await csv.createReadStream())).toString('utf8')).toMatch(/^item,annotator/);
    await expectNoViolations(page, w);
    await page.close();
  });

  test('a policy violation would be seen: an inline script injected into the page is refused and recorded', async () => {
    // Guards the two tests above against passing because nothing was watching.
    const page = await suite.ctx.newPage();
    const w = watchCsp(page);
    await page.goto(`${suite.server.url}/`);
    await page.evaluate(() => {
      const el = document.createElement('script');
      el.textContent = 'window.__ran = true';
      document.body.appendChild(el);
    });
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => window.__ran === true)).toBe(false);
    expect((await w.seen()).join('\n')).toMatch(/script-src/);
    await page.close();
  });
});
