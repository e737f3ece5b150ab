/**
 * Graders for answers with a verifiable reference (the JudgeBench pipeline, Tan et al. 2024, "JudgeBench: A Benchmark
 * for Evaluating LLM-based Judges"): a multiple-choice letter, a number within a tolerance, or a normalised exact
 * match. Pure: no Node or DOM APIs.
 */

export const CHECKERS = ['mcq', 'number', 'exact'] as const;
export type CheckerName = (typeof CHECKERS)[number];

export interface Verdict {
  /** What was read from the answer (null: nothing could be read, which counts as wrong). */
  extracted: string | null;
  correct: boolean;
}

const lastMatch = (re: RegExp, text: string): RegExpExecArray | null => {
  let last: RegExpExecArray | null = null;
  for (const m of text.matchAll(re)) last = m as RegExpExecArray;
  return last;
};

/**
 * The letter an answer chose, A–J (MMLU-Pro's ten options, the source of JudgeBench's knowledge questions). In order:
 * 1. the letter written five times ("FFFFF"), as JudgeBench's prompt asks ("Once you have your answer, please
 *    duplicate that letter five times in a single string. For example, if the answer is K, then write KKKKK.":
 *    the questions in ScalerLab/JudgeBench data/*.jsonl, commit e2c52c2), the last such run;
 * 2. MMLU-Pro's extraction (TIGER-AI-Lab/MMLU-Pro evaluate_from_api.py, `extract_answer`, `extract_again`):
 *    `answer is \(?([A-J])\)?`, then `.*[aA]nswer:\s*([A-J])`;
 * 3. the last "(X)", then the last line that is just the letter ("B", "B.", "**B**").
 * MMLU-Pro's last resort, the last standalone capital A–J anywhere (`extract_final`), is left out: it reads the
 * pronoun "I" or the article "A" as a choice, which would turn a non-answer into a spurious correct one here.
 * JudgeBench's own grading code is not in its repository (only the pairs and the judges are released).
 */
export function extractChoice(text: string): string | null {
  const five = lastMatch(/(?<![A-Za-z])([A-J])\1{4}(?![A-Za-z])/g, text);
  if (five) return five[1]!;
  const is = /answer is \(?([A-J])\)?/.exec(text);
  if (is) return is[1]!;
  // No `s` flag, as in Python's re.search: `.*` stays on one line, so this is the last "Answer:" of the first line with one.
  const colon = /.*[aA]nswer:\s*([A-J])/.exec(text);
  if (colon) return colon[1]!;
  const paren = lastMatch(/\(([A-J])\)/g, text);
  if (paren) return paren[1]!;
  const line = lastMatch(/^[\s*_]*\(?([A-J])\)?[.:]?[\s*_]*$/gm, text);
  return line ? line[1]! : null;
}

/** A reference letter: "C", "(C)" or "c" → "C"; anything else → null. */
export function parseChoice(answer: string): string | null {
  const m = /^\s*\(?([A-Ja-j])\)?\s*$/.exec(answer);
  return m ? m[1]!.toUpperCase() : null;
}

export function checkChoice(response: string, reference: string): Verdict {
  const extracted = extractChoice(response);
  return { extracted, correct: extracted !== null && extracted === parseChoice(reference) };
}

// A number as people write it: sign, currency, thousands separators ("1,234.5"), exponent ("1e3"), a fraction
// ("3/4"), a trailing percent sign (kept as written: "50%" is 50, the unit is the question's business).
const NUM = String.raw`[-+−]?\$?\s?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?(?:\s?/\s?[-+]?\d+(?:\.\d+)?)?`;
const NUM_RE = new RegExp(String.raw`(?<![\w.])(${NUM})%?(?![\w])`, 'g');

