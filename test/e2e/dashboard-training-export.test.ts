/**
 * The dashboard's Export tab with the judge-training kinds (issue 12) in a real chromium. A pairwise project holds
 * the first PandaLM test-set records (test/fixtures/pandalm, README and licence there; imported by its preset with
 * the three annotators' labels) and GPT-3.5's published judgments of them as a judge's labels. The panel's link
 * follows the options chosen; the SFT file it names is fetched from the page's own link (with the admin token, as the
 * panel sends it) and read back record by record; the link itself downloads the same file. Training kinds are
 * offered on pairwise projects only. The Parquet file the link downloads is read back with DuckDB.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { Page } from 'playwright-core';
import { BUILT_IN_TEMPLATES } from '../../judge-worker/templates';
import { jsonl } from '../helpers/server';
import { browserSuite, shot, watchErrors } from './browser';

jest.setTimeout(120_000);

declare const document: any;
declare const window: any;

const suite = browserSuite({ context: { viewport: { width: 1280, height: 900 } } });

const DATA = path.resolve(__dirname, '../fixtures/pandalm');
const read = <T>(f: string): T => JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8')) as T;
interface Row { idx: number; instruction: string; input: string; annotator1: number; annotator2: number; annotator3: number }
/** PandaLM's labels: 0 a tie, 1 response1 (A), 2 response2 (B). */
const VERDICT: Record<string, string> = { '0': 'tie', '1': 'A', '2': 'B' };
const N = 6;
const rows = read<Row[]>('testset-v1.json').slice(0, N);
const gpt = read<Array<{ idx: number; gpt_result: string; gpt_reason: string }>>('gpt-3.5-turbo-testset-v1.json').slice(0, N);

