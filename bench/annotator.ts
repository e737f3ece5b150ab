/**
 * `npm run bench -- annotator`: the annotator page in Debian's headless chromium against the real server on
 * localhost. Measures the time from `Enter` to the next task on screen (the label saved and acknowledged, then the
 * prefetched task drawn, timed by the page to the next animation frame into `window.__concordTimings`), and the
 * JavaScript the page loads, gzipped. Needs the built client (`npm run build:client`) and /usr/bin/chromium
 * (scripts/ensure-chromium.sh installs it).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, measureScripts } from '../test/e2e/browser';
import { defineBenchmark } from './lib/benchmark';
import { resultHead, writeResult } from './lib/results';
import { startBenchServer } from './lib/server';
import { percentile, round, table } from './lib/stats';

export const annotator = defineBenchmark({
  summary: 'annotator page in headless chromium: Enter → next task on screen, and JavaScript size (issue 5)',
  options: {
    tasks: { default: 100, help: 'tasks labelled, one after another' },
    thinkMs: { default: 30, help: 'pause before each Enter (a very fast person; lets the prefetch land)' },
  },
  async run(o, { command }) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-bench-annotator-'));
    const server = await startBenchServer(path.join(dir, 'concord.db'));
    const browser = await launch();
    try {
      const items = Array.from({ length: o.tasks + 1 }, (_, i) => ({
        id: `q${i}`,
        question: `Which answer is better? (${i})`,
        answer_a: `Answer **A** ${i}\n\n- one\n- two\n\n\`\`\`python\nprint(${i})\n\`\`\``,
        answer_b: `Answer B ${i} with \`code\` and a [link](https://example.org).`,
      }));
      const p = await server.api<{ id: number }>('POST', '/api/projects', JSON.stringify({ name: 'Speed', type: 'pairwise', redundancy: 1 }));
      await server.api('POST', `/api/projects/${p.id}/items`, items.map((x) => JSON.stringify(x)).join('\n'), 'application/x-ndjson');
      const invite = await server.api<{ token: string }>('POST', `/api/projects/${p.id}/invites`, '{}');
      const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
      const scripts = measureScripts(page);
      await page.goto(`${server.url}/join/${invite.token}?worker=bench-1`);
      await page.getByRole('heading', { name: 'Speed' }).waitFor();
      await page.keyboard.press('Enter');
      await page.locator('article.task').waitFor();
      for (let i = 0; i < o.tasks; i++) {
        const before = await page.locator('article.task').getAttribute('data-item');
        await page.waitForTimeout(o.thinkMs);
        await page.keyboard.press(i % 2 ? 'b' : 'a');
        await page.keyboard.press('Enter');
        await page.waitForFunction((prev) => (globalThis as any).document.querySelector('article.task')?.getAttribute('data-item') !== prev, before);
      }
      const timings = ((await page.evaluate(() => (globalThis as any).__concordTimings)) as number[]).slice(0, o.tasks);
      const { files, gzip } = await scripts();
      const sorted = [...timings].sort((a, b) => a - b);
      const result = {
        ...resultHead('annotator', command, o),
        tasks: timings.length,
        enterToNextMs: { p50: round(percentile(sorted, 50)), p95: round(percentile(sorted, 95)), max: round(sorted[sorted.length - 1]) },
        javascriptGzipKB: round(gzip / 1024, 1),
        files: files.map((f) => ({ file: f.url.split('/').pop(), gzipKB: round(f.gzip / 1024, 1) })),
      };
      console.log(
        table(
          ['measure', 'value', 'target'],
          [
            ['tasks labelled', String(result.tasks), ''],
            ['Enter → next task on screen, p50', `${result.enterToNextMs.p50} ms`, ''],
            ['Enter → next task on screen, p95', `${result.enterToNextMs.p95} ms`, '< 100 ms'],
            ['Enter → next task on screen, max', `${result.enterToNextMs.max} ms`, ''],
            ['annotator page JavaScript, gzipped', `${result.javascriptGzipKB} KB (${result.files.map((f) => `${f.file} ${f.gzipKB}`).join(', ')})`, '< 150 KB'],
          ],
        ),
      );
      writeResult('annotator', result);
      return 0;
    } finally {
      await browser.close();
      await server.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
});
