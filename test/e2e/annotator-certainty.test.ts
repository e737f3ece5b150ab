/**
 * The annotator's certainty slider in a real chromium against a real server: the number the annotator sees is
 * the number stored (drag, the -/= keys and the arrow keys), and a slider nobody has touched looks untouched.
 */
import type { Locator, Page } from 'playwright-core';
import { invite, makeProject, pairwiseItems } from '../helpers/server';
import { browserSuite, currentItem, watchErrors } from './browser';

jest.setTimeout(120_000);

declare const document: any;
declare const Image: any;

const suite = browserSuite();

/** Presses Enter and waits for the next task (or the end screen). */
async function submit(page: Page): Promise<void> {
  const before = await currentItem(page);
  await page.keyboard.press('Enter');
  await page.waitForFunction(
    (prev) => document.querySelector('article.task')?.getAttribute('data-item') !== prev || document.getElementById('end-title'),
    before,
    { timeout: 10_000 },
  );
}

/** Pixels of a screenshot with a clear colour (not white, grey or black): a thumb or a filled track has them. */
async function colouredPixels(el: Locator): Promise<number> {
  const png = await el.screenshot();
  const blank = await suite.ctx.newPage(); // about:blank: no content policy in the way of a data: image
  try {
    return await blank.evaluate(async (b64: string) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d');
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
      return n;
    }, png.toString('base64'));
  } finally {
    await blank.close();
  }
}

async function expectUnset(page: Page): Promise<void> {
  const slider = page.locator('#certainty');
  await expect(slider.getAttribute('aria-valuetext')).resolves.toBe('not set');
  const text = (await page.locator('.certainty').textContent()) ?? '';
  expect(text).toMatch(/not set/);
  expect(text).not.toMatch(/\d/); // no number anywhere near the slider until the annotator gives one
  expect(await colouredPixels(slider)).toBe(0); // no thumb and no filled track
}

/** What the page shows as the certainty, e.g. "40%"; aria-valuetext says the same. */
async function shown(page: Page): Promise<string> {
  const out = ((await page.locator('.certainty output').textContent()) ?? '').trim();
  await expect(page.locator('#certainty').getAttribute('aria-valuetext')).resolves.toBe(out);
  return out;
}

async function clickSliderAt(page: Page, share: number): Promise<void> {
  const box = (await page.locator('#certainty').boundingBox())!;
  await page.mouse.click(box.x + box.width * share, box.y + box.height / 2);
}

async function storedCertainty(pid: number): Promise<Map<string, number>> {
  const res = await fetch(`${suite.server.url}/api/projects/${pid}/export?kind=labels`, { headers: { authorization: `Bearer ${suite.server.token}` } });
  const recs = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { item: string; certainty: number });
  return new Map(recs.map((r) => [r.item, r.certainty]));
}

describe('annotator certainty slider', () => {
  test('on the default 1–100 scale the certainty stored is the number shown, by drag, by -/= and by arrow keys', async () => {
    const pid = await makeProject(suite.server, { name: 'Sure?', certainty: true, redundancy: 1 }, pairwiseItems(4));
    const page = await suite.openAnnotator(await invite(suite.server, pid), 'cert-1');
    const errors = watchErrors(page);
    const seen = new Map<string, string>();

    // Drag: a click at 40% of the track.
    await page.keyboard.press('1');
    await expectUnset(page);
    await clickSliderAt(page, 0.4);
    seen.set((await currentItem(page))!, await shown(page));
    expect(await colouredPixels(page.locator('#certainty'))).toBeGreaterThan(0); // now it has a thumb
    await submit(page);

    // The -/= keys, from an unset slider on the next task.
    await page.keyboard.press('2');
    await expectUnset(page);
    await page.keyboard.press('=');
    await page.keyboard.press('=');
    await page.keyboard.press('-');
    seen.set((await currentItem(page))!, await shown(page));
    await submit(page);

    // Arrow keys on the focused slider after a click near the top.
    await page.keyboard.press('1');
    await expectUnset(page);
    await clickSliderAt(page, 0.83);
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowLeft');
    seen.set((await currentItem(page))!, await shown(page));
    await submit(page);

    const stored = await storedCertainty(pid);
    expect(seen.size).toBe(3);
    for (const [item, text] of seen) {
      expect(text).toMatch(/^\d+%$/);
      expect({ item, certainty: stored.get(item) }).toEqual({ item, certainty: Number(text.replace('%', '')) });
    }
    expect(errors).toEqual([]);
  });

  test('on a 0–1 probability scale the slider moves in hundredths shown as percent, and the share shown is stored', async () => {
    const pid = await makeProject(suite.server, { name: 'Probability', certainty: { min: 0, max: 1 }, redundancy: 1 }, pairwiseItems(2));
    const page = await suite.openAnnotator(await invite(suite.server, pid), 'cert-2');
    const seen = new Map<string, string>();

    await page.keyboard.press('1');
    await expectUnset(page);
    await clickSliderAt(page, 0.57);
    seen.set((await currentItem(page))!, await shown(page));
    await submit(page);

    await page.keyboard.press('2');
    await expectUnset(page);
    await page.keyboard.press('=');
    seen.set((await currentItem(page))!, await shown(page));
    await submit(page);

    const stored = await storedCertainty(pid);
    for (const [item, text] of seen) {
      expect(text).toMatch(/^\d+%$/);
      expect({ item, certainty: stored.get(item) }).toEqual({ item, certainty: Number(text.replace('%', '')) / 100 });
    }
  });
});
