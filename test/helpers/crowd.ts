/**
 * A crafted crowd for the aggregation tests (issue 10): pairwise items whose true verdict is known, four careful
 * annotators who are right nine times in ten, and one careless annotator who answers `A` whatever the item (the
 * spammer MACE and Dawid–Skene are meant to find: with truths B, B, A, tie repeating, always `A` is right a quarter
 * of the time, below the commonest verdict's half). Deterministic, so every run imports the same labels.
 */
export const VERDICTS = ['A', 'B', 'tie'] as const;
export type Verdict = (typeof VERDICTS)[number];

/** Item i's (0-based) true verdict: B, B, A, tie, … (B is the commonest at one half). */
export const truthOf = (i: number): Verdict => (['B', 'B', 'A', 'tie'] as const)[i % 4]!;

export const CAREFUL = ['h1', 'h2', 'h3', 'h4'] as const;
export const CARELESS = 'careless';

/** A careful annotator's label: the truth, except on one item in ten (a different one for each) the next verdict. */
function carefulLabel(i: number, h: number): Verdict {
  const t = truthOf(i);
  return (i + 3 * h) % 10 === 0 ? VERDICTS[(VERDICTS.indexOf(t) + 1) % 3]! : t;
}

export interface CrowdLabel {
  item: string;
  annotator: string;
  value: Verdict;
  kind?: 'llm';
  certainty?: number;
}

/**
 * Labels of items `q1` … `q<n>` by the four careful annotators and the careless one. With `judge`, an LLM judge's
 * labels too: right except on one item in five, with certainty 90 when right and 40 when wrong.
 */
export function crowdLabels(n: number, options: { judge?: boolean } = {}): CrowdLabel[] {
  const labels: CrowdLabel[] = [];
  for (let i = 0; i < n; i++) {
    const item = `q${i + 1}`;
    CAREFUL.forEach((annotator, h) => labels.push({ item, annotator, value: carefulLabel(i, h) }));
    labels.push({ item, annotator: CARELESS, value: 'A' });
    if (options.judge) {
      const wrong = i % 5 === 2;
      const t = truthOf(i);
      labels.push({ item, annotator: 'judge', kind: 'llm', value: wrong ? VERDICTS[(VERDICTS.indexOf(t) + 2) % 3]! : t, certainty: wrong ? 40 : 90 });
    }
  }
  return labels;
}
