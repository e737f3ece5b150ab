import { altTest } from '../../../shared/stats/alt-test';
import { buildReport } from '../../../shared/stats/report';
import type { ReportAnnotator, ReportLabel } from '../../../shared/stats/report/input';
import { mulberry32 } from '../../../shared/stats/random';

const human = (id: string): ReportAnnotator => ({ id, name: id, kind: 'human' });
const judge = (id: string): ReportAnnotator => ({ id, name: id, kind: 'llm' });

describe("report judges' certified threshold (selective)", () => {
  // 40 gold items: the judge is right on 35 at certainty 90 and wrong on 5 at certainty 50.
  const items = Array.from({ length: 40 }, (_, u) => ({ id: `i${u}`, gold: 'x' }));
  const labels: ReportLabel[] = items.map((it, u) => ({ item: it.id, annotator: 'j', value: u < 35 ? 'x' : 'y', certainty: u < 35 ? 90 : 50 }));
  const project = { id: 'p', type: 'choice', options: ['x', 'y'], certainty: { min: 1, max: 100 } };

  it('certifies 90 when its 35 labels have no error and stops at 50 (Clopper–Pearson bounds from scipy)', () => {
    const s = buildReport({ project, items, annotators: [judge('j')], labels }).judges[0]!.selective!;
    // python3 -c "from scipy.stats import beta; print(beta.ppf(0.9, 1, 35), beta.ppf(0.9, 6, 35))"
    //   → 0.06367079117605852 0.2195801909894026 (≤ 0.1 accepted; > 0.1 not)
    expect(s).toMatchObject({ target: 0.9, delta: 0.1, min_items: 30, threshold: 90, calibration_items: 40, coverage: 35 / 40, agreement: 1 });
    expect(s.steps.map((x) => [x.threshold, x.n, x.errors, x.accepted])).toEqual([[90, 35, 0, true], [50, 40, 5, false]]);
    expect(s.steps[0]!.upper_bound).toBeCloseTo(0.06367079117605852, 10);
    expect(s.steps[1]!.upper_bound).toBeCloseTo(0.2195801909894026, 10);
  });

  it('reads target, delta and the least labels from the options', () => {
    const s = buildReport({ project, items, annotators: [judge('j')], labels, options: { target: 0.7, delta: 0.05, minItems: 36 } }).judges[0]!.selective!;
    // 90 has only 35 labels (< 36): 50 is the first value tested, its bound 0.245 ≤ 1 − 0.7.
    // python3 -c "from scipy.stats import beta; print(beta.ppf(0.95, 6, 35))"  → 0.24503051264971193
    expect(s).toMatchObject({ target: 0.7, delta: 0.05, min_items: 36, threshold: 50, coverage: 1, agreement: 35 / 40 });
    expect(s.steps[0]!.upper_bound).toBeCloseTo(0.24503051264971193, 10);
  });

  it('is null for a judge without certainty, or whose certain labels have no reference', () => {
    const noCertainty = labels.map(({ certainty: _c, ...l }) => l);
    expect(buildReport({ project, items, annotators: [judge('j')], labels: noCertainty }).judges[0]!.selective).toBeNull();
    const noGold = items.map(({ id }) => ({ id }));
    expect(buildReport({ project, items: noGold, annotators: [judge('j')], labels }).judges[0]!.selective).toBeNull();
  });

  it('falls back on the human majority where there is no gold, and leaves tied items out', () => {
    const r = buildReport({
      project,
      items: [{ id: 'a' }, { id: 'b' }, { id: 'c' }],
      annotators: [human('h0'), human('h1'), judge('j')],
      labels: [
        { item: 'a', annotator: 'h0', value: 'x' }, { item: 'a', annotator: 'h1', value: 'x' },
        { item: 'b', annotator: 'h0', value: 'x' }, { item: 'b', annotator: 'h1', value: 'y' }, // tied: no reference
        { item: 'c', annotator: 'h0', value: 'y' },
        { item: 'a', annotator: 'j', value: 'x', certainty: 80 },
        { item: 'b', annotator: 'j', value: 'x', certainty: 80 },
        { item: 'c', annotator: 'j', value: 'x', certainty: 70 },
      ],
    });
    expect(r.judges[0]!.selective).toMatchObject({ calibration_items: 2, threshold: null, steps: [] });
  });
});

