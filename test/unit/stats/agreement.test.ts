import {
  fleissKappa,
  gwetAC1,
  krippendorffAlpha,
  leaveOneOutAgreement,
  majorityVote,
  percentAgreement,
  raterPairs,
} from '../../../shared/stats/agreement';
import { cohenKappa, kappaFromTable } from '../../../shared/stats/kappa';
import { ratingsFromCounts, ratingsFromMatrix } from '../../../shared/stats/ratings';

const _ = null;
import { fleiss1971, gwetRaw4raters, gwetRaw5observers, krippendorff2011, wikipediaAlpha, wikipediaFleiss } from '../../fixtures/published';



describe('krippendorffAlpha', () => {
  const r = ratingsFromMatrix(krippendorff2011);
  it('matches Krippendorff (2011) nominal 0.743 and interval 0.849', () => {
    expect(krippendorffAlpha(r, 'nominal').toFixed(3)).toBe('0.743');
    expect(krippendorffAlpha(r, 'interval').toFixed(3)).toBe('0.849');
  });
  it('matches fast-krippendorff ordinal 0.815 and ratio 0.797 on the same data', () => {
    expect(krippendorffAlpha(r, 'ordinal').toFixed(3)).toBe('0.815');
    expect(krippendorffAlpha(r, 'ratio').toFixed(3)).toBe('0.797');
  });
  it("matches Wikipedia's example to six decimals (fast-krippendorff tests)", () => {
    const w = ratingsFromMatrix(wikipediaAlpha);
    expect(krippendorffAlpha(w, 'nominal').toFixed(6)).toBe('0.691358');
    expect(krippendorffAlpha(w, 'interval').toFixed(6)).toBe('0.810845');
  });
  it('lets units with fewer than two values drop out', () => {
    // A 13th unit that only observer A rated changes nothing.
    const r2 = ratingsFromMatrix(krippendorff2011.map((row, i) => [...row, i === 0 ? 9 : _]));
    expect(krippendorffAlpha(r2, 'nominal').toFixed(3)).toBe('0.743');
  });
  it('is undefined (NaN) when every value is the same category', () => {
    expect(krippendorffAlpha(ratingsFromMatrix([[1, 1, 1], [1, 1, 1]]), 'nominal')).toBeNaN();
  });
  it('is 1 on perfect agreement with more than one category (fast-krippendorff test_perfect_agreement)', () => {
    const p = ratingsFromMatrix([[1, 2, 3, 4], [1, 2, 3, 4], [1, 2, 3, 4]]);
    expect(krippendorffAlpha(p, 'nominal')).toBe(1);
    expect(krippendorffAlpha(p, 'interval')).toBe(1);
  });
});





describe('fleissKappa', () => {
  it("matches Wikipedia's worked example, 0.210", () => {
    expect(fleissKappa(ratingsFromCounts(wikipediaFleiss)).toFixed(3)).toBe('0.210');
  });
  it("matches Fleiss (1971)'s diagnoses as R irr computes them, 0.4302445", () => {
    expect(fleissKappa(ratingsFromMatrix(fleiss1971, { layout: 'units-by-raters' }))).toBeCloseTo(0.4302445, 7);
  });
  it("uses Gwet's generalisation for unequal rater counts (irrCAC raw4raters 0.761, raw5observers 0.458)", () => {
    expect(fleissKappa(ratingsFromMatrix(gwetRaw4raters, { layout: 'units-by-raters' })).toFixed(3)).toBe('0.761');
    expect(fleissKappa(ratingsFromMatrix(gwetRaw5observers, { layout: 'units-by-raters' })).toFixed(3)).toBe('0.458');
  });
  it('is undefined when every rater always picks the same category', () => {
    expect(fleissKappa(ratingsFromCounts([[3, 0], [3, 0]]))).toBeNaN();
  });
});

describe('gwetAC1', () => {
  it("matches Gwet's handbook data as irrCAC computes it (0.775 and 0.497)", () => {
    expect(gwetAC1(ratingsFromMatrix(gwetRaw4raters, { layout: 'units-by-raters' })).toFixed(3)).toBe('0.775');
    expect(gwetAC1(ratingsFromMatrix(gwetRaw5observers, { layout: 'units-by-raters' })).toFixed(3)).toBe('0.497');
  });
  it('is 1 when every rater always picks the same one of several known categories', () => {
    const r = ratingsFromMatrix([['A', 'A', 'A'], ['A', 'A', 'A']], { categories: ['A', 'B', 'tie'] });
    expect(gwetAC1(r)).toBe(1);
  });
});

