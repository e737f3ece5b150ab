/**
 * Images from import to export in a real chromium: items with images (on the item, a stored PNG and a remote http
 * URL; on a conversation's user turn, a stored GIF) are imported with their files in one multipart upload (REST); a
 * person sees them, zooms by Z and by click (← → between images, Escape closes) and labels by keyboard; a phone at
 * 375 px shows them within the screen; a vision judge gets them through the mock OpenAI endpoint as image_url parts
 * (data: URLs of the stored bytes, the remote URL as given); the labels export holds both in the item's frame.
 * Markdown in the item's text still loads no image (the Content-Security-Policy allows http(s) images for `images`).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import type { Page } from 'playwright-core';
import { imageParts, promptText, startMockOpenAI, verdict, type MockOpenAI, type MockRequest } from '../helpers/mock-openai';
import { invite, jsonl, makeProject } from '../helpers/server';
import { browserSuite, currentItem, shot, watchErrors } from './browser';
import { exportedLabels, overflowAt375, runJudge, submitByEnter } from './items';

jest.setTimeout(180_000);

declare const document: any;

const suite = browserSuite();
let mock: MockOpenAI;

/** CRC-32 (ISO-HDLC, as PNG chunks use it). */
function crc32(b: Buffer): number {
  let c = ~0;
  for (const x of b) {
    c ^= x;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}

/** A real w×h RGB PNG: a red square on a pale blue ground, so a screenshot shows it. */
function png(w: number, h: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const t = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(t));
    return Buffer.concat([len, t, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = Buffer.alloc(h * (1 + 3 * w));
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const inside = x > w / 4 && x < (3 * w) / 4 && y > h / 4 && y < (3 * h) / 4;
      rows.set(inside ? [200, 30, 30] : [220, 232, 246], y * (1 + 3 * w) + 1 + 3 * x);
    }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}

const PNG = png(96, 64);
const GIF = Buffer.from('R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==', 'base64');
const dataUrl = (type: string, b: Buffer) => `data:${type};base64,${b.toString('base64')}`;

/** A server somewhere else (another origin) with a picture: what an item's http URL points at. */
let pictures: http.Server;
let picturesUrl = '';
const pictureRequests: string[] = [];

const BEST = 'BETTER';
function items() {
  return [
    {
      id: 'i1',
      question: `What does the picture show? ![tracker](${picturesUrl}/tracker.png)`,
      answer_a: `${BEST}: a red square on a pale blue ground.`,
      answer_b: 'A cat on a sofa.',
      images: ['img/square.png', { src: `${picturesUrl}/remote.png`, alt: 'the same square, from another server' }],
    },
    {
      id: 'i2',
      conversation_a: [
        { role: 'user', content: 'What colour is this pixel?', images: [{ src: 'img/pixel.gif', alt: 'one white pixel' }] },
        { role: 'assistant', content: 'Black.' },
      ],
      conversation_b: [
        { role: 'user', content: 'What colour is this pixel?', images: [{ src: 'img/pixel.gif', alt: 'one white pixel' }] },
        { role: 'assistant', content: `${BEST}: white.` },
      ],
    },
  ];
}
const BETTER: Record<string, 'A' | 'B'> = { i1: 'A', i2: 'B' };

/** A vision judge: picks the side whose answer carries the mark. */
function judgeRule(req: MockRequest) {
  const prompt = promptText(req);
  const b = prompt.search(/\[The Start of Assistant B's Answer\]|<\|The Start of Assistant B's Conversation with User\|>/);
  return verdict(req, prompt.indexOf(BEST) > b ? 'B' : 'A');
}

beforeAll(async () => {
  mock = await startMockOpenAI(judgeRule);
  pictures = http.createServer((req, res) => {
    pictureRequests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'image/png', 'cache-control': 'no-store' }).end(PNG);
  });
  await new Promise<void>((resolve) => pictures.listen(0, '127.0.0.1', resolve));
  picturesUrl = `http://127.0.0.1:${(pictures.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await mock?.close();
  await new Promise((resolve) => pictures?.close(resolve));
});

/** Creates a pairwise project and imports the items with their image files in one multipart upload. */
async function imageProject(): Promise<number> {
  const pid = await makeProject(suite.server, { name: 'Pictures', redundancy: 2 }, []);
  const form = new FormData();
  form.append('items', new Blob([jsonl(items())], { type: 'application/x-ndjson' }), 'items.jsonl');
  form.append('img/square.png', new Blob([PNG]), 'img/square.png');
  form.append('img/pixel.gif', new Blob([GIF]), 'img/pixel.gif');
  const r = await fetch(`${suite.server.url}/api/projects/${pid}/items`, { method: 'POST', headers: { authorization: `Bearer ${suite.server.token}` }, body: form });
  if (r.status !== 200) throw new Error(`import failed: ${r.status} ${await r.text()}`);
  return pid;
}

/** The task's images once every one has loaded: their alt texts, and that each decoded to a real picture. */
async function loadedImages(page: Page): Promise<string[]> {
  await page.waitForFunction(() => [...document.querySelectorAll('article.task img')].every((i: any) => i.complete && i.naturalWidth > 0));
  return page.locator('article.task img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt') ?? ''));
}

const zoom = (page: Page) => page.locator('dialog.zoom');
const caption = (page: Page) => zoom(page).locator('.caption').textContent();

/** Which side on screen (1 = shown first) has the better answer. */
async function betterShown(page: Page): Promise<1 | 2> {
  const texts = await page.locator('article.task .answer, article.task .pair .side').allTextContents();
  return texts[1]!.includes(BEST) ? 2 : 1;
}

describe('image items end to end', () => {
  test('images are shown, zoomed by Z and by click, labelled by keyboard, fit a phone, and reach a vision judge; the export is in the item frame', async () => {
    const pid = await imageProject();
    const token = await invite(suite.server, pid);
    const page = await suite.openAnnotator(token, 'pictures-keys');
    const errors = watchErrors(page);

    for (let n = 0; n < 2; n++) {
      const item = (await currentItem(page))!;
      const alts = await loadedImages(page);
      if (item === 'i1') {
        expect(alts).toEqual(['Image 1 of the item', 'the same square, from another server']);
        // Markdown's image in the question is neither shown nor fetched.
        expect(await page.locator('article.task .md img').count()).toBe(0);
        await shot(page, 'annotator-images');
        await page.keyboard.press('z');
        await zoom(page).waitFor();
        expect(await caption(page)).toBe('Image 1 of the item');
        await page.keyboard.press('ArrowRight');
        expect(await caption(page)).toBe('the same square, from another server');
        await page.waitForFunction(() => (document.querySelector('dialog.zoom img') as any)?.naturalWidth > 0);
        await page.keyboard.press('Escape');
        await expect(zoom(page).count()).resolves.toBe(0);
        // A click on the second picture opens it.
        await page.locator('article.task .image-strip button.thumb').nth(1).click();
        expect(await caption(page)).toBe('the same square, from another server');
        await page.keyboard.press('Escape');
        await expect(zoom(page).count()).resolves.toBe(0);
        await page.locator('article.task').focus();
      } else {
        // A turn's image, in both conversations, numbered once; Z opens it.
        expect(alts).toEqual(['one white pixel', 'one white pixel']);
        await page.keyboard.press('z');
        expect(await caption(page)).toBe('one white pixel');
        // Enter inside the zoom presses its Close button; it does not submit the task.
        await page.keyboard.press('Enter');
        await expect(zoom(page).count()).resolves.toBe(0);
        expect(await currentItem(page)).toBe(item);
      }
      expect(await page.locator('footer.legend-bar').textContent()).toMatch(/zoom the images/);
      await page.keyboard.press((await betterShown(page)) === 1 ? '1' : '2');
      await submitByEnter(page);
    }
    await page.locator('#end-title').waitFor();
    expect(errors).toEqual([]);

    // A phone: pictures and the zoom within the screen.
    const phone = await suite.context({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true });
    const small = await suite.openAnnotator(token, 'pictures-phone', phone);
    for (let n = 0; n < 2; n++) {
      await loadedImages(small);
      expect(await overflowAt375(small)).toEqual([]);
      await small.locator('article.task .image-strip button.thumb').first().tap();
      const box = (await zoom(small).locator('img').boundingBox())!;
      expect(box.x).toBeGreaterThanOrEqual(0);
      expect(box.x + box.width).toBeLessThanOrEqual(375);
      await zoom(small).getByRole('button', { name: /Close/ }).tap();
      await expect(zoom(small).count()).resolves.toBe(0);
      await small.getByRole('button', { name: (await betterShown(small)) === 1 ? 'A is better' : 'B is better' }).tap();
      const before = await currentItem(small);
      await small.getByRole('button', { name: /Submit/ }).tap();
      await small.waitForFunction((prev) => document.querySelector('article.task')?.getAttribute('data-item') !== prev || document.getElementById('end-title'), before);
    }

    // The judge receives the pictures themselves.
    await runJudge(suite.server, pid, { model: 'vision-judge', base_url: mock.url, structured: false });
    expect(mock.requests).toHaveLength(2);
    const byItem = new Map(mock.requests.map((r) => [promptText(r).includes('What does the picture show?') ? 'i1' : 'i2', r]));
    expect(imageParts(byItem.get('i1')!)).toEqual([{ url: dataUrl('image/png', PNG) }, { url: `${picturesUrl}/remote.png` }]);
    expect(imageParts(byItem.get('i2')!)).toEqual([{ url: dataUrl('image/gif', GIF) }]);

    const labels = await exportedLabels(suite.server, pid);
    expect(labels.filter((l) => l.kind === 'human')).toHaveLength(4);
    expect(labels.filter((l) => l.kind === 'llm')).toHaveLength(2);
    for (const l of labels) expect({ item: l.item, who: l.annotator, value: l.value }).toEqual({ item: l.item, who: l.annotator, value: BETTER[l.item] });

    // The browsers fetched the remote picture (the server never does), and nobody fetched Markdown's tracker.
    expect(pictureRequests).toContain('/remote.png');
    expect(pictureRequests).not.toContain('/tracker.png');
  });
});
