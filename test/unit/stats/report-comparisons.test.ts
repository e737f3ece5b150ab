import { mcnemarExact, pairedDifference } from '../../../shared/stats/paired';
import { buildReport } from '../../../shared/stats/report';
import type { ReportAnnotator, ReportInput, ReportLabel } from '../../../shared/stats/report/input';

const human = (id: string): ReportAnnotator => ({ id, name: id, kind: 'human' });
const judge = (id: string): ReportAnnotator => ({ id, name: id, kind: 'llm' });
const label = (item: string, annotator: string, value: string | null, extra: Partial<ReportLabel> = {}): ReportLabel => ({ item, annotator, value, ...extra });

describe('report comparisons: judge against judge', () => {
  // 12 gold items, all x. j1 is right on items 0–10, j2 on items 0–2 and 11: 8 pairs only j1 got right, 1 only j2.
  const n = 12;
  const items = Array.from({ length: n }, (_, u) => ({ id: `i${u}`, gold: 'x' }));
  const labels = items.flatMap((it, u) => [
    label(it.id, 'j1', u <= 10 ? 'x' : 'y'),
    label(it.id, 'j2', u <= 2 || u === 11 ? 'x' : 'y'),
  ]);
  const r = buildReport({ project: { id: 'p', type: 'choice', options: ['x', 'y'] }, items, annotators: [judge('j1'), judge('j2')], labels });
  const c = r.comparisons[0]!;

  it('counts the discordant items and gives McNemar p 0.0390625 on 8 against 1 (scipy binomtest)', () => {
    // python3 -c "from scipy.stats import binomtest; print(binomtest(1, 9, 0.5).pvalue)"  → 0.0390625
    expect(c).toMatchObject({ a: 'j1', b: 'j2', b_kind: 'judge', reference: 'gold', n: 12, n_items: 12, a_only: 8, b_only: 1 });
    expect(c.mcnemar_p).toBeCloseTo(0.0390625, 12);
    expect(c.mcnemar_p).toBe(mcnemarExact(8, 1));
    expect(c.accuracy_a).toBeCloseTo(11 / 12, 12);
    expect(c.accuracy_b).toBeCloseTo(4 / 12, 12);
    expect(c.difference).toBeCloseTo(7 / 12, 12);
  });

  it('resamples items: the interval is the paired bootstrap of the per-item outcomes, seeded', () => {
    const a = Float64Array.from(items, (_, u) => (u <= 10 ? 1 : 0));
    const b = Float64Array.from(items, (_, u) => (u <= 2 || u === 11 ? 1 : 0));
    const expected = pairedDifference(a, b, Int32Array.from(items, (_, u) => u), { resamples: 1000, seed: 1 });
    expect(c.ci95).toEqual(expected.ci95);
    expect(c.ci95[0]!).toBeLessThan(c.difference!);
    expect(c.ci95[1]!).toBeGreaterThan(c.difference!);
  });

  it('lists every pair of judges, then each judge against the humans, in the annotators order', () => {
    expect(r.comparisons.map((x) => `${x.a}/${x.b}/${x.b_kind}`)).toEqual(['j1/j2/judge', 'j1/humans/humans', 'j2/humans/humans']);
    // No human labels: nothing to compare with, and no test rather than p = 1.
    expect(r.comparisons[1]).toMatchObject({ n: 0, n_items: 0, accuracy_a: null, mcnemar_p: null, ci95: [null, null] });
  });

  it("reduces a pairwise judge's swapped runs to one vote by the net rule before comparing", () => {
    const pw = buildReport({
      project: { id: 'p', type: 'pairwise' },
      items: [{ id: 'i0', gold: 'A' }, { id: 'i1', gold: 'A' }, { id: 'i2', gold: 'B' }],
      annotators: [judge('swap'), judge('once')],
      labels: [
        label('i0', 'swap', 'A', { order: 'AB' }), label('i0', 'swap', 'A', { order: 'BA' }), // A
        label('i1', 'swap', 'A', { order: 'AB' }), label('i1', 'swap', 'B', { order: 'BA' }), // cancel out: tie
        label('i2', 'swap', 'tie', { order: 'AB' }), label('i2', 'swap', 'B', { order: 'BA' }), // B
        label('i0', 'once', 'B'), label('i1', 'once', 'A'), label('i2', 'once', 'B'),
      ],
    });
    expect(pw.comparisons[0]).toMatchObject({ n: 3, a_only: 1, b_only: 1, accuracy_a: 2 / 3, accuracy_b: 2 / 3 });
  });
});

