import { mcnemarExact, pairedDifference } from '../../../shared/stats/paired';
import { mulberry32, type Rng } from '../../../shared/stats/random';

describe('mcnemarExact', () => {
  it("matches statsmodels' test_mcnemar_exact reference values (Vassar College online computation)", () => {
    // statsmodels/stats/tests/test_nonparametric.py, test_mcnemar_exact: tables [[101, b], [c, 33]] with
    // mcnemar(table, exact=True) checked by assert_almost_equal(decimal=6), i.e. |Δ| < 1.5e-6.
    const published: [number, number, number][] = [
      [121, 59, 0.000004],
      [70, 59, 0.378688],
      [80, 59, 0.089452],
      [30, 60, 0.00206],
      [10, 30, 0.002221],
      [10, 10, 1.0],
    ];
    for (const [b, c, p] of published) expect(Math.abs(mcnemarExact(b, c) - p)).toBeLessThan(1.5e-6);
  });

  it('equals scipy to 12 significant digits, small and large discordant counts', () => {
    // python3 -c "from scipy.stats import binom, binomtest; \
    //   [print(b, c, min(1, 2*binom.cdf(min(b, c), b+c, 0.5)), binomtest(min(b, c), b+c, 0.5).pvalue) for b, c in \
    //   [(121,59),(70,59),(80,59),(30,60),(10,30),(0,5),(1,9),(150,86),(3,0),(512,488),(2000,2100)]]"
    // (scipy 1.17.1; binomtest's two-sided p agreed with 2·cdf to every digit in each case.)
    const scipy: [number, number, number][] = [
      [121, 59, 4.4344492637551645e-6],
      [70, 59, 0.3786876626931185],
      [80, 59, 0.08945231499446925],
      [30, 60, 0.0020602656809630745],
      [10, 30, 0.0022214337732293643],
      [0, 5, 0.0625],
      [1, 9, 0.021484375],
      // Agresti (1990), "Categorical Data Analysis", p. 350 (R's mcnemar.test example): presidential approval in
      // two surveys of 1,600 voters, discordant cells 150 and 86.
      [150, 86, 3.7159361395713866e-5],
      [3, 0, 0.25],
      [512, 488, 0.46704512165278705],
      [2000, 2100, 0.12206497999113655],
    ];
    for (const [b, c, p] of scipy) {
      expect(mcnemarExact(b, c)).toBeCloseTo(p, 12);
      expect(Math.abs(mcnemarExact(b, c) / p - 1)).toBeLessThan(1e-11);
    }
  });

  it('is symmetric in its arguments and 1 when there are no discordant pairs', () => {
    expect(mcnemarExact(0, 0)).toBe(1);
    expect(mcnemarExact(0, 1)).toBe(1);
    expect(mcnemarExact(9, 1)).toBe(mcnemarExact(1, 9));
  });
});

