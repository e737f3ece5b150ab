/**
 * The alt-test (Calderon, Reichart & Dror 2025) against the authors' released notebook, alt_test_example.ipynb of
 * github.com/nitaytech/AltTest at 18428b1f4f34ac61c4978bc180263b90111e7337 (test/fixtures/alt-test/README.md).
 *
 * notebook-reference.json holds, per dataset and LLM, the line the notebook printed (its output cell 4, e.g.
 * "cebab_stars gpt-4o [PASSED]:\tWinning Rate=0.90\tAdvantage Probability=0.90") and the full-precision ω, ρ and
 * per-annotator p-values and BY rejections got here by exec-ing the notebook's code cells 1–2 unchanged (python 3.11.7,
 * numpy 2.4.6, scipy 1.17.1) on the release's data files, with `ttest` and `by_procedure` wrapped to record their
 * results. Those files are not in the repository (no licence), so that check is opt-in: see `releaseDir` below. The
 * same notebook code on licensed data that is here (the PandaLM test set) is checked in alt-test-pandalm.test.ts.
 * synthetic.json is seeded random data (numpy default_rng(20250803)) run through the same code, built to reach the
 * paths the released data never takes: items with one human or without the judge (dropped), humans under 30 items
 * (skipped), a human who always ties the judge (zero variance), ε = 0 (a NaN p-value), and fractional ratings.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  altTest,
  altTestLayout,
  altTestLayoutFromRows,
  altTestOnLayout,
  benjaminiYekutieli,
  oneSidedTTestP,
  type AltTestData,
  type AltTestResult,
} from '../../../shared/stats/alt-test';
import { mulberry32 } from '../../../shared/stats/random';

const dir = join(__dirname, '../../fixtures/alt-test');
const read = <T>(file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;

type Label = string | number;
type Humans = Record<string, Record<string, Label>>;
interface RefAnnotator { annotator: string; items: number; judgeWins: number; humanWins: number; pValue: number | null; rejected: boolean }
interface RefRun { winningRate: number; advantageProbability: number; passed: boolean; perAnnotator: RefAnnotator[] }

/** The notebook's dictionaries as AltTestData: item ids and category names become indices in order of appearance. */
function toData(humans: Humans, llm: Record<string, Label>): AltTestData {
  const items = new Map<string, number>();
  const codes = new Map<string, number>();
  const item = (id: string): number => items.get(id) ?? (items.set(id, items.size), items.size - 1);
  const value = (v: Label): number => (typeof v === 'number' ? v : (codes.get(v) ?? (codes.set(v, codes.size), codes.size - 1)));
  return {
    humans: Object.entries(humans).map(([id, labels]) => ({
      id,
      items: Int32Array.from(Object.keys(labels), item),
      values: Float64Array.from(Object.values(labels), value),
    })),
    judge: new Map(Object.entries(llm).map(([id, v]) => [item(id), value(v)])),
  };
}

function expectSame(result: AltTestResult | { reason: string }, ref: RefRun): AltTestResult {
  if ('reason' in result) throw new Error(`expected a result, got: ${result.reason}`);
  expect(result.winningRate).toBe(ref.winningRate);
  expect(Math.abs(result.advantageProbability - ref.advantageProbability)).toBeLessThan(1e-15); // summation order: ≤ 1 ulp
  expect(result.passed).toBe(ref.passed);
  expect(result.annotators).toBe(ref.perAnnotator.length);
  result.perAnnotator.forEach((row, i) => {
    const want = ref.perAnnotator[i]!;
    expect({ ...row, pValue: 0 }).toEqual({ ...want, pValue: 0 });
    if (want.pValue === null) expect(row.pValue).toBeNaN();
    else if (want.pValue === 0) expect(row.pValue).toBe(0);
    else expect(Math.abs(row.pValue / want.pValue - 1)).toBeLessThan(1e-11); // measured: ≤ 3.1e-13 (stdlib vs scipy t CDF)
  });
  return result;
}

/**
 * The release's data/ folder (github.com/nitaytech/AltTest at 18428b1f4f34ac61c4978bc180263b90111e7337), which the
 * repository may not hold (no licence; the LLM labels are the authors' model outputs): opt-in, e.g.
 *   git clone https://github.com/nitaytech/AltTest /tmp/AltTest && mkdir -p /tmp/alttest &&
 *   git -C /tmp/AltTest archive 18428b1f4f34ac61c4978bc180263b90111e7337 data | tar -x -C /tmp/alttest &&
 *   ALTTEST_DATA_DIR=/tmp/alttest/data npx jest test/unit/stats/alt-test.test.ts
 */
