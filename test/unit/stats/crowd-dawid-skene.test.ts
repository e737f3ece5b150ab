/**
 * Dawid & Skene (1979) against crowd-kit's own tests of its DawidSkene (Toloka crowd-kit, Apache-2.0,
 * tests/aggregation/test_ds_aggregation.py and tests/conftest.py at commit 35f06615; test/fixtures/crowd/README.md):
 * the step-by-step posteriors, error matrices and priors after 0 and 1 iterations on its 5×5 example (to its
 * atol 0.005), the toy YSDA data's expected labels with and without gold, and its overlap test; then edge cases.
 */
import { dawidSkene } from '../../../shared/stats/crowd/dawid-skene';
import type { CrowdInput } from '../../../shared/stats/crowd/types';

/** Votes from [task, worker, label] rows (names coded in order of first appearance, labels as given). */
function votes(rows: [string, string, number][], nClasses: number, controls?: Record<string, number>): { input: CrowdInput; tasks: string[]; workers: string[] } {
  const tasks = [...new Set(rows.map((r) => r[0]))];
  const workers = [...new Set(rows.map((r) => r[1]))];
  const input: CrowdInput = {
    nItems: tasks.length,
    nWorkers: workers.length,
    nClasses,
    n: rows.length,
    item: Int32Array.from(rows, (r) => tasks.indexOf(r[0])),
    worker: Int32Array.from(rows, (r) => workers.indexOf(r[1])),
    code: Int32Array.from(rows, (r) => r[2]),
  };
  if (controls) input.controls = Int32Array.from(tasks, (t) => controls[t] ?? -1);
  return { input, tasks, workers };
}

const NO = 0;
const YES = 1;
// crowd-kit test_ds_aggregation.py, fixture `data` (t1–t5 × w1–w5; w3 gave no answer on t1).
const stepData: [string, string, number][] = [
  ['t1', 'w1', NO], ['t1', 'w2', YES], ['t1', 'w4', YES], ['t1', 'w5', NO],
  ['t2', 'w1', YES], ['t2', 'w2', YES], ['t2', 'w3', YES], ['t2', 'w4', NO], ['t2', 'w5', NO],
  ['t3', 'w1', YES], ['t3', 'w2', NO], ['t3', 'w3', NO], ['t3', 'w4', YES], ['t3', 'w5', NO],
  ['t4', 'w1', YES], ['t4', 'w2', YES], ['t4', 'w3', YES], ['t4', 'w4', YES], ['t4', 'w5', YES],
  ['t5', 'w1', YES], ['t5', 'w2', NO], ['t5', 'w3', NO], ['t5', 'w4', NO], ['t5', 'w5', NO],
];
// Expected values there: per iteration, probas [no, yes] per task, priors, labels, errors[worker][observed] = [P(obs | no), P(obs | yes)].
const expected = {
  0: {
    probas: [[0.5, 0.5], [0.4, 0.6], [0.6, 0.4], [0.0, 1.0], [0.8, 0.2]],
    priors: [0.46, 0.54],
    labels: [NO, YES, NO, YES, NO],
    errors: { w1: [[0.22, 0.19], [0.78, 0.81]], w2: [[0.61, 0.22], [0.39, 0.78]], w3: [[0.78, 0.27], [0.22, 0.73]], w4: [[0.52, 0.30], [0.48, 0.70]], w5: [[1.0, 0.63], [0.0, 0.37]] },
  },
  1: {
    probas: [[0.35, 0.65], [0.26, 0.74], [0.87, 0.13], [0.0, 1.0], [0.95, 0.05]],
    priors: [0.49, 0.51],
    labels: [YES, YES, NO, YES, NO],
    errors: { w1: [[0.14, 0.25], [0.86, 0.75]], w2: [[0.75, 0.07], [0.25, 0.93]], w3: [[0.87, 0.09], [0.13, 0.91]], w4: [[0.50, 0.31], [0.50, 0.69]], w5: [[1.0, 0.61], [0.0, 0.39]] },
  },
} as const;

