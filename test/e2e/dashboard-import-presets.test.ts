/**
 * The dashboard's import box reading published data sets (issue 12) in a real chromium: a PandaLM excerpt (the
 * first records of test/fixtures/pandalm/testset-v1.json, README and licence there) imported by its preset, its
 * items and the three annotators' labels checked through the API and the progress panel; a file of other fields
 * imported with a field map on a rating project (where presets, which make pairwise items, are not offered); a map of
 * the wrong shape stopped before sending, and the server's own errors (an unknown item field, a record's line and
 * field) shown as it words them. At 375 px the box does not scroll sideways.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { IMPORT_PRESETS } from '../../shared/constants';
import { jsonl, tempDir } from '../helpers/server';
import { browserSuite, shot, watchErrors } from './browser';
import { exportedLabels } from './items';

jest.setTimeout(120_000);

declare const document: any;
declare const window: any;

const suite = browserSuite({ context: { viewport: { width: 1280, height: 900 } } });

interface PandaRow { idx: number; instruction: string; input: string; response1: unknown; response2: unknown; annotator1: number; annotator2: number; annotator3: number }
const PANDALM = path.resolve(__dirname, '../fixtures/pandalm/testset-v1.json');
/** PandaLM's labels: 0 a tie, 1 response1 (A), 2 response2 (B), as its README states. */
const VERDICT: Record<string, string> = { '0': 'tie', '1': 'A', '2': 'B' };

async function api<T = any>(method: string, route: string, body?: unknown): Promise<T> {
  const r = await suite.server.api<T>(method, route, body);
  if (r.status >= 300) throw new Error(`${method} ${route}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function openProject(pid: number, ctx = suite.ctx): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${suite.server.url}/projects/${pid}?token=${suite.server.token}`);
  await page.getByRole('heading', { name: 'Import', exact: true }).waitFor();
  return page;
}

const itemsOf = async (pid: number) => (await api<{ items: Array<{ id: string; content: Record<string, any>; meta: Record<string, unknown> | null }> }>('GET', `/api/projects/${pid}/items?limit=100`)).items;

