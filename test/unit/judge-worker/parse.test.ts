import { parseJudgeLM, parseRating, parseVerdict } from '../../../judge-worker/parse';

describe('judge output parsers', () => {
  test('text answers are read whatever the spacing and case, and a certainty line is not the score', () => {
    expect(parseVerdict('A is better.\n[[ b ]]').value).toBe('B');
    expect(parseVerdict('Format is "[[A]]" or "[[B]]". Final: [[C]]').value).toBe('tie');
    expect(parseVerdict('A]] [[85]]', false)).toMatchObject({ value: 'A', certainty: 85 });
    expect(parseVerdict('no verdict here').value).toBeNull();
    expect(parseRating('Good answer.\nRating: [[7]]\nCertainty: [[90]]')).toMatchObject({ value: 7, certainty: 90 });
    expect(parseRating('Certainty: [[90]] … rating: [[ 3 ]]').value).toBe(3);
    expect(parseJudgeLM('8 6\nAssistant 1 was more precise.')).toMatchObject({ value: 'A', scores: [8, 6], rationale: 'Assistant 1 was more precise.' });
    expect(parseJudgeLM('7, 7\nEqual.').value).toBe('tie');
  });
});