describe('pairedDifference', () => {
  it('counts accuracies and discordant pairs by hand', () => {
    // A right on pairs 0, 1, 3; B on 0, 2. A only: 1, 3; B only: 2. p = 2 · P(Bin(3, ½) ≤ 1) = 2 · 4/8 → 1.
    const r = pairedDifference(
      Float64Array.from([1, 1, 0, 1, 0]),
      Float64Array.from([1, 0, 1, 0, 0]),
      Int32Array.from([0, 1, 2, 3, 4]),
      { resamples: 200, seed: 1 },
    );
    expect(r).toMatchObject({ n: 5, aOnly: 2, bOnly: 1, p: 1 });
    expect(r.accuracyA).toBeCloseTo(0.6, 12);
    expect(r.accuracyB).toBeCloseTo(0.4, 12);
    expect(r.difference).toBeCloseTo(0.2, 12);
  });

  const data = simulate(mulberry32(3), 200, 3);

  it('brackets the difference, and the same seed gives the same interval', () => {
    const r = pairedDifference(data.a, data.b, data.cluster, { resamples: 1000, seed: 11 });
    expect(r.ci95[0]).toBeLessThan(r.difference);
    expect(r.ci95[1]).toBeGreaterThan(r.difference);
    expect(pairedDifference(data.a, data.b, data.cluster, { resamples: 1000, seed: 11 }).ci95).toEqual(r.ci95);
    expect(pairedDifference(data.a, data.b, data.cluster, { resamples: 1000, seed: 12 }).ci95).not.toEqual(r.ci95);
  });

  it('narrows about as 1/√n: four times the items, half the width', () => {
    const small = simulate(mulberry32(5), 100, 3);
    const large = simulate(mulberry32(6), 400, 3);
    const width = (d: typeof small) => {
      const [lo, hi] = pairedDifference(d.a, d.b, d.cluster, { resamples: 1000, seed: 1 }).ci95;
      return hi - lo;
    };
    const ratio = width(large) / width(small);
    expect(ratio).toBeGreaterThan(0.4);
    expect(ratio).toBeLessThan(0.6);
  });

  it('resamples whole items: copying every pair within its item leaves the interval as it was', () => {
    // A pair-by-pair bootstrap would shrink the copied data's interval by about 1/√2; the cluster bootstrap
    // sees the same items with the same per-item differences, and draws the same item indices for a seed.
    const twice = (x: Float64Array | Int32Array) => [...x, ...x];
    const once = pairedDifference(data.a, data.b, data.cluster, { resamples: 1000, seed: 4 });
    const copied = pairedDifference(
      Float64Array.from(twice(data.a)),
      Float64Array.from(twice(data.b)),
      Int32Array.from(twice(data.cluster)),
      { resamples: 1000, seed: 4 },
    );
    expect(copied.ci95[0]).toBeCloseTo(once.ci95[0], 12);
    expect(copied.ci95[1]).toBeCloseTo(once.ci95[1], 12);
    expect(copied.n).toBe(2 * once.n);
    const pairs = Int32Array.from({ length: copied.n }, (_, i) => i);
    const naive = pairedDifference(Float64Array.from(twice(data.a)), Float64Array.from(twice(data.b)), pairs, {
      resamples: 1000,
      seed: 4,
    });
    expect((naive.ci95[1] - naive.ci95[0]) / (once.ci95[1] - once.ci95[0])).toBeLessThan(0.85);
  });

  it('gives a NaN interval without resamples or pairs', () => {
    expect(pairedDifference(data.a, data.b, data.cluster, { resamples: 0, seed: 1 }).ci95).toEqual([NaN, NaN]);
    const none = pairedDifference(new Float64Array(0), new Float64Array(0), new Int32Array(0), { resamples: 100, seed: 1 });
    expect(none.ci95).toEqual([NaN, NaN]);
    expect(none.p).toBe(1);
    expect(none.accuracyA).toBeNaN();
  });

  it('covers the true difference in about 95% of 400 simulated data sets with pairs dependent within items', () => {
    // Model (no published value: a simulation with a known answer): each item is easy or hard with probability
    // ½; on an easy item A is right with probability 0.95 and B with 0.70, on a hard one 0.50 and 0.55, so the
    // true difference is ½ · 0.25 + ½ · (−0.05) = 0.10. Half the items share one uniform across all their pairs,
    // so pairs of an item are strongly dependent. 120 items of 3 pairs, 300 resamples. Measured with master
    // seeds 0–9 (2024 here is seed 0): coverage 0.9175–0.9525, mean 0.937 (the percentile interval's known
    // shortfall at this size: 0.948 with 600 items and 1,000 resamples); a pair-by-pair bootstrap of the same
    // data sets covers 0.77–0.84.
    const runs = 400;
    let covered = 0;
    const rng = mulberry32(1);
    for (let s = 0; s < runs; s++) {
      const d = simulate(rng, 120, 3);
      const [lo, hi] = pairedDifference(d.a, d.b, d.cluster, { resamples: 300, seed: s }).ci95;
      if (lo <= 0.1 && 0.1 <= hi) covered++;
    }
    expect(covered / runs).toBeGreaterThanOrEqual(0.92);
    expect(covered / runs).toBeLessThanOrEqual(0.98);
  });
});

/** `items` items with `per` pairs each, from the model described in the coverage test. */
function simulate(rng: Rng, items: number, per: number): { a: Float64Array; b: Float64Array; cluster: Int32Array } {
  const a = new Float64Array(items * per);
  const b = new Float64Array(items * per);
  const cluster = new Int32Array(items * per);
  for (let i = 0; i < items; i++) {
    const easy = rng() < 0.5;
    const [pa, pb] = easy ? [0.95, 0.7] : [0.5, 0.55];
    const shared = rng() < 0.5 ? rng() : -1;
    for (let j = 0; j < per; j++) {
      const k = i * per + j;
      const u = shared >= 0 ? shared : rng();
      a[k] = u < pa ? 1 : 0;
      b[k] = u < pb ? 1 : 0;
      cluster[k] = i;
    }
  }
  return { a, b, cluster };
}
