/**
 * The report of a ranking project over the real server: items and labels imported through the REST routes (labels
 * with their display permutation), the report computed by the report worker from the columns it loads.
 */
import type { Task } from '../../shared/protocol';
import type { ReportJson } from '../../shared/stats/report/json';
import { jsonl, makeProject, ok, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

/**
 * q1: humans h1 0>1>2 and h2 1>0>2; the judge twice 0>1>2, shown [2,0,1] then [0,1,2]. q2 (gold 2>1>0): h1 2>0>1,
 * the judge 0>(1=2) shown [0,1,2] and one invalid output. q3: nobody.
 */
const items = [
  { id: 'q1', question: 'Which is best?', answers: ['a', 'bb', 'ccc'] },
  { id: 'q2', question: 'And here?', answers: ['x'.repeat(10), 'y'.repeat(50), 'z'.repeat(100)], gold: [2, 1, 0] },
  { id: 'q3', question: 'Unlabelled', answers: ['p', 'q'] },
];
const labels = [
  { item: 'q1', annotator: 'h1', value: [0, 1, 2], permutation: [1, 2, 0], seconds: 10 },
  { item: 'q1', annotator: 'h2', value: '[[1],[0],[2]]', permutation: [0, 1, 2], seconds: 20 },
  { item: 'q1', annotator: 'judge', kind: 'llm', value: [[0], [1], [2]], permutation: [2, 0, 1], sample: 0 },
  { item: 'q1', annotator: 'judge', kind: 'llm', value: [0, 1, 2], permutation: [0, 1, 2], sample: 1 },
  { item: 'q2', annotator: 'h1', value: [2, 0, 1], permutation: [2, 1, 0], seconds: 30 },
  { item: 'q2', annotator: 'judge', kind: 'llm', value: [0, [1, 2]], permutation: [0, 1, 2], sample: 0, scores: [9, 5, 5] },
  { item: 'q2', annotator: 'judge', kind: 'llm', value: null, permutation: [1, 0, 2], sample: 1 },
];

async function rankingProject(): Promise<number> {
  const pid = await makeProject(s, { type: 'ranking' }, items);
  const r = await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(r.body).toEqual({ imported: labels.length });
  return pid;
}

describe('the report of a ranking project', () => {
  let r: ReportJson;
  beforeAll(async () => {
    const pid = await rankingProject();
    const res = await s.api<ReportJson>('GET', `/api/projects/${pid}/report?resamples=0`);
    expect(res.status).toBe(200);
    r = res.body;
  });

  test('counts items and rankings, and the answer pairs the pairwise statistics run on (3 + 3 + 1)', () => {
    expect(r.project).toMatchObject({ type: 'ranking', items: 3, labels: { human: 3, llm: 4 }, answer_pairs: 7 });
    expect(r.annotators.map((a) => [a.annotator, a.labels, a.median_seconds])).toEqual([
      ['h1', 2, 20],
      ['h2', 1, 20],
      ['judge', 4, null],
    ]);
  });

  test("Kendall's W among the humans: 0.75 on q1, the one item two humans ranked", () => {
    // Ranks (1,2,3) and (2,1,3): rank sums (3,3,6) around 4, S = 6, W = 12·6 / (2²·(3³ − 3)) = 0.75.
    expect(r.humans.kendall_w).toBeCloseTo(0.75, 12);
    expect(r.humans.kendall_w_items).toBe(1);
  });

  test("the judge's ranking statistics against the humans' mean-rank consensus and gold", () => {
    const j = r.judges.find((x) => x.annotator === 'judge')!;
    // q1: (1,2,3) vs consensus (1.5,1.5,3): τ-b 2/√6, top-1 1 (its best is one of the two tied best); q2: (1,2.5,2.5)
    // vs h1's (2,3,1): τ-b 0, top-1 0. Gold on q2 (3,2,1): τ-b −2/√6. Answer shown first ranked first in 2 of the 3
    // valid rankings, against 1/3 by chance.
    expect(j.ranking).toEqual({
      kendall_tau_b: expect.closeTo(1 / Math.sqrt(6), 12),
      top1_accuracy: 0.5,
      items: 2,
      gold: { kendall_tau_b: expect.closeTo(-2 / Math.sqrt(6), 12), top1_accuracy: 0, items: 1 },
      first_position_rate: expect.closeTo(2 / 3, 12),
      first_position_expected: expect.closeTo(1 / 3, 12),
      rankings: 3,
    });
    expect(j.invalid).toBe(1);
  });

  test('the pairwise statistics of the decomposition into answer pairs', () => {
    // h1 and h2 agree on q1's pairs (0,2) and (1,2), not on (0,1): percent agreement 2/3, and (0,1) has no majority.
    expect(r.humans.percent_agreement).toBeCloseTo(2 / 3, 12);
    expect(r.humans.pairs).toEqual([expect.objectContaining({ a: 'h1', b: 'h2', n: 3, percent_agreement: expect.closeTo(2 / 3, 12) })]);
    expect(r.humans.majority).toMatchObject({ items: 5, tied: 1 });
    // Krippendorff's alpha (nominal): q1's pairs hold (A,B), (A,A), (A,A) (q2's one value each, and drop out); with
    // n = 6 values (5 A, 1 B), o_AB = o_BA = 1: D_o = 2/6, D_e = 2·5·1/(6·5) = 1/3, α = 1 − D_o/D_e = 0.
    expect(r.humans.krippendorff_alpha.nominal).toBeCloseTo(0, 12);
    const j = r.judges.find((x) => x.annotator === 'judge')!;
    // Against the majority: its 4 labels on q1's decided pairs all A as the majority; on q2 (A, A, tie) vs (A, B, B).
    expect(j.vs_majority).toMatchObject({ n: 7, n_items: 5, accuracy: 5 / 7 });
    // Against gold (q2's pairs all B): A, A, tie.
    expect(j.vs_gold).toMatchObject({ n: 3, n_items: 3, accuracy: 0 });
    // q1's pairs (0,2) and (1,2) were shown BA in sample 0 and AB in sample 1, both times A: two consistent AB/BA pairs.
    expect(j.swap).toMatchObject({ pairs: 2, consistency: 1, first_position_rate: 0.5 });
    // q2's pairs differ in length by more than 30 characters on (0,1), (0,2), (1,2): the judge preferred the shorter
    // twice (A on (0,1) and (0,2)); its tie on (1,2) is not decisive.
    expect(j.length_bias).toEqual({ n: 2, prefer_longer: 0 });
  });

  test('slices by meta carry Kendall’s W and the judge’s ranking per slice', async () => {
    const pid = await makeProject(s, { type: 'ranking' }, items.map((it, k) => ({ ...it, meta: { part: k === 0 ? 'one' : 'rest' } })));
    await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
    const sliced = (await s.api<ReportJson>('GET', `/api/projects/${pid}/report?resamples=0&by=part`)).body;
    expect(sliced.slices!.groups.map((g) => [g.value, g.items, g.humans.kendall_w, g.judges[0]!.ranking!.items])).toEqual([
      ['one', 1, 0.75, 1],
      ['rest', 2, null, 1],
    ]);
  });
});

describe('the report is fed live ranking labels with their display order', () => {
  test("a judge that always ranks the answers in the order shown: every ranking puts the first shown first, and no answer pair's verdict survives the swap", async () => {
    // A seeded random source, so the permutations (and the AB/BA pairs they make) are the same on every run.
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);
    const live = await startServer({}, { random });
    try {
      const pid = await makeProject(live, { type: 'ranking' }, [1, 2, 3, 4].map((k) => ({ id: `r${k}`, question: `Q${k}`, answers: ['a', 'b', 'c'] })));
      const judge = await live.api('POST', `/api/projects/${pid}/judges`, { model: 'm', name: 'in-order', samples: 3, temperature: 0.7 });
      const j = await live.connect({ token: judge.body.token });
      // A report loads the project into the report worker; the judge's labels then reach it live, not from the database.
      expect((await live.api<ReportJson>('GET', `/api/projects/${pid}/report?resamples=0`)).body.project.labels).toEqual({ human: 0, llm: 0 });
      let n = 0;
      for (;;) {
        const t = await ok<Task | null>(j, 'task:next');
        if (!t) break;
        expect(t.item.answers).toHaveLength(3);
        await ok(j, 'label:submit', { leaseId: t.leaseId, value: [0, 1, 2], clientLabelId: `l${n++}` });
      }
      expect(n).toBe(12);
      const r = (await live.api<ReportJson>('GET', `/api/projects/${pid}/report?resamples=0`)).body;
      expect(r.project).toMatchObject({ items: 4, labels: { human: 0, llm: 12 }, answer_pairs: 12 });
      expect(r.judges[0]!.ranking).toMatchObject({ rankings: 12, first_position_rate: 1, first_position_expected: expect.closeTo(1 / 3, 12) });
      const swap = r.judges[0]!.swap!;
      expect(swap.pairs).toBeGreaterThan(0);
      expect(swap).toMatchObject({ consistency: 0, first_position_rate: 1 });
    } finally {
      await live.close();
    }
  });
});
