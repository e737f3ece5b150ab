import fs from 'node:fs';
import path from 'node:path';
import { certifiedThreshold, clopperPearsonUpper, type SelectiveResult } from '../../../shared/stats/selective';
import { mulberry32 } from '../../../shared/stats/random';

describe('clopperPearsonUpper', () => {
  it('equals scipy.stats.beta.ppf(1 − δ, e + 1, n − e), from e = 0 to n = 100,000', () => {
    // python3 -c "from scipy.stats import beta; [print(e, n, d, beta.ppf(1-d, e+1, n-e)) for e, n, d in \
    //   [(0,1,.1),(0,10,.1),(0,30,.1),(3,30,.1),(4,40,.1),(5,100,.05),(9,10,.1),(50,1000,.1),(120,10000,.1), \
    //    (1000,100000,.01),(0,50000,.1),(2,30,.5)]]"   (scipy 1.17.1). The release's brentq root of
    // binom.cdf(e, n, r) = δ gave the same numbers to 1e-15.
    const scipy: [number, number, number, number][] = [
      [0, 1, 0.1, 0.9],
      [0, 10, 0.1, 0.2056717652757185],
      [0, 30, 0.1, 0.07388127187120652],
      [3, 30, 0.1, 0.20929946558702422],
      [4, 40, 0.1, 0.18998154489587915],
      [5, 100, 0.05, 0.1022533776432745],
      [9, 10, 0.1, 0.9895192582062144],
      [50, 1000, 0.1, 0.06002485742716491],
      [120, 10000, 0.1, 0.01351901133900045],
      [1000, 100000, 0.01, 0.010756594114118648],
      [0, 50000, 0.1, 4.605064149653607e-5],
      [2, 30, 0.5, 0.08814110527898636],
    ];
    for (const [e, n, d, u] of scipy) expect(Math.abs(clopperPearsonUpper(e, n, d) / u - 1)).toBeLessThan(1e-12);
  });

  it('is 1 when every label is an error, and 1 − δ^(1/n) when none is', () => {
    expect(clopperPearsonUpper(10, 10, 0.1)).toBe(1);
    expect(clopperPearsonUpper(0, 0, 0.1)).toBe(1);
    for (const n of [1, 7, 30, 500]) expect(clopperPearsonUpper(0, n, 0.1)).toBeCloseTo(1 - 0.1 ** (1 / n), 12);
  });
});