const releaseDir = process.env.ALTTEST_DATA_DIR;
/** The files read, as git blob ids at that commit (`git ls-tree -r`): a wrong or changed folder fails loudly. */
const RELEASE_BLOBS: Record<string, string> = {
  'cebab_stars/human_annotations.json': '99119c09ea5f1385ac7f3c0b35d759f38518e509',
  'cebab_stars/llm_annotations.json': '251b81c1e16934ae49399eda5684d9840153e9b5',
  'cebab_aspects/human_annotations.json': '4c81cc83b68fed408736bd7159af9603ee7de100',
  'cebab_aspects/llm_annotations.json': 'a1441783e8a393a85547309d2d83b1f7762f78cc',
  'mtbench/human_annotations.json': 'fc9016da89ea0c938070875a64938da09cf948ee',
  'mtbench/llm_annotations.json': 'd7c6f38d5e00fb7e0a5eecada2c7e02d2c19c195',
};
const gitBlob = (bytes: Buffer): string =>
  createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
const readRelease = <T>(file: string): T => JSON.parse(readFileSync(join(releaseDir!, file), 'utf8')) as T;

(releaseDir ? describe : describe.skip)('altTest on the paper\'s released data (opt-in: set ALTTEST_DATA_DIR to the release\'s data/ folder)', () => {
  const reference = read<Record<string, { metric: 'accuracy' | 'neg_rmse'; epsilon: number; llms: Record<string, RefRun & { printed: string }> }>>(
    'notebook-reference.json',
  );

  it('reads the release\'s files at 18428b1, byte for byte (git blob ids)', () => {
    for (const [file, blob] of Object.entries(RELEASE_BLOBS)) expect([file, gitBlob(readFileSync(join(releaseDir!, file)))]).toEqual([file, blob]);
  });

  for (const [dataset, { metric, epsilon, llms }] of Object.entries(reference)) {
    for (const [llm, ref] of Object.entries(llms)) {
      it(`${dataset} (${metric}, ε = ${epsilon}): ${llm} gets the notebook's winning rate, advantage probability and verdict`, () => {
        const humans = readRelease<Humans>(`${dataset}/human_annotations.json`);
        const judges = readRelease<Record<string, Record<string, Label>>>(`${dataset}/llm_annotations.json`);
        const result = expectSame(altTest(toData(humans, judges[llm]!), { epsilon, metric }), ref);
        // The line the notebook printed, rebuilt from our numbers the way its cell 4 formats them.
        const verdict = result.winningRate >= 0.5 ? 'PASSED' : 'FAILED';
        expect(`${dataset} ${llm} [${verdict}]:\tWinning Rate=${result.winningRate.toFixed(2)}\tAdvantage Probability=${result.advantageProbability.toFixed(2)}`).toBe(ref.printed);
      });
    }
  }

  it('counts every item that two humans and the judge labelled (CEBaB stars: 711)', () => {
    const humans = readRelease<Humans>('cebab_stars/human_annotations.json');
    const judges = readRelease<Record<string, Record<string, Label>>>('cebab_stars/llm_annotations.json');
    const result = altTest(toData(humans, judges['gpt-4o']!), { epsilon: 0.1, metric: 'neg_rmse' });
    expect('reason' in result ? result.reason : result.items).toBe(711);
  });
});