describe('dashboard import presets and field maps', () => {
  test('a PandaLM excerpt chosen as "PandaLM test set" brings its items and its three annotators\' labels', async () => {
    const rows = (JSON.parse(fs.readFileSync(PANDALM, 'utf8')) as PandaRow[]).slice(0, 5);
    const file = path.join(tempDir('concord-pandalm-'), 'pandalm-excerpt.json');
    fs.writeFileSync(file, JSON.stringify(rows));
    const pid = (await api('POST', '/api/projects', { name: 'PandaLM excerpt', type: 'pairwise' })).id as number;
    const page = await openProject(pid);
    const errors = watchErrors(page);

    const format = page.getByLabel('File format');
    // Every preset of the shared list is offered, by its label, and says which fields it reads.
    const offered = await format.locator('option').evaluateAll((os: any[]) => os.map((o) => [o.value, o.textContent.trim()]));
    expect(offered).toEqual([['concord', 'Concord items'], ...IMPORT_PRESETS.map((p) => [p.name, p.label]), ['map', 'Map fields…']]);
    await format.selectOption('pandalm');
    await page.getByText(IMPORT_PRESETS.find((p) => p.name === 'pandalm')!.fields).waitFor();
    await page.locator('#imp-file').setInputFiles(file);
    await page.getByText('5 items and 15 labels imported from pandalm-excerpt.json.').waitFor();
    await shot(page, 'dashboard-import-preset');

    const items = await itemsOf(pid);
    expect(items.map((i) => i.id).sort()).toEqual(rows.map((r) => String(r.idx)).sort());
    const first = items.find((i) => i.id === String(rows[0]!.idx))!;
    expect(first.content.question).toBe(rows[0]!.input ? `${rows[0]!.instruction}\n\n${rows[0]!.input}` : rows[0]!.instruction);
    expect(first.content.answer_a).toBe(String(rows[0]!.response1));
    const labels = await exportedLabels(suite.server, pid);
    const got = labels.map((l) => `${l.item}/${l.annotator}/${l.kind}/${String(l.value)}`).sort();
    const want = rows.flatMap((r) => (['annotator1', 'annotator2', 'annotator3'] as const).map((a) => `${r.idx}/${a}/human/${VERDICT[String(r[a])]}`)).sort();
    expect(got).toEqual(want);
    // The progress panel above counts them too (it refreshes on its own).
    await page.waitForFunction(() => document.querySelector('[data-testid="labels-human"]')?.textContent.trim() === '15', null, { timeout: 20_000 });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a rating project takes a file of other fields through a field map; unmapped fields stay in meta; no preset is offered', async () => {
    const pid = (await api('POST', '/api/projects', { name: 'Mapped ratings', type: 'rating' })).id as number;
    const page = await openProject(pid);
    const errors = watchErrors(page);
    const format = page.getByLabel('File format');
    await format.locator('option').first().waitFor({ state: 'attached' });
    await expect(format.locator('option').evaluateAll((os: any[]) => os.map((o) => o.value))).resolves.toEqual(['concord', 'map']);
    await format.selectOption('map');
    const map = page.getByLabel('Field map');
    await expect(map.getAttribute('placeholder')).resolves.toBe('id=id,question=prompt,answer=response');
    await map.fill('id=uid, question=prompt, answer=response');
    const records = [1, 2, 3].map((i) => ({ uid: `r${i}`, prompt: `Say hello ${i}`, response: `Hello ${i}`, source: 'chat-logs' }));
    await page.locator('#imp-file').setInputFiles({ name: 'logs.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl(records)) });
    await page.getByText('Imported 3 items from logs.jsonl.').waitFor();
    const items = await itemsOf(pid);
    expect(items).toHaveLength(3);
    const one = items.find((i) => i.content.question === 'Say hello 2')!;
    expect(one.content.answer).toBe('Hello 2');
    expect(one.id).toBe('r2');
    expect(one.meta).toEqual({ source: 'chat-logs' });
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a map of the wrong shape is stopped before sending; the server\'s errors are shown as it words them', async () => {
    const pid = (await api('POST', '/api/projects', { name: 'Bad maps', type: 'pairwise' })).id as number;
    const page = await openProject(pid);
    const errors = watchErrors(page);
    await page.getByLabel('File format').selectOption('map');
    const map = page.getByLabel('Field map');
    await expect(map.getAttribute('placeholder')).resolves.toBe('id=id,question=instruction,answer_a=output_1,answer_b=output_2');
    const records = [
      { key: 'p1', instruction: 'Add 2 and 2.', output_1: '4', output_2: '5' },
      { key: 'p2', output_1: 'Paris', output_2: 'Lyon' },
    ];
    const send = () => page.locator('#imp-file').setInputFiles({ name: 'pairs.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl(records)) });

    // Shape: said as soon as the field is left, and again (nothing sent) when a file is chosen.
    await map.fill('question instruction,answer_a=output_1');
    await map.press('Tab');
    const shape = 'The field map: "question instruction" is not target=source (e.g. question=instruction).';
    await page.getByText(shape).waitFor();
    await expect(map.getAttribute('aria-invalid')).resolves.toBe('true');
    await send();
    await page.getByRole('alert').filter({ hasText: shape }).waitFor();
    expect(await itemsOf(pid)).toHaveLength(0);

    // A target that is no item field: the server's sentence.
    await map.fill('id=key,prompt=instruction,answer_a=output_1,answer_b=output_2');
    await send();
    await page.getByRole('alert').filter({ hasText: /^map: "prompt" is not an item field: map to one of .*question.*answer_a/ }).waitFor();

    // A record without the mapped source: its line and field in the problems table, nothing imported.
    await map.fill('id=key,question=instruction,answer_a=output_1,answer_b=output_2');
    await send();
    const table = page.getByRole('table', { name: 'Problems in the file' });
    await table.locator('tbody tr').first().waitFor();
    const rows = await table.locator('tbody tr').evaluateAll((trs: any[]) => trs.map((tr) => [...tr.children].map((c: any) => c.textContent.trim())));
    expect(rows).toEqual([['2', 'question', expect.stringMatching(/^question is required/)]]);
    expect(await itemsOf(pid)).toHaveLength(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('RewardBench pairs take their positions from the seed given, and a seed that is no whole number is refused', async () => {
    const pid = (await api('POST', '/api/projects', { name: 'RewardBench seed', type: 'pairwise' })).id as number;
    const page = await openProject(pid);
    const errors = watchErrors(page);
    await page.getByLabel('File format').selectOption('rewardbench');
    const seed = page.getByLabel("Seed for the answers' positions");
    const records = Array.from({ length: 6 }, (_, i) => ({ id: i + 1, prompt: `Prompt ${i + 1}`, chosen: `Good ${i + 1}`, rejected: `Bad ${i + 1}`, subset: 'demo' }));
    const send = () => page.locator('#imp-file').setInputFiles({ name: 'rb.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl(records)) });
    await seed.fill('1.5');
    await send();
    await page.getByRole('alert').filter({ hasText: 'The seed must be a whole number from 0, not "1.5".' }).waitFor();
    expect(await itemsOf(pid)).toHaveLength(0);
    await seed.fill('7');
    await send();
    await page.getByText('Imported 6 items from rb.jsonl.').waitFor();
    const items = await itemsOf(pid);
    expect(items.map((i) => i.id).sort()).toEqual(records.map((r) => `demo/${r.id}`).sort());
    for (const it of items) {
      const n = it.id.split('/')[1];
      const chosen = it.content.answer_a === `Good ${n}` ? 'A' : 'B';
      expect([it.content[chosen === 'A' ? 'answer_b' : 'answer_a'], it.meta]).toEqual([`Bad ${n}`, { id: Number(n), seed: 7, chosen, subset: 'demo' }]);
    }
    expect(errors).toEqual([]);
    await page.close();
  });

  test('at 375 px the import box with a field map fits the screen, every control is labelled and reached by keyboard', async () => {
    const pid = (await api('POST', '/api/projects', { name: 'Phone import', type: 'pairwise' })).id as number;
    const ctx = await suite.context({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    const page = await openProject(pid, ctx);
    // By keyboard: the format list is reached and changed with keys, the map field follows it in the tab order.
    await page.getByLabel('File format').focus();
    await page.keyboard.press('End');
    await expect(page.getByLabel('File format').inputValue()).resolves.toBe('map');
    await page.keyboard.press('Tab');
    await page.keyboard.type('question=instruction');
    await expect(page.getByLabel('Field map').inputValue()).resolves.toBe('question=instruction');
    const problems = await page.evaluate(() => {
      const out: string[] = [];
      const w = window.innerWidth;
      if (document.documentElement.scrollWidth > w) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${w}`);
      for (const el of document.querySelectorAll('section[aria-labelledby="import-title"] :is(select, input:not(.sr-only), label, button)')) {
        const r = el.getBoundingClientRect();
        if (r.width && (r.left < -0.5 || r.right > w + 0.5)) out.push(`${el.tagName} ${el.id} spans ${Math.round(r.left)}–${Math.round(r.right)}`);
        if (el.matches('select, input') && !el.labels?.length) out.push(`${el.tagName} ${el.id} has no label`);
      }
      return out;
    });
    expect(problems).toEqual([]);
    await shot(page, 'dashboard-import-map-375');
    await page.close();
  });
});
