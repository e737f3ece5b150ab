/**
 * Conversations from import to export in a real chromium: pairwise conversations (MT-Bench's turn 2, an agent's
 * tool calls) and a rated conversation are imported (REST); a person judges them on the annotator page by keyboard
 * (E opens the folded system prompts and tool calls, 1/A and 2/B choose, digits rate, Enter), a second person on a
 * 375 px phone sees the two conversations stacked; an LLM judge answers through the mock OpenAI endpoint with
 * MT-Bench's multi-turn templates; the labels export holds every label in the item's frame (A = conversation_a).
 */
import type { Page } from 'playwright-core';
import { startMockOpenAI, verdict, type MockOpenAI, type MockRequest } from '../helpers/mock-openai';
import { invite, makeProject } from '../helpers/server';
import { browserSuite, currentItem, shot, watchErrors } from './browser';
import { exportedLabels, overflowAt375, runJudge, submitByEnter } from './items';

jest.setTimeout(180_000);

declare const document: any;

const suite = browserSuite();
let mock: MockOpenAI;

const SYSTEM = 'You are a helpful travel agent. Keep answers short.';
const ROME = 'Plan a day in Rome.';
const CHEAPER = 'Now make it cheaper.';
const LONG = Array.from({ length: 30 }, (_, i) => `${i + 1}. A stop worth seeing, with opening hours and a note on tickets.`).join('\n');
/** The better judged reply of each pair carries this mark: the person and the judge both pick it. */
const BEST = 'BETTER-REPLY';
const HOSTILE = 'Weather in Paris? <img src=x onerror="window.__xss=1"> <script>window.__xss=2</script>';
const WEATHER_CALL = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris","note":"<script>window.__xss=3</script>"}' } };

const PAIRS = [
  {
    id: 'c1',
    turn: 2,
    conversation_a: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: ROME },
      { role: 'assistant', content: `Here is a full day:\n${LONG}` },
      { role: 'user', content: CHEAPER },
      { role: 'assistant', content: `${BEST}: walk the Forum from outside, picnic by the Tiber, and skip the paid tours.` },
    ],
    conversation_b: [
      { role: 'system', content: SYSTEM },
      { role: 'user', content: ROME },
      { role: 'assistant', content: 'Visit the Colosseum and the Vatican.' },
      { role: 'user', content: CHEAPER },
      { role: 'assistant', content: 'Stay at home.' },
    ],
  },
  {
    id: 'c2',
    conversation_a: [
      { role: 'user', content: HOSTILE },
      { role: 'assistant', content: 'It is sunny somewhere.' },
    ],
    conversation_b: [
      { role: 'user', content: HOSTILE },
      { role: 'assistant', content: null, tool_calls: [WEATHER_CALL] },
      { role: 'tool', tool_call_id: 'call_1', name: 'get_weather', content: '{"temp_c": 18, "sky": "clear"}' },
      { role: 'assistant', content: `${BEST}: it is 18 °C and clear in Paris.` },
    ],
  },
  {
    id: 'c3',
    turn: 1,
    conversation_a: [
      { role: 'user', content: ROME },
      { role: 'assistant', content: `${BEST}: morning at the Colosseum, lunch in Monti, sunset at the Pincio.` },
      { role: 'user', content: CHEAPER },
      { role: 'assistant', content: 'LATER-TURN-A: walk everywhere.' },
    ],
    conversation_b: [
      { role: 'user', content: ROME },
      { role: 'assistant', content: 'Rome is big.' },
      { role: 'user', content: CHEAPER },
      { role: 'assistant', content: 'LATER-TURN-B: take the bus.' },
    ],
  },
];
/** Which side (in the item's own frame) holds the better judged reply. */
const BETTER: Record<string, 'A' | 'B'> = { c1: 'A', c2: 'B', c3: 'A' };

const RATED = [
  { id: 'r1', turn: 2, conversation: PAIRS[0]!.conversation_a },
  { id: 'r2', conversation: PAIRS[1]!.conversation_b },
];

const promptOf = (req: MockRequest) => req.body.messages.map((m) => (typeof m.content === 'string' ? m.content : JSON.stringify(m.content))).join('\n');

