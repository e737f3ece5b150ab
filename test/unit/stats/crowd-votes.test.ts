/**
 * The crowd models' input from the report's columns (crowdVotes: one vote per annotator and item, by oneVote),
 * the plurality fit (majority, by the house Plurality rule) and fitCrowd's dispatch.
 */
import { fitCrowd } from '../../../shared/stats/crowd';
import { majority } from '../../../shared/stats/crowd/majority';
import { crowdVotes } from '../../../shared/stats/crowd/votes';
import type { CrowdInput } from '../../../shared/stats/crowd/types';
import { toColumns, type ReportLabel } from '../../../shared/stats/report/input';

const annotators = [
  { id: 'h1', name: 'h1', kind: 'human' as const },
  { id: 'h2', name: 'h2', kind: 'human' as const },
  { id: 'j', name: 'judge', kind: 'llm' as const },
];

function columns(labels: ReportLabel[], type = 'pairwise') {
  return toColumns({
    project: { id: 'p', type },
    items: [{ id: 'i1', gold: 'B' }, { id: 'i2' }, { id: 'i3' }],
    annotators,
    labels,
  });
}

/** The votes as sorted "item annotator value" strings. */
function read(input: CrowdInput, categories: readonly unknown[]): string[] {
  const out: string[] = [];
  for (let v = 0; v < input.n; v++) out.push(`i${input.item[v]! + 1} ${annotators[input.worker[v]!]!.id} ${String(categories[input.code[v]!])}`);
  return out.sort();
}

describe('crowdVotes', () => {
  const labels: ReportLabel[] = [
    { item: 'i1', annotator: 'h1', value: 'A', certainty: 90 },
    { item: 'i1', annotator: 'h2', value: 'B', certainty: 40 },
    // The judge in both orders, twice: A, A, B, A nets to A.
    { item: 'i1', annotator: 'j', value: 'A', order: 'AB', sample: 0 },
    { item: 'i1', annotator: 'j', value: 'A', order: 'BA', sample: 0 },
    { item: 'i1', annotator: 'j', value: 'B', order: 'AB', sample: 1 },
    { item: 'i1', annotator: 'j', value: 'A', order: 'BA', sample: 1 },
    // A then B: nets to a tie vote, not to no vote.
    { item: 'i2', annotator: 'j', value: 'A', order: 'AB' },
    { item: 'i2', annotator: 'j', value: 'B', order: 'BA' },
    { item: 'i2', annotator: 'h1', value: null },
    { item: 'i3', annotator: 'h2', value: 'tie' },
  ];

  test('humans only by default: one vote each, invalid labels are no vote, controls are the gold codes', () => {
    const cols = columns(labels);
    const input = crowdVotes(cols, { includeLlm: false });
    expect(read(input, cols.categories)).toEqual(['i1 h1 A', 'i1 h2 B', 'i3 h2 tie']);
    expect(input.nItems).toBe(3);
    expect(input.nWorkers).toBe(3);
    expect(input.nClasses).toBe(cols.categories.length);
    expect(Array.from(input.controls!, (c) => (c < 0 ? null : cols.categories[c]))).toEqual(['B', null, null]);
  });

  test('with judges, a judge’s runs in both orders and samples reduce to one vote by the net swap rule', () => {
    const cols = columns(labels);
    expect(read(crowdVotes(cols, { includeLlm: true }), cols.categories)).toEqual(['i1 h1 A', 'i1 h2 B', 'i1 j A', 'i2 j tie', 'i3 h2 tie']);
  });

  test('minCertainty leaves out labels below it and labels without a certainty', () => {
    const cols = columns(labels);
    expect(read(crowdVotes(cols, { includeLlm: true, minCertainty: 50 }), cols.categories)).toEqual(['i1 h1 A']);
  });

  test('outside pairwise projects several labels reduce to their plurality; a shared top count is no vote', () => {
    const cols = columns(
      [
        { item: 'i1', annotator: 'j', value: 'x', sample: 0 },
        { item: 'i1', annotator: 'j', value: 'y', sample: 1 },
        { item: 'i1', annotator: 'j', value: 'y', sample: 2 },
        { item: 'i2', annotator: 'j', value: 'x', sample: 0 },
        { item: 'i2', annotator: 'j', value: 'y', sample: 1 },
      ],
      'choice',
    );
    expect(read(crowdVotes(cols, { includeLlm: true }), cols.categories)).toEqual(['i1 j y']);
  });
});

describe('majority', () => {
  const input = (rows: [number, number, number][], nItems = 4): CrowdInput => ({
    nItems,
    nWorkers: 3,
    nClasses: 3,
    n: rows.length,
    item: Int32Array.from(rows, (r) => r[0]),
    worker: Int32Array.from(rows, (r) => r[1]),
    code: Int32Array.from(rows, (r) => r[2]),
  });

  test('the plurality wins with its share; a shared top count and an item without votes have no label', () => {
    const fit = majority(input([[0, 0, 2], [0, 1, 2], [0, 2, 1], [1, 0, 0], [1, 1, 1], [2, 2, 1]]));
    expect(Array.from(fit.label)).toEqual([2, -1, 1, -1]);
    expect(fit.posterior[0]).toBeCloseTo(2 / 3, 12);
    expect(fit.posterior[2]).toBe(1);
    expect(Number.isNaN(fit.posterior[1])).toBe(true);
    expect(Array.from(fit.competence).every(Number.isNaN)).toBe(true);
    expect(Array.from(fit.spammer)).toEqual([0, 0, 0]);
  });

  test('fitCrowd dispatches on the method and names it in the fit', () => {
    const data = input([[0, 0, 2], [0, 1, 2], [0, 2, 1], [1, 0, 0], [1, 1, 0], [1, 2, 0], [2, 0, 1], [2, 1, 1]]);
    for (const method of ['majority', 'dawid-skene', 'mace'] as const) {
      const fit = fitCrowd(method, data, { seed: 3 });
      expect(fit.method).toBe(method);
      expect(Array.from(fit.label)).toEqual([2, 0, 1, -1]);
    }
  });
});
