/**
 * MACE (Hovy et al. 2013) beyond the reference data sets (those are in crowd-reference.test.ts): the seeded
 * restarts, the release's log-likelihood definition on a hand-computed example, and edge cases.
 */
import digamma from '@stdlib/math-base-special-digamma';
import { mace } from '../../../shared/stats/crowd/mace';
import type { CrowdInput } from '../../../shared/stats/crowd/types';

const input = (nItems: number, nWorkers: number, nClasses: number, rows: [number, number, number][], controls?: number[]): CrowdInput => ({
  nItems,
  nWorkers,
  nClasses,
  n: rows.length,
  item: Int32Array.from(rows, (r) => r[0]),
  worker: Int32Array.from(rows, (r) => r[1]),
  code: Int32Array.from(rows, (r) => r[2]),
  ...(controls ? { controls: Int32Array.from(controls) } : {}),
});

/** Three reliable annotators and one who always answers 0, on 30 items of 3 classes. */
function crowd(): [number, number, number][] {
  const rows: [number, number, number][] = [];
  for (let i = 0; i < 30; i++) {
    const truth = i % 3;
    rows.push([i, 0, truth], [i, 1, truth], [i, 2, i % 10 === 0 ? (truth + 1) % 3 : truth], [i, 3, 0]);
  }
  return rows;
}

