import { buildReport } from '../../../shared/stats/report';
import type { ReportInput, ReportLabel } from '../../../shared/stats/report/input';

type Cell = string | number | null;

/** A report input from a units × raters matrix of human values (null = not rated). */
function fromMatrix(type: string, rows: Cell[][], extra: Partial<ReportInput> = {}): ReportInput {
  const raters = Math.max(...rows.map((r) => r.length));
  const labels: ReportLabel[] = [];
  rows.forEach((row, u) => row.forEach((v, r) => v !== null && labels.push({ item: `u${u}`, annotator: `r${r}`, value: v })));
  return {
    project: { id: 'p', type, ...(extra.project ?? {}) },
    items: rows.map((_, u) => ({ id: `u${u}` })),
    annotators: Array.from({ length: raters }, (_, r) => ({ id: `r${r}`, name: `r${r}`, kind: 'human' as const })),
    labels,
    ...(extra.options ? { options: extra.options } : {}),
  };
}

const _ = null;

describe('buildReport reads back the published worked examples', () => {
  it("shows Krippendorff (2011)'s alphas: nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797", () => {
    // Krippendorff 2011 §C (nominal, interval); fast-krippendorff's tests (ordinal, ratio). Units × observers.
    const units: Cell[][] = [
      [1, 1, _, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
      [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [_, 5, 5, 5], [_, _, 1, 1], [_, 3, _, _],
    ];
    const r = buildReport(fromMatrix('rating', units, { project: { id: 'p', type: 'rating', scale: { min: 1, max: 5 } } }));
    const a = r.humans.krippendorff_alpha;
    expect([a.nominal, a.ordinal, a.interval, a.ratio].map((x) => x!.toFixed(3))).toEqual(['0.743', '0.815', '0.849', '0.797']);
  });

  it("shows Gwet's AC1 0.775 and Fleiss' kappa 0.761 for the handbook's raw4raters data (irrCAC tests)", () => {
    const units: Cell[][] = [
      [1, 1, _, 1], [2, 2, 3, 2], [3, 3, 3, 3], [3, 3, 3, 3], [2, 2, 2, 2], [1, 2, 3, 4],
      [4, 4, 4, 4], [1, 1, 2, 1], [2, 2, 2, 2], [_, 5, 5, 5], [_, _, 1, 1], [_, _, 3, _],
    ];
    const r = buildReport(fromMatrix('rating', units, { project: { id: 'p', type: 'rating', scale: { min: 1, max: 5 } } }));
    expect(r.humans.gwet_ac1!.toFixed(3)).toBe('0.775');
    expect(r.humans.fleiss_kappa!.toFixed(3)).toBe('0.761');
  });

  it("shows Fleiss' kappa 0.210 for Wikipedia's worked example", () => {
    const counts = [
      [0, 0, 0, 0, 14], [0, 2, 6, 4, 2], [0, 0, 3, 5, 6], [0, 3, 9, 2, 0], [2, 2, 8, 1, 1],
      [7, 7, 0, 0, 0], [3, 2, 6, 3, 0], [2, 5, 3, 2, 2], [6, 5, 2, 1, 0], [0, 2, 2, 3, 7],
    ];
    const units = counts.map((row) => row.flatMap((n, c) => Array<Cell>(n).fill(`c${c + 1}`)));
    const r = buildReport(fromMatrix('choice', units, { project: { id: 'p', type: 'choice', options: ['c1', 'c2', 'c3', 'c4', 'c5'] } }));
    expect(r.humans.fleiss_kappa!.toFixed(3)).toBe('0.210');
  });

  it("shows R irr's kappa2 values per pair, weighted on the levels used (anxiety raters 2 and 3)", () => {
    const r2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4];
    const r3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2];
    const r = buildReport(fromMatrix('rating', r2.map((v, i) => [v, r3[i]!])));
    const p = r.humans.pairs[0]!;
    expect(p.n).toBe(20);
    expect(p.cohen_kappa).toBeCloseTo(-0.006289308, 7);
    expect(p.weighted_kappa!.linear).toBeCloseTo(0.1459075, 6);
    expect(p.weighted_kappa!.quadratic).toBeCloseTo(0.2520325, 6);
  });

  it("shows scikit-learn's documented macro precision/recall/F1 for a judge against gold", () => {
    const yTrue = ['cat', 'dog', 'pig', 'cat', 'dog', 'pig'];
    const yPred = ['cat', 'pig', 'dog', 'cat', 'cat', 'dog'];
    const r = buildReport({
      project: { id: 'p', type: 'choice', options: ['cat', 'dog', 'pig'] },
      items: yTrue.map((g, i) => ({ id: `i${i}`, gold: g })),
      annotators: [{ id: 'j', name: 'judge', kind: 'llm' }],
      labels: yPred.map((v, i) => ({ item: `i${i}`, annotator: 'j', value: v })),
    });
    const g = r.judges[0]!.vs_gold!;
    expect([g.macro_precision, g.macro_recall, g.macro_f1].map((x) => x!.toFixed(2))).toEqual(['0.22', '0.33', '0.27']);
    expect(g.confusion).toEqual({ classes: ['cat', 'dog', 'pig'], matrix: [[2, 0, 0], [1, 0, 1], [0, 2, 0]] });
    expect(r.annotators[0]!.gold_accuracy).toBeCloseTo(2 / 6, 12);
  });
});