/** The humans' plurality per item from the raw file. */
function majority(r: Row): string {
  const votes = [r.annotator1, r.annotator2, r.annotator3].map((v) => VERDICT[String(v)]!);
  return ['A', 'B', 'tie'].map((v) => [v, votes.filter((x) => x === v).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
}

async function api<T = any>(method: string, route: string, body?: unknown, type?: string): Promise<T> {
  const r = await suite.server.api<T>(method, route, body, type ? { type } : {});
  if (r.status >= 300) throw new Error(`${method} ${route}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function openExport(pid: number, ctx = suite.ctx): Promise<Page> {
  const page = await ctx.newPage();
  await page.goto(`${suite.server.url}/projects/${pid}/export?token=${suite.server.token}`);
  await page.getByRole('heading', { name: 'Export', exact: true }).waitFor();
  return page;
}

/** The download link's URL as the page shows it, fetched as the panel fetches it: with the admin token. */
async function fetchLink(page: Page): Promise<{ href: string; text: string }> {
  const href = (await page.getByRole('link', { name: /^Download / }).getAttribute('href'))!;
  const res = await fetch(new URL(href, suite.server.url), { headers: { authorization: `Bearer ${suite.server.token}` } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${href}: ${res.status} ${text}`);
  return { href, text };
}

let pairwise: number;

beforeAll(async () => {
  pairwise = (await api('POST', '/api/projects', { name: 'PandaLM training', type: 'pairwise' })).id;
  expect(await api('POST', `/api/projects/${pairwise}/items?preset=pandalm`, JSON.stringify(rows), 'application/json')).toEqual({ imported: N, labels: 3 * N });
  const judge = gpt.map((g) => ({ item: String(g.idx), annotator: 'gpt-3.5-turbo', kind: 'llm', value: VERDICT[g.gpt_result] ?? null, rationale: g.gpt_reason, order: 'AB' }));
  expect(await api('POST', `/api/projects/${pairwise}/labels`, jsonl(judge), 'application/x-ndjson')).toEqual({ imported: N });
});

describe('dashboard export panel: judge-training data', () => {
  test('the SFT link follows the options; the file it names holds one example per item and order, with the reference verdict', async () => {
    const page = await openExport(pairwise);
    const errors = watchErrors(page);
    const kinds = page.getByRole('group', { name: 'What to export' }).getByRole('radio');
    await kinds.first().waitFor();
    expect(await kinds.evaluateAll((rs: any[]) => rs.map((r) => r.value))).toEqual(['gold', 'labels', 'sft', 'dpo', 'preference']);
    const link = page.getByRole('link', { name: /^Download / });
    await expect(link.getAttribute('href')).resolves.toBe(`/api/projects/${pairwise}/export?kind=gold&format=jsonl`);

    await page.getByRole('radio', { name: 'SFT (judge fine-tuning)' }).check();
    // The template choice is the built-in pairwise templates that answer with a verdict, as the server takes them.
    const template = page.getByLabel('Prompt template');
    const offered = await template.locator('option').evaluateAll((os: any[]) => os.map((o) => o.value));
    expect(offered).toEqual(['', ...BUILT_IN_TEMPLATES.filter((t) => t.type === 'pairwise' && t.parser === 'verdict').map((t) => t.name)]);
    await template.selectOption('pairwise');
    await page.getByLabel(/Both orders of every item/).check();
    await page.getByRole('radio', { name: 'JSONL' }).check();
    await expect(link.textContent()).resolves.toBe(`Download project-${pairwise}-sft.jsonl`);
    await shot(page, 'dashboard-export-training', true);

    const { href, text } = await fetchLink(page);
    expect(href).toBe(`/api/projects/${pairwise}/export?kind=sft&format=jsonl&template=pairwise&swap=1`);
    const records = text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, any>);
    expect(records).toHaveLength(2 * N);
    expect(new Set(records.map((r) => `${r.id}/${r.order}`)).size).toBe(2 * N);
    const flip: Record<string, string> = { A: 'B', B: 'A', tie: 'C' };
    for (const r of records) {
      const row = rows.find((x) => String(x.idx) === r.id)!;
      const ref = majority(row);
      expect(r.label).toBe(ref);
      expect(r.verdict).toBe(r.order === 'AB' ? (ref === 'tie' ? 'C' : ref) : flip[ref]);
      expect(r.question_body).toBe(row.input ? `${row.instruction}\n\n${row.input}` : row.instruction);
      expect(r.messages[0].role).toBe('system');
      expect(r.messages[0].content).toMatch(/^Please act as an impartial judge/);
      expect(r.messages.at(-1)).toEqual({ role: 'assistant', content: r.text });
      expect(r.text.endsWith(`[[${r.verdict}]]`)).toBe(true);
    }

    // The link downloads that same file (fetched behind the token by the page).
    const [dl] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(dl.suggestedFilename()).toBe(`project-${pairwise}-sft.jsonl`);
    expect(fs.readFileSync((await dl.path())!, 'utf8')).toBe(text);

    // CSV and without the reference answer: the URL follows, the server reads it.
    await page.getByRole('radio', { name: 'CSV' }).check();
    await page.getByLabel(/reference answer in the prompt/).uncheck();
    const csv = await fetchLink(page);
    expect(csv.href).toBe(`/api/projects/${pairwise}/export?kind=sft&format=csv&template=pairwise&swap=1&reference_answer=0`);
    // The same records, JudgeLM's fields among them, one column each.
    expect(csv.text.split('\n')[0]).toBe(Object.keys(records[0]!).join(','));
    expect(Object.keys(records[0]!)).toEqual(expect.arrayContaining(['question_id', 'question_body', 'answer1_body', 'answer2_body', 'score', 'text', 'messages']));

    // Parquet: the same examples, read back by DuckDB from the file the link downloads.
    await page.getByRole('radio', { name: 'Parquet' }).check();
    await expect(link.getAttribute('href')).resolves.toBe(`/api/projects/${pairwise}/export?kind=sft&format=parquet&template=pairwise&swap=1&reference_answer=0`);
    const [pq] = await Promise.all([page.waitForEvent('download'), link.click()]);
    expect(pq.suggestedFilename()).toBe(`project-${pairwise}-sft.parquet`);
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    try {
      const read = (await duck.runAndReadAll(`SELECT id, "order", verdict, label, text FROM read_parquet('${(await pq.path())!}') ORDER BY id, "order"`)).getRowObjectsJson();
      const want = records.map((r) => ({ id: r.id, order: r.order, verdict: r.verdict, label: r.label, text: r.text })).sort((x, y) => `${x.id}/${x.order}`.localeCompare(`${y.id}/${y.order}`));
      expect([...read].sort((x, y) => `${x.id}/${x.order}`.localeCompare(`${y.id}/${y.order}`))).toEqual(want);
    } finally {
      duck.closeSync();
    }

    // Preference pairs read no prompt options: they leave the URL.
    await page.getByRole('radio', { name: 'Preference (reward model)' }).check();
    await page.getByRole('radio', { name: 'CSV' }).check();
    await expect(template.count()).resolves.toBe(0);
    const pref = await fetchLink(page);
    expect(pref.href).toBe(`/api/projects/${pairwise}/export?kind=preference&format=csv`);
    expect(errors).toEqual([]);
    await page.close();
  });

  test('a rating project is offered the gold set and the labels only', async () => {
    const pid = (await api('POST', '/api/projects', { name: 'Ratings', type: 'rating' })).id as number;
    const page = await openExport(pid);
    const radios = page.locator('input[name="exp-kind"]');
    await radios.first().waitFor();
    expect(await radios.evaluateAll((rs: any[]) => rs.map((r) => r.value))).toEqual(['gold', 'labels']);
    await page.getByText('Judge-training data (SFT, DPO, preference pairs) is made from pairwise projects only.').waitFor();
    await page.close();
  });

  test('by keyboard alone: arrows choose the kind, Enter on the link downloads the file', async () => {
    const page = await openExport(pairwise);
    const gold = page.getByRole('radio', { name: 'Gold set' });
    await gold.focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect(page.getByRole('radio', { name: 'SFT (judge fine-tuning)' }).isChecked()).resolves.toBe(true);
    const link = page.getByRole('link', { name: /^Download / });
    await expect(link.getAttribute('href')).resolves.toBe(`/api/projects/${pairwise}/export?kind=sft&format=jsonl`);
    await page.getByLabel(/Both orders of every item/).focus();
    await page.keyboard.press('Space');
    await expect(link.getAttribute('href')).resolves.toBe(`/api/projects/${pairwise}/export?kind=sft&format=jsonl&swap=1`);
    await link.focus();
    const [dl] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    expect(dl.suggestedFilename()).toBe(`project-${pairwise}-sft.jsonl`);
    expect(fs.readFileSync((await dl.path())!, 'utf8').trim().split('\n')).toHaveLength(2 * N);
    await page.close();
  });

  test('at 375 px the export panel fits the screen and every control is labelled', async () => {
    const ctx = await suite.context({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true });
    const page = await openExport(pairwise, ctx);
    await page.getByRole('radio', { name: 'SFT (judge fine-tuning)' }).check();
    await page.getByLabel('Prompt template').waitFor();
    const problems = await page.evaluate(() => {
      const out: string[] = [];
      const w = window.innerWidth;
      if (document.documentElement.scrollWidth > w) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${w}`);
      for (const el of document.querySelectorAll('section[aria-labelledby="exp-title"] :is(select, input, label, a, code)')) {
        const r = el.getBoundingClientRect();
        if (r.width && (r.left < -0.5 || r.right > w + 0.5)) out.push(`${el.tagName} ${el.textContent.slice(0, 30)} spans ${Math.round(r.left)}–${Math.round(r.right)}`);
        if (el.matches('select, input') && !el.labels?.length) out.push(`${el.tagName} ${el.id} has no label`);
      }
      return out;
    });
    expect(problems).toEqual([]);
    await page.close();
  });
});