/** A number from its written form, or null: "1,234.5", "$12", "-3/4", "1e3", "50%". */
export function parseNumber(written: string): number | null {
  const s = written.trim().replace(/^\\\(|\\\)$/g, '').replace(/−/g, '-').replace(/\$/g, '').replace(/%$/, '').trim();
  const frac = /^([-+]?[\d.,eE+-]+)\s*\/\s*([-+]?[\d.]+)$/.exec(s);
  if (frac) {
    const p = parseNumber(frac[1]!);
    const q = parseNumber(frac[2]!);
    return p === null || q === null || q === 0 ? null : p / q;
  }
  if (!/^[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)?(?:\.\d+)?(?:[eE][-+]?\d+)?$/.test(s) || !/\d/.test(s)) return null;
  const n = Number(s.replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

/**
 * The number an answer gave: the last `\boxed{…}` (the MATH convention, Hendrycks et al. 2021), else what follows
 * the last "answer is"/"Answer:", else the last number in the text.
 */
export function extractNumber(text: string): string | null {
  const numbers = (s: string) => [...s.matchAll(NUM_RE)].map((m) => m[1]!.trim()).filter((c) => /\d/.test(c));
  for (const m of [lastMatch(/\\boxed\{([^{}]*)\}/g, text), lastMatch(/answer(?: is|:)\s*:?\s*([^\n]*)/gi, text)]) {
    const found = m ? numbers(m[1]!) : [];
    if (found.length) return found[0]!;
  }
  const all = numbers(text);
  return all.length ? all[all.length - 1]! : null;
}

/** Numeric equality within `tol`, relative or absolute as Python's `math.isclose(a, b, rel_tol=tol, abs_tol=tol)`. */
export const closeEnough = (a: number, b: number, tol: number): boolean => a === b || Math.abs(a - b) <= Math.max(tol * Math.max(Math.abs(a), Math.abs(b)), tol);

export function checkNumber(response: string, reference: string | number, tol = 1e-6): Verdict {
  const extracted = extractNumber(response);
  const got = extracted === null ? null : parseNumber(extracted);
  const want = typeof reference === 'number' ? reference : parseNumber(reference);
  return { extracted, correct: got !== null && want !== null && closeEnough(got, want, tol) };
}

/**
 * SQuAD's `normalize_answer` (the official v1.1 evaluation script, also in v2.0's): lower case, remove punctuation
 * (Python's `string.punctuation`), remove the articles a/an/the, collapse white space.
 */
export function normalizeAnswer(s: string): string {
  const lower = s.toLowerCase();
  const noPunc = lower.replace(/[!"#$%&'()*+,\-./:;<=>?@[\\\]^_`{|}~]/g, '');
  const noArticles = noPunc.replace(/\b(a|an|the)\b/g, ' ');
  return noArticles.split(/\s+/).filter(Boolean).join(' ');
}

/** The final answer of a free-text response: what follows the last "answer is"/"Answer:", else the whole text. */
export function extractText(text: string): string {
  const m = lastMatch(/answer(?: is|:)\s*:?\s*([^\n]+)/gi, text);
  return (m?.[1] ?? text).trim();
}

export function checkExact(response: string, reference: string): Verdict {
  const extracted = extractText(response);
  return { extracted, correct: normalizeAnswer(extracted) !== '' && normalizeAnswer(extracted) === normalizeAnswer(reference) };
}

/** Whether a reference answer is one the checker can grade against (checked on import, with its line). */
export function referenceProblem(checker: CheckerName, answer: string | number): string | null {
  if (checker === 'mcq') return typeof answer === 'string' && parseChoice(answer) ? null : 'must be one letter A–J for --checker mcq';
  if (checker === 'number') return typeof answer === 'number' || parseNumber(answer) !== null ? null : 'must be a number for --checker number';
  return String(answer).trim() === '' ? 'cannot be empty' : null;
}

export function check(checker: CheckerName, response: string, reference: string | number, tol = 1e-6): Verdict {
  if (checker === 'mcq') return checkChoice(response, String(reference));
  if (checker === 'number') return checkNumber(response, reference, tol);
  return checkExact(response, String(reference));
}
