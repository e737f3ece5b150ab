/**
 * The task protocol on ranking items (issue 11): each lease shows the answers in an order of its own, the label
 * names display positions, and the server stores it in the item's own order with the order shown and the scores.
 */
import type { SubmitResult, Task } from '../../shared/protocol';
import { rankingText, type Ranking } from '../../shared/ranking';
import { mulberry32 } from '../../shared/stats/random';
import { ItemsRepo, type NewItem } from '../../server/items/items.repo';
import { call, invite, makeProject, ok, startServer, type Client, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  // A seeded random source: every run draws the same orders, so a test that needs two orders to differ always does.
  s = await startServer({}, { random: mulberry32(2026) });
});
afterEach(async () => {
  await s.close();
});

/** A ranking item's answers: distinct texts, so a test tells which item answer is at which display position. */
const answersOf = (id: string, n: number) => Array.from({ length: n }, (_, i) => `${id} answer ${i}`);

/** Items written as the import stores them (this suite tests tasks, not the import). */
function writeItems(pid: number, items: NewItem[]): void {
  s.db.transaction(() => new ItemsRepo(s.db).write(pid, items, false, s.clock.now))();
  s.app.tasks.reload(pid);
}

/** A ranking project with `items` items of `n` answers each. */
async function rankingProject(items: number, n: number, settings: Record<string, unknown> = {}, gold: (i: number) => string | null = () => null): Promise<number> {
  const pid = await makeProject(s, { type: 'ranking', ...settings }, []);
  writeItems(pid, Array.from({ length: items }, (_, i) => ({ externalId: `r${i + 1}`, content: { question: `Which is best, ${i + 1}?`, answers: answersOf(`r${i + 1}`, n) }, gold: gold(i), meta: null })));
  return pid;
}

/** The item's answer index at each display position, read from the answers' texts (the server never sends it). */
const shownOrder = (t: Task): number[] => t.item.answers!.map((a) => Number(a.split(' answer ')[1]));

/** A ranking in display positions turned into the item's answers: what the server should have stored. */
const inItemFrame = (shown: Ranking, order: number[]): Ranking => shown.map((g) => g.map((p) => order[p]!).sort((a, b) => a - b));

interface Row {
  item: string;
  value: string | null;
  permutation: string | null;
  scores: string | null;
  slot: string;
  shown_order: string | null;
}
const rows = (pid: number): Row[] =>
  s.db
    .prepare('SELECT i.external_id AS item, l.value, l.permutation, l.scores, l.slot, l.shown_order FROM labels l JOIN items i ON i.id = l.item_id WHERE l.project_id = ? ORDER BY l.id')
    .all(pid) as Row[];

async function human(pid: number, worker: string): Promise<Client> {
  return s.connect({ token: await invite(s, pid), worker });
}

