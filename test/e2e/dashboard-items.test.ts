/**
 * The dashboard with the items of issue 11 in a real chromium: a ranking project made in the form, its items
 * imported with an image folder through the import box (one multipart upload), rankings and images shown in
 * Disagreements (the stored image fetched behind the admin token), a ranking adjudicated by typing it, the report's
 * ranking section checked against the report JSON; pairs of conversations dropped on the import box with a zip of
 * their image, shown whole with the judged turn marked, and the report sliced by turn. Labels are seeded through the
 * REST label import, as a study's earlier labels would be.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type { Locator, Page } from 'playwright-core';
import type { ReportJson } from '../../shared/stats/report/json';
import { fixed, percent, points } from '../../client/src/dashboard/report/format';
import { jsonl, tempDir } from '../helpers/server';
import { zip } from '../unit/imports/zip-writer';
import { browserSuite, shot, watchErrors } from './browser';

jest.setTimeout(180_000);

declare const document: any;
declare const DataTransfer: any;
declare const DragEvent: any;

const suite = browserSuite({ context: { viewport: { width: 1280, height: 900 } } });

/** A w × h PNG of one colour (RGB, no filter), written by hand so the test needs no image file. */
function png(w: number, h: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  const row = Buffer.concat([Buffer.from([0]), Buffer.alloc(w * 3).map((_, i) => rgb[i % 3]!)]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

const CAT = png(24, 16, [120, 120, 130]);
const CHART = png(20, 12, [30, 90, 200]);

/** Ranking items: three answers each, the first with an image from the folder and a gold ranking with a tie. */
const RANKED = Array.from({ length: 6 }, (_, i) => ({
  id: `r${i + 1}`,
  question: `Which caption fits picture ${i + 1} best?`,
  answers: [`A cat on a mat ${i + 1}`, `A dog in fog ${i + 1}`, `A grey square ${i + 1}`],
  ...(i === 0 ? { images: [{ src: 'img/cat.png', alt: 'A grey rectangle' }], gold: [[2], [0, 1]] } : {}),
}));

/** Human rankings (item frame): h1 and h2 agree, h3 differs on odd items. */
const HUMAN: Record<string, (i: number) => number[][]> = {
  h1: () => [[2], [0], [1]],
  h2: (i) => (i === 0 ? [[2], [1], [0]] : [[2], [0], [1]]),
  h3: (i) => (i % 2 ? [[0], [2], [1]] : [[2], [0, 1]]),
};

/** A judge that always ranks the answer shown first at the top: every display order recorded as a permutation. */
function judgeLabels() {
  const orders = [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
  ];
  return RANKED.map((it, i) => {
    const perm = orders[i % 3]!;
    return { item: it.id, annotator: 'first-judge', kind: 'llm', value: perm.map((a) => [a]), permutation: perm, sample: 0 };
  });
}

/** Pairwise conversations: two user turns, a tool call in the second, an image in the first user turn. */
const CONVERSATIONS = Array.from({ length: 4 }, (_, i) => {
  const user1 = { role: 'user', content: `Look at chart ${i + 1}: what does it show?`, images: ['chart.png'] };
  const user2 = { role: 'user', content: `And the trend for item ${i + 1}?` };
  return {
    id: `c${i + 1}`,
    turn: i < 2 ? 1 : 2,
    conversation_a: [
      { role: 'system', content: 'You are a careful analyst.' },
      user1,
      { role: 'assistant', content: `A blue bar, chart ${i + 1}.` },
      user2,
      { role: 'assistant', content: null, tool_calls: [{ id: `call_${i}`, type: 'function', function: { name: 'trend', arguments: '{"series":"blue"}' } }] },
      { role: 'tool', tool_call_id: `call_${i}`, content: 'rising' },
      { role: 'assistant', content: `It is rising (${i + 1}).` },
    ],
    conversation_b: [user1, { role: 'assistant', content: `Nothing much (${i + 1}).` }, user2, { role: 'assistant', content: 'Flat.' }],
  };
});

async function api<T = any>(method: string, route: string, body?: unknown, type?: string): Promise<T> {
  const r = await suite.server.api<T>(method, route, body, type ? { type } : {});
  if (r.status >= 300) throw new Error(`${method} ${route}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

async function openDashboard(route: string): Promise<Page> {
  const page = await suite.ctx.newPage();
  await page.goto(`${suite.server.url}${route}?token=${suite.server.token}`);
  return page;
}

const rowsOf = (table: Locator): Promise<string[][]> =>
  table.evaluate((t: any) => [...t.querySelectorAll('tbody tr')].map((tr: any) => [...tr.children].map((c: any) => c.textContent.replace(/\s+/g, ' ').trim())));

/** Waits until an `<img>` has loaded its picture, and returns its src and natural size. */
async function loaded(img: Locator): Promise<{ src: string; width: number; height: number }> {
  await img.waitFor();
  await img.evaluate((el: any) => (el.complete && el.naturalWidth ? null : new Promise((res, rej) => ((el.onload = res), (el.onerror = rej)))));
  return img.evaluate((el: any) => ({ src: el.src as string, width: el.naturalWidth as number, height: el.naturalHeight as number }));
}

describe('dashboard with rankings, conversations and images', () => {
  test('a ranking project made in the form takes items with an image folder, shows rankings and the image, and reports Kendall W and the judge', async () => {
    const page = await openDashboard('/');
    const errors = watchErrors(page);
    await page.getByRole('button', { name: 'New project' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Caption ranking');
    await page.getByLabel('Type').selectOption('ranking');
    await page.getByText('Each item brings its own answers').waitFor();
    await page.getByLabel('Human labels per item').fill('3');
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { level: 1, name: 'Caption ranking' }).waitFor();
    const pid = Number(/\/projects\/(\d+)$/.exec(page.url())![1]);
    expect((await api('GET', `/api/projects/${pid}`)).type).toBe('ranking');
    await expect(page.locator('p.muted.small').first().textContent()).resolves.toMatch(/^\s*Ranking\s*· 3 human labels per item/);

    // The image folder first (named as the items name it, relative to the folder), then the items file.
    const dir = tempDir('concord-images-');
    fs.mkdirSync(path.join(dir, 'images', 'img'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'images', 'img', 'cat.png'), CAT);
    await page.locator('#imp-folder').setInputFiles(path.join(dir, 'images'));
    await page.getByText(/1 file \(.*\) ready: img\/cat\.png/).waitFor();
    await page.locator('#imp-file').setInputFiles({ name: 'captions.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl(RANKED)) });
    await page.getByText(`Imported ${RANKED.length} items from captions.jsonl with 1 image file.`).waitFor();
    const listed = await api<{ items: { id: string; content: { images?: { src: string; name?: string; alt?: string }[] } }[] }>('GET', `/api/projects/${pid}/items?limit=10`);
    const stored = listed.items.find((i) => i.id === 'r1')!.content.images![0]!;
    expect(stored.src).toMatch(/^file:[0-9a-f]{64}$/);
    expect(stored.alt).toBe('A grey rectangle');

    const humans = RANKED.flatMap((it, i) => Object.entries(HUMAN).map(([h, f]) => ({ item: it.id, annotator: h, value: f(i) })));
    await api('POST', `/api/projects/${pid}/labels`, jsonl([...humans, ...judgeLabels()]), 'application/x-ndjson');

    // Disagreements: the ranking item, its labels in words, the image fetched behind the token.
    await page.getByRole('link', { name: 'Disagreements' }).click();
    const item = page.locator('article.item').filter({ has: page.getByRole('heading', { name: 'Item r1' }) });
    await item.waitFor();
    const labels = await rowsOf(item.getByRole('table', { name: 'Labels of item r1' }));
    expect(labels.find((r) => r[0] === 'h1')![1]).toBe('3 > 1 > 2');
    expect(labels.find((r) => r[0] === 'h3')![1]).toBe('3 > 1 = 2');
    await expect(item.getByText(/gold 3 > 1 = 2/).count()).resolves.toBe(1);
    await item.locator('summary').click();
    const answers = item.getByRole('list', { name: 'Answers' }).locator('li');
    // The item's body is drawn once it is unfolded: wait for it before counting.
    await answers.first().waitFor();
    await expect(answers.count()).resolves.toBe(3);
    await expect(answers.nth(2).textContent()).resolves.toMatch(/1st\s*A grey square 1/);
    await expect(answers.nth(0).textContent()).resolves.toMatch(/=2nd\s*A cat on a mat 1/);
    const img = item.getByRole('img', { name: 'A grey rectangle' });
    const shown = await loaded(img);
    expect(shown.src).toMatch(/^blob:/);
    expect([shown.width, shown.height]).toEqual([24, 16]);

    // A ranking typed in the item's numbering is stored in its indexes.
    await item.getByLabel('Final label').fill('2 > 1 = 3');
    await item.getByRole('button', { name: 'Adjudicate' }).click();
    await item.getByText('Adjudicated: 2 > 1 = 3').waitFor();
    await item.getByLabel('Final label').fill('2 > 2');
    await item.getByRole('button', { name: 'Adjudicate' }).click();
    await item.getByText('The ranking: answer 2 appears twice.').waitFor();

    // The report's ranking section, number for number against the JSON.
    await page.getByRole('link', { name: 'Report' }).click();
    const section = page.getByTestId('ranking');
    await section.waitFor({ timeout: 20_000 });
    const report = await api<ReportJson>('GET', `/api/projects/${pid}/report`);
    expect(report.humans.kendall_w_items).toBe(RANKED.length);
    const concord = await rowsOf(section.getByRole('table', { name: 'Human concordance' }));
    expect(concord.map((r) => r[1])).toEqual([fixed(report.humans.kendall_w), String(report.humans.kendall_w_items), String(report.project.answer_pairs)]);
    expect(report.project.answer_pairs).toBe(RANKED.length * 3);
    const j = report.judges.find((x) => x.annotator === 'first-judge')!.ranking!;
    expect(j.first_position_rate).toBe(1);
    const row = (await rowsOf(section.getByRole('table', { name: "Judges' rankings" }))).find((r) => r[0] === 'first-judge')!;
    expect(row).toEqual([
      'first-judge',
      String(j.rankings),
      String(j.items),
      fixed(j.kendall_tau_b),
      percent(j.top1_accuracy),
      j.gold ? String(j.gold.items) : '—',
      j.gold ? fixed(j.gold.kendall_tau_b) : '—',
      j.gold ? percent(j.gold.top1_accuracy) : '—',
      percent(j.first_position_rate),
      percent(j.first_position_expected),
      points(j.first_position_rate! - j.first_position_expected!),
    ]);
    await section.evaluate((el: any) => el.scrollIntoView({ block: 'start' }));
    await shot(page, 'report-ranking');
    expect(errors).toEqual([]);
  });

  test('conversations dropped with a zip of their image show whole with the judged turn, and the report slices by turn', async () => {
    const created = await api<{ id: number }>('POST', '/api/projects', { name: 'Chart talk', type: 'pairwise', redundancy: 3 });
    const pid = created.id;
    const page = await openDashboard(`/projects/${pid}`);
    const errors = watchErrors(page);
    await page.getByRole('heading', { level: 1, name: 'Chart talk' }).waitFor();
    // The items file and a zip dropped together: one multipart upload, the zip's entries named by their path in it.
    const archive = zip([{ name: 'chart.png', data: CHART, deflate: true }]);
    await page.evaluate(
      ({ items, archive }) => {
        const dt = new DataTransfer();
        dt.items.add(new File([items], 'talk.jsonl', { type: 'application/x-ndjson' }));
        dt.items.add(new File([new Uint8Array(archive)], 'charts.zip', { type: 'application/zip' }));
        const zone = document.querySelector('[aria-label="Drop a file to import"]');
        zone.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { items: jsonl(CONVERSATIONS), archive: [...archive] },
    );
    await page.getByText(`Imported ${CONVERSATIONS.length} items from talk.jsonl with 1 image file.`).waitFor();
    const labels = CONVERSATIONS.flatMap((c, i) => [
      ...['h1', 'h2', 'h3'].map((h, k) => ({ item: c.id, annotator: h, value: k === 2 && i % 2 ? 'B' : 'A' })),
      { item: c.id, annotator: 'judge', kind: 'llm', order: 'AB', value: i < 2 ? 'A' : 'B' },
    ]);
    await api('POST', `/api/projects/${pid}/labels`, jsonl(labels), 'application/x-ndjson');

    await page.getByRole('link', { name: 'Disagreements' }).click();
    const item = page.locator('article.item').filter({ has: page.getByRole('heading', { name: 'Item c4' }) });
    await item.waitFor();
    await item.locator('summary', { hasText: 'Conversation · 1 image' }).click();
    const a = item.getByRole('list', { name: 'Conversation A' });
    await a.waitFor();
    // The judged reply is tagged; earlier turns (the system prompt, turn 1 with its image) are context.
    await expect(a.locator('li', { hasText: "A's reply · judged" }).last().textContent()).resolves.toContain('It is rising (4).');
    await expect(a.locator('li[data-place="context"]').first().textContent()).resolves.toMatch(/System/);
    const b = item.getByRole('list', { name: 'Conversation B' });
    await expect(b.locator('li', { hasText: "B's reply · judged" }).last().textContent()).resolves.toContain('Flat.');
    const chart = await loaded(a.locator('img').first());
    expect(chart.src).toMatch(/^blob:/);
    expect([chart.width, chart.height]).toEqual([20, 12]);

    // On a 375-px phone the two conversations stack and nothing runs off the side of the page.
    await page.setViewportSize({ width: 375, height: 800 });
    await expect(page.evaluate(() => document.scrollingElement.scrollWidth)).resolves.toBeLessThanOrEqual(375);
    const [boxA, boxB] = await Promise.all([a.boundingBox(), b.boundingBox()]);
    expect(boxB!.y).toBeGreaterThanOrEqual(boxA!.y + boxA!.height);
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('link', { name: 'Report' }).click();
    await page.getByRole('heading', { name: 'Human agreement' }).waitFor({ timeout: 20_000 });
    await page.getByLabel('Slice by').locator('option[value="turn"]').waitFor({ state: 'attached' });
    await page.getByLabel('Slice by').selectOption('turn');
    const table = page.getByRole('table', { name: 'By turn' });
    await table.waitFor({ timeout: 20_000 });
    const sliced = await api<ReportJson>('GET', `/api/projects/${pid}/report?by=turn`);
    expect(sliced.slices!.groups.map((g) => [g.value, g.items])).toEqual([
      [1, 2],
      [2, 2],
    ]);
    const rows = await rowsOf(table);
    const judge = rows.find((r) => r[0] === 'judge')!;
    sliced.slices!.groups.forEach((g, k) => {
      const c = g.judges.find((x) => x.annotator === 'judge')!.vs_majority;
      expect(judge[k + 1]).toBe(`${percent(c.accuracy)} n ${c.n}`);
    });
    expect(errors).toEqual([]);
  });
});
