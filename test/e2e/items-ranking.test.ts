/**
 * Ranking items from import to export in a real chromium: a project of rankings is imported (REST), a person ranks
 * each item on the annotator page by keyboard (digits best first, a tie by T and by Shift+digit, a wrong pick taken
 * back with Backspace, Enter) and once by dragging, a second person ranks on a 375 px phone with the buttons, an
 * LLM judge ranks through the mock OpenAI endpoint (JudgeLM's one score per answer), and the labels export holds
 * every ranking in the item's own order, whatever order each person and each judge sample was shown.
 */
import type { Page } from 'playwright-core';
import { startMockOpenAI, type MockOpenAI, type MockRequest } from '../helpers/mock-openai';
import { invite, makeProject } from '../helpers/server';
import { browserSuite, currentItem, shot, watchErrors } from './browser';
import { exportedLabels, overflowAt375, runJudge, submitByEnter } from './items';

jest.setTimeout(180_000);

const suite = browserSuite();
let mock: MockOpenAI;

/** Every answer says how good it is ("quality 3"): the people and the judge rank by it. */
const ITEMS = [
  { id: 'r1', question: 'Which city is the capital of France?', answers: ['Lyon is the capital (quality 1).', 'Paris is the capital of France (quality 3).', 'It is Paris, I think (quality 2).'] },
  { id: 'r2', question: 'Name a prime number.', answers: ['7 (quality 3).', '9 (quality 1).', '11, since it has no divisors but 1 and itself (quality 2).', '13 is prime (quality 2).'] },
  { id: 'r3', question: 'What is **2 + 2**?', answers: ['5 (quality 1).', '4 (quality 3).', 'Four, as `2 + 2 = 4` (quality 2).'] },
  { id: 'r4', question: 'Name a planet closer to the Sun than the Earth.', answers: ['Mars (quality 1).', 'Mercury (quality 2).', 'Venus (quality 2).'] },
];
const quality = (text: string) => Number(/quality (\d)/.exec(text)?.[1] ?? NaN);
/** The ranking by quality in the item's own order, best first, equal qualities tied. */
function expected(answers: string[]): number[][] {
  const qs = [...new Set(answers.map(quality))].sort((a, b) => b - a);
  return qs.map((q) => answers.flatMap((a, i) => (quality(a) === q ? [i] : [])));
}

/** JudgeLM's answer: one score per assistant (as shown) on the first line, then the explanation. */
function judgeRule(req: MockRequest) {
  const prompt = req.body.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');
  const shown = [...prompt.matchAll(/\[The Start of Assistant (\d+)'s Answer\]\n([\s\S]*?)\n+\[The End of Assistant \1's Answer\]/g)].map((m) => m[2]!);
  return { content: `${shown.map((a) => quality(a) * 3).join(' ')}\nThe scores follow each answer's quality.` };
}

beforeAll(async () => {
  mock = await startMockOpenAI(judgeRule);
});
afterAll(async () => {
  await mock?.close();
});

/** The answers as the page shows them, in display order (1..N). */
const shownAnswers = (page: Page) => page.locator('.ranking-task .card .md').allTextContents();

/** Display positions (0-based) best first, by quality. */
async function bestFirst(page: Page): Promise<number[][]> {
  return expected(await shownAnswers(page));
}

