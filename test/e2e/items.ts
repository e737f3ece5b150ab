/**
 * What the end-to-end tests of the three kinds of item (issue 11: conversations, rankings, images) share: submitting
 * and waiting for the next task, the labels export read back, a judge run to its end through the mock endpoint, and
 * the 375 px checks (no sideways scroll, every control inside the screen).
 */
import type { Page } from 'playwright-core';
import { until } from '../helpers/judges';
import type { TestServer } from '../helpers/server';
import { currentItem } from './browser';

declare const document: any;
declare const window: any;

/** Presses Enter and waits for the next task (or the end screen). */
export async function submitByEnter(page: Page): Promise<void> {
  const before = await currentItem(page);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (prev) => document.querySelector('article.task')?.getAttribute('data-item') !== prev || document.getElementById('end-title'),
    before,
    { timeout: 10_000 },
  );
}

export interface ExportedLabel {
  item: string;
  annotator: string;
  kind: 'human' | 'llm';
  value: unknown;
  order: string | null;
  sample: number;
  raw_output: string | null;
  [k: string]: unknown;
}

/** The labels export (JSONL) read back; a ranking stored as its JSON text is read into its groups. */
export async function exportedLabels(s: TestServer, pid: number): Promise<ExportedLabel[]> {
  const res = await fetch(`${s.url}/api/projects/${pid}/export?kind=labels`, { headers: { authorization: `Bearer ${s.token}` } });
  if (res.status !== 200) throw new Error(`labels export: ${res.status} ${await res.text()}`);
  const text = (await res.text()).trim();
  if (!text) return [];
  return text.split('\n').map((l) => {
    const r = JSON.parse(l) as ExportedLabel;
    if (typeof r.value === 'string' && r.value.startsWith('[')) r.value = JSON.parse(r.value);
    return r;
  });
}

/** The gold export (JSONL): one record per item with a consensus. */
export async function exportedGold(s: TestServer, pid: number, query = ''): Promise<Array<Record<string, any>>> {
  const res = await fetch(`${s.url}/api/projects/${pid}/export?kind=gold${query}`, { headers: { authorization: `Bearer ${s.token}` } });
  if (res.status !== 200) throw new Error(`gold export: ${res.status} ${await res.text()}`);
  const text = (await res.text()).trim();
  return text ? text.split('\n').map((l) => JSON.parse(l) as Record<string, any>) : [];
}

/** Registers a judge on the mock endpoint, runs it inside the server and waits until it is done. */
export async function runJudge(s: TestServer, pid: number, config: Record<string, unknown>): Promise<Record<string, any>> {
  const created = await s.api('POST', `/api/projects/${pid}/judges`, config);
  if (created.status !== 201) throw new Error(`judge: ${created.status} ${JSON.stringify(created.body)}`);
  const id = created.body.id as number;
  const run = await s.api('POST', `/api/projects/${pid}/judges/${id}/run`);
  if (run.status !== 202) throw new Error(`judge run: ${run.status} ${JSON.stringify(run.body)}`);
  const judges = async () => ((await s.api('GET', `/api/projects/${pid}/judges`)).body.judges as Array<Record<string, any>>).find((j) => j.id === id)!;
  const row = await until(judges, (j) => j.state !== 'running' && j.state !== 'idle', 1500);
  if (row.state !== 'done') throw new Error(`judge ended ${row.state}: ${row.last_error}`);
  return row;
}

/**
 * At 375 px: the page does not scroll sideways, and every visible control and image of the task lies within the
 * screen's width. Returns the offending elements (empty when the layout holds).
 */
export async function overflowAt375(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const w = window.innerWidth;
    if (document.documentElement.scrollWidth > w) out.push(`page scrolls sideways: ${document.documentElement.scrollWidth} > ${w}`);
    for (const el of document.querySelectorAll('article.task button, article.task img, article.task .md, article.task section, article.task li, footer.legend-bar')) {
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      // Inside a box that scrolls sideways on purpose (code blocks, tool output) is fine.
      if (el.closest('pre')) continue;
      if (r.left < -0.5 || r.right > w + 0.5) out.push(`${el.tagName.toLowerCase()}.${String(el.className).split(' ')[0]} spans ${Math.round(r.left)}–${Math.round(r.right)} of ${w}`);
    }
    return out;
  });
}
