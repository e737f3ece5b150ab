/**
 * Judges first, humans where the judge is unsure (issue 13 part 2) in the dashboard, in a real chromium 375 px wide
 * against a real server, by keyboard only: the Settings tab's Routing section sets the cascade (stored by the PATCH,
 * a refused judge shown by its place in the list); labels then run through the real task protocol (two judges and a
 * human as socket.io clients), and the Live progress card, the report's routing section and `concord report`'s
 * table show the figures the REST API returns.
 */
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { ProjectProgress, SessionInfo, Task } from '../../shared/protocol';
import { inCalibration, type RoutingState } from '../../shared/routing';
import type { ReportJson } from '../../shared/stats/report/json';
import { formatReport } from '../../server/cli/report';
import { guarantee, pct, reached, thresholdText } from '../../client/src/dashboard/routingForm';
import { invite, makeProject, ok, pairwiseItems, type Client } from '../helpers/server';
import { browserSuite, SCREENSHOTS, shot, watchErrors } from './browser';

jest.setTimeout(180_000);

const suite = browserSuite({ context: { viewport: { width: 375, height: 800 } } });
const text = async (p: Promise<string | null>) => (await p)?.replace(/\s+/g, ' ').trim();

// Read inside the page (page.evaluate), where the DOM is; the test's own lib has none.
declare const document: any;

/** The name the keyboard user hears for the focused element: its aria-label, else its label's text, else its text. */
const focusedName = (page: Page): Promise<string | null> =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    return (el.getAttribute('aria-label') ?? (el.labels?.[0] ?? el).textContent?.trim() ?? null) as string | null;
  });

/** Presses Tab (Shift+Tab with `back`) until the element named `name` has focus: it is reachable by keyboard. */
async function tabTo(page: Page, name: string, back = false): Promise<void> {
  for (let i = 0; i < 150; i++) {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    if ((await focusedName(page)) === name) return;
  }
  throw new Error(`${name} was never reached with ${back ? 'Shift+Tab' : 'Tab'}`);
}

/** Replaces the focused input's value by typing. */
async function retype(page: Page, value: string): Promise<void> {
  await page.keyboard.press('Control+A');
  await page.keyboard.type(value);
}

const ITEMS = 320;
const CALIBRATION = 0.4;
/** Item qN's truth in the canonical frame: answer_a better for odd N, answer_b for even. */
const truth = (n: number): 'A' | 'B' => (n % 2 ? 'A' : 'B');
/** The truth as the annotator who was shown `order` writes it (`A` = the answer shown first). */
const shown = (t: Task, v: 'A' | 'B'): 'A' | 'B' => (t.order === 'BA' ? (v === 'A' ? 'B' : 'A') : v);
const wrong = (v: 'A' | 'B'): 'A' | 'B' => (v === 'A' ? 'B' : 'A');
const itemNo = (t: Task) => Number(t.item.id.slice(1));

/**
 * The cheap judge is sure (90) and right on odd items, unsure (30) and wrong on even ones; the strong one is sure (95)
 * and right but on every eighth item, where it is unsure (40) and wrong. Each certifies a threshold at its sure level
 * on the calibration items that reach it (the strong one: the even ones, as the authors' cascade calibrates); its
 * unsure items go on down the cascade.
 */
const cheap = (t: Task) => (itemNo(t) % 2 === 0 ? { value: shown(t, wrong(truth(itemNo(t)))), certainty: 30 } : { value: shown(t, truth(itemNo(t))), certainty: 90 });
const strong = (t: Task) => (itemNo(t) % 8 === 0 ? { value: shown(t, wrong(truth(itemNo(t)))), certainty: 40 } : { value: shown(t, truth(itemNo(t))), certainty: 95 });
const human = (t: Task) => ({ value: shown(t, truth(itemNo(t))), certainty: 80 });

let labelId = 0;
/** Takes and labels tasks until the server has none to give this client right now; returns how many. */
async function drain(c: Client, answer: (t: Task) => { value: string; certainty: number }): Promise<number> {
  let n = 0;
  for (;;) {
    const t = await ok<Task | null>(c, 'task:next');
    if (!t) return n;
    await ok(c, 'label:submit', { leaseId: t.leaseId, ...answer(t), clientLabelId: `l-${labelId++}` });
    n++;
  }
}

