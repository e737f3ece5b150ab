import { calibration, certaintyLevels } from '../../../shared/stats/calibration';
import { aggregateSwap, codePointLength, lengthBias, positionBias } from '../../../shared/stats/pairwise';
import { binomial, mulberry32 } from '../../../shared/stats/random';

describe('aggregateSwap', () => {
  it('under net, one vote and one tie count as the vote; opposite votes tie (JudgeBench)', () => {
    expect(aggregateSwap('A', 'tie', 'net')).toBe('A');
    expect(aggregateSwap('tie', 'B', 'net')).toBe('B');
    expect(aggregateSwap('A', 'B', 'net')).toBe('tie');
    expect(aggregateSwap('B', 'B', 'net')).toBe('B');
  });
  it('under strict, any verdict that changes with the order becomes a tie (MT-Bench)', () => {
    expect(aggregateSwap('A', 'tie', 'strict')).toBe('tie');
    expect(aggregateSwap('A', 'A', 'strict')).toBe('A');
  });
});

describe('positionBias', () => {
  it('shows consistency 0 and first-position rate 1 for a judge that always picks the first answer', () => {
    // Always first: AB run says A (shown first), BA run says B (shown first).
    const b = positionBias(Array.from({ length: 5 }, () => ({ ab: 'A' as const, ba: 'B' as const })));
    expect(b).toEqual({ items: 5, consistency: 0, firstPositionRate: 1, biasedTowardFirst: 1, biasedTowardSecond: 0 });
  });
  it('counts an invalid run as a tie or drops the pair, as asked', () => {
    const pairs = [{ ab: 'A' as const, ba: 'A' as const }, { ab: null, ba: 'tie' as const }];
    expect(positionBias(pairs, 'exclude').items).toBe(1);
    const asTie = positionBias(pairs, 'tie');
    expect(asTie.items).toBe(2);
    expect(asTie.consistency).toBe(1);
    expect(asTie.firstPositionRate).toBe(0.5);
  });
});

describe('lengthBias', () => {
  it('counts only decisive verdicts on pairs more than 30 characters apart (alpaca_eval)', () => {
    const long = 'x'.repeat(100);
    const short = 'x'.repeat(50);
    const near = 'x'.repeat(80);
    const b = lengthBias([
      { answerA: long, answerB: short, verdict: 'A' }, // longer
      { answerA: long, answerB: short, verdict: 'B' }, // shorter
      { answerA: short, answerB: long, verdict: 'B' }, // longer
      { answerA: long, answerB: short, verdict: 'tie' }, // left out
      { answerA: long, answerB: near, verdict: 'A' }, // 20 apart: left out
      { answerA: long, answerB: short, verdict: null }, // invalid: left out
    ]);
    expect(b).toEqual({ n: 3, preferLonger: 2 / 3 });
  });
  it('measures length in code points, as Python does', () => {
    expect(codePointLength('a😀b')).toBe(3);
  });
});

describe('calibration', () => {
  it('uses every level of a short scale and multiples of ten on a 100-point one', () => {
    expect(certaintyLevels({ min: 1, max: 5 })).toEqual([1, 2, 3, 4, 5]);
    expect(certaintyLevels({ min: 1, max: 100 })).toEqual([1, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100]);
  });
  it('gives a probability scale (0–1) ten thresholds and bins between them', () => {
    expect(certaintyLevels({ min: 0, max: 1 })).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]);
    const c = calibration([0.95, 0.85, 0.55, 0.15, 0.3], [1, 1, 0, 0, 1], { min: 0, max: 1 });
    expect(c.thresholds.find((t) => t.min === 0.9)).toMatchObject({ n: 1, accuracy: 1 });
    expect(c.thresholds.find((t) => t.min === 0.5)).toMatchObject({ n: 3, accuracy: 2 / 3 });
    expect(c.bins.filter((b) => b.n > 0).map((b) => [b.min, b.max, b.n])).toEqual([
      [0.1, 0.2, 1], [0.3, 0.4, 1], [0.5, 0.6, 1], [0.8, 0.9, 1], [0.9, 1, 1],
    ]);
    // Brier: (0.05² + 0.15² + 0.55² + 0.15² + 0.7²)/5
    expect(c.brier).toBeCloseTo((0.0025 + 0.0225 + 0.3025 + 0.0225 + 0.49) / 5, 12);
  });
  it('gives threshold accuracy, per-bin accuracy, ECE and Brier on a hand-computed example', () => {
    // Scale 1–5 maps certainty c to (c − 1)/4.
    const cert = [5, 5, 3, 3, 1];
    const right = [1, 0, 1, 1, 0];
    const c = calibration(cert, right, { min: 1, max: 5 });
    expect(c.thresholds.map((t) => [t.min, t.n, t.accuracy])).toEqual([
      [1, 5, 0.6], [2, 4, 0.75], [3, 4, 0.75], [4, 2, 0.5], [5, 2, 0.5],
    ]);
    expect(c.thresholds[3]!.coverage).toBe(0.4);
    expect(c.bins.filter((b) => b.n > 0).map((b) => [b.min, b.n, b.accuracy, b.confidence])).toEqual([
      [1, 1, 0, 0], [3, 2, 1, 0.5], [5, 2, 0.5, 1],
    ]);
    // ECE = 1/5·|0−0| + 2/5·|1−0.5| + 2/5·|0.5−1| = 0.4
    expect(c.ece).toBeCloseTo(0.4, 12);
    // Brier = (0 + 1 + 0.25 + 0.25 + 0)/5 with squared errors (1−1)², (1−0)², (0.5−1)², (0.5−1)², (0−0)²
    expect(c.brier).toBeCloseTo(0.3, 12);
  });
});

describe('binomial', () => {
  it('has the right mean and variance in both regimes (no published value: a sanity check)', () => {
    const rng = mulberry32(42);
    for (const [n, p] of [[50, 0.1], [100000, 0.3]] as const) {
      let s = 0;
      let s2 = 0;
      const reps = 4000;
      for (let i = 0; i < reps; i++) {
        const x = binomial(n, p, rng);
        s += x;
        s2 += x * x;
      }
      const mean = s / reps;
      const variance = s2 / reps - mean * mean;
      expect(Math.abs(mean - n * p)).toBeLessThan(4 * Math.sqrt((n * p * (1 - p)) / reps));
      expect(variance / (n * p * (1 - p))).toBeGreaterThan(0.9);
      expect(variance / (n * p * (1 - p))).toBeLessThan(1.1);
    }
  });
});
