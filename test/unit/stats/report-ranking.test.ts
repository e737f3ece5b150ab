import { buildReport } from '../../../shared/stats/report';
import type { ReportInput, ReportLabel } from '../../../shared/stats/report/input';

/**
 * Two items of three answers. q1: humans h1 0>1>2 and h2 1>0>2; the judge twice 0>1>2, shown in the orders
 * [2,0,1] and [0,1,2]. q2 (gold 2>1>0): h1 2>0>1; the judge 0>(1=2) shown [0,1,2], and one invalid output.
 */
const items = [
  { id: 'q1', answers: ['a', 'bb', 'ccc'] },
  { id: 'q2', answers: ['x'.repeat(10), 'y'.repeat(50), 'z'.repeat(100)], gold: '[[2],[1],[0]]' },
];
const annotators = [
  { id: 'h1', name: 'h1', kind: 'human' as const },
  { id: 'h2', name: 'h2', kind: 'human' as const },
  { id: 'j', name: 'j', kind: 'llm' as const },
];
const labels: ReportLabel[] = [
  { item: 'q1', annotator: 'h1', value: '[[0],[1],[2]]', permutation: [1, 2, 0], seconds: 10 },
  { item: 'q1', annotator: 'h2', value: '[[1],[0],[2]]', permutation: [0, 1, 2], seconds: 20 },
  { item: 'q1', annotator: 'j', value: '[[0],[1],[2]]', permutation: [2, 0, 1], sample: 0 },
  { item: 'q1', annotator: 'j', value: '[[0],[1],[2]]', permutation: [0, 1, 2], sample: 1 },
  { item: 'q2', annotator: 'h1', value: '[[2],[0],[1]]', permutation: [2, 1, 0], seconds: 30 },
  { item: 'q2', annotator: 'j', value: '[[0],[1,2]]', permutation: [0, 1, 2], sample: 0 },
  { item: 'q2', annotator: 'j', value: null, permutation: [1, 0, 2], sample: 1 },
];
const input: ReportInput = { project: { id: 'p', type: 'ranking' }, items, annotators, labels, options: { resamples: 0 } };

/** The same labels decomposed by hand into pairwise items `q<n>:<i>-<j>` (answer i = A), with orders and samples. */
function handDecomposed(): ReportInput {
  const pairs = [
    [0, 1],
    [0, 2],
    [1, 2],
  ] as const;
  const pairItems = items.flatMap((it) => pairs.map(([i, j]) => ({ id: `${it.id}:${i}-${j}`, answer_a: it.answers[i], answer_b: it.answers[j], gold: it.gold ? 'B' : null })));
  const v = (item: string, annotator: string, verdicts: (string | null)[], orders: ('AB' | 'BA')[], samples: number[], seconds?: number): ReportLabel[] =>
    pairs.map(([i, j], p) => ({ item: `${item}:${i}-${j}`, annotator, value: verdicts[p]!, order: orders[p]!, sample: samples[p]!, seconds: p === 0 ? seconds : null }));
  return {
    project: { id: 'p', type: 'pairwise' },
    items: pairItems,
    annotators,
    labels: [
      ...v('q1', 'h1', ['A', 'A', 'A'], ['BA', 'BA', 'AB'], [0, 0, 0], 10),
      ...v('q1', 'h2', ['B', 'A', 'A'], ['AB', 'AB', 'AB'], [0, 0, 0], 20),
      // The judge's first sample shows (0,1) AB and (0,2), (1,2) BA; the second all AB: AB labels count 0, 1 and BA 0.
      ...v('q1', 'j', ['A', 'A', 'A'], ['AB', 'BA', 'BA'], [0, 0, 0]),
      ...v('q1', 'j', ['A', 'A', 'A'], ['AB', 'AB', 'AB'], [1, 0, 0]),
      ...v('q2', 'h1', ['A', 'B', 'B'], ['BA', 'BA', 'BA'], [0, 0, 0], 30),
      ...v('q2', 'j', ['A', 'A', 'tie'], ['AB', 'AB', 'AB'], [0, 0, 0]),
      ...v('q2', 'j', [null, null, null], ['BA', 'AB', 'AB'], [0, 1, 1]),
    ],
    options: { resamples: 0 },
  };
}