describe('ranking tasks: humans', () => {
  test('a person ranks display positions, and the label is stored in the item’s own answers with the order shown', async () => {
    const pid = await rankingProject(1, 4);
    const c = await human(pid, 'ann');
    const t = (await ok<Task>(c, 'task:next'))!;
    expect(t.item.answers).toHaveLength(4);
    expect([...t.item.answers!].sort()).toEqual(answersOf('r1', 4));
    expect(t.order).toBeUndefined();
    // The order shown stays with the server: nothing in the task names it.
    expect(JSON.stringify(t)).not.toMatch(/permutation/);
    const order = shownOrder(t);
    const shown: Ranking = [[3], [0], [2], [1]];
    await ok<SubmitResult>(c, 'label:submit', { leaseId: t.leaseId, value: [3, 0, 2, 1], clientLabelId: 'l1' });
    const [row] = rows(pid);
    expect(row!.value).toBe(rankingText(inItemFrame(shown, order)));
    expect(JSON.parse(row!.permutation!)).toEqual(order);
    expect(row!.scores).toBeNull();
    expect(row!.shown_order).toBeNull();
  });

  test('two people see the same item in orders of their own', async () => {
    const pid = await rankingProject(6, 5, { redundancy: 2 });
    const a = await human(pid, 'a');
    const b = await human(pid, 'b');
    const orders = new Map<string, string[]>();
    for (const c of [a, b]) {
      for (let k = 0; k < 6; k++) {
        const t = (await ok<Task>(c, 'task:next'))!;
        orders.set(t.item.id, [...(orders.get(t.item.id) ?? []), shownOrder(t).join()]);
        await ok(c, 'label:submit', { leaseId: t.leaseId, value: [0, 1, 2, 3, 4], clientLabelId: `${t.item.id}` });
      }
    }
    const pairs = [...orders.values()];
    expect(pairs).toHaveLength(6);
    // 5 answers have 120 orders: with independent draws, two people share one on an item 1 time in 120.
    expect(pairs.filter(([x, y]) => x !== y).length).toBeGreaterThanOrEqual(5);
    // Each stored label's value is "the order shown", mapped: the first shown is ranked best.
    for (const r of rows(pid)) expect(r.value).toBe(rankingText(JSON.parse(r.permutation!).map((i: number) => [i])));
  });

  test('a person who reconnects gets their task back with the answers in the same order', async () => {
    const pid = await rankingProject(3, 6);
    const first = await human(pid, 'back');
    const t = (await ok<Task>(first, 'task:next'))!;
    first.disconnect();
    const again = await human(pid, 'back');
    const t2 = (await ok<Task>(again, 'task:next'))!;
    expect(t2.leaseId).toBe(t.leaseId);
    expect(t2.item.answers).toEqual(t.item.answers);
    await ok(again, 'label:submit', { leaseId: t2.leaseId, value: [5, 4, 3, 2, 1, 0], clientLabelId: 'back' });
    expect(JSON.parse(rows(pid)[0]!.permutation!)).toEqual(shownOrder(t));
  });

  test('ties are stored as groups in the item’s answers, each sorted', async () => {
    const pid = await rankingProject(1, 4);
    const c = await human(pid, 'tier');
    const t = (await ok<Task>(c, 'task:next'))!;
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: [[1, 0], 3, 2], clientLabelId: 'tie' });
    const order = shownOrder(t);
    expect(rows(pid)[0]!.value).toBe(rankingText(inItemFrame([[0, 1], [3], [2]], order)));
    expect(JSON.parse(rows(pid)[0]!.value!)[0]).toEqual([order[0], order[1]].sort());
  });

  test('scores given per display position are stored in the item’s order', async () => {
    const pid = await rankingProject(1, 4);
    const c = await human(pid, 'scorer');
    const t = (await ok<Task>(c, 'task:next'))!;
    const order = shownOrder(t);
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: [0, 1, 2, 3], scores: [9, 7.5, 4, 1], clientLabelId: 's' });
    const expected: number[] = [];
    [9, 7.5, 4, 1].forEach((score, p) => (expected[order[p]!] = score));
    expect(JSON.parse(rows(pid)[0]!.scores!)).toEqual(expected);
  });

  test('a ranking that misses, repeats or invents an answer is refused, naming the problem, and the task stays to fix', async () => {
    const pid = await rankingProject(1, 3);
    const c = await human(pid, 'sloppy');
    const t = (await ok<Task>(c, 'task:next'))!;
    const bad: Array<[unknown, RegExp]> = [
      [[0, 1], /every answer must be ranked: 2 is missing/],
      [[0, 1, 1], /answer 1 appears twice/],
      [[[0, 2], [2, 1]], /answer 2 appears twice/],
      [[0, 1, 3], /3 is not an answer index \(0 to 2\)/],
      ['[0,1,2]', /a ranking is a list of display positions/],
      ['A', /a ranking is a list of display positions/],
      [2, /a ranking is a list of display positions/],
    ];
    for (const [value, message] of bad) {
      const r = await call(c, 'label:submit', { leaseId: t.leaseId, value, clientLabelId: `bad-${JSON.stringify(value)}` });
      expect(r).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(message) } });
    }
    const wrongScores = await call(c, 'label:submit', { leaseId: t.leaseId, value: [0, 1, 2], scores: [1, 2], clientLabelId: 'bad-scores' });
    expect(wrongScores).toMatchObject({ ok: false, error: { code: 'invalid-input', message: 'Invalid scores: give one score per answer shown: 3, not 2' } });
    expect(rows(pid)).toHaveLength(0);
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: [2, 1, 0], clientLabelId: 'good' });
    expect(rows(pid)).toHaveLength(1);
  });

  test('a gold check is passed by ranking gold’s best answer first, whatever the order it was shown in', async () => {
    const pid = await rankingProject(2, 3, { gold_rate: 1, redundancy: 1 }, () => '[[1],[0],[2]]');
    const c = await human(pid, 'checked');
    for (let k = 0; k < 2; k++) {
      const t = (await ok<Task>(c, 'task:next'))!;
      const best = shownOrder(t).indexOf(1);
      // First item: answer 1 shown wherever, ranked best; second: ranked last.
      const rest = [0, 1, 2].filter((p) => p !== best);
      await ok(c, 'label:submit', { leaseId: t.leaseId, value: k === 0 ? [best, ...rest] : [...rest, best], clientLabelId: `g${k}` });
    }
    const annotator = s.db.prepare("SELECT id FROM annotators WHERE name = 'checked'").get() as { id: number };
    const { pool } = s.app.tasks.state(pid);
    expect(pool.goldChecks(annotator.id)).toEqual({ n: 2, correct: 1 });
  });
});

