import { bootstrapCI, compareLabels, macroScores } from '../../../shared/stats/classification';

describe('compareLabels', () => {
  // scikit-learn documentation, precision_recall_fscore_support, Examples: average='macro' gives
  // (0.22..., 0.33..., 0.26..., None); per class with labels=['pig','dog','cat']: precision [0, 0, 0.66...],
  // recall [0, 0, 1], F1 [0, 0, 0.8].
  const yTrue = ['cat', 'dog', 'pig', 'cat', 'dog', 'pig'];
  const yPred = ['cat', 'pig', 'dog', 'cat', 'cat', 'dog'];

  it("matches scikit-learn's documented macro precision/recall/F1 example", () => {
    const c = compareLabels(yTrue, yPred);
    expect(c.macroPrecision.toFixed(2)).toBe('0.22');
    expect(c.macroRecall.toFixed(2)).toBe('0.33');
    expect(c.macroF1.toFixed(2)).toBe('0.27'); // 0.2666…, printed by scikit-learn as 0.26...
    expect(c.macroF1).toBeCloseTo(0.8 / 3, 12);
    expect(c.macroPrecision).toBeCloseTo(2 / 9, 12);
  });

  it('scores a class that is never predicted with precision 0, and one never in the reference with recall 0', () => {
    // reference has no 'c'; predictions never say 'b'. Classes = union {a, b, c}.
    const m = macroScores([1, 0, 1, 0, 0, 1, 0, 0, 0], 3); // rows a,b,c: a→a, a→c, b→c
    expect(m.precision).toBeCloseTo((1 + 0 + 0) / 3, 12);
    expect(m.recall).toBeCloseTo((0.5 + 0 + 0) / 3, 12);
  });

  it("leaves out every comparison where either side is a tie for MT-Bench's accuracy without ties", () => {
    const c = compareLabels(['A', 'B', 'tie', 'A', 'B'], ['A', 'A', 'A', 'tie', 'B']);
    expect(c.accuracy).toBeCloseTo(2 / 5, 12);
    expect(c.accuracyWithoutTies).toBeCloseTo(2 / 3, 12);
    expect(c.confusion).toEqual([[1, 0, 1], [1, 1, 0], [1, 0, 0]]);
    expect(c.classes).toEqual(['A', 'B', 'tie']);
  });

  it('computes Cohen kappa as scikit-learn does (test_cohen_kappa 0.348)', () => {
    const y1 = [...Array(40).fill(0), ...Array(60).fill(1)];
    const y2 = [...Array(20).fill(0), ...Array(20).fill(1), ...Array(10).fill(0), ...Array(50).fill(1)];
    expect(compareLabels(y1, y2).cohenKappa).toBeCloseTo(0.348, 3);
  });
});

describe('bootstrapCI', () => {
  const confusion = [40, 10, 5, 45];
  it('is reproducible for a seed and brackets the point estimate', () => {
    const a = bootstrapCI(confusion, 2, { seed: 7 });
    expect(bootstrapCI(confusion, 2, { seed: 7 })).toEqual(a);
    expect(a.accuracy[0]).toBeLessThan(0.85);
    expect(a.accuracy[1]).toBeGreaterThan(0.85);
    expect(bootstrapCI(confusion, 2, { seed: 8 })).not.toEqual(a);
  });
  it('has about the normal-approximation width for a proportion (no published value: a sanity check)', () => {
    const { accuracy } = bootstrapCI(confusion, 2, { seed: 1, resamples: 4000 });
    const se = Math.sqrt((0.85 * 0.15) / 100);
    expect(accuracy[1] - accuracy[0]).toBeGreaterThan(2 * 1.96 * se * 0.85);
    expect(accuracy[1] - accuracy[0]).toBeLessThan(2 * 1.96 * se * 1.15);
  });
  it('gives a zero-width interval when every resample is identical', () => {
    expect(bootstrapCI([10, 0, 0, 0], 2).accuracy).toEqual([1, 1]);
  });
});