describe('buildReport on degenerate data', () => {
  it('defines the statistics when every rater always picks the same category', () => {
    const r = buildReport(fromMatrix('pairwise', [['A', 'A', 'A'], ['A', 'A', 'A']]));
    expect(r.humans.percent_agreement).toBe(1);
    expect(r.humans.fleiss_kappa).toBeNull();
    expect(r.humans.krippendorff_alpha.nominal).toBeNull();
    expect(r.humans.pairs.every((p) => p.cohen_kappa === null && p.percent_agreement === 1)).toBe(true);
    expect(r.humans.gwet_ac1).toBe(1);
  });

  it('gives a single rater no agreement statistics but still a majority', () => {
    const r = buildReport(fromMatrix('pairwise', [['A'], ['B']]));
    expect(r.humans.pairs).toEqual([]);
    expect(r.humans.percent_agreement).toBeNull();
    expect(r.humans.fleiss_kappa).toBeNull();
    expect(r.humans.krippendorff_alpha.nominal).toBeNull();
    expect(r.humans.gwet_ac1).toBeNull();
    expect(r.humans.majority.items).toBe(2);
    expect(r.annotators[0]!.majority_agreement).toBeNull();
  });

  it("lets an item with one label drop out of Krippendorff's alpha and pairs but keep its majority", () => {
    const withLonely = buildReport(fromMatrix('pairwise', [['A', 'A'], ['B', 'B'], ['A', 'B'], ['tie', _]]));
    const without = buildReport(fromMatrix('pairwise', [['A', 'A'], ['B', 'B'], ['A', 'B']]));
    expect(withLonely.humans.krippendorff_alpha).toEqual(without.humans.krippendorff_alpha);
    expect(withLonely.humans.pairs).toEqual(without.humans.pairs);
    expect(withLonely.humans.majority).toMatchObject({ items: 3, tied: 1 });
  });

  it('has no judges and no gold comparison when there are none', () => {
    const r = buildReport(fromMatrix('pairwise', [['A', 'B'], ['A', 'A']]));
    expect(r.judges).toEqual([]);
    expect(r.annotators.every((a) => a.gold_accuracy === null && a.certainty === null)).toBe(true);
    expect(r.project).toEqual({ id: 'p', type: 'pairwise', items: 2, labels: { human: 4, llm: 0 } });
  });

  it('gives a judge null figures, not NaN, when no item has a human majority', () => {
    const r = buildReport({
      project: { id: 'p', type: 'pairwise' },
      items: [{ id: 'i' }],
      annotators: [{ id: 'j', name: 'j', kind: 'llm' }],
      labels: [{ item: 'i', annotator: 'j', value: 'A' }],
    });
    expect(r.judges[0]!.vs_majority.n).toBe(0);
    expect(r.judges[0]!.vs_majority.accuracy).toBeNull();
    expect(r.judges[0]!.vs_gold).toBeNull();
    expect(JSON.stringify(r)).not.toContain('NaN');
  });
});

describe('buildReport for judges', () => {
  const items = Array.from({ length: 4 }, (_, i) => ({ id: `i${i}`, gold: (['A', 'B', 'A', 'tie'] as const)[i]!, answer_a: 'a'.repeat(100), answer_b: 'b' }));
  const first: ReportLabel[] = items.flatMap((it) => [
    { item: it.id, annotator: 'first', value: 'A', order: 'AB' as const, certainty: 90 },
    { item: it.id, annotator: 'first', value: 'B', order: 'BA' as const, certainty: 90 },
  ]);
  const r = buildReport({
    project: { id: 'p', type: 'pairwise', certainty: { min: 1, max: 100 } },
    items,
    annotators: [{ id: 'first', name: 'baseline:first', kind: 'llm' }],
    labels: first,
  });
  const j = r.judges[0]!;

  it('shows consistency 0 and first-position rate 1 for a judge that always picks the first answer', () => {
    expect(j.swap).toMatchObject({ items: 4, consistency: 0, first_position_rate: 1 });
  });

  it('aggregates swapped verdicts to ties under both rules and scores them against gold', () => {
    // Every pair is A-then-B: net 0 → tie, strict → tie; only item 3 (gold tie) is right.
    expect(j.swap!.net.accuracy).toBe(0.25);
    expect(j.swap!.strict.accuracy).toBe(0.25);
  });

  it('scores certainty per label against gold on the 100-point scale', () => {
    const t90 = j.certainty!.thresholds.find((t) => t.min === 90)!;
    // Right: item 0's A, item 1's B, item 2's A; item 3 (gold tie) neither: 3 of 8.
    expect(t90).toEqual({ min: 90, n: 8, coverage: 1, accuracy: 3 / 8 });
    // confidence (90 − 1)/99 for every label.
    expect(j.certainty!.ece).toBeCloseTo(89 / 99 - 3 / 8, 12);
  });

  it('counts how often the longer answer is preferred', () => {
    expect(j.length_bias).toEqual({ n: 8, prefer_longer: 0.5 });
  });
});