describe('certifiedThreshold', () => {
  it('walks a small example step by step, stopping at the first failure', () => {
    // target 0.55 → α = 0.45; δ = 0.2; minItems 3. Labels by certainty, high to low (✓ agrees with the humans):
    //   0.95 ✓ | 0.9 ✓ ✓ | 0.8 ✓ | 0.7 ✗ | 0.6 ✓ | 0.5 ✗ | NaN ✗ (no certainty: not a calibration item, 7 remain)
    // t = 0.95: n = 1 < 3, not tested.
    // t = 0.9:  n = 3, e = 0: 1 − 0.2^(1/3) = 0.41520 ≤ 0.45 → accepted.
    // t = 0.8:  n = 4, e = 0: 1 − 0.2^(1/4) = 0.33126 ≤ 0.45 → accepted.
    // t = 0.7:  n = 5, e = 1: u with P(Bin(5, u) ≤ 1) = (1 − u)^5 + 5u(1 − u)^4 = 0.2, u = 0.49019 > 0.45 → fails;
    //           stop. (t = 0.6, n = 6, e = 1 would give 0.42245 and pass: it is never tested.)
    // Threshold 0.8: coverage 4/7, agreement 4/4.
    const r = certifiedThreshold(
      Float64Array.from([0.7, 0.9, 0.5, 0.95, NaN, 0.8, 0.6, 0.9]),
      Uint8Array.from([0, 1, 0, 1, 0, 1, 1, 1]),
      { target: 0.55, delta: 0.2, minItems: 3 },
    );
    expect(r.steps.map((s) => [s.threshold, s.n, s.errors, s.accepted])).toEqual([
      [0.9, 3, 0, true],
      [0.8, 4, 0, true],
      [0.7, 5, 1, false],
    ]);
    expect(r.steps[0]!.upperBound).toBeCloseTo(1 - 0.2 ** (1 / 3), 12);
    expect(r.steps[1]!.upperBound).toBeCloseTo(1 - 0.2 ** (1 / 4), 12);
    const u = r.steps[2]!.upperBound;
    expect((1 - u) ** 5 + 5 * u * (1 - u) ** 4).toBeCloseTo(0.2, 12);
    expect(u).toBeCloseTo(0.49019234297219444, 12); // scipy.stats.beta.ppf(0.8, 2, 4)
    expect(r).toMatchObject({ threshold: 0.8, calibrationItems: 7, agreement: 1 });
    expect(r.coverage).toBeCloseTo(4 / 7, 12);
  });

  it('returns null when even the most certain labels fail, and no steps when too few labels have a certainty', () => {
    const c = Float64Array.from([0.9, 0.8, 0.7]);
    const failed = certifiedThreshold(c, Uint8Array.from([0, 1, 1]), { target: 0.9, delta: 0.1, minItems: 1 });
    expect(failed.steps).toEqual([{ threshold: 0.9, n: 1, errors: 1, upperBound: 1, accepted: false }]);
    expect(failed).toMatchObject({ threshold: null, coverage: null, agreement: null, calibrationItems: 3 });
    const few = certifiedThreshold(c, Uint8Array.from([1, 1, 1]), { target: 0.5, delta: 0.1, minItems: 4 });
    expect(few).toEqual({ threshold: null, calibrationItems: 3, coverage: null, agreement: null, steps: [] });
  });

  it("selects the same labels as the release's 5,000-point grid rule, ported (certainties on a 0.001 lattice)", () => {
    // The release (util.py, SelectiveClassificationUtil) tests λ in linspace(0, 1, 5000) with ≥ 30 labels above,
    // from the top; at each λ it checks the bound at λ − 1/len(grid) and returns λ at the first failure there,
    // or its top λ if that fails already ("prevents null-value"). With certainties 0.001 apart every grid cell
    // (1/4999 wide) holds at most one value, so the grid tests exactly the sets this function tests.
    const rng = mulberry32(77);
    const outcomes = new Set<string>();
    for (let run = 0; run < 12; run++) {
      const c = new Float64Array(400);
      const ok = new Uint8Array(400);
      for (let i = 0; i < c.length; i++) {
        c[i] = 0.5 + Math.floor(rng() * 501) / 1000; // a judge's winning probability, calibrated: P(right) = c
        ok[i] = rng() < c[i]! ? 1 : 0;
      }
      const ours = certifiedThreshold(c, ok, { target: 0.85, delta: 0.1, minItems: 30 });
      const lam = releaseLambdaHat(c, ok, 0.15, 0.1);
      const selected = c.filter((x) => x >= lam).length;
      const failed = ours.steps.find((s) => !s.accepted);
      if (ours.threshold === null) {
        expect(selected).toBe(ours.steps[0]!.n); // the release keeps its top λ, certified or not
      } else {
        expect(selected).toBe(lastAccepted(ours)!.n);
        expect(lam).toBeLessThanOrEqual(ours.threshold);
        if (failed) expect(lam).toBeGreaterThan(failed.threshold);
      }
      outcomes.add(ours.threshold === null ? 'null' : failed ? 'stopped' : 'all');
    }
    expect(outcomes).toEqual(new Set(['null', 'stopped']));
  });

  it('tests every distinct certainty from the top with the labels and errors at or above it, past 4,096 distinct values too', () => {
    // certifiedThreshold counts a judge's few distinct certainties in a Map and sorts all of them once there are
    // more than 4,096; both ways must test each distinct value with exactly the labels at or above it. Reference:
    // label indices sorted by certainty, high to low, counted cumulatively (ties are adjacent, so the count after a
    // value's last label is the count at or above it).
    const rng = mulberry32(5);
    // 6,000 distinct certainties in (0, 1) with P(right | c) = 0.75 + c/4; 6,000 labels on a 1–100 scale, 0.7 + c/400.
    for (const [levels, base, slope] of [[0, 0.75, 0.25], [100, 0.7, 0.25]] as const) {
      const c = Float64Array.from({ length: 6000 }, () => (levels ? Math.ceil(rng() * levels) : rng()));
      const ok = Uint8Array.from(c, (x) => (rng() < base + slope * (levels ? x / levels : x) ? 1 : 0));
      const r = certifiedThreshold(c, ok, { target: 0.9, delta: 0.1, minItems: 30 });
      const atOrAbove = new Map<number, [number, number]>();
      let n = 0;
      let errors = 0;
      for (const i of Array.from(c.keys()).sort((i, j) => c[j]! - c[i]!)) {
        n++;
        if (!ok[i]) errors++;
        atOrAbove.set(c[i]!, [n, errors]);
      }
      const tested = [...atOrAbove].filter(([, [m]]) => m >= 30).slice(0, r.steps.length);
      expect(new Set(c).size).toBe(levels || 6000);
      expect(r.steps.length).toBeGreaterThan(levels ? 10 : 1000);
      expect(r.steps.map((s) => [s.threshold, s.n, s.errors])).toEqual(tested.map(([t, [m, e]]) => [t, m, e]));
      expect(r.steps.slice(0, -1).every((s) => s.accepted)).toBe(true);
      expect(r.steps.at(-1)!.accepted).toBe(false);
    }
  });

  const resultDir = process.env.CSE_RESULT_DIR;
  // The release's own judge outputs (result/*.calibration.jsonl, 500 items each, about 1 MB) carry no licence, so
  // they are not copied here: set CSE_RESULT_DIR to a checkout's result/ folder to run this comparison.
  (resultDir ? it : it.skip)("lands on the release's labels on its own calibration data (CSE_RESULT_DIR)", () => {
    // Reference: the release's lambda_hat (util.py @ 1b969f2) ported line by line to numpy float32 (torch is not
    // installed here), α = 0.15, δ = 0.1, its example's settings; certainty = max(probs), right = argmax equals
    // the human preference. Release λ̂ (labels ≥ λ̂, errors) → ours (threshold, n, errors, steps):
    //   gpt-4-turbo          0.9121825 (356, 44) → 0.9146701064924194 (356, 44), 328 steps, fails at
    //                        0.9120790172810054 (357, 45, bound 0.15155)
    //   gpt-3.5-turbo        0.7927585 (275, 33) → 0.7929244123598206 (275, 33), 247 steps
    //   mistral-7b-instruct  0.9997999 (57, 10)  → null: the top 30 have 9 errors, bound 0.43187 > 0.15; the
    //                        release keeps its top grid point anyway, with no guarantee
    // At the defaults (target 0.9, δ 0.1, 30 items) every judge is null: one error in the top 30 gives
    // a bound of 0.12357.
    const expected: Record<string, [number, number, number] | null> = {
      'gpt-4-turbo': [0.9146701064924194, 356, 44],
      'gpt-3.5-turbo': [0.7929244123598206, 275, 33],
      'mistral-7b-instruct': null,
    };
    for (const [model, want] of Object.entries(expected)) {
      const rows = fs
        .readFileSync(path.join(resultDir!, `${model}.calibration.jsonl`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { probs: number[]; preferences: Record<string, number> });
      const c = Float64Array.from(rows, (r) => Math.max(...r.probs));
      const ok = Uint8Array.from(rows, (r) => (r.probs.indexOf(Math.max(...r.probs)) === majority(r.preferences) - 1 ? 1 : 0));
      const r = certifiedThreshold(c, ok, { target: 0.85, delta: 0.1, minItems: 30 });
      if (want === null) expect(r.threshold).toBeNull();
      else expect([r.threshold, lastAccepted(r)?.n, lastAccepted(r)?.errors]).toEqual(want);
    }
  });

  it('keeps its promise: true agreement above the threshold falls below the target in ≤ δ of 1,000 draws', () => {
    // Model: certainty c ~ U(0, 1), P(right | c) = 0.5 + c/2, so the true agreement above t is
    // ∫_t^1 (0.5 + c/2) dc / (1 − t) = 0.75 + t/4, at least 0.85 exactly when t ≥ 0.4. 200 labels per draw,
    // target 0.85, δ = 0.1, 30 items. Allowed: δ plus three Monte Carlo standard errors. Measured: 4.4% of draws
    // fall short, 31% certify nothing, mean coverage 0.36 where certified; accepting while the observed agreement
    // reaches the target instead falls short in about 40%.
    const draws = 1000;
    const rng = mulberry32(1);
    let short = 0;
    let naiveShort = 0;
    let certified = 0;
    for (let d = 0; d < draws; d++) {
      const c = new Float64Array(200);
      const ok = new Uint8Array(200);
      for (let i = 0; i < c.length; i++) {
        c[i] = rng();
        ok[i] = rng() < 0.5 + c[i]! / 2 ? 1 : 0;
      }
      const r = certifiedThreshold(c, ok, { target: 0.85, delta: 0.1, minItems: 30 });
      if (r.threshold !== null) {
        certified++;
        if (0.75 + r.threshold / 4 < 0.85) short++;
      }
      const naive = observedThreshold(c, ok, 0.85, 30);
      if (naive !== null && 0.75 + naive / 4 < 0.85) naiveShort++;
    }
    expect(short / draws).toBeLessThanOrEqual(0.1 + 3 * Math.sqrt((0.1 * 0.9) / draws));
    expect(certified / draws).toBeGreaterThan(0.5);
    expect(naiveShort / draws).toBeGreaterThan(0.25);
  });
});

function lastAccepted(r: SelectiveResult) {
  return r.steps.find((s) => s.threshold === r.threshold);
}

/** The release's `lambda_hat` (cascaded_evaluation/util.py), ported: λ̂ on its 5,000-point grid. */
function releaseLambdaHat(c: Float64Array, ok: Uint8Array, alpha: number, delta: number): number {
  const above = (lam: number) => {
    let n = 0;
    let e = 0;
    for (let i = 0; i < c.length; i++) {
      if (c[i]! >= lam) {
        n++;
        if (!ok[i]) e++;
      }
    }
    return { n, e };
  };
  const lambdas = Array.from({ length: 5000 }, (_, i) => i / 4999).filter((l) => above(l).n >= 30);
  if (lambdas.length === 0) return 0;
  const bounds = new Map<number, number>(); // by n (which fixes e): saves recomputing, changes nothing
  const bound = (lam: number) => {
    const { n, e } = above(lam);
    if (!bounds.has(n)) bounds.set(n, clopperPearsonUpper(e, n, delta));
    return bounds.get(n)!;
  };
  if (bound(lambdas.at(-1)!) > alpha) return lambdas.at(-1)!;
  for (let k = lambdas.length - 1; k >= 0; k--) {
    if (bound(lambdas[k]! - 1 / lambdas.length) > alpha) return lambdas[k]!;
  }
  return lambdas[0]!;
}

/** The uncertified rule, for contrast: accept while the observed agreement reaches the target. */
function observedThreshold(c: Float64Array, ok: Uint8Array, target: number, minItems: number): number | null {
  const order = Array.from(c.keys()).sort((i, j) => c[j]! - c[i]!);
  let best: number | null = null;
  let right = 0;
  for (let k = 0; k < order.length; k++) {
    right += ok[order[k]!]!;
    if (k + 1 < minItems) continue;
    if (right / (k + 1) < target) break;
    best = c[order[k]!]!;
  }
  return best;
}

/** The most common preference (the release's Counter.most_common: first seen wins a tie). */
function majority(preferences: Record<string, number>): number {
  const counts = new Map<number, number>();
  for (const v of Object.values(preferences)) counts.set(v, (counts.get(v) ?? 0) + 1);
  let best = -1;
  let most = 0;
  for (const [v, n] of counts) if (n > most) [best, most] = [v, n];
  return best;
}
