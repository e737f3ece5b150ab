import { agreementWithin, averageRanks, kendallTauB, meanAbsoluteError, pearson, spearman } from '../../../shared/stats/correlation';

describe('pearson', () => {
  // scipy.stats.pearsonr / mstats.pearsonr docstring: pearsonr([1,2,3,4,5],[10,9,2.5,6,4]) → -0.7426106572325057.
  it("matches scipy's documented example", () => {
    expect(pearson([1, 2, 3, 4, 5], [10, 9, 2.5, 6, 4])).toBeCloseTo(-0.7426106572325057, 14);
  });
  it('is undefined for a constant input', () => {
    expect(pearson([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('spearman', () => {
  // scipy.stats.spearmanr docstring: spearmanr([1,2,3,4,5],[5,6,7,8,7]) → 0.82078268166812329 (ties in y).
  it("matches scipy's documented example with ties", () => {
    expect(spearman([1, 2, 3, 4, 5], [5, 6, 7, 8, 7])).toBeCloseTo(0.8207826816681233, 14);
  });
  it('gives tied values the mean of their ranks (scipy rankdata "average")', () => {
    expect(Array.from(averageRanks([0, 2, 3, 2]))).toEqual([1, 2.5, 4, 2.5]);
  });
});

describe('kendallTauB', () => {
  // scipy.stats.kendalltau docstring and test_stats.py::test_kendalltau (cross-checked with R cor.test):
  // x1 = [12, 2, 1, 12, 2], x2 = [1, 4, 7, 1, 0] → tau-b -0.47140452079103173.
  it("matches scipy's documented example with ties in both variables", () => {
    expect(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])).toBeCloseTo(-0.47140452079103173, 14);
  });
  it('agrees with the O(n²) definition on random tied data', () => {
    let seed = 1;
    const rnd = (): number => ((seed = (seed * 16807) % 2147483647) % 5);
    for (let trial = 0; trial < 20; trial++) {
      const n = 30 + trial;
      const x = Array.from({ length: n }, rnd);
      const y = Array.from({ length: n }, rnd);
      let p = 0;
      let q = 0;
      let tx = 0;
      let ty = 0;
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j < n; j++) {
          const dx = Math.sign(x[i]! - x[j]!);
          const dy = Math.sign(y[i]! - y[j]!);
          if (dx === 0 && dy === 0) continue;
          if (dx === 0) tx++;
          else if (dy === 0) ty++;
          else if (dx === dy) p++;
          else q++;
        }
      }
      expect(kendallTauB(x, y)).toBeCloseTo((p - q) / Math.sqrt((p + q + tx) * (p + q + ty)), 12);
    }
  });
  it('is undefined when one side is constant', () => {
    expect(kendallTauB([1, 1, 1], [1, 2, 3])).toBeNaN();
  });
});

describe('errors and agreement', () => {
  it('computes MAE, exact agreement and agreement within one point', () => {
    const x = [1, 2, 3, 4];
    const y = [1, 3, 5, 4];
    expect(meanAbsoluteError(x, y)).toBe(0.75);
    expect(agreementWithin(x, y, 0)).toBe(0.5);
    expect(agreementWithin(x, y, 1)).toBe(0.75);
  });
});