describe('dashboard: judges first, humans where the judge is unsure', () => {
  test('the cascade set by keyboard on a phone, then the progress card, the report and the CLI show what the API says', async () => {
    const s = suite.server;
    const pid = await makeProject(s, { name: 'Escalation study', redundancy: 1, certainty: true }, pairwiseItems(ITEMS));
    const register = async (name: string) => (await s.api('POST', `/api/projects/${pid}/judges`, { model: `${name}-model`, name, swap: false })).body as { id: number; token: string };
    const [j1, j2] = [await register('cheap'), await register('strong')];

    const page = await suite.ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${s.url}/projects/${pid}/settings?token=${s.token}`);
    await page.getByRole('heading', { name: 'Routing' }).waitFor();
    await page.getByRole('button', { name: 'Add strong to the cascade' }).waitFor();

    // From the settings form's Save button, by keyboard only: escalate, strong then cheap, cheap moved up, the numbers.
    await page.getByRole('button', { name: 'Save settings' }).focus();
    await tabTo(page, 'Side by side: judges and humans label every item');
    await page.keyboard.press('ArrowDown');
    expect(await page.getByRole('radio', { name: /Escalate: judges first/ }).isChecked()).toBe(true);
    await tabTo(page, 'Add strong to the cascade');
    await page.keyboard.press('Enter');
    expect(await focusedName(page)).toBe('Remove strong from the cascade');
    await tabTo(page, 'Add cheap to the cascade');
    await page.keyboard.press('Enter');
    await tabTo(page, 'Move cheap up', true);
    await page.keyboard.press('Enter');
    // At the top its up button is disabled: the keyboard stays on the judge, on its down button.
    expect(await focusedName(page)).toBe('Move cheap down');
    const cascade = page.getByRole('list', { name: 'Judges in cascade order' });
    expect((await cascade.locator('.name').allTextContents()).map((x) => x.trim())).toEqual(['1. cheap', '2. strong']);
    await tabTo(page, 'Target agreement with the humans (0.5 to 1)');
    await retype(page, '0.85');
    await tabTo(page, 'Error level δ (0 to 0.5)');
    await retype(page, '0.2');
    await tabTo(page, 'Calibration share (% of items)');
    await retype(page, String(CALIBRATION * 100));
    await tabTo(page, 'Save routing');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: /Routing saved/ }).waitFor();
    const routing = { mode: 'escalate', judges: [j1.id, j2.id], target: 0.85, delta: 0.2, calibration: CALIBRATION };
    expect((await s.api('GET', `/api/projects/${pid}`)).body.routing).toEqual(routing);
    await shot(page, 'dashboard-routing-settings-375', true);

    // A judge deleted behind the form's back: the server names its place in the cascade, shown beside it.
    const j3 = await register('gone');
    await page.reload();
    await tabTo(page, 'Add gone to the cascade');
    await page.keyboard.press('Enter');
    expect((await s.api('DELETE', `/api/projects/${pid}/judges/${j3.id}`)).status).toBe(200);
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'PATCH'), tabTo(page, 'Save routing').then(() => page.keyboard.press('Enter'))]);
    expect(res.status()).toBe(400);
    const refused = page.locator('#rt-err-judges-2');
    await refused.waitFor();
    expect(await refused.textContent()).toBe(`${j3.id} is not a judge of this project (register it first: POST /api/projects/:id/judges)`);
    expect((await s.api('GET', `/api/projects/${pid}`)).body.routing).toEqual(routing);

    // Labels through the task protocol: each judge and the human take what the server offers until nothing is left.
    const [c1, c2] = await Promise.all([s.connect({ token: j1.token }), s.connect({ token: j2.token })]);
    const h = await s.connect({ token: await invite(s, pid), worker: 'h1' });
    let p!: ProjectProgress;
    for (let round = 0; round < 200; round++) {
      const n = (await drain(c1, cheap)) + (await drain(c2, strong)) + (await drain(h, human));
      p = (await s.api('GET', `/api/projects/${pid}/progress`)).body;
      // Done when nothing is left and the human is not told to wait (no recertification is due either).
      if (n === 0 && p.routing?.items.pending === 0 && !(await ok<SessionInfo>(h, 'session:get')).waiting) break;
      // Nothing to take while items wait for a recertification (paced, at most every 250 ms): give it time.
      if (n === 0) await new Promise((r) => setTimeout(r, 50));
    }
    const r = p.routing as RoutingState;
    expect(r).not.toBeNull();
    // The share drawn by the fixed hash of the item (the project's first items: database ids 1 to ITEMS).
    const calibration = Array.from({ length: ITEMS }, (_, i) => i + 1).filter((n) => inCalibration(pid, n, CALIBRATION));
    expect(r.calibration_items).toBe(calibration.length);
    // Outside the calibration share: the cheap judge decides what it is sure of, the strong one what it is sure of
    // among the rest (even N but N % 8 ≠ 0), the humans get qN with N % 8 = 0 and every calibration item.
    const outside = Array.from({ length: ITEMS }, (_, i) => i + 1).filter((n) => !calibration.includes(n));
    const count = (f: (n: number) => boolean) => outside.filter(f).length;
    expect(r.items).toEqual({ judges: count((n) => n % 8 !== 0), humans: calibration.length + count((n) => n % 8 === 0), pending: 0 });
    expect(r.judges.map((j) => [j.accepted, j.escalated, j.pending])).toEqual([
      [count((n) => n % 2 !== 0), count((n) => n % 2 === 0), 0],
      [count((n) => n % 2 === 0 && n % 8 !== 0), count((n) => n % 8 === 0), 0],
    ]);
    expect(r.judges.map((j) => [j.id, j.stage])).toEqual([[j1.id, 0], [j2.id, 1]]);
    expect(r.judges.map((j) => j.threshold)).toEqual([90, 95]);

    // Live progress: the card shows the same figures, and the labels saved (one human label per item here).
    await page.goto(`${s.url}/projects/${pid}`);
    await page.getByTestId('routing-judges').waitFor();
    expect(await text(page.getByTestId('routing-judges').textContent())).toBe(String(r.items.judges));
    expect(await text(page.getByTestId('routing-humans').textContent())).toBe(String(r.items.humans));
    expect(await text(page.getByTestId('routing-pending').textContent())).toBe('0');
    expect(p.human_budget.budget).toBe(ITEMS);
    expect(await text(page.getByTestId('routing-saved').textContent())).toBe(`saved ${r.items.judges} labels (${pct(r.items.judges / ITEMS)})`);
    for (const j of r.judges) {
      const cells = (await page.getByTestId(`routing-judge-${j.id}`).locator('td').allTextContents()).map((x) => x.trim());
      expect(cells).toEqual([String(j.stage + 1), j.name, thresholdText(j.threshold), String(j.calibration_points), String(j.accepted), String(j.escalated), String(j.pending), `${pct(j.agreement)} / ${pct(r.target)}`]);
    }
    await page.locator('section.routing').screenshot({ path: path.join(SCREENSHOTS, 'dashboard-routing-progress-375.png') });

    // The report: each judge's guarantee in words, its agreement beside the target.
    const report = (await s.api('GET', `/api/projects/${pid}/report`)).body as ReportJson & { routing: RoutingState };
    expect(report.routing.items).toEqual(r.items);
    await page.getByRole('link', { name: 'Report' }).click();
    await page.getByTestId(`routing-guarantee-${j1.id}`).waitFor();
    for (const j of report.routing.judges) {
      expect(await text(page.getByTestId(`routing-guarantee-${j.id}`).textContent())).toBe(`${j.name}: ${guarantee(report.routing, j)}${reached(j)}.`);
      // Every sure verdict is right and the human always is: 100% agreement, on the calibration items it was sure of;
      // the strong judge is calibrated on the calibration items the cheap one left (the even ones).
      const reaching = j.id === j1.id ? calibration : calibration.filter((n) => n % 2 === 0);
      expect(j.calibration_points).toBe(reaching.length);
      expect(j.agreement).toBe(1);
      expect(j.coverage).toBeCloseTo(reaching.filter((n) => n % (j.id === j1.id ? 2 : 8) !== 0).length / reaching.length, 12);
      expect(guarantee(report.routing, j)).toBe(`at least 85% agreement with the humans, with probability ≥ 80%, certified on ${j.calibration_points} calibration items`);
      const cells = (await page.getByTestId(`routing-row-${j.id}`).locator('td').allTextContents()).map((x) => x.trim());
      expect(cells).toEqual([String(j.stage + 1), j.name, thresholdText(j.threshold), String(j.calibration_points), pct(j.agreement), '85%', pct(j.coverage), String(j.accepted), String(j.escalated)]);
    }
    await page.locator('.panel', { has: page.locator('#rr-title') }).screenshot({ path: path.join(SCREENSHOTS, 'dashboard-routing-report-375.png') });

    // `concord report` prints the same as a table.
    const cli = formatReport(report);
    expect(cli).toContain('Routing: judges first, humans where the judge is unsure (target 85% agreement with the humans, with probability ≥ 80%)');
    expect(cli).toContain(`${r.items.judges} items decided by judges, ${r.items.humans} by the humans`);
    expect(cli).toMatch(new RegExp(`│ 1\\s+│ cheap\\s+│ certainty ≥ 90\\s+│ ${report.routing.judges[0]!.calibration_points}\\s+│`));
    expect(errors).toEqual([]);
  });

  test('without certainty, escalate is disabled and the page says why; turning certainty on enables it', async () => {
    const s = suite.server;
    const pid = await makeProject(s, { name: 'No certainty', redundancy: 2 }, pairwiseItems(2));
    const page = await suite.ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${s.url}/projects/${pid}/settings?token=${s.token}`);
    const escalate = page.getByRole('radio', { name: /Escalate: judges first/ });
    await escalate.waitFor();
    expect(await escalate.isDisabled()).toBe(true);
    expect(await text(page.locator('#rt-escalate-note').textContent())).toMatch(/^Escalation needs certainty on \(Settings above: “Ask how sure each annotator is”, then Save settings\)/);
    await page.getByLabel('Ask how sure each annotator is').focus();
    await page.keyboard.press('Space');
    await tabTo(page, 'Save settings');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: /Settings saved/ }).waitFor();
    expect(await escalate.isDisabled()).toBe(false);
    expect(errors).toEqual([]);
  });
});