describe('ranking items end to end', () => {
  test('people rank by keyboard, by drag and at 375 px, a judge ranks through the mock endpoint, and the export holds every ranking in the item order', async () => {
    const pid = await makeProject(suite.server, { name: 'Rank answers', type: 'ranking', redundancy: 2, instructions: 'Order the answers best first.' }, ITEMS);
    const token = await invite(suite.server, pid);
    const page = await suite.openAnnotator(token, 'ranker-keys');
    const errors = watchErrors(page);
    const done = new Set<string>();
    let shotTaken = false;

    // The key help names the ranking keys.
    const legend = (await page.locator('footer.legend-bar').textContent()) ?? '';
    expect(legend).toMatch(/place the next best answer/);
    expect(legend).toMatch(/Backspace/);
    expect(legend).toMatch(/tie the next pick/);

    for (let n = 0; n < ITEMS.length; n++) {
      const item = (await currentItem(page))!;
      const groups = await bestFirst(page);
      if (item === 'r3') {
        await rankByDrag(page, groups);
      } else {
        // Enter before everything is placed names what is missing and stays on the task.
        await page.keyboard.press('Enter');
        await page.getByRole('status').getByText(/Rank every answer first/).waitFor();
        expect(await currentItem(page)).toBe(item);
        // A wrong first pick, taken back.
        const wrong = groups[groups.length - 1]![0]!;
        await page.keyboard.press(String(wrong + 1));
        await page.keyboard.press('Backspace');
        await rankByKeys(page, groups);
        if (groups.some((g) => g.length > 1) && !shotTaken) {
          shotTaken = true;
          await shot(page, 'annotator-ranking');
        }
      }
      // Every answer shows its place before the submit.
      expect(await page.locator('.ranking-task .card .place').count()).toBe((await shownAnswers(page)).length);
      await submitByEnter(page);
      done.add(item);
    }
    await page.locator('#end-title').waitFor();
    expect(shiftTies).toBe(1);
    expect(done).toEqual(new Set(ITEMS.map((i) => i.id)));
    expect(errors).toEqual([]);

    // A second person on a phone: buttons only, nothing wider than the screen.
    const phone = await suite.context({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true });
    const small = await suite.openAnnotator(token, 'ranker-phone', phone);
    const phoneErrors = watchErrors(small);
    expect(await overflowAt375(small)).toEqual([]);
    for (let n = 0; n < ITEMS.length; n++) {
      const groups = await bestFirst(small);
      for (const g of groups) for (const pos of g) await small.locator(`.ranking-task .card[data-pos="${pos}"] button.next`).tap();
      // Ties by the = button on the ranking's rows.
      for (const g of groups) for (const pos of g.slice(1)) await small.locator(`.board .slot[data-pos="${pos}"] button.tie`).tap();
      expect(await overflowAt375(small)).toEqual([]);
      const before = await currentItem(small);
      await small.getByRole('button', { name: /Submit/ }).tap();
      await small.waitForFunction((prev) => document.querySelector('article.task')?.getAttribute('data-item') !== prev || document.getElementById('end-title'), before);
    }
    expect(phoneErrors).toEqual([]);

    // The judge: two samples of every item, each in an order of its own.
    await runJudge(suite.server, pid, { model: 'ranker-llm', base_url: mock.url, template: 'ranking-judgelm', structured: false, samples: 2, concurrency: 2 });
    expect(mock.requests.length).toBe(ITEMS.length * 2);

    const labels = await exportedLabels(suite.server, pid);
    const want = new Map(ITEMS.map((i) => [i.id, expected(i.answers)]));
    const humans = labels.filter((l) => l.kind === 'human');
    const judge = labels.filter((l) => l.kind === 'llm');
    expect(humans).toHaveLength(ITEMS.length * 2);
    expect(judge).toHaveLength(ITEMS.length * 2);
    for (const l of [...humans, ...judge]) expect({ item: l.item, who: l.annotator, value: l.value }).toEqual({ item: l.item, who: l.annotator, value: want.get(l.item) });
  });
});

declare const document: any;

/** Ties alternate between T then the digit, and Shift+digit, across the items. */
let tieByT = true;
let shiftTies = 0;

/** Keys: the digits best first, a tie by T or by Shift+digit. */
async function rankByKeys(page: Page, groups: number[][]): Promise<void> {
  for (const g of groups) {
    await page.keyboard.press(String(g[0]! + 1));
    for (const pos of g.slice(1)) {
      if (tieByT) {
        await page.keyboard.press('t');
        await page.keyboard.press(String(pos + 1));
      } else {
        await page.keyboard.press(`Shift+Digit${pos + 1}`);
        shiftTies++;
      }
      tieByT = !tieByT;
    }
  }
}

/**
 * Drag: every answer dragged by its handle to the end of the ranking, worst first, then the rows dragged into
 * order (each dragged onto the top, worst first), then ties by the = button. Exercises both kinds of drop.
 */
async function rankByDrag(page: Page, groups: number[][]): Promise<void> {
  const flat = groups.flat();
  for (const pos of [...flat].reverse()) await page.locator(`.ranking-task .card[data-pos="${pos}"] .handle`).dragTo(page.locator('.board li.end'));
  for (const pos of [...flat].reverse()) await page.locator(`.board .slot[data-pos="${pos}"]`).dragTo(page.locator('.board .slot').first());
  expect(await page.locator('.board .slot').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-pos'))))).toEqual(flat);
  for (const g of groups) for (const pos of g.slice(1)) await page.locator(`.board .slot[data-pos="${pos}"] button.tie`).click();
}