describe('dawidSkene, step by step as crowd-kit’s test_dawid_skene_step_by_step', () => {
  test.each([0, 1] as const)('after %i iterations the posteriors, priors, labels and error matrices are crowd-kit’s', (n) => {
    const { input, workers } = votes(stepData, 2);
    const fit = dawidSkene(input, { maxIterations: n });
    const e = expected[n];
    expect(fit.iterations).toBe(n);
    e.probas.forEach((row, i) => row.forEach((p, t) => expect(Math.abs(fit.probas[i * 2 + t]! - p)).toBeLessThan(0.005)));
    e.priors.forEach((p, t) => expect(Math.abs(fit.priors[t]! - p)).toBeLessThan(0.005));
    expect(Array.from(fit.label)).toEqual(e.labels);
    for (const [w, rows] of Object.entries(e.errors) as [string, readonly (readonly number[])[]][]) {
      const a = workers.indexOf(w);
      rows.forEach((row, obs) => row.forEach((p, t) => expect(Math.abs(fit.errors[(a * 2 + obs) * 2 + t]! - p)).toBeLessThan(0.005)));
    }
  });
});

// crowd-kit tests/conftest.py, toy_answers_df (worker, task, label) and toy_ground_truth_df.
const toy: [string, string, number][] = (
  [
    ['w1', 't1', NO], ['w1', 't2', YES], ['w1', 't3', YES], ['w1', 't4', YES], ['w1', 't5', YES],
    ['w2', 't1', YES], ['w2', 't2', YES], ['w2', 't3', NO], ['w2', 't4', YES], ['w2', 't5', NO],
    ['w3', 't2', YES], ['w3', 't3', NO], ['w3', 't4', YES], ['w3', 't5', NO],
    ['w4', 't1', YES], ['w4', 't2', NO], ['w4', 't3', YES], ['w4', 't4', YES], ['w4', 't5', NO],
    ['w5', 't1', NO], ['w5', 't2', NO], ['w5', 't3', NO], ['w5', 't4', YES], ['w5', 't5', NO],
  ] as [string, string, number][]
).map(([w, t, l]) => [t, w, l]);
const toyTruth: Record<string, number> = { t1: YES, t2: YES, t3: NO, t4: YES, t5: NO };

describe('dawidSkene on crowd-kit’s toy YSDA data', () => {
  test.each([
    [10, 0],
    [100500, 1e-5],
  ])('recovers the ground truth (n_iter %i, tol %f), as test_aggregate_ds_on_toy_ysda', (maxIterations, tolerance) => {
    const { input, tasks } = votes(toy, 2);
    const fit = dawidSkene(input, { maxIterations, tolerance });
    expect(tasks.map((t, i) => fit.label[i] === toyTruth[t])).toEqual(tasks.map(() => true));
  });

  test.each([0, 1, 2])('gold items keep posterior 1 on their class after %i iterations and the rest follow (test_ds_gold_probas_correction_with_iters)', (n) => {
    const { input, tasks } = votes(toy, 2, { t1: YES, t2: YES });
    const fit = dawidSkene(input, { maxIterations: n });
    for (const t of ['t1', 't2']) {
      const i = tasks.indexOf(t);
      expect(fit.probas[i * 2 + YES]).toBe(1);
      expect(fit.label[i]).toBe(YES);
      expect(fit.posterior[i]).toBe(1);
    }
    for (let i = 0; i < tasks.length; i++) expect(fit.probas[i * 2]! + fit.probas[i * 2 + 1]!).toBeCloseTo(1, 8);
  });

  test('with gold t1 and t2 it recovers the ground truth (test_aggregate_ds_gold_on_toy_ysda)', () => {
    const { input, tasks } = votes(toy, 2, { t1: YES, t2: YES });
    const fit = dawidSkene(input);
    expect(tasks.map((t, i) => fit.label[i] === toyTruth[t])).toEqual(tasks.map(() => true));
  });
});

