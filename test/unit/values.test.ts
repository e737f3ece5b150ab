/** shared/values.ts: what a label value may be for each task type, the certainty range, and pairwise positions. */
import { checkCertainty, checkValue, rankingValue, toCanonical } from '../../shared/values';

type Domain = Parameters<typeof checkValue>[0];
const project = (over: Partial<Domain>): Domain => ({ type: 'pairwise', options: null, scale: null, certainty: null, ...over });

describe('checkValue: pairwise', () => {
  const p = project({ type: 'pairwise' });

  test('A, B and tie are the values', () => {
    for (const v of ['A', 'B', 'tie']) expect(checkValue(p, v, null)).toBeNull();
  });

  test('anything else is named back, exactly as sent', () => {
    expect(checkValue(p, 'a', null)).toBe('must be "A", "B" or "tie", not "a"');
    expect(checkValue(p, 'Tie', null)).toBe('must be "A", "B" or "tie", not "Tie"');
    expect(checkValue(p, 1, null)).toBe('must be "A", "B" or "tie", not 1');
    expect(checkValue(p, null, null)).toBe('must be "A", "B" or "tie", not null');
    expect(checkValue(p, ['A'], null)).toBe('must be "A", "B" or "tie", not ["A"]');
  });
});

describe('checkValue: rating', () => {
  test('without a scale of its own, a project rates on the default 1–10 in steps of 1', () => {
    const p = project({ type: 'rating' });
    expect(checkValue(p, 1, null)).toBeNull();
    expect(checkValue(p, 10, null)).toBeNull();
    expect(checkValue(p, 7, null)).toBeNull();
    expect(checkValue(p, 0, null)).toBe('0 is outside the 1–10 scale');
    expect(checkValue(p, 11, null)).toBe('11 is outside the 1–10 scale');
    expect(checkValue(p, 7.5, null)).toBe("7.5 is not on the scale's steps of 1 from 1");
  });

  test("a project's own scale and step: the ends are in, steps count from the minimum", () => {
    const p = project({ type: 'rating', scale: { min: 0, max: 1, step: 0.25 } });
    for (const v of [0, 0.25, 0.5, 0.75, 1]) expect(checkValue(p, v, null)).toBeNull();
    expect(checkValue(p, 0.3, null)).toBe("0.3 is not on the scale's steps of 0.25 from 0");
    expect(checkValue(p, -0.25, null)).toBe('-0.25 is outside the 0–1 scale');
    const odd = project({ type: 'rating', scale: { min: 1, max: 10, step: 3 } });
    expect(checkValue(odd, 4, null)).toBeNull();
    expect(checkValue(odd, 3, null)).toBe("3 is not on the scale's steps of 3 from 1");
  });

  test('a step written in decimals that floating point cannot hold exactly still lands on its steps', () => {
    const p = project({ type: 'rating', scale: { min: 0, max: 1, step: 0.1 } });
    expect(checkValue(p, 0.3, null)).toBeNull();
    expect(checkValue(p, 0.7, null)).toBeNull();
  });

  test('a scale with no step is in steps of 1', () => {
    const p = project({ type: 'rating', scale: { min: 1, max: 5 } });
    expect(checkValue(p, 3, null)).toBeNull();
    expect(checkValue(p, 3.5, null)).toBe("3.5 is not on the scale's steps of 1 from 1");
  });

  test('a value that is not a finite number is refused, naming the scale', () => {
    const p = project({ type: 'rating', scale: { min: 1, max: 5, step: 1 } });
    expect(checkValue(p, '3', null)).toBe('must be a number on the 1–5 scale, not "3"');
    expect(checkValue(p, NaN, null)).toBe('must be a number on the 1–5 scale, not null');
    expect(checkValue(p, Infinity, null)).toBe('must be a number on the 1–5 scale, not null');
    expect(checkValue(p, null, null)).toBe('must be a number on the 1–5 scale, not null');
  });
});

describe('checkValue: choice', () => {
  const p = project({ type: 'choice', options: ['yes', 'no'] });

  test("the project's options are the values", () => {
    expect(checkValue(p, 'yes', null)).toBeNull();
    expect(checkValue(p, 'no', null)).toBeNull();
    expect(checkValue(p, 'Yes', null)).toBe('must be one of the options ("yes", "no"), not "Yes"');
    expect(checkValue(p, 0, null)).toBe('must be one of the options ("yes", "no"), not 0');
  });

  test("an item's own options replace the project's", () => {
    expect(checkValue(p, 'maybe', ['maybe', 'never'])).toBeNull();
    expect(checkValue(p, 'yes', ['maybe', 'never'])).toBe('must be one of the options ("maybe", "never"), not "yes"');
  });

  test('with no options anywhere, nothing is a value', () => {
    expect(checkValue(project({ type: 'choice' }), 'yes', null)).toBe('must be one of the options (), not "yes"');
  });
});

