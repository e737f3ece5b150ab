/**
 * Judging rankings (issue 11) through a real server, the judge worker and the mock endpoint: each sample shows the
 * answers in an order of its own, the judge answers in display positions (JudgeLM's scores, or a listwise order),
 * and the server stores the ranking and the scores in the item's own order with the order shown.
 */
import { JudgeWorker } from '../../judge-worker/worker';
import { closeServerAndModel, startServerAndModel } from '../helpers/judges';
import { lastText, promptText, shownAnswers, type MockOpenAI, type MockReply, type MockRequest } from '../helpers/mock-openai';
import { makeProject, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

interface Row {
  item: string;
  value: string | null;
  permutation: string | null;
  scores: string | null;
  meta: string;
}
const labels = (pid: number) =>
  s.db
    .prepare(`SELECT i.external_id AS item, l.value, l.permutation, l.scores, l.meta FROM labels l JOIN items i ON i.id = l.item_id WHERE l.project_id = ? ORDER BY l.id`)
    .all(pid) as Row[];

async function register(pid: number, body: Record<string, unknown>): Promise<string> {
  const r = await s.api('POST', `/api/projects/${pid}/judges`, body);
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.token as string;
}
const run = (token: string) => new JudgeWorker({ server: s.url, token, baseUrl: mock.url, statusEveryMs: 50 }).run();

/**
 * Items of three answers whose quality the text says: `best`, then two `fair` ones of equal worth, placed
 * differently in each item. In the item's frame the right ranking is [[best], [the two fair]].
 */
const QUALITY: Record<string, number> = { best: 9, fair: 5 };
const items = [
  { id: 'r1', question: 'First?', answers: ['best one', 'fair one', 'fair two'] },
  { id: 'r2', question: 'Second?', answers: ['fair one', 'best one', 'fair two'] },
  { id: 'r3', question: 'Third?', answers: ['fair one', 'fair two', 'best one'] },
];
const expected: Record<string, string> = { r1: '[[0],[1,2]]', r2: '[[1],[0,2]]', r3: '[[2],[0,1]]' };
const itemScores: Record<string, number[]> = { r1: [9, 5, 5], r2: [5, 9, 5], r3: [5, 5, 9] };

/** A judge that scores each answer by its quality wherever it is shown: JudgeLM's first line of scores, or JSON. */
function judgelm(req: MockRequest): MockReply {
  const scores = shownAnswers(req).map((a) => QUALITY[a.split(' ')[0]!]!);
  if (req.body.response_format) return { content: JSON.stringify({ rationale: 'Scored.', scores }) };
  return { content: `${scores.join(' ')}\nThe best answer is complete; the other two are equally vague.` };
}

describe('judging rankings', () => {
  test("a ranking project is judged with JudgeLM's multi-answer prompt: scores and ranking stored in the item's frame", async () => {
    const pid = await makeProject(s, { type: 'ranking', redundancy: 1 }, items);
    const token = await register(pid, { model: 'judge-model', samples: 3, structured: false });
    mock.rule = judgelm;
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'done', labels: 9, invalid: 0, errors: 0, template: { name: 'ranking-judgelm' } });

    const text = promptText(mock.requests[0]!);
    expect(text).toContain('We would like to request your feedback on the performance of three AI assistants in response to the user question displayed above.');
    expect(text).toContain('Please first output a single line containing only three values indicating the scores for Assistant 1, 2 and 3, respectively. The three scores are separated by a space.');

    const rows = labels(pid);
    expect(rows).toHaveLength(9);
    const orders = new Set<string>();
    for (const r of rows) {
      expect(r.value).toBe(expected[r.item]);
      expect(JSON.parse(r.scores!)).toEqual(itemScores[r.item]);
      const permutation = JSON.parse(r.permutation!) as number[];
      expect([...permutation].sort()).toEqual([0, 1, 2]);
      orders.add(permutation.join(''));
      expect(JSON.parse(r.meta)).toMatchObject({ template: 'ranking-judgelm', raw: expect.stringMatching(/^[59] [59] [59]\n/) });
    }
    // Each sample is shown in an order of its own (nine draws of 3! orders all alike has probability 6⁻⁸).
    expect(orders.size).toBeGreaterThan(1);
  });

  test('the listwise template, by name, stores the order the judge gives; an incomplete order is an invalid label with its raw text', async () => {
    const pid = await makeProject(s, { type: 'ranking', redundancy: 1 }, items);
    const token = await register(pid, { model: 'judge-model', template: 'ranking-listwise' });
    mock.rule = (req) => {
      const shown = shownAnswers(req);
      const ids = shown.map((_, i) => i + 1).sort((x, y) => QUALITY[shown[y - 1]!.split(' ')[0]!]! - QUALITY[shown[x - 1]!.split(' ')[0]!]! || x - y);
      // Item "Third?" gets an order that leaves an answer out.
      const order = promptText(req).includes('Third?') ? ids.slice(0, 2) : ids;
      if (req.body.response_format) return { content: JSON.stringify({ rationale: '', ranking: order }) };
      return { content: order.map((i) => `[${i}]`).join(' > ') };
    };
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'done', labels: 3, invalid: 1, template: { name: 'ranking-listwise' } });
    expect(promptText(mock.requests[0]!)).toMatch(/I will provide you with 3 answers, each indicated by number identifier \[\]\. \n/);
    const rows = new Map(labels(pid).map((r) => [r.item, r]));
    // The two fair answers are not tied in a listwise order: the one shown first of them is ranked above the other.
    for (const id of ['r1', 'r2']) {
      const r = rows.get(id)!;
      const permutation = JSON.parse(r.permutation!) as number[];
      const best = itemScores[id]!.indexOf(9);
      const fair = permutation.filter((i) => i !== best);
      expect(r.value).toBe(JSON.stringify([[best], [fair[0]], [fair[1]]]));
      expect(r.scores).toBeNull();
    }
    const bad = rows.get('r3')!;
    expect(bad.value).toBeNull();
    expect(JSON.parse(bad.meta)).toMatchObject({ invalid: 'no answer in the required format', raw: expect.stringContaining('"ranking":[') });
  });

  test('with repair on, an unreadable ranking is asked for again with the format repeated, and the repaired order stored', async () => {
    const pid = await makeProject(s, { type: 'ranking', redundancy: 1 }, items.slice(0, 1));
    const token = await register(pid, { model: 'judge-model', structured: false, repair: true });
    mock.rule = (req) => {
      if (!lastText(req).startsWith('Your answer could not be read')) return { content: 'Assistant 1 is best, the others are equal.' };
      return judgelm(req);
    };
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'done', labels: 1, invalid: 0 });
    expect(lastText(mock.requests[1]!)).toBe(
      'Your answer could not be read. Answer again, following this format exactly: Please first output a single line containing only three values indicating the scores for Assistant 1, 2 and 3, respectively. The three scores are separated by a space. In the subsequent line, please provide a comprehensive explanation of your evaluation, avoiding any potential bias and ensuring that the order in which the responses were presented does not affect your judgment.',
    );
    const [row] = labels(pid);
    expect(row!.value).toBe(expected.r1);
    expect(JSON.parse(row!.meta)).toMatchObject({ repaired: true, raw: 'Assistant 1 is best, the others are equal.' });
  });
});