describe("report judges' alt-test", () => {
  it('says why there is no test when no human has 30 items shared with another human and the judge', () => {
    const r = buildReport({
      project: { id: 'p', type: 'pairwise' },
      items: [{ id: 'a' }],
      annotators: [human('h0'), human('h1'), judge('j')],
      labels: [{ item: 'a', annotator: 'h0', value: 'A' }, { item: 'a', annotator: 'h1', value: 'A' }, { item: 'a', annotator: 'j', value: 'A' }],
    });
    expect(r.judges[0]!.alt_test).toBeNull();
    expect(r.judges[0]!.alt_test_reason).toBe('no human annotator has 30 items that another human and the judge also labelled');
  });

  // 3 humans and a judge on 60 items (4 classes), random but seeded; h2 skips every fifth item. The judge has two
  // samples per item; its one vote is their plurality (two different samples: no vote).
  const rng = mulberry32(7);
  const pick = (): string => ['a', 'b', 'c', 'd'][Math.floor(rng() * 4)]!;
  const truth = Array.from({ length: 60 }, pick);
  const noisy = (u: number, p: number): string => (rng() < p ? truth[u]! : pick());
  const labels: ReportLabel[] = [];
  const humanRatings: Map<number, number>[] = [new Map(), new Map(), new Map()];
  const judgeVote = new Map<number, number>();
  const code = (v: string): number => ['a', 'b', 'c', 'd'].indexOf(v);
  truth.forEach((_, u) => {
    for (let h = 0; h < 3; h++) {
      if (h === 2 && u % 5 === 0) continue;
      const v = noisy(u, 0.7);
      labels.push({ item: `i${u}`, annotator: `h${h}`, value: v });
      humanRatings[h]!.set(u, code(v));
    }
    const s1 = noisy(u, 0.8);
    const s2 = u % 4 === 0 ? pick() : s1;
    labels.push({ item: `i${u}`, annotator: 'j', value: s1, sample: 0 }, { item: `i${u}`, annotator: 'j', value: s2, sample: 1 });
    if (s1 === s2) judgeVote.set(u, code(s1));
  });
  const input = {
    project: { id: 'p', type: 'choice', options: ['a', 'b', 'c', 'd'] },
    items: truth.map((_, u) => ({ id: `i${u}` })),
    annotators: [human('h0'), human('h1'), human('h2'), judge('j')],
    labels,
  };

  it("tests the judge's one vote per item against each human's ratings, with accuracy and ε from the options", () => {
    const j = buildReport({ ...input, options: { epsilon: 0.1 } }).judges[0]!;
    const expected = altTest(
      {
        humans: humanRatings.map((m, h) => ({ id: `h${h}`, items: Int32Array.from(m.keys()), values: Float64Array.from(m.values()) })),
        judge: judgeVote,
      },
      { epsilon: 0.1, minItems: 30, q: 0.05, metric: 'accuracy' },
    );
    if ('reason' in expected) throw new Error(expected.reason);
    expect(j.alt_test_reason).toBeNull();
    expect(j.alt_test).toMatchObject({ epsilon: 0.1, metric: 'accuracy', min_items: 30, annotators: expected.annotators, items: expected.items });
    expect(j.alt_test!.winning_rate).toBe(expected.winningRate);
    expect(j.alt_test!.advantage_probability).toBe(expected.advantageProbability);
    expect(j.alt_test!.per_annotator.map((p) => [p.annotator, p.items, p.judge_wins, p.p_value])).toEqual(
      expected.perAnnotator.map((p) => [p.annotator, p.items, p.judgeWins, p.pValue]),
    );
    expect(expected.perAnnotator.length).toBe(3);
  });

  it('uses neg_rmse on the ratings themselves for numeric rating projects', () => {
    const ratingLabels = labels.map((l) => ({ ...l, value: code(l.value as string) * 2 + 1 }));
    const j = buildReport({ ...input, project: { id: 'p', type: 'rating', scale: { min: 1, max: 7 } }, labels: ratingLabels }).judges[0]!;
    const expected = altTest(
      {
        humans: humanRatings.map((m, h) => ({ id: `h${h}`, items: Int32Array.from(m.keys()), values: Float64Array.from(m.values(), (k) => k * 2 + 1) })),
        judge: new Map([...judgeVote].map(([u, k]) => [u, k * 2 + 1])),
      },
      { epsilon: 0.2, minItems: 30, q: 0.05, metric: 'neg_rmse' },
    );
    if ('reason' in expected) throw new Error(expected.reason);
    expect(j.alt_test).toMatchObject({ epsilon: 0.2, metric: 'neg_rmse', winning_rate: expected.winningRate, advantage_probability: expected.advantageProbability });
  });
});