describe('mace', () => {
  test('the same seed gives the same fit; another seed the same labels on a clear crowd', () => {
    const data = input(30, 4, 3, crowd());
    const a = mace(data, { seed: 7 });
    const b = mace(data, { seed: 7 });
    expect(Array.from(a.competence)).toEqual(Array.from(b.competence));
    expect(a.logLikelihood).toBe(b.logLikelihood);
    const c = mace(data, { seed: 8 });
    expect(Array.from(c.label)).toEqual(Array.from(a.label));
    expect(Array.from(a.label)).toEqual(Array.from({ length: 30 }, (_, i) => i % 3));
    expect(Array.from(a.spammer)).toEqual([0, 0, 0, 1]);
  });

  test('its log likelihood is the release’s Σ_items ln Σ_l (1/K) Π (s0·θ[c] + [l = c]·s1), at the kept parameters', () => {
    const rows: [number, number, number][] = [[0, 0, 0], [0, 1, 1], [1, 0, 1], [1, 1, 1], [2, 1, 0]];
    const fit = mace(input(3, 2, 2, rows), { restarts: 2, iterations: 3 });
    const s = fit.spamming;
    const th = fit.thetas;
    const f = (w: number, c: number, l: number): number => s[2 * w]! * th[w * 2 + c]! + (l === c ? s[2 * w + 1]! : 0);
    let ll = 0;
    const items: [number, number][][] = [[[0, 0], [1, 1]], [[0, 1], [1, 1]], [[1, 0]]];
    for (const votes of items) {
      let m = 0;
      for (let l = 0; l < 2; l++) m += 0.5 * votes.reduce((p, [w, c]) => p * f(w, c, l), 1);
      ll += Math.log(m);
    }
    // The kept parameters are those after the last M-step, whose E-step gave the likelihood.
    expect(fit.logLikelihood).toBeCloseTo(ll, 10);
  });

  test('knowing weights are the variational exp ψ ratios, below 1 even for a perfect annotator', () => {
    const fit = mace(input(30, 4, 3, crowd()));
    const w0 = fit.spamming[1]!;
    expect(w0).toBeLessThan(1);
    // ψ(n + β)/ψ(n + α + β) bound for n = 30 votes all known: exp ψ(30.5) / exp ψ(31).
    expect(w0).toBeLessThanOrEqual(Math.exp(digamma(30.5)) / Math.exp(digamma(31)) + 1e-12);
    expect(fit.competence[0]).toBe(w0);
  });

  test('no votes: no labels, NaN posteriors and competences', () => {
    const fit = mace(input(2, 3, 2, []));
    expect(Array.from(fit.label)).toEqual([-1, -1]);
    expect(Array.from(fit.posterior).every(Number.isNaN)).toBe(true);
    expect(Array.from(fit.competence).every(Number.isNaN)).toBe(true);
    expect(mace(input(0, 0, 0, [])).label).toHaveLength(0);
  });

  test('an item without votes stays unlabelled; an annotator without votes has no competence and is no spammer', () => {
    const fit = mace(input(3, 3, 2, [[0, 0, 1], [0, 1, 1], [2, 0, 0], [2, 1, 0]]));
    expect(Array.from(fit.label)).toEqual([1, -1, 0]);
    expect(fit.posterior[1]).toBeNaN();
    expect(fit.competence[2]).toBeNaN();
    expect(fit.spammer[2]).toBe(0);
  });

  test('one class only: every voted item gets it with posterior 1', () => {
    const fit = mace(input(2, 2, 4, [[0, 0, 2], [1, 1, 2]]));
    expect(Array.from(fit.label)).toEqual([2, 2]);
    // R / Σ R with Σ R = R: 1 up to the last bit.
    expect(Array.from(fit.posterior, (p) => Math.abs(p - 1) < 1e-15)).toEqual([true, true]);
  });

  test('an item with one vote takes it; a control overrides its votes with posterior 1', () => {
    const rows = crowd();
    rows.push([30, 1, 2]);
    const fit = mace(input(31, 4, 3, rows));
    expect(fit.label[30]).toBe(2);
    const controlled = mace(input(31, 4, 3, rows, [...Array<number>(30).fill(-1), 0]));
    expect(controlled.label[30]).toBe(0);
    expect(controlled.posterior[30]).toBe(1);
  });

  test('many votes on one item neither underflow nor overflow', () => {
    const rows: [number, number, number][] = [];
    for (let w = 0; w < 2000; w++) rows.push([0, w, w % 7 === 0 ? 1 : 0], [1, w, w % 5 === 0 ? 0 : 1]);
    const fit = mace(input(2, 2000, 2, rows), { restarts: 2 });
    expect(Array.from(fit.label)).toEqual([0, 1]);
    expect(Number.isFinite(fit.logLikelihood)).toBe(true);
    expect(fit.posterior[0]).toBeGreaterThan(0.99);
  });

  test('items with thousands of votes (computed in logarithms), with and without a control, keep the release’s likelihood', () => {
    const rows: [number, number, number][] = [];
    for (let w = 0; w < 2000; w++) rows.push([0, w, w % 7 === 0 ? 1 : 0], [1, w, w % 5 === 0 ? 0 : 1], [2, w, w % 3 === 0 ? 1 : 0]);
    rows.push([3, 0, 1], [3, 1, 1]);
    const controls = [-1, -1, 1, -1];
    const fit = mace(input(4, 2000, 2, rows, controls), { iterations: 5 });
    expect(Array.from(fit.label)).toEqual([0, 1, 1, 1]);
    expect(fit.posterior[2]).toBe(1);
    // Σ_items ln Σ_l (1/K) Π_votes (s0·θ[c] + [l = c]·s1), in logarithms; a control item sums only its class.
    const s = fit.spamming;
    const th = fit.thetas;
    let ll = 0;
    for (let i = 0; i < 4; i++) {
      const votes = rows.filter((r) => r[0] === i);
      const terms = [0, 1].map((l) => Math.log(0.5) + votes.reduce((a, [, w, c]) => a + Math.log(s[2 * w]! * th[w * 2 + c]! + (l === c ? s[2 * w + 1]! : 0)), 0));
      const kept = controls[i]! >= 0 ? [terms[controls[i]!]!] : terms;
      const top = Math.max(...kept);
      ll += top + Math.log(kept.reduce((a, t) => a + Math.exp(t - top), 0));
    }
    expect(fit.logLikelihood).toBeCloseTo(ll, 6);
  });
});