describe('dawidSkene, crowd-kit’s test_dawid_skene_overlap', () => {
  test.each([3, 300])('with overlap %i every task is 1/3 no, 2/3 yes, and so are the priors', (overlap) => {
    const rows: [string, string, number][] = [];
    for (let p = 0; p < overlap; p++) for (let t = 0; t < 3; t++) rows.push([`t${t}`, `w${p}`, (p - t) % 3 ? YES : NO]);
    const fit = dawidSkene(votes(rows, 2).input, { maxIterations: 20 });
    for (let i = 0; i < 3; i++) {
      expect(Math.abs(fit.probas[i * 2]! - 1 / 3)).toBeLessThan(0.005);
      expect(fit.label[i]).toBe(YES);
    }
    expect(Math.abs(fit.priors[YES]! - 2 / 3)).toBeLessThan(0.005);
  });
});

describe('dawidSkene edge cases', () => {
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

  test('no votes: no labels, NaN posteriors and competences, nobody a spammer', () => {
    const fit = dawidSkene(input(3, 2, 3, []));
    expect(Array.from(fit.label)).toEqual([-1, -1, -1]);
    expect(Array.from(fit.posterior).every(Number.isNaN)).toBe(true);
    expect(Array.from(fit.competence).every(Number.isNaN)).toBe(true);
    expect(Array.from(fit.spammer)).toEqual([0, 0]);
    expect(dawidSkene(input(0, 0, 2, [])).label).toHaveLength(0);
  });

  test('an item without votes stays unlabelled and an annotator without votes has no competence', () => {
    const fit = dawidSkene(input(3, 3, 2, [[0, 0, 1], [0, 1, 1], [2, 0, 0], [2, 1, 0]]));
    expect(Array.from(fit.label)).toEqual([1, -1, 0]);
    expect(fit.posterior[1]).toBeNaN();
    expect(fit.competence[2]).toBeNaN();
    expect(fit.spammer[2]).toBe(0);
  });

  test('when all agree on one class the label is that class with posterior 1, whatever the other codes', () => {
    const fit = dawidSkene(input(2, 3, 5, [[0, 0, 3], [0, 1, 3], [1, 2, 3]]));
    expect(Array.from(fit.label)).toEqual([3, 3]);
    expect(Array.from(fit.posterior)).toEqual([1, 1]);
    expect(Array.from(fit.classOf)).toEqual([3]);
  });

  test('an item with one vote and an annotator with one vote get a label and a competence', () => {
    const rows: [number, number, number][] = [[0, 0, 0], [0, 1, 0], [1, 0, 1], [1, 1, 1], [2, 0, 2], [2, 1, 2], [3, 2, 1]];
    const fit = dawidSkene(input(4, 3, 3, rows));
    expect(Array.from(fit.label)).toEqual([0, 1, 2, 1]);
    expect(fit.competence[2]).toBeGreaterThan(0);
    expect(fit.competence[2]).toBeLessThanOrEqual(1);
  });

  test('a control fixes its item to the known class against every vote, and a tie breaks to the lowest code', () => {
    const rows: [number, number, number][] = [[0, 0, 1], [0, 1, 1], [1, 0, 0], [1, 1, 1]];
    const fit = dawidSkene(input(2, 2, 2, rows, [0, -1]));
    expect(fit.label[0]).toBe(0);
    expect(fit.posterior[0]).toBe(1);
    const tie = dawidSkene(input(1, 2, 2, [[0, 0, 1], [0, 1, 0]]), { maxIterations: 0 });
    expect(tie.label[0]).toBe(0);
    expect(tie.posterior[0]).toBe(0.5);
  });

  test('an annotator who always gives the commonest class is a spammer; one who copies the truth is not', () => {
    const rows: [number, number, number][] = [];
    for (let i = 0; i < 40; i++) {
      const truth = i % 4 === 0 ? 1 : 0;
      rows.push([i, 0, truth], [i, 1, truth], [i, 2, 0]);
    }
    const fit = dawidSkene(input(40, 3, 2, rows));
    expect(Array.from(fit.spammer)).toEqual([0, 0, 1]);
    expect(fit.competence[0]).toBeCloseTo(1, 6);
    expect(fit.competence[2]).toBeCloseTo(0.75, 6);
  });
});