describe('altTest on data built to reach the notebook\'s other paths', () => {
  const synthetic = read<Record<'accuracy' | 'neg_rmse', { humans: Humans; llm: Record<string, Label>; results: (RefRun & { epsilon: number; items: number })[] }>>(
    'synthetic.json',
  );
  for (const metric of ['accuracy', 'neg_rmse'] as const) {
    const { humans, llm, results } = synthetic[metric];
    for (const ref of results) {
      it(`${metric}, ε = ${ref.epsilon}: drops lone items, skips thin annotators and matches the notebook`, () => {
        const result = expectSame(altTest(toData(humans, llm), { epsilon: ref.epsilon, metric }), ref);
        expect(result.items).toBe(ref.items);
        expect(result.perAnnotator.map((r) => r.annotator)).not.toContain('few');
      });
    }
  }

  it('a human who always ties the judge gets p = 0 when ε > 0 (scipy: t = −∞) and NaN, never rejected, when ε = 0', () => {
    const { humans, llm } = synthetic.accuracy;
    const echo = (epsilon: number) => {
      const r = altTest(toData(humans, llm), { epsilon, metric: 'accuracy' });
      if ('reason' in r) throw new Error(r.reason);
      return r.perAnnotator.find((a) => a.annotator === 'echo')!;
    };
    // Items 30–74, less the three the judge skipped (39, 56, 73): 42 ties.
    expect(echo(0.1)).toMatchObject({ items: 42, judgeWins: 42, humanWins: 42, pValue: 0, rejected: true });
    expect(echo(0).pValue).toBeNaN();
    expect(echo(0).rejected).toBe(false);
  });

  it("the report's path (humans laid out from item rows in any order, tested against an array of the judge's values) matches the notebook", () => {
    const rng = mulberry32(3);
    for (const metric of ['accuracy', 'neg_rmse'] as const) {
      const { humans, llm, results } = synthetic[metric];
      const data = toData(humans, llm);
      // Each item's labels as rows, the humans shuffled within each row (the report's rows are in label order).
      const nItems = Math.max(...data.humans.flatMap((h) => [...h.items])) + 1;
      const byItem = Array.from({ length: nItems }, () => [] as [number, number][]);
      data.humans.forEach((h, r) => h.items.forEach((u, k) => byItem[u]!.push([r, h.values[k]!])));
      for (const row of byItem) row.sort(() => rng() - 0.5);
      const start = Int32Array.from({ length: nItems + 1 }, (_, u) => byItem.slice(0, u).reduce((n, row) => n + row.length, 0));
      const layout = altTestLayoutFromRows(data.humans.map((h) => h.id), { start, rater: Int32Array.from(byItem.flat(), ([r]) => r), value: Float64Array.from(byItem.flat(), ([, v]) => v) }, metric);
      // The layout of the humans' labels with each human's items in ascending order, bit for bit.
      const ascending = data.humans.map((h) => {
        const order = Array.from(h.items.keys()).sort((a, b) => h.items[a]! - h.items[b]!);
        return { id: h.id, items: Int32Array.from(order, (k) => h.items[k]!), values: Float64Array.from(order, (k) => h.values[k]!) };
      });
      expect(layout).toEqual(altTestLayout(ascending, metric));
      const judge = new Float64Array(nItems).fill(NaN);
      for (const [u, v] of data.judge as Map<number, number>) if (u < nItems) judge[u] = v;
      for (const ref of results) {
        const result = expectSame(altTestOnLayout(layout, judge, { epsilon: ref.epsilon }), ref);
        expect(result.items).toBe(ref.items);
        expect(altTest({ humans: data.humans, judge }, { epsilon: ref.epsilon, metric })).toEqual(altTest(data, { epsilon: ref.epsilon, metric }));
      }
    }
    const twice = { start: Int32Array.from([0, 2]), rater: Int32Array.from([0, 0]), value: Float64Array.from([1, 2]) };
    expect(() => altTestLayoutFromRows(['a'], twice, 'accuracy')).toThrow('twice');
  });

  it('lowering minItems tests the annotator the default skips', () => {
    const { humans, llm } = synthetic.accuracy;
    const r = altTest(toData(humans, llm), { epsilon: 0.1, metric: 'accuracy', minItems: 19 });
    expect('reason' in r ? [] : r.perAnnotator.map((a) => [a.annotator, a.items])).toContainEqual(['few', 19]);
  });
});

describe('altTest when the data is too thin', () => {
  const human = (id: string, items: number[], values: number[]) => ({ id, items: Int32Array.from(items), values: Float64Array.from(values) });
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);

  it('gives a reason when no item has two humans and the judge', () => {
    const judge = new Map(range(40).map((i) => [i, 1]));
    const r = altTest({ humans: [human('a', range(40), range(40).map(() => 1)), human('b', [100], [1])], judge }, { epsilon: 0.1, metric: 'accuracy' });
    expect(r).toEqual({ reason: expect.stringContaining('two humans') });
  });

  it('gives a reason when two humans share items the judge did not label', () => {
    const r = altTest({ humans: [human('a', range(40), range(40)), human('b', range(40), range(40))], judge: new Map([[99, 1]]) }, { epsilon: 0.1, metric: 'accuracy' });
    expect('reason' in r).toBe(true);
  });

  it('gives a reason when no human has minItems items', () => {
    const judge = new Map(range(29).map((i) => [i, i % 3]));
    const data = { humans: ['a', 'b', 'c'].map((id) => human(id, range(29), range(29).map((i) => i % 2))), judge };
    expect(altTest(data, { epsilon: 0.1, metric: 'accuracy' })).toEqual({ reason: expect.stringContaining('30 items') });
    const r = altTest(data, { epsilon: 0.1, metric: 'accuracy', minItems: 29 });
    expect('reason' in r ? r.reason : r.annotators).toBe(3);
  });

  it('rejects a human labelling one item twice, and items and values of different lengths', () => {
    const judge = new Map([[0, 1]]);
    expect(() => altTest({ humans: [human('a', [0, 0], [1, 2])], judge }, { epsilon: 0.1, metric: 'accuracy' })).toThrow('twice');
    expect(() => altTest({ humans: [human('a', [0, 1], [1])], judge }, { epsilon: 0.1, metric: 'accuracy' })).toThrow('length');
  });
});