/** MT-Bench's multi-turn judges: [[A]]/[[B]] by where the better reply sits in the prompt; a rating of 7. */
function judgeRule(req: MockRequest) {
  const prompt = promptOf(req);
  if (/Rating: \[\[/.test(prompt) || !prompt.includes("Assistant B's Conversation")) return { content: 'A fair answer in context.\n\nRating: [[7]]' };
  const b = prompt.indexOf("<|The Start of Assistant B's Conversation with User|>");
  const best = prompt.indexOf(BEST);
  return verdict(req, best > b ? 'B' : 'A');
}

beforeAll(async () => {
  mock = await startMockOpenAI(judgeRule);
});
afterAll(async () => {
  await mock?.close();
});

/** Which side of the pair on screen (1 = shown first) has the better judged reply. */
async function betterShown(page: Page): Promise<1 | 2> {
  const judged = await page.locator('.pair .side').evaluateAll((sides) => sides.map((s) => s.querySelector('.msg.reply')?.textContent ?? s.textContent));
  return judged[1]!.includes('BETTER-REPLY') ? 2 : 1;
}

describe('conversation items end to end', () => {
  test('a pair of conversations is judged by keyboard with folds, highlights and escaped tool calls, and by a multi-turn judge; the export is in the item frame', async () => {
    const pid = await makeProject(suite.server, { name: 'Chat pairs', type: 'pairwise', redundancy: 2 }, PAIRS);
    const token = await invite(suite.server, pid);
    const page = await suite.openAnnotator(token, 'chat-keys');
    const errors = watchErrors(page);
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });

    for (let n = 0; n < PAIRS.length; n++) {
      const item = (await currentItem(page))!;
      const sides = page.locator('.pair .side');
      await expect(sides.count()).resolves.toBe(2);
      // Each side's judged reply is tagged with its side; later turns than the judged one are not shown.
      await sides.nth(0).getByText("A's reply · judged").waitFor();
      await sides.nth(1).getByText("B's reply · judged").waitFor();
      expect(await page.locator('article.task').textContent()).not.toMatch(/LATER-TURN/);
      if (item === 'c1') await checkRome(page);
      if (item === 'c2') await checkToolsAndHostileText(page);
      await page.keyboard.press((await betterShown(page)) === 1 ? (n % 2 ? 'a' : '1') : n % 2 ? 'b' : '2');
      await submitByEnter(page);
    }
    await page.locator('#end-title').waitFor();
    expect(await page.evaluate(() => (globalThis as any).__xss ?? null)).toBeNull();
    expect(dialogs).toEqual([]);
    expect(errors).toEqual([]);

    // A phone: the two conversations stacked, nothing wider than the screen, labelled by the buttons.
    const phone = await suite.context({ viewport: { width: 375, height: 740 }, hasTouch: true, isMobile: true });
    const small = await suite.openAnnotator(token, 'chat-phone', phone);
    for (let n = 0; n < PAIRS.length; n++) {
      for (const fold of await small.locator('button.fold').all()) await fold.tap();
      expect(await overflowAt375(small)).toEqual([]);
      const [a, b] = await small.locator('.pair .side').evaluateAll((s) => s.map((e) => e.getBoundingClientRect()).map((r) => ({ top: r.top, bottom: r.bottom })));
      expect(b!.top).toBeGreaterThanOrEqual(a!.bottom); // stacked, not side by side
      const side = await betterShown(small);
      await small.getByRole('button', { name: side === 1 ? 'A is better' : 'B is better' }).tap();
      const before = await currentItem(small);
      await small.getByRole('button', { name: /Submit/ }).tap();
      await small.waitForFunction((prev) => document.querySelector('article.task')?.getAttribute('data-item') !== prev || document.getElementById('end-title'), before);
    }

    // The judge sees both orders of every pair (swap), with the earlier turns as context.
    const first = mock.requests.length;
    await runJudge(suite.server, pid, { model: 'mt-judge', base_url: mock.url, template: 'pairwise-multi-turn', structured: false, swap: true, concurrency: 2 });
    const seen = mock.requests.slice(first).map(promptOf);
    expect(seen).toHaveLength(PAIRS.length * 2);
    const rome = seen.filter((p) => p.includes(CHEAPER) && p.includes('Stay at home.'));
    expect(rome).toHaveLength(2);
    for (const p of rome) expect(p).toContain(ROME);
    for (const p of seen) expect(p).not.toMatch(/LATER-TURN/);
    expect(seen.some((p) => p.includes('get_weather'))).toBe(true);

    const labels = await exportedLabels(suite.server, pid);
    expect(labels.filter((l) => l.kind === 'human')).toHaveLength(PAIRS.length * 2);
    expect(labels.filter((l) => l.kind === 'llm')).toHaveLength(PAIRS.length * 2);
    expect(new Set(labels.filter((l) => l.kind === 'llm').map((l) => `${l.item} ${l.order}`)).size).toBe(PAIRS.length * 2);
    for (const l of labels) expect({ item: l.item, who: l.annotator, order: l.order, value: l.value }).toEqual({ item: l.item, who: l.annotator, order: l.order, value: BETTER[l.item] });
  });

  test('a rated conversation shows one transcript and the scale, rated by keyboard and by the judge', async () => {
    const pid = await makeProject(suite.server, { name: 'Chat ratings', type: 'rating', redundancy: 1 }, RATED);
    const page = await suite.openAnnotator(await invite(suite.server, pid), 'chat-rater');
    const errors = watchErrors(page);
    const given = new Map<string, number>();
    for (let n = 0; n < RATED.length; n++) {
      const item = (await currentItem(page))!;
      await expect(page.locator('.transcript').count()).resolves.toBe(1);
      await page.locator('.msg.reply').first().waitFor();
      const rating = n === 0 ? 8 : 3;
      await page.keyboard.press(String(rating));
      given.set(item, rating);
      await submitByEnter(page);
    }
    expect(errors).toEqual([]);
    await runJudge(suite.server, pid, { model: 'mt-rater', base_url: mock.url, template: 'rating-multi-turn', structured: false });
    const labels = await exportedLabels(suite.server, pid);
    const human = new Map(labels.filter((l) => l.kind === 'human').map((l) => [l.item, l.value]));
    const judge = new Map(labels.filter((l) => l.kind === 'llm').map((l) => [l.item, l.value]));
    expect(human).toEqual(given);
    expect(judge).toEqual(new Map(RATED.map((r) => [r.id, 7])));
  });
});

