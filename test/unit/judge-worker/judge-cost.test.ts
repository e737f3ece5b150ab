import { tokenCost } from '../../../shared/judge-cost';

describe('tokenCost', () => {
  test('prices prompt and completion tokens separately, per million', () => {
    expect(tokenCost({ prompt: 1_000_000, completion: 500_000 }, { input: 2, output: 10 })).toBeCloseTo(7, 10);
    expect(tokenCost({ prompt: 1234, completion: 0 }, { input: 3, output: 15 })).toBeCloseTo(0.003702, 10);
  });

  test('a judge registered without a price has no cost, not a cost of zero', () => {
    expect(tokenCost({ prompt: 10, completion: 10 }, undefined)).toBeNull();
    expect(tokenCost({ prompt: 0, completion: 0 }, { input: 1, output: 1 })).toBe(0);
  });
});