describe('ranking tasks: judges', () => {
  test('each sample of a judge shows the answers in its own order, slotted by sample alone, swap or not', async () => {
    const pid = await rankingProject(1, 5);
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm', samples: 4, swap: true });
    const j = await s.connect({ token: judge.body.token });
    expect(await ok(j, 'session:get')).toMatchObject({ progress: { done: 0, target: 4 } });
    const tasks: Task[] = [];
    for (let t = await ok<Task | null>(j, 'task:next'); t; t = await ok<Task | null>(j, 'task:next')) {
      tasks.push(t);
      await ok(j, 'label:submit', { leaseId: t.leaseId, value: [0, 1, 2, 3, 4], scores: [5, 4, 3, 2, 1], clientLabelId: `j${t.sample}` });
    }
    expect(tasks.map((t) => t.sample)).toEqual([0, 1, 2, 3]);
    for (const t of tasks) expect(t.order).toBeUndefined();
    expect(new Set(tasks.map((t) => shownOrder(t).join())).size).toBeGreaterThan(1);
    const stored = rows(pid);
    expect(stored.map((r) => r.slot)).toEqual(['-#0', '-#1', '-#2', '-#3']);
    stored.forEach((r, k) => {
      const order = shownOrder(tasks[k]!);
      expect(JSON.parse(r.permutation!)).toEqual(order);
      // "The first shown is best" in each sample's own order.
      expect(r.value).toBe(rankingText(order.map((i) => [i])));
    });
  });

  test('a judge’s unreadable output is kept as a null value with the order it was shown', async () => {
    const pid = await rankingProject(1, 3);
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm' });
    const j = await s.connect({ token: judge.body.token });
    const t = (await ok<Task>(j, 'task:next'))!;
    await ok(j, 'label:submit', { leaseId: t.leaseId, value: null, clientLabelId: 'none', meta: { raw: '???' } });
    expect(rows(pid)[0]).toMatchObject({ value: null, permutation: JSON.stringify(shownOrder(t)) });
  });
});

describe('ranking values outside ranking projects', () => {
  test('a pairwise project refuses a ranking and scores, saying why', async () => {
    const pid = await makeProject(s, {}, []);
    writeItems(pid, [{ externalId: 'p1', content: { question: 'Q?', answer_a: 'one', answer_b: 'two' }, gold: null, meta: null }]);
    const c = await human(pid, 'pw');
    const t = (await ok<Task>(c, 'task:next'))!;
    expect(t.item.answers).toBeUndefined();
    const ranked = await call(c, 'label:submit', { leaseId: t.leaseId, value: [0, 1], clientLabelId: 'r' });
    expect(ranked).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/only a ranking project takes one: this is a pairwise project/) } });
    const scored = await call(c, 'label:submit', { leaseId: t.leaseId, value: 'A', scores: [1, 2], clientLabelId: 's' });
    expect(scored).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/only a ranking project takes scores/) } });
    await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'ok' });
    expect(rows(pid)).toEqual([expect.objectContaining({ permutation: null, scores: null })]);
  });
});
