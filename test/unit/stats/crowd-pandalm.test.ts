/**
 * MACE and Dawid–Skene on real, licensed crowd data: the three human annotators of the PandaLM test set (999
 * pairwise items, labels 0 = tie, 1, 2; Apache-2.0, test/fixtures/pandalm), against the MACE release's outputs
 * (Hovy et al. 2013; ten unseeded runs, the best run's `.prediction`, `.competence` and `--distribution` output)
 * and crowd-kit's DawidSkene, without and with controls (every 10th three-way-unanimous item carries its label).
 * test/fixtures/crowd/pandalm-reference.py made the reference (commands and coding in README.md there).
 *
 * PandaLM has no truth apart from these annotators, so this checks that the models are computed as their
 * reference implementations compute them, not that they recover a truth (the synthetic crowds, and the opt-in
 * Snow et al. 2008 data in crowd-snow2008.test.ts, do that). The release's printed accuracy is against the majority
 * of the three: it printed 1.0 in every run, and crowd-kit's labels are the majority too.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { dawidSkene } from '../../../shared/stats/crowd/dawid-skene';
import { mace } from '../../../shared/stats/crowd/mace';
import type { CrowdInput } from '../../../shared/stats/crowd/types';

interface Row { annotator1: number; annotator2: number; annotator3: number }
interface ModeReference {
  mace: { runs: number; accuracy: Record<string, number>; logLikelihood: number; prediction: number[]; competence: number[]; posterior: number[] };
  dawidSkene: { iterations: number; label: number[]; probas: number[][]; priors: number[]; competence: number[]; errors: number[][][] };
}
interface Reference { items: number; unanimous: number; controlItems: number; plain: ModeReference; controls: ModeReference }

const fixtures = join(__dirname, '../../fixtures');
const rows = JSON.parse(readFileSync(join(fixtures, 'pandalm/testset-v1.json'), 'utf8')) as Row[];
const ref = JSON.parse(readFileSync(join(fixtures, 'crowd/pandalm-reference.json'), 'utf8')) as Reference;

/** Worker w = annotator w + 1, class = the label's code; controls on every 10th unanimous item (as the reference). */
function pandalmInput(withControls: boolean): { input: CrowdInput; majority: Int32Array; controlled: number[] } {
  const n = rows.length;
  const item = new Int32Array(3 * n);
  const worker = new Int32Array(3 * n);
  const code = new Int32Array(3 * n);
  const controls = new Int32Array(n).fill(-1);
  const majority = new Int32Array(n);
  const controlled: number[] = [];
  let unanimous = 0;
  rows.forEach((r, i) => {
    const labels = [r.annotator1, r.annotator2, r.annotator3];
    labels.forEach((c, w) => {
      item[3 * i + w] = i;
      worker[3 * i + w] = w;
      code[3 * i + w] = c;
    });
    majority[i] = labels[0] === labels[1] || labels[0] === labels[2] ? labels[0]! : labels[1]!;
    if (labels[0] === labels[1] && labels[1] === labels[2]) {
      if (unanimous % 10 === 0) {
        controls[i] = labels[0]!;
        controlled.push(i);
      }
      unanimous++;
    }
  });
  const input: CrowdInput = { nItems: n, nWorkers: 3, nClasses: 3, n: 3 * n, item, worker, code, ...(withControls ? { controls } : {}) };
  return { input, majority, controlled };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let d = 0;
  for (let i = 0; i < b.length; i++) d = Math.max(d, Math.abs(a[i]! - b[i]!));
  return d;
};

describe.each(['plain', 'controls'] as const)('crowd models on the PandaLM test set’s annotators (%s)', (mode) => {
  const { input, majority, controlled } = pandalmInput(mode === 'controls');
  const r = ref[mode];

  test('the fixture is the one the reference was made from: 999 items, 879 unanimous, 88 controls', () => {
    expect([rows.length, controlled.length]).toEqual([ref.items, ref.controlItems]);
    expect(rows.filter((x) => x.annotator1 === x.annotator2 && x.annotator2 === x.annotator3)).toHaveLength(ref.unanimous);
  });

  test('MACE predicts what the release predicts on every item, and agrees with the majority as the release printed', () => {
    const fit = mace(input, { seed: 1 });
    expect(Array.from(fit.label).flatMap((c, i) => (c === r.mace.prediction[i] ? [] : [i]))).toEqual([]);
    expect(r.mace.accuracy).toEqual({ '1.0': r.mace.runs });
    expect(maxDiff(fit.label, majority)).toBe(0);
  });

  test('MACE competences, posteriors and log likelihood are the release’s best run’s', () => {
    const fit = mace(input, { seed: 1 });
    // Measured: competences within 2.1e-8, posteriors within 2.6e-8, log likelihood within 2e-6.
    expect(maxDiff(fit.competence, r.mace.competence)).toBeLessThan(1e-6);
    expect(maxDiff(fit.posterior, r.mace.posterior)).toBeLessThan(1e-6);
    expect(Math.abs(fit.logLikelihood - r.mace.logLikelihood)).toBeLessThan(1e-4);
    expect(Array.from(fit.spammer)).toEqual([0, 0, 0]);
    if (mode === 'controls') expect(controlled.filter((i) => !(Math.abs(fit.posterior[i]! - 1) < 1e-12))).toEqual([]);
  });

  test('Dawid–Skene gives crowd-kit’s labels, iterations, posteriors, priors, error matrices and competences', () => {
    const fit = dawidSkene(input);
    const d = r.dawidSkene;
    expect(fit.iterations).toBe(d.iterations);
    expect(Array.from(fit.label)).toEqual(d.label);
    expect(maxDiff(fit.label, majority)).toBe(0);
    // Measured: posteriors within 1e-10, the rest within 5e-13 (the reference is rounded to 12 digits).
    expect(maxDiff(fit.probas, d.probas.flat())).toBeLessThan(1e-8);
    expect(maxDiff(fit.priors, d.priors)).toBeLessThan(1e-10);
    expect(maxDiff(fit.competence, d.competence)).toBeLessThan(1e-10);
    // Ours at (w·K + observed)·K + true, crowd-kit's errors[w][observed][true].
    expect(maxDiff(fit.errors, d.errors.flat(2))).toBeLessThan(1e-10);
  });
});
