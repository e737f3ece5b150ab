/**
 * The graders of `concord pairs build`. References computed here with python3 from the published code:
 * - SQuAD v1.1's official evaluate script, `normalize_answer` (copied verbatim into python3 and run on each case);
 * - MMLU-Pro's `extract_answer` → `extract_again` → `extract_final` (TIGER-AI-Lab/MMLU-Pro evaluate_from_api.py);
 * - Python's `math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-6)` for the tolerance.
 * JudgeBench's repository (ScalerLab/JudgeBench) carries no licence, so none of its responses is copied here: the
 * five-letter cases are written in the shape its prompt asks for ("duplicate that letter five times").
 */
import { check, checkChoice, checkExact, checkNumber, closeEnough, extractChoice, extractNumber, normalizeAnswer, parseNumber, referenceProblem } from '../../shared/checkers';

describe('normalizeAnswer (SQuAD)', () => {
  // python3: print(normalize_answer(c)) with SQuAD v1.1's function, for each case.
  test.each([
    ['The Eiffel Tower', 'eiffel tower'],
    ['  an  Apple, a day!', 'apple day'],
    ['Denver Broncos.', 'denver broncos'],
    ['the theatre', 'theatre'],
    ['U.S.-based (A) answer', 'usbased answer'],
    ['Santa Clara, California', 'santa clara california'],
    ['a-b c_d', 'ab cd'],
  ])('%j → %j', (input, out) => expect(normalizeAnswer(input)).toBe(out));
});

describe('extractChoice', () => {
  // Where MMLU-Pro's rules apply first, the same letter as its code (python3, the three functions run on each case).
  test.each([
    ["Let's think. The answer is (C).", 'C'],
    ['Reasoning...\nAnswer: D\nmore', 'D'],
    ['answer is B but Answer: C', 'B'],
    ['Final Answer: E and Answer: F\nAnswer: G', 'F'],
  ])('MMLU-Pro order: %j → %s', (text, letter) => expect(extractChoice(text)).toBe(letter));

  test('the five-fold letter of the JudgeBench prompt wins, the last one', () => {
    expect(extractChoice('(A) is tempting but the answer is (C).\n\nCCCCC')).toBe('C');
    expect(extractChoice('Not AAAAA... Therefore F.\n\nFFFFF')).toBe('F');
    expect(extractChoice('Therefore, the answer is F.\n\nFFFFF')).toBe('F');
    // Six in a row or inside a word is not the string asked for.
    expect(extractChoice('AAAAAA')).toBeNull();
    expect(extractChoice('BBBBBig')).toBeNull();
  });

  test('the last "(X)", then a line that is only the letter', () => {
    expect(extractChoice('Between (B) and (D), I pick (D).')).toBe('D');
    expect(extractChoice('I think so.\n**B**\n')).toBe('B');
    expect(extractChoice('I cannot tell. A guess would be unwise.')).toBeNull();
  });

  test('graded against the reference letter', () => {
    expect(checkChoice('answer is (c)', 'C')).toEqual({ extracted: null, correct: false });
    expect(checkChoice('The answer is (C)', '(c)')).toEqual({ extracted: 'C', correct: true });
    expect(checkChoice('The answer is (D)', 'C').correct).toBe(false);
  });
});

describe('numbers', () => {
  test.each([
    ['1,234.5', 1234.5],
    ['3/4', 0.75],
    ['-3/4', -0.75],
    ['$12', 12],
    ['1e3', 1000],
    ['−2', -2],
    ['50%', 50],
    ['12,34', null],
    ['abc', null],
    ['1/0', null],
  ])('parseNumber(%j) = %p', (s, n) => expect(parseNumber(s)).toBe(n));

  test('the number an answer gives: \\boxed{}, else after "answer is", else the last', () => {
    expect(extractNumber('We get 3 then 4, so \\boxed{1,234.5} (not 7)')).toBe('1,234.5');
    expect(extractNumber('Steps: 2 + 2 = 4. The answer is $12. Check: 12 - 0')).toBe('$12');
    expect(extractNumber('2 apples and 3/4 of a pie')).toBe('3/4');
    expect(extractNumber('no idea')).toBeNull();
  });

  test('tolerance as math.isclose(rel_tol=1e-6, abs_tol=1e-6)', () => {
    // python3: math.isclose(...) → True True False True False True
    expect([closeEnough(1000, 1e3, 1e-6), closeEnough(0.75, 0.7500001, 1e-6), closeEnough(0.75, 0.7501, 1e-6), closeEnough(1e9, 1e9 + 500, 1e-6), closeEnough(1e9, 1e9 + 5000, 1e-6), closeEnough(0, 1e-7, 1e-6)]).toEqual([true, true, false, true, false, true]);
  });

  test('graded', () => {
    expect(checkNumber('So the total is 1e3.', 1000).correct).toBe(true);
    expect(checkNumber('The answer is 0.75', '3/4').correct).toBe(true);
    expect(checkNumber('The answer is 0.76', '3/4').correct).toBe(false);
    expect(checkNumber('The answer is 0.76', '3/4', 0.05).correct).toBe(true);
    expect(checkNumber('nothing', 1)).toEqual({ extracted: null, correct: false });
  });
});

describe('exact', () => {
  test('the final answer, normalised as SQuAD does', () => {
    expect(checkExact('Let me think.\nThe answer is: the Eiffel Tower!', 'Eiffel tower').correct).toBe(true);
    expect(checkExact('Paris', 'paris.').correct).toBe(true);
    expect(checkExact('The answer is Lyon', 'Paris').correct).toBe(false);
    // An answer that normalises to nothing matches nothing, not an empty reference.
    expect(checkExact('The', 'a').correct).toBe(false);
  });
});

test('references each checker accepts', () => {
  expect(referenceProblem('mcq', 'C')).toBeNull();
  expect(referenceProblem('mcq', 'CC')).toMatch(/one letter/);
  expect(referenceProblem('mcq', 3)).toMatch(/one letter/);
  expect(referenceProblem('number', '1,000')).toBeNull();
  expect(referenceProblem('number', 'many')).toMatch(/must be a number/);
  expect(referenceProblem('exact', ' ')).toMatch(/empty/);
  expect(check('mcq', 'CCCCC', 'C').correct).toBe(true);
});
