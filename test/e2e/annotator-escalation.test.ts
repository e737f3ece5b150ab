/**
 * The annotator page under escalation (issue 13, part 2) in a real chromium: a crowd worker labels the calibration
 * items, is told to wait (not paid) while the judge has not judged, then is served the items the judge passes on,
 * like any other task, and gets the completion code once nothing more can come. Keyboard only, at 375 px.
 */
import type { SessionInfo, Task } from '../../shared/protocol';
import { inCalibration } from '../../shared/routing';
import { until } from '../helpers/judges';
import { invite, makeProject, ok, pairwiseItems } from '../helpers/server';
import { browserSuite, watchErrors } from './browser';

jest.setTimeout(120_000);

const suite = browserSuite({ context: { viewport: { width: 375, height: 800 } } });

describe('annotator page: judges first, humans where the judge is unsure', () => {
  test('calibration items first, a wait while the judge works, then the escalated items, then the completion code', async () => {
    const s = suite.server;
    const ITEMS = 24;
    const pid = await makeProject(s, { redundancy: 1, certainty: true, completion_code: 'PAID-13' }, pairwiseItems(ITEMS));
    const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { name: 'j', model: 'm' })).body as { id: number; token: string };
    expect((await s.api('PATCH', `/api/projects/${pid}`, { routing: { mode: 'escalate', judges: [judge.id], calibration: 0.5 } })).status).toBe(200);
    const ids = s.db.prepare('SELECT id FROM items WHERE project_id = ? ORDER BY id').all(pid) as Array<{ id: number }>;
    const calibration = ids.filter((r) => inCalibration(pid, r.id, 0.5)).length;
    expect(calibration).toBeGreaterThan(0);
    expect(calibration).toBeLessThan(ITEMS);

    const page = await suite.openAnnotator(await invite(s, pid), 'worker-1');
    const errors = watchErrors(page);
    /** Labels the task on screen by keyboard (A, a certainty with =, Enter) and waits for the next one or the end screen. */
    const label = async () => {
      await page.locator('article.task').waitFor();
      const before = await page.locator('article.task').getAttribute('data-item');
      await page.keyboard.press('1');
      await page.keyboard.press('=');
      await page.keyboard.press('Enter');
      await page.waitForFunction(
        (prev) => (globalThis as any).document.querySelector('article.task')?.getAttribute('data-item') !== prev || (globalThis as any).document.getElementById('end-title'),
        before,
        { timeout: 10_000 },
      );
    };
    const labelled = () => (s.db.prepare("SELECT COUNT(*) AS n FROM labels l JOIN annotators a ON a.id = l.annotator_id WHERE l.project_id = ? AND a.kind = 'human'").get(pid) as { n: number }).n;

    // Only the calibration items are served while the judge has not judged; then the page says to wait, unpaid.
    for (let n = 0; n < calibration; n++) {
      await label();
      await until(() => Promise.resolve(labelled()), (v) => v === n + 1);
    }
    await page.getByTestId('waiting-message').waitFor();
    expect(await page.getByTestId('completion-code').count()).toBe(0);

    // The judge: unsure (certainty 10) on everything, so no threshold is certified and every item is passed on.
    const c = await s.connect({ token: judge.token });
    for (;;) {
      const t = await ok<Task | null>(c, 'task:next');
      if (!t) break;
      await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'B', certainty: 10, clientLabelId: `j${t.item.id}` });
    }
    expect((await ok<SessionInfo>(c, 'session:get')).waiting).toBe(false);

    // The worker asks again (as the page does by itself every 20 s): the escalated items come, then the code.
    await until(async () => (await s.api('GET', `/api/projects/${pid}/progress`)).body.routing.items.pending as number, (v) => v === 0);
    await page.getByRole('button', { name: 'Check now' }).focus();
    await page.keyboard.press('Enter');
    for (let n = calibration; n < ITEMS; n++) {
      await label();
      await until(() => Promise.resolve(labelled()), (v) => v === n + 1);
    }
    await page.getByTestId('completion-code').waitFor();
    await expect(page.getByTestId('completion-code').textContent()).resolves.toBe('PAID-13');
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.routing.items).toEqual({ judges: 0, humans: ITEMS, pending: 0 });
    expect(errors).toEqual([]);
  });
});