/** c1: the system prompt folded (E opens and folds it), the judged turn scrolled into view, earlier turns quieter. */
async function checkRome(page: Page): Promise<void> {
  // conversation_a's long first reply pushes the judged turn down: its box opens at the judged question.
  const long = page.locator('.side', { hasText: 'Here is a full day' });
  const inView = await long.locator('.transcript').evaluate((box) => {
    const q = box.querySelector('.msg.question')!.getBoundingClientRect();
    const b = box.getBoundingClientRect();
    return { scrolled: box.scrollTop > 0, visible: q.top >= b.top - 1 && q.top < b.bottom };
  });
  expect(inView).toEqual({ scrolled: true, visible: true });
  const systemText = page.locator('.msg.system .md');
  await expect(systemText.count()).resolves.toBe(0);
  await page.keyboard.press('e');
  await expect(systemText.count()).resolves.toBe(2);
  expect(await systemText.first().textContent()).toContain(SYSTEM);
  await shot(page, 'annotator-conversation');
  await page.keyboard.press('e');
  await expect(systemText.count()).resolves.toBe(0);
  // A click opens one.
  await long.locator('.msg.system button.fold').click();
  await expect(systemText.count()).resolves.toBe(1);
  expect(await long.locator('.msg.context').count()).toBe(3);
  // Focus back on the task, so Enter submits rather than pressing the fold button again.
  await page.locator('article.task').focus();
}

/** c2: HTML in a turn is text; tool calls folded, their arguments escaped preformatted text once opened. */
async function checkToolsAndHostileText(page: Page): Promise<void> {
  expect(await page.locator('article.task img').count()).toBe(0);
  expect(await page.locator('article.task script').count()).toBe(0);
  expect(await page.locator('.msg.user').first().textContent()).toContain('<img src=x onerror=');
  await expect(page.locator('pre.tool-text').count()).resolves.toBe(0);
  await page.getByRole('button', { name: /Tool call: get_weather/ }).waitFor();
  await page.keyboard.press('e');
  const pres = await page.locator('pre.tool-text').allTextContents();
  expect(pres.some((t) => t.includes('"note": "<script>window.__xss=3</script>"'))).toBe(true);
  expect(pres.some((t) => t.includes('"temp_c": 18'))).toBe(true);
}
