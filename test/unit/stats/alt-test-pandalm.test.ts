/**
 * The alt-test (Calderon, Reichart & Dror 2025) on licensed real data in the repository: the PandaLM human-annotated
 * test set (test/fixtures/pandalm, Apache-2.0; 999 pairwise items, three human annotators, and the verdicts of the
 * gpt-3.5-turbo and PandaLM-7B judges), against test/fixtures/alt-test/pandalm-reference.json: the authors' own
 * `alt_test` (alt_test_example.ipynb of github.com/nitaytech/AltTest at 18428b1f4f34ac61c4978bc180263b90111e7337,
 * code cells 1–2 exec'd unchanged, python 3.11.7, numpy 2.4.6, scipy 1.17.1) run by
 * test/fixtures/alt-test/pandalm-reference.py on the same files; the exact commands are in the JSON and the README.
 * Counting the garbage verdicts as ties instead would move gpt-3.5-turbo's ρ by 1.9 %, so the mapping is tested too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { altTest, type AltTestData } from '../../../shared/stats/alt-test';

const fixtures = join(__dirname, '../../fixtures');
const read = <T>(file: string): T => JSON.parse(readFileSync(join(fixtures, file), 'utf8')) as T;

interface RefAnnotator { annotator: string; items: number; judgeWins: number; humanWins: number; pValue: number; rejected: boolean }
interface RefRun {
  judge: 'gpt-3.5-turbo' | 'pandalm-7b';
  epsilon: number;
  printed: string;
  winningRate: number;
  advantageProbability: number;
  passed: boolean;
  perAnnotator: RefAnnotator[];
}

const HUMANS = ['annotator1', 'annotator2', 'annotator3'] as const;
/**
 * gpt-3.5-turbo's verdicts as the codes of the humans' labels (0 tie, 1, 2). Its 25 unparseable outputs ("garbage")
 * become 3, a code no human uses, as the reference turns them into the string 'garbage': an invalid verdict that
 * matches nobody, so it scores 0 and the human wins the item (the judge only ties a human who also matches nobody).
 */
const GPT: Record<string, number> = { '1': 1, '2': 2, Tie: 0, garbage: 3 };

function pandalmData(judgeName: RefRun['judge']): AltTestData {
  const testset = read<({ idx: number } & Record<(typeof HUMANS)[number], number>)[]>('pandalm/testset-v1.json');
  const judge =
    judgeName === 'gpt-3.5-turbo'
      ? read<{ idx: number; gpt_result: string }[]>('pandalm/gpt-3.5-turbo-testset-v1.json').map((r) => [r.idx, GPT[r.gpt_result]!] as const)
      : read<{ idx: number; pandalm_result: number }[]>('pandalm/pandalm-7b-testset-v1.json').map((r) => [r.idx, r.pandalm_result] as const);
  return {
    humans: HUMANS.map((id) => ({ id, items: Int32Array.from(testset, (r) => r.idx), values: Float64Array.from(testset, (r) => r[id]) })),
    judge: new Map(judge),
  };
}

const relative = (got: number, want: number) => (want === 0 ? Math.abs(got) : Math.abs(got / want - 1));

describe('altTest on the PandaLM test set (three annotators on all 999 items) against the authors\' notebook', () => {
  const { runs } = read<{ runs: RefRun[] }>('alt-test/pandalm-reference.json');
  const data = { 'gpt-3.5-turbo': pandalmData('gpt-3.5-turbo'), 'pandalm-7b': pandalmData('pandalm-7b') };

  it('covers both judges at ε = 0.2, 0.1 and 0.3, with verdicts both ways', () => {
    expect(runs.map((r) => `${r.judge} ${r.epsilon}`).sort()).toEqual(
      ['gpt-3.5-turbo 0.1', 'gpt-3.5-turbo 0.2', 'gpt-3.5-turbo 0.3', 'pandalm-7b 0.1', 'pandalm-7b 0.2', 'pandalm-7b 0.3'],
    );
    expect(new Set(runs.map((r) => r.passed))).toEqual(new Set([true, false]));
  });

  for (const ref of runs) {
    it(`${ref.judge}, ε = ${ref.epsilon}: ω, ρ, every annotator's wins, p-value and rejection, and the printed line`, () => {
      const result = altTest(data[ref.judge], { epsilon: ref.epsilon, metric: 'accuracy' });
      if ('reason' in result) throw new Error(result.reason);
      expect(result.winningRate).toBe(ref.winningRate);
      expect(relative(result.advantageProbability, ref.advantageProbability)).toBeLessThan(1e-12);
      expect(result.passed).toBe(ref.passed);
      expect(result.items).toBe(999);
      expect(result.annotators).toBe(3);
      result.perAnnotator.forEach((row, i) => {
        const want = ref.perAnnotator[i]!;
        expect({ ...row, pValue: 0 }).toEqual({ ...want, pValue: 0 });
        expect(relative(row.pValue, want.pValue)).toBeLessThan(1e-12); // measured: ≤ 9.6e-14 (stdlib vs scipy t CDF)
      });
      const verdict = result.passed ? 'PASSED' : 'FAILED';
      expect(`pandalm ${ref.judge} [${verdict}]:\tWinning Rate=${result.winningRate.toFixed(2)}\tAdvantage Probability=${result.advantageProbability.toFixed(2)}`).toBe(ref.printed);
    });
  }
});
