/**
 * The report's plots in a real chromium at 1280 px: no empty chart before there is anything to plot, and a long
 * judge name wraps its title instead of pushing the PNG/SVG buttons into a column.
 */
import type { Page } from 'playwright-core';
import { jsonl, makeProject, pairwiseItems } from '../helpers/server';
import { browserSuite, watchErrors } from './browser';

jest.setTimeout(120_000);

declare const document: any;

const suite = browserSuite({ context: { viewport: { width: 1280, height: 900 } } });

async function openReport(pid: number): Promise<Page> {
  const page = await suite.ctx.newPage();
  await page.goto(`${suite.server.url}/projects/${pid}/report?token=${suite.server.token}`);
  await page.getByRole('heading', { name: 'Human agreement' }).waitFor({ timeout: 20_000 });
  return page;
}

const LONG_JUDGE = 'gpt-4o-2024-08-06-mt-bench-pairwise-template-v2-temperature-0-seed-1234-run-for-the-camera-ready';

describe('report plots', () => {
  test('a project without labels shows no empty chart, only the sentence saying when the plots appear', async () => {
    const pid = await makeProject(suite.server, { name: 'Nothing yet', certainty: true }, pairwiseItems(4));
    const page = await openReport(pid);
    const errors = watchErrors(page);
    await page.getByText(/The plots appear once/).waitFor();
    await page.waitForTimeout(300); // a chart would have been mounted with the tables
    expect(await page.locator('figure.chart').count()).toBe(0);
    expect(errors).toEqual([]);
  });

  test('with a long judge name every chart title wraps and keeps its PNG and SVG buttons side by side on one line', async () => {
    const items = pairwiseItems(8, (i) => ({ answer_a: 'short', answer_b: `a much longer second answer number ${i + 1} that goes on and on` }));
    const pid = await makeProject(suite.server, { name: 'Long names', certainty: true }, items);
    const labels = items.flatMap((it, i) => [
      { item: it.id, annotator: 'human-1', value: i % 2 ? 'A' : 'B', certainty: 40 + i * 5 },
      { item: it.id, annotator: 'human-2', value: 'B', certainty: 90 },
      { item: it.id, annotator: LONG_JUDGE, kind: 'llm', value: 'B', order: 'AB', certainty: 70 },
      { item: it.id, annotator: LONG_JUDGE, kind: 'llm', value: i % 3 ? 'B' : 'A', order: 'BA', certainty: 80 },
    ]);
    expect((await suite.server.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).status).toBe(200);
    const page = await openReport(pid);
    await page.waitForFunction(() => document.querySelectorAll('figure.chart svg').length >= 5, null, { timeout: 20_000 });
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('figure.chart')].map((f: any) => {
        const [png, svg] = [...f.querySelectorAll('figcaption button')].map((b: any) => b.getBoundingClientRect());
        const fig = f.getBoundingClientRect();
        return { title: f.querySelector('figcaption').textContent.trim().slice(0, 40), sameLine: Math.abs(png.top - svg.top) < 2, svgRightOfPng: svg.left > png.right, inside: svg.right <= fig.right + 1 };
      }),
    );
    expect(rows.some((r: { title: string }) => r.title.startsWith(LONG_JUDGE.slice(0, 30)))).toBe(true);
    for (const r of rows) expect(r).toEqual({ title: r.title, sameLine: true, svgRightOfPng: true, inside: true });
  });
});