describe('checkValue: ranking', () => {
  const p = project({ type: 'ranking' });

  test('every answer once, best first, as a flat list or with ties as groups', () => {
    expect(checkValue(p, [2, 0, 1], null, 3)).toBeNull();
    expect(checkValue(p, [[2], [0, 1]], null, 3)).toBeNull();
    expect(checkValue(p, [2, [1, 0]], null, 3)).toBeNull();
    expect(checkValue(p, [[0, 1, 2]], null, 3)).toBeNull();
  });

  test('a string is read as the ranking’s JSON text (as the value and gold columns, CSV cells and exports hold it)', () => {
    expect(checkValue(p, '[[2],[0,1]]', null, 3)).toBeNull();
    expect(checkValue(p, '[2,0]', null, 3)).toBe('every answer must be ranked: 1 is missing');
    expect(checkValue(p, 'B', null, 3)).toBe('must be a list of answer indexes best first, e.g. [2, 0, 1] (ties as groups: [[2], [0, 1]]), not "B"');
  });

  test('a missing, repeated or unknown answer is named', () => {
    expect(checkValue(p, [2, 0], null, 4)).toBe('every answer must be ranked: 1, 3 are missing');
    expect(checkValue(p, [2, 0, 2, 1], null, 3)).toBe('answer 2 appears twice');
    expect(checkValue(p, [[0, 1], [1, 2]], null, 3)).toBe('answer 1 appears twice');
    expect(checkValue(p, [3, 0, 1], null, 3)).toBe('3 is not an answer index (0 to 2)');
    expect(checkValue(p, [-1, 0, 1], null, 3)).toBe('-1 is not an answer index (0 to 2)');
    expect(checkValue(p, [0.5, 0, 1], null, 3)).toBe('0.5 is not an answer index (0 to 2)');
    expect(checkValue(p, [[], 0, 1, 2], null, 3)).toBe('a group of tied answers cannot be empty');
  });

  test('a value that is not a list, or an item with no answer count, is refused', () => {
    expect(checkValue(p, 2, null, 3)).toBe('must be a list of answer indexes best first, e.g. [2, 0, 1] (ties as groups: [[2], [0, 1]]), not 2');
    expect(checkValue(p, [0, 1], null, null)).toBe('this item has no answers to rank');
    expect(checkValue(p, [0, 1], null)).toBe('this item has no answers to rank');
  });

  test('a ranking is no value in the other types', () => {
    expect(checkValue(project({ type: 'pairwise' }), [0, 1], null, 2)).toBe('must be "A", "B" or "tie", not [0,1]');
    expect(checkValue(project({ type: 'rating' }), [0, 1], null, 2)).toBe('must be a number on the 1–10 scale, not [0,1]');
  });
});

describe('rankingValue', () => {
  test('gives the canonical groups, each sorted', () => {
    expect(rankingValue([[2], [1, 0]], 3)).toEqual([[2], [0, 1]]);
    expect(rankingValue('[1, 0, 2]', 3)).toEqual([[1], [0], [2]]);
  });
});

describe('checkCertainty', () => {
  test('a project that does not collect certainty refuses any', () => {
    expect(checkCertainty(project({}), 50)).toBe('this project does not collect certainty (turn it on in the project settings first)');
  });

  test('values on the range, its ends included, are fine; others are named with the range', () => {
    const p = project({ certainty: { min: 1, max: 100 } });
    expect(checkCertainty(p, 1)).toBeNull();
    expect(checkCertainty(p, 100)).toBeNull();
    expect(checkCertainty(p, 37.5)).toBeNull();
    expect(checkCertainty(p, 0)).toBe('certainty 0 is outside the 1–100 scale');
    expect(checkCertainty(p, 101)).toBe('certainty 101 is outside the 1–100 scale');
    expect(checkCertainty(p, NaN)).toBe('certainty NaN is outside the 1–100 scale');
    expect(checkCertainty(p, Infinity)).toBe('certainty Infinity is outside the 1–100 scale');
  });
});

describe('toCanonical', () => {
  test('shown in order AB (or with no order), the display position is the answer', () => {
    for (const order of ['AB', null] as const) {
      expect(toCanonical('A', order)).toBe('A');
      expect(toCanonical('B', order)).toBe('B');
      expect(toCanonical('tie', order)).toBe('tie');
    }
  });

  test('shown in order BA, A and B trade places and a tie stays a tie', () => {
    expect(toCanonical('A', 'BA')).toBe('B');
    expect(toCanonical('B', 'BA')).toBe('A');
    expect(toCanonical('tie', 'BA')).toBe('tie');
  });
});