describe('benjaminiYekutieli', () => {
  // The 15 p-values of Benjamini & Hochberg (1995, §4.1). BY (Benjamini & Yekutieli 2001, Thm 1.3) with
  // c(15) = Σ 1/i = 3.3182: at q = 0.05 the thresholds k·0.05/(15·3.3182) = k·0.0010046 pass p₍₁₎…p₍₃₎ (0.0019 ≤
  // 0.0030) but not p₍₄₎ = 0.0095 > 0.0040 nor any later; at q = 0.2 (k·0.0040182) p₍₄₎ = 0.0095 ≤ 0.0161 passes,
  // p₍₅₎ = 0.0201 > 0.02009 does not. The notebook's by_procedure and statsmodels 0.13.5's
  // multipletests(p, alpha=q, method='fdr_by') give the same sets ({0,1,2} and {0,1,2,3}), as they do the two below.
  const bh95 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1];
  const rejectedAt = (p: number[], q: number) => benjaminiYekutieli(p, q).flatMap((r, i) => (r ? [i] : []));

  it('rejects the hand-computed sets on Benjamini & Hochberg\'s example', () => {
    expect(rejectedAt(bh95, 0.05)).toEqual([0, 1, 2]);
    expect(rejectedAt(bh95, 0.2)).toEqual([0, 1, 2, 3]);
  });
  it('answers in input order whatever the order of the p-values', () => {
    // by_procedure([0.0278, 0.0001, 1.0, 0.0019, 0.0004], 0.05) → [1, 3, 4]; multipletests(…, method='fdr_by') agrees.
    expect(rejectedAt([0.0278, 0.0001, 1, 0.0019, 0.0004], 0.05)).toEqual([1, 3, 4]);
  });
  it('steps up: a smaller p-value over its threshold is rejected with a larger one under its own', () => {
    // m = 2, c = 1.5: thresholds 0.01667 and 0.03333; 0.02 fails the first, 0.03 passes the second → both.
    expect(benjaminiYekutieli([0.03, 0.02], 0.05)).toEqual([true, true]);
    expect(benjaminiYekutieli([0.04, 0.02], 0.05)).toEqual([false, false]);
  });
  it('counts a NaN p-value in m but never rejects it (by_procedure([nan, 0.001], 0.05) → [1])', () => {
    expect(benjaminiYekutieli([NaN, 0.001], 0.05)).toEqual([false, true]);
    expect(benjaminiYekutieli([NaN, 0.02], 0.05)).toEqual([false, false]);
  });
  it('handles no hypotheses', () => {
    expect(benjaminiYekutieli([], 0.05)).toEqual([]);
  });
});

describe('oneSidedTTestP', () => {
  const d = [1, 0, 0, -1, 1, 0, -1, -1, 0, 0, 0, 1, -1, -1, 0];
  const close = (got: number, want: number) => expect(Math.abs(got / want - 1)).toBeLessThan(1e-12);

  it("matches scipy.stats.ttest_1samp(d, ε, alternative='less') and 1 − its 'greater' p", () => {
    // python3 -c "from scipy.stats import ttest_1samp; print(ttest_1samp(d, e, alternative='less').pvalue)" (scipy 1.17.1)
    close(oneSidedTTestP(d, 0.1), 0.12206137665111574);
    close(oneSidedTTestP(d, 0.2), 0.05216168990088516);
    close(oneSidedTTestP(d, -0.3), 0.8001204855145361);
    close(1 - oneSidedTTestP(d, 0.1), 0.8779386233488843); // alternative='greater'
    close(1 - oneSidedTTestP(d, -0.3), 0.19987951448546387);
    close(oneSidedTTestP([2.5, 1.25, -0.75, 3.0, 0.5, 1.0], 0.2), 0.9413911837475464);
    const skewed = [...Array<number>(60).fill(-1), ...Array<number>(30).fill(0), ...Array<number>(5).fill(1)];
    expect(Math.abs(oneSidedTTestP(skewed, 0.1) / 3.531969783606752e-19 - 1)).toBeLessThan(1e-9);
  });
  it('follows scipy when the differences do not vary: 0 below ε, 1 above, NaN at ε or with one item', () => {
    expect(oneSidedTTestP(new Array<number>(40).fill(0), 0.2)).toBe(0);
    expect(oneSidedTTestP(new Array<number>(40).fill(-1), 0.2)).toBe(0);
    expect(oneSidedTTestP(new Array<number>(40).fill(1), 0.2)).toBe(1);
    expect(oneSidedTTestP(new Array<number>(40).fill(0), 0)).toBeNaN();
    expect(oneSidedTTestP([0], 0.1)).toBeNaN();
  });
});
