import { ranksOf } from '../../../shared/ranking';
import { kendallTauB } from '../../../shared/stats/correlation';
import { firstPositionScore, kendallW, meanRanks, pairAgreement, rankingByScore, tauB, top1Score } from '../../../shared/stats/ranking';

/** Columns (one ranking each) of objects × raters, flattened ranking by ranking as kendallW reads them. */
const flat = (...rankings: number[][]) => rankings.flat();

/**
 * Reference values from R 4.2.2, vegan 2.6-4 (Debian bookworm's r-base-core and r-cran-vegan), whose
 * `kendall.global` computes Kendall's W with the correction for ties (Legendre 2005, J. Agric. Biol. Environ. Stat.
 * 10(2), eq. 2), the same formula as `irr::kendall(correct = TRUE)`. Columns are raters, rows objects; vegan ranks
 * each column itself (mid-ranks), so d1 is given as raw scores:
 *   W <- function(Y) kendall.global(Y, nperm = 0)$Concordance_analysis["W", 1]
 *   d1 <- cbind(x = c(1,5,7,2,8), y = c(1,6,8,3,6), z = c(2,5,4,2,5))   # DTSEA::kendall.w's documented example
 *   d2 <- cbind(r1 = c(2.5,2.5,1,4), r2 = c(2,3,1,4), r3 = c(1,3.5,2,3.5))
 *   d3 <- cbind(a = c(1,2,3,4,5,6), b = c(2,1,3,4,6,5), c = c(1,3,2,5,4,6))
 *   d4 <- cbind(a = c(1,2), b = c(2,1))
 *   d5 <- cbind(a = c(1.5,1.5,3), b = c(1,2,3))
 *   sprintf("%.15f", W(d1)) …  → 0.836257309941520, 0.821428571428571, 0.873015873015873, 0, 0.928571428571429
 */
describe("kendallW (Kendall's W with the tie correction)", () => {
  test('matches vegan::kendall.global on rankings with ties (DTSEA example, mid-ranks of raw scores)', () => {
    // d1's columns as mid-ranks: x = 1,3,4,2,5; y = 1,3.5,5,2,3.5; z = 1.5,4.5,3,1.5,4.5.
    expect(kendallW(flat([1, 3, 4, 2, 5], [1, 3.5, 5, 2, 3.5], [1.5, 4.5, 3, 1.5, 4.5]), 3, 5)).toBeCloseTo(0.83625730994152, 13);
  });
  test('matches vegan on three rankings of four answers given as Concord rankings with tied groups', () => {
    const r1 = ranksOf([[2], [0, 1], [3]], 4);
    const r2 = ranksOf([[2], [0], [1], [3]], 4);
    const r3 = ranksOf([[0], [2], [1, 3]], 4);
    expect(Array.from(r1)).toEqual([2.5, 2.5, 1, 4]);
    expect(kendallW(flat([...r1], [...r2], [...r3]), 3, 4)).toBeCloseTo(0.821428571428571, 13);
  });
  test('matches vegan without ties, with full disagreement (0) and with a tie in one of two rankings', () => {
    expect(kendallW(flat([1, 2, 3, 4, 5, 6], [2, 1, 3, 4, 6, 5], [1, 3, 2, 5, 4, 6]), 3, 6)).toBeCloseTo(0.873015873015873, 13);
    expect(kendallW(flat([1, 2], [2, 1]), 2, 2)).toBe(0);
    expect(kendallW(flat([1.5, 1.5, 3], [1, 2, 3]), 2, 3)).toBeCloseTo(0.928571428571429, 13);
  });
  test('is 1 for identical rankings and undefined when every ranking ties everything', () => {
    expect(kendallW(flat([1, 2, 3], [1, 2, 3], [1, 2, 3]), 3, 3)).toBeCloseTo(1, 14);
    expect(kendallW(flat([2, 2, 2], [2, 2, 2]), 2, 3)).toBeNaN();
    expect(kendallW([], 0, 3)).toBeNaN();
  });
});

describe('tauB (Kendall τ-b of two rankings of one item)', () => {
  // python3 -c "from scipy.stats import kendalltau; print(kendalltau(x, y, variant='b').statistic)" (scipy 1.17.1);
  // the first also R 4.2.2 cor(x, y, method = "kendall") = 0.912870929175277.
  const cases: Array<[number[], number[], number]> = [
    [[2.5, 2.5, 1, 4], [2, 3, 1, 4], 0.912870929175277],
    [[1, 3.5, 2, 3.5], [2, 3, 1, 4], 0.5477225575051662],
    [[1, 2, 3, 4, 5], [5, 4, 3, 2, 1], -0.9999999999999999],
    [[1.5, 1.5, 3, 4], [1, 2, 3.5, 3.5], 0.7999999999999999],
  ];
  test.each(cases)('tauB(%j, %j) is scipy’s %d', (x, y, expected) => {
    expect(tauB(x, y, x.length)).toBeCloseTo(expected, 14);
    expect(kendallTauB(x, y)).toBeCloseTo(expected, 14);
  });
  test('is undefined against a ranking that ties every answer', () => {
    expect(tauB([1, 2, 3], [2, 2, 2], 3)).toBeNaN();
  });
});

describe('consensus by mean rank', () => {
  test('orders the answers by mean mid-rank, equal means tied in one group', () => {
    // Rankings [[2],[0,1],[3]], [2,0,1,3], [[0],[2],[1,3]]: rank sums 5.5, 9, 4, 11.5.
    const m = meanRanks(flat([2.5, 2.5, 1, 4], [2, 3, 1, 4], [1, 3.5, 2, 3.5]), 3, 4);
    expect(Array.from(m)).toEqual([5.5 / 3, 3, 4 / 3, 11.5 / 3]);
    expect(rankingByScore(m)).toEqual([[2], [0], [1], [3]]);
    expect(rankingByScore(meanRanks(flat([1, 2, 3], [2, 1, 3]), 2, 3))).toEqual([[0, 1], [2]]);
  });
});

describe('top-1 and first-position scores', () => {
  test('top1Score: 1 when the tops match, 1/k for the reference best among k tied at the top, 0 otherwise', () => {
    expect(top1Score([1, 2, 3], [1, 3, 2], 3)).toBe(1);
    expect(top1Score([1.5, 1.5, 3], [1, 2, 3], 3)).toBe(0.5);
    expect(top1Score([2, 1, 3], [1, 2, 3], 3)).toBe(0);
    // A tie at the reference's top: the judge's single best is one of them.
    expect(top1Score([1, 2, 3], [1.5, 1.5, 3], 3)).toBe(1);
  });
  test('firstPositionScore: the answer shown first at the top, shared by a tie', () => {
    expect(firstPositionScore([2, 1, 3], 1, 3)).toBe(1);
    expect(firstPositionScore([1.5, 1.5, 3], 0, 3)).toBe(0.5);
    expect(firstPositionScore([1, 2, 3], 2, 3)).toBe(0);
  });
  test('pairAgreement: the share of answer pairs with the same preference, (1 + τ_a)/2 without ties', () => {
    expect(pairAgreement([1, 2, 3], [1, 2, 3], 3)).toBe(1);
    expect(pairAgreement([1, 2, 3], [3, 2, 1], 3)).toBe(0);
    expect(pairAgreement([1, 2, 3], [2, 1, 3], 3)).toBeCloseTo(2 / 3, 15);
    expect(pairAgreement([1.5, 1.5, 3], [1, 2, 3], 3)).toBeCloseTo(2 / 3, 15);
  });
});