describe('cohenKappa', () => {
  // scikit-learn, sklearn/metrics/tests/test_classification.py::test_cohen_kappa (published decimals in comments).
  it("matches scikit-learn's test_cohen_kappa values", () => {
    const y1 = [...Array(40).fill(0), ...Array(60).fill(1)];
    const y2 = [...Array(20).fill(0), ...Array(20).fill(1), ...Array(10).fill(0), ...Array(50).fill(1)];
    expect(cohenKappa(y1, y2)).toBeCloseTo(0.348, 3); // 0.348, decimal=3
    expect(cohenKappa(y2, y1)).toBe(cohenKappa(y1, y2));
    const a = [...Array(46).fill(0), ...Array(44).fill(1), ...Array(10).fill(2)];
    expect(cohenKappa(a, [...Array(52).fill(0), ...Array(32).fill(1), ...Array(16).fill(2)])).toBeCloseTo(0.8013, 4);
    const b = [...Array(50).fill(0), ...Array(40).fill(1), ...Array(10).fill(2)];
    expect(cohenKappa(a, b)).toBeCloseTo(0.9315, 4);
    expect(cohenKappa(a, b, { weights: 'linear' })).toBeCloseTo(0.9412, 4);
    expect(cohenKappa(a, b, { weights: 'quadratic' })).toBeCloseTo(0.9541, 4);
  });

  // statsmodels, statsmodels/stats/tests/test_inter_rater.py: table10 against SAS PROC FREQ output.
  it('matches the SAS values statsmodels tests against (0.4842; weighted 0.4701)', () => {
    const table10 = [0, 4, 1, 0, 8, 0, 0, 1, 5];
    expect(kappaFromTable(table10, 3)).toBeCloseTo(0.4842, 4);
    expect(kappaFromTable(table10, 3, 'linear')).toBeCloseTo(0.4701, 4);
  });

  // R irr's `anxiety` data, raters 2 and 3; values from irr::kappa2 as recorded in statsmodels'
  // test_cohens_kappa_irr: unweighted −0.006289308, "equal" (linear) 0.1459075, "squared" 0.2520325.
  it("matches R irr's kappa2 on the anxiety data, unweighted and weighted", () => {
    const rater2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4];
    const rater3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2];
    expect(cohenKappa(rater2, rater3)).toBeCloseTo(-0.006289308, 7);
    expect(cohenKappa(rater2, rater3, { weights: 'linear' })).toBeCloseTo(0.1459075, 6);
    expect(cohenKappa(rater2, rater3, { weights: 'quadratic' })).toBeCloseTo(0.2520325, 6);
  });

  it('is undefined when both raters always use one category', () => {
    expect(cohenKappa(['A', 'A'], ['A', 'A'])).toBeNaN();
  });
});

describe('raterPairs and percentAgreement', () => {
  it('gives every pair its own kappa on the units both rated, and their mean raw agreement', () => {
    const r = ratingsFromMatrix([
      ['A', 'B', 'A', 'B', _],
      ['A', 'B', 'B', 'B', 'A'],
      [_, 'B', 'A', 'A', 'A'],
    ]);
    const pairs = raterPairs(r);
    expect(pairs.map((p) => [p.a, p.b, p.n])).toEqual([[0, 1, 4], [0, 2, 3], [1, 2, 4]]);
    expect(pairs[0]!.percentAgreement).toBe(3 / 4);
    expect(pairs[0]!.cohenKappa).toBeCloseTo(cohenKappa(['A', 'B', 'A', 'B'], ['A', 'B', 'B', 'B']), 12);
    expect(percentAgreement(r)).toBeCloseTo((3 / 4 + 2 / 3 + 2 / 4) / 3, 12);
  });
  it('is undefined with a single rater', () => {
    expect(percentAgreement(ratingsFromMatrix([['A', 'B']]))).toBeNaN();
  });
});

describe('majorityVote', () => {
  it('finds the plurality, flags shared tops as tied, and keeps single labels', () => {
    const m = majorityVote(ratingsFromMatrix([['A', 'A', 'B', 'A', _], ['A', 'B', 'B', 'B', _], ['B', 'B', 'tie', _, _]], { categories: ['A', 'B', 'tie'] }));
    // Units are columns: A,A,B → A; A,B,B → B; B,B,tie → B; A,B → tied; nothing → no values.
    expect(Array.from(m.winner)).toEqual([0, 1, 1, -2, -1]);
    expect(m.tied).toBe(1);
    expect(Array.from(m.counts)).toEqual([1, 2, 0]);
  });
});

describe('leaveOneOutAgreement', () => {
  it("scores each rater against the others' plurality and skips ties among the others", () => {
    const r = ratingsFromMatrix([
      ['A', 'A', 'B'],
      ['A', 'B', 'B'],
      ['A', 'B', 'A'],
    ]);
    // unit 1: everyone A → each agrees. unit 2: A,B,B → rater0 vs {B,B}=B no; rater1 vs {A,B} tied; rater2 tied.
    // unit 3: B,B,A → rater0 vs {B,A} tied; rater1 tied; rater2 vs {B,B} no.
    const loo = leaveOneOutAgreement(r);
    expect(loo.map((x) => [x.n, x.agreement])).toEqual([[2, 0.5], [1, 1], [2, 0.5]]);
  });
});
