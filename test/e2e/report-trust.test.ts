/**
 * The report's trust sections (issue 10) in a real chromium: the consensus method and competence, judges compared,
 * the alternative annotator test, the certified threshold, slices by an item meta key, and the project's
 * aggregation setting. Every number on the page is checked against the report JSON the API gives for the same
 * settings, formatted by the page's own functions (client/src/dashboard/report/format.ts).
 */
import type { Locator, Page } from 'playwright-core';
import type { ReportJson } from '../../shared/stats/report/json';
import { certaintyValue, fixed, formatP, percent } from '../../client/src/dashboard/report/format';
import { jsonl, makeProject, pairwiseItems } from '../helpers/server';
import { browserSuite, shot, watchErrors } from './browser';

jest.setTimeout(180_000);

declare const document: any;

const suite = browserSuite({ context: { viewport: { width: 1280, height: 900 } } });

const CATEGORIES = ['math', 'code', 'writing'];
const N = 60;

/** A small deterministic generator (an LCG), so the seeded study is the same on every run. */
function lcg(seed: number) {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

/**
 * Four careful humans (each wrong on a different tenth of the items), one careless one who answers at random, a
 * sharp judge whose certainty is high when right and low when wrong, and a rough judge right three times in four.
 */
function study() {
  const rand = lcg(7);
  const truth = Array.from({ length: N }, () => (rand() < 0.5 ? 'A' : 'B'));
  const flip = (v: string) => (v === 'A' ? 'B' : 'A');
  const items = pairwiseItems(N, (i) => ({ meta: { category: CATEGORIES[i % 3] } }));
  const labels = items.flatMap((it, i) => {
    const t = truth[i]!;
    const humans = [1, 2, 3, 4].map((h) => ({ item: it.id, annotator: `human-${h}`, value: i % 10 === h ? flip(t) : t, certainty: 80 }));
    const sharpRight = i % 8 !== 3;
    return [
      ...humans,
      { item: it.id, annotator: 'careless', value: rand() < 0.5 ? 'A' : 'B', certainty: 50 },
      { item: it.id, annotator: 'judge-sharp', kind: 'llm', order: 'AB', value: sharpRight ? t : flip(t), certainty: sharpRight ? 70 + (i % 30) : 40 + (i % 20) },
      { item: it.id, annotator: 'judge-rough', kind: 'llm', order: 'AB', value: i % 4 === 0 ? flip(t) : t, certainty: 50 + (i % 50) },
    ];
  });
  return { items, labels };
}

async function seed(): Promise<number> {
  const { items, labels } = study();
  const pid = await makeProject(suite.server, { name: 'Trust study', certainty: true, redundancy: 5 }, items);
  const r = await suite.server.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  if (r.status !== 200) throw new Error(`labels import failed: ${JSON.stringify(r.body)}`);
  return pid;
}

const reportJson = async (pid: number, query: string): Promise<ReportJson> => {
  const r = await suite.server.api<ReportJson>('GET', `/api/projects/${pid}/report?${query}`);
  expect(r.status).toBe(200);
  return r.body;
};

/** A table's rows as the text of their cells (header cells too), whitespace collapsed. */
const rowsOf = (table: Locator): Promise<string[][]> =>
  table.evaluate((t: any) => [...t.querySelectorAll('tbody tr')].map((tr: any) => [...tr.children].map((c: any) => c.textContent.replace(/\s+/g, ' ').trim())));
const headersOf = (table: Locator): Promise<string[]> => table.evaluate((t: any) => [...t.querySelectorAll('thead th')].map((c: any) => c.textContent.trim()));

/** Waits until `fn` over the page's table returns true (the report refetches after a debounce). */
async function until(what: string, fn: () => Promise<boolean>, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await fn().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function openReport(pid: number): Promise<Page> {
  const page = await suite.ctx.newPage();
  await page.goto(`${suite.server.url}/projects/${pid}/report?token=${suite.server.token}`);
  await page.getByRole('heading', { name: 'Human agreement' }).waitFor({ timeout: 20_000 });
  return page;
}

const DEFAULTS = 'epsilon=0.2&target=0.9&delta=0.1&min_items=30';

describe('report trust sections', () => {
  let pid: number;
  beforeAll(async () => {
    pid = await seed();
  });

  test('MACE flags the careless annotator; slices, comparisons, alt-test and certified threshold show the JSON', async () => {
    const page = await openReport(pid);
    const errors = watchErrors(page);
    const annotators = page.getByRole('table', { name: 'Annotators' });
    expect(await headersOf(annotators)).not.toContain('Competence');

    await page.getByLabel('Consensus method').selectOption('mace');
    const mace = await reportJson(pid, `method=mace&${DEFAULTS}`);
    expect(mace.aggregation.method).toBe('mace');
    await until('the competence column', async () => (await headersOf(annotators)).includes('Competence'));
    const col = (await headersOf(annotators)).indexOf('Competence');
    const rows = await rowsOf(annotators);
    for (const a of mace.annotators) {
      const row = rows.find((r) => r[0]!.startsWith(a.annotator))!;
      expect(row[col]).toBe(fixed(a.competence));
      expect(row[0]!.includes('spammer')).toBe(a.spammer === true);
    }
    expect(mace.annotators.find((a) => a.annotator === 'careless')!.spammer).toBe(true);
    await expect(page.locator('tr.spammer').count()).resolves.toBe(mace.aggregation.spammers);
    await expect(page.getByTestId('aggregation').textContent()).resolves.toMatch(new RegExp(`MACE: ${mace.aggregation.items} items .*${mace.aggregation.spammers} annotators? flagged`));
    await page.getByRole('figure').filter({ hasText: "Annotators' competence (MACE)" }).locator('svg').waitFor();

    await page.getByLabel('Slice by').selectOption('category');
    const sliced = await reportJson(pid, `method=mace&by=category&${DEFAULTS}`);
    const table = page.getByRole('table', { name: 'By category' });
    await table.waitFor({ timeout: 20_000 });
    const groups = sliced.slices!.groups;
    expect(groups.map((g) => g.value).sort()).toEqual([...CATEGORIES].sort());
    expect((await headersOf(table)).slice(1)).toEqual(groups.map((g) => String(g.value)));
    const sliceRows = await rowsOf(table);
    for (const j of sliced.judges) {
      const row = sliceRows.find((r) => r[0] === j.annotator)!;
      groups.forEach((g, k) => {
        const c = g.judges.find((x) => x.annotator === j.annotator)!.vs_majority;
        expect(row[k + 1]).toBe(`${percent(c.accuracy)} n ${c.n}`);
      });
    }
    const heat = page.getByRole('figure').filter({ hasText: "Judges' accuracy by category" });
    await heat.locator('svg').waitFor();
    const heatText = await heat.locator('svg').textContent();
    for (const g of groups) {
      expect(heatText).toContain(String(g.value));
      for (const j of g.judges) expect(heatText).toContain(`${Math.round(j.vs_majority.accuracy! * 100)}%`);
    }

    const comparisons = await rowsOf(page.getByRole('table', { name: 'Comparisons' }));
    expect(comparisons).toHaveLength(sliced.comparisons.length);
    sliced.comparisons.forEach((c, i) => {
      expect(comparisons[i]!.slice(0, 4)).toEqual([c.a, c.b_kind === 'humans' ? 'humans (pooled)' : c.b, c.reference, String(c.n)]);
      expect(comparisons[i]![7]).toBe(`${formatP(c.mcnemar_p)}${c.mcnemar_p !== null && c.mcnemar_p < 0.05 ? ' significant' : ''}`);
    });
    expect(sliced.comparisons.some((c) => c.mcnemar_p !== null && c.mcnemar_p < 0.05)).toBe(true);

    const alt = await rowsOf(page.getByRole('table', { name: /alternative annotator test/ }).first());
    for (const j of sliced.judges) {
      const row = alt.find((r) => r[0] === j.annotator)!;
      const t = j.alt_test!;
      expect(row.slice(1)).toEqual([String(t.epsilon), String(t.annotators), String(t.items), fixed(t.winning_rate), fixed(t.advantage_probability), t.passed ? 'passed' : 'failed']);
    }
    // The per-human rows fold out from the keyboard (a <details> summary).
    await page.getByText('judge-sharp: each human tested').focus();
    await page.keyboard.press('Enter');
    const perHuman = await rowsOf(page.getByRole('table', { name: 'judge-sharp: alternative annotator test per human' }));
    expect(perHuman.map((r) => [r[0], r[4]])).toEqual(sliced.judges.find((j) => j.annotator === 'judge-sharp')!.alt_test!.per_annotator.map((a) => [a.annotator, formatP(a.p_value)]));

    const certified = page.getByRole('table', { name: 'Certified certainty threshold' });
    const thresholdOf = async (judge: string) => (await rowsOf(certified)).find((r) => r[0] === judge)![3];
    const shown = (s: ReportJson['judges'][number]['selective']) => (s!.threshold === null ? 'none certified' : certaintyValue(s!.threshold));
    const sharp90 = sliced.judges.find((j) => j.annotator === 'judge-sharp')!.selective!;
    expect((await rowsOf(certified)).find((r) => r[0] === 'judge-sharp')).toEqual(['judge-sharp', percent(0.9), '0.1', shown(sharp90), String(sharp90.calibration_items), percent(sharp90.coverage), percent(sharp90.agreement)]);
    await page.getByRole('figure').filter({ hasText: 'judge-sharp: coverage and the certified threshold' }).locator('svg').waitFor();
    await shot(page, 'report-trust', true);

    await page.getByLabel('target agreement').fill('0.7');
    const sharp70 = (await reportJson(pid, `method=mace&by=category&epsilon=0.2&target=0.7&delta=0.1&min_items=30`)).judges.find((j) => j.annotator === 'judge-sharp')!.selective!;
    expect(shown(sharp70)).not.toBe(shown(sharp90));
    await until('the threshold for target 0.7', async () => (await thresholdOf('judge-sharp')) === shown(sharp70));
    expect(errors).toEqual([]);
  });

  test('on a 375-px screen the report does not widen the page: its tables scroll sideways', async () => {
    const ctx = await suite.context({ viewport: { width: 375, height: 800 } });
    const page = await ctx.newPage();
    await page.goto(`${suite.server.url}/projects/${pid}/report?token=${suite.server.token}`);
    await page.getByRole('table', { name: 'Comparisons' }).waitFor({ timeout: 20_000 });
    await page.getByLabel('Slice by').selectOption('category');
    await page.getByRole('table', { name: 'By category' }).waitFor({ timeout: 20_000 });
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
  });

  test('the Settings tab saves the consensus method, and the report then opens with it', async () => {
    const page = await suite.ctx.newPage();
    await page.goto(`${suite.server.url}/projects/${pid}/settings?token=${suite.server.token}`);
    const select = page.getByLabel('Consensus label for the report and gold export');
    await expect(select.inputValue()).resolves.toBe('majority');
    await select.selectOption('dawid-skene');
    const [res] = await Promise.all([page.waitForResponse((r) => r.request().method() === 'PATCH'), page.getByRole('button', { name: 'Save settings' }).click()]);
    expect(res.status()).toBe(200);
    expect(res.request().postDataJSON()).toMatchObject({ aggregation: 'dawid-skene' });
    await page.reload();
    await expect(page.getByLabel('Consensus label for the report and gold export').inputValue()).resolves.toBe('dawid-skene');
    expect((await suite.server.api('GET', `/api/projects/${pid}`)).body.aggregation).toBe('dawid-skene');
    await page.getByRole('link', { name: 'Report' }).click();
    await expect(page.getByLabel('Consensus method').inputValue()).resolves.toBe('dawid-skene');
    await expect(page.getByTestId('aggregation').textContent()).resolves.toMatch(/Dawid–Skene/);
  });
});