describe('report comparisons against the humans', () => {
  it('pairs the judge with each human on gold items only, when the project has gold', () => {
    // Gold x on i0–i9, i10 has no gold. j is right on i0–i7; h0 always right; h1 wrong on i0–i4.
    const items = [...Array.from({ length: 10 }, (_, u) => ({ id: `i${u}`, gold: 'x' })), { id: 'i10' }];
    const labels = items.flatMap((it, u) => [
      label(it.id, 'j', u <= 7 || u === 10 ? 'x' : 'y'),
      label(it.id, 'h0', 'x'),
      label(it.id, 'h1', u <= 4 ? 'y' : 'x'),
    ]);
    const r = buildReport({ project: { id: 'p', type: 'choice', options: ['x', 'y'] }, items, annotators: [human('h0'), human('h1'), judge('j')], labels });
    const c = r.comparisons[0]!;
    // i0–i4: j right, h1 wrong (5 pairs only j right); i8–i9: j wrong, both humans right (4 only the humans).
    expect(c).toMatchObject({ a: 'j', b: 'humans', b_kind: 'humans', reference: 'gold', n: 20, n_items: 10, a_only: 5, b_only: 4 });
    expect(c.accuracy_a).toBeCloseTo(16 / 20, 12);
    expect(c.accuracy_b).toBeCloseTo(15 / 20, 12);
    // python3 -c "from scipy.stats import binomtest; print(binomtest(4, 9, 0.5).pvalue)"  → 1.0
    expect(c.mcnemar_p).toBe(1);
  });

  const majorityProject = (): ReportInput => ({
    project: { id: 'p', type: 'choice', options: ['x', 'y'] },
    items: Array.from({ length: 6 }, (_, u) => ({ id: `i${u}` })),
    annotators: [human('h0'), human('h1'), human('h2'), judge('j'), judge('k')],
    labels: [
      ...['x', 'x', 'y'].map((v, h) => label('i0', `h${h}`, v)), label('i0', 'j', 'x'),
      ...['x', 'x', 'x'].map((v, h) => label('i1', `h${h}`, v)), label('i1', 'j', 'y'),
      label('i2', 'h0', 'x'), label('i2', 'h1', 'y'), label('i2', 'j', 'x'),
      label('i3', 'h0', 'x'), label('i3', 'j', 'x'),
      ...['x', 'x', 'y'].map((v, h) => label('i4', `h${h}`, v)), // no judge label
      label('i5', 'h0', 'y'), label('i5', 'h1', 'y'), label('i5', 'j', null), // invalid only: no vote
      // k: samples reduced by plurality; two samples that disagree are no vote.
      label('i0', 'k', 'x'), label('i0', 'k', 'y'), label('i0', 'k', 'y'),
      label('i1', 'k', 'x'), label('i1', 'k', 'y'),
      label('i2', 'k', 'x'), label('i3', 'k', 'x'), label('i5', 'k', 'y'),
    ],
  });

  it("scores each human against the other humans' plurality (leave-one-out), and the judge against the same", () => {
    const r = buildReport(majorityProject());
    const c = r.comparisons.find((x) => x.a === 'j' && x.b === 'humans')!;
    // i0: h0, h1 face a tied x/y → no pair; h2 faces x: j right, h2 wrong.
    // i1: each human faces x,x: human right, j wrong (3 pairs).
    // i2: h0 faces y: both wrong; h1 faces x: j right, h1 wrong.  i3: h0 alone, no other human → no pair.
    expect(c).toMatchObject({ reference: 'majority', n: 6, n_items: 3, a_only: 2, b_only: 3 });
    expect(c.accuracy_a).toBeCloseTo(2 / 6, 12);
    expect(c.accuracy_b).toBeCloseTo(3 / 6, 12);
    expect(c.mcnemar_p).toBe(mcnemarExact(2, 3));
  });

  it('compares two judges on the untied human majority, where both have a vote', () => {
    const r = buildReport(majorityProject());
    const c = r.comparisons.find((x) => x.a === 'j' && x.b === 'k')!;
    // Majority: i0 x, i1 x, i2 tied, i3 x, i4 x, i5 y. Votes j: x y x x – –; k: y – x x – y.
    // Both vote on a decided item: i0 (j right, k wrong) and i3 (both right).
    expect(c).toMatchObject({ reference: 'majority', n: 2, n_items: 2, a_only: 1, b_only: 0, accuracy_a: 1, accuracy_b: 0.5 });
  });

  it('turns the interval off with resamples 0', () => {
    const input = majorityProject();
    const r = buildReport({ ...input, options: { resamples: 0 } });
    expect(r.comparisons.every((c) => c.ci95[0] === null && c.ci95[1] === null)).toBe(true);
    expect(JSON.stringify(r)).not.toContain('NaN');
  });
});