describe('the report of a ranking project', () => {
  const r = buildReport(input);
  const pairwise = buildReport(handDecomposed());

  test('counts items, rankings and answer pairs as rankings', () => {
    expect(r.project).toEqual({ id: 'p', type: 'ranking', items: 2, labels: { human: 3, llm: 4 }, answer_pairs: 6 });
    expect(r.annotators.map((a) => [a.annotator, a.labels, a.median_seconds])).toEqual([
      ['h1', 2, 20],
      ['h2', 1, 20],
      ['j', 4, null],
    ]);
    expect(r.judges[0]!.invalid).toBe(1);
  });

  test("every pairwise statistic is the pairwise report's on the answer pairs, decomposed by hand", () => {
    const { kendall_w, kendall_w_items, ...humans } = r.humans;
    expect(humans).toEqual(pairwise.humans);
    const { ranking, invalid, ...judge } = r.judges[0]!;
    const { invalid: pairInvalid, ...pairJudge } = pairwise.judges[0]!;
    expect(judge).toEqual(pairJudge);
    expect([invalid, pairInvalid]).toEqual([1, 3]);
    expect(r.comparisons).toEqual(pairwise.comparisons);
    expect(r.annotators.map(({ labels: _l, ...a }) => a)).toEqual(pairwise.annotators.map(({ labels: _l, ...a }) => a));
    // Hand-computed: h1 and h2 agree on (0,2) and (1,2) of q1, not on (0,1); (0,1) of q1 has no majority.
    expect(r.humans.percent_agreement).toBeCloseTo(2 / 3, 15);
    expect(r.humans.majority).toMatchObject({ items: 5, tied: 1 });
    // The judge against the majority: its four labels on q1's (0,2) and (1,2) all A, as the majority, and on q2
    // A, A, tie against A, B, B.
    expect(r.judges[0]!.vs_majority).toMatchObject({ n: 7, n_items: 5, accuracy: 5 / 7 });
    expect(r.judges[0]!.vs_gold).toMatchObject({ n: 3, accuracy: 0 });
    // Swap: q1's (0,2) and (1,2) were shown BA in sample 0 and AB in sample 1, both A: two consistent pairs, and of
    // their four verdicts the two AB ones chose the answer shown first.
    expect(r.judges[0]!.swap).toMatchObject({ pairs: 2, consistency: 1, first_position_rate: 0.5 });
  });

  test("Kendall's W among humans and the judge's ranking statistics, computed by hand", () => {
    // q1: ranks (1,2,3) and (2,1,3): R = (3,3,6), S = 6, W = 12·6 / (4·24) = 0.75. q2 has one human.
    expect(r.humans.kendall_w).toBeCloseTo(0.75, 15);
    expect(r.humans.kendall_w_items).toBe(1);
    // q1: judge (1,2,3) vs consensus (1.5,1.5,3): τ-b = 2/√6, top-1 1; q2: (1,2.5,2.5) vs h1's (2,3,1): τ-b 0, top-1 0.
    // Gold q2 (3,2,1): τ-b −2/√6, top-1 0. First shown ranked first: answer 2 in q1's sample 0 (no), answer 0 in
    // q1's sample 1 and in q2 (yes): 2/3, against 1/3.
    const j = r.judges[0]!.ranking!;
    expect(j.items).toBe(2);
    expect(j.kendall_tau_b).toBeCloseTo(1 / Math.sqrt(6), 15);
    expect(j.top1_accuracy).toBe(0.5);
    expect(j.gold).toEqual({ kendall_tau_b: expect.closeTo(-2 / Math.sqrt(6), 15), top1_accuracy: 0, items: 1 });
    expect(j.first_position_rate).toBeCloseTo(2 / 3, 15);
    expect(j.first_position_expected).toBeCloseTo(1 / 3, 15);
    expect(j.rankings).toBe(3);
  });

  test('slices carry the ranking statistics of their items', () => {
    const sliced = buildReport({ ...input, items: items.map((it, k) => ({ ...it, meta: { part: k + 1 } })), options: { resamples: 0, by: 'part' } });
    const [one, two] = sliced.slices!.groups;
    expect([one!.value, one!.items, one!.humans.kendall_w, one!.humans.kendall_w_items]).toEqual([1, 1, 0.75, 1]);
    expect([two!.value, two!.items, two!.humans.kendall_w, two!.humans.kendall_w_items]).toEqual([2, 1, null, 0]);
    expect(one!.judges[0]!.ranking).toMatchObject({ items: 1, top1_accuracy: 1, gold: null, rankings: 2, first_position_rate: 0.5 });
    expect(two!.judges[0]!.ranking).toMatchObject({ items: 1, top1_accuracy: 0, gold: { items: 1, top1_accuracy: 0 }, rankings: 1 });
    expect([one!.judges[0]!.invalid, two!.judges[0]!.invalid]).toEqual([0, 1]);
    expect(two!.annotators.map((a) => a.labels)).toEqual([1, 0, 2]);
  });
});
