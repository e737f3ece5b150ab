/**
 * The posterior adaptive redundancy's `stop: "posterior"` reads (shared/stats/crowd/posterior.ts): by hand against
 * Dawid & Skene (1979) eq. 2.5 and MACE's E-step, and against the fits themselves on the committed crowds
 * (test/fixtures/crowd): with every vote in, a snapshot of a fit gives each item the fit's own posterior, which for
 * Dawid–Skene is crowd-kit's `probas_` (reference.json, README.md there).
 */
import { join } from 'node:path';
import { dawidSkene } from '../../../shared/stats/crowd/dawid-skene';
import { mace } from '../../../shared/stats/crowd/mace';
import { majority } from '../../../shared/stats/crowd/majority';
import { modelOf, oneCoinPosterior, PosteriorModel, priorPosterior, type PosteriorModelData } from '../../../shared/stats/crowd/posterior';
import type { CrowdInput } from '../../../shared/stats/crowd/types';
import { readMace, readReference } from '../../fixtures/crowd/mace-csv';

const dir = join(__dirname, '../../fixtures/crowd');

/** Each item's votes as (annotator ids, values), from the crowd input (worker index = annotator id). */
function votesByItem(input: CrowdInput, classes: readonly string[]): Array<{ workers: number[]; keys: string[] }> {
  const out = Array.from({ length: input.nItems }, () => ({ workers: [] as number[], keys: [] as string[] }));
  for (let v = 0; v < input.n; v++) {
    out[input.item[v]!]!.workers.push(input.worker[v]!);
    out[input.item[v]!]!.keys.push(classes[input.code[v]!]!);
  }
  return out;
}
const ids = (n: number) => Array.from({ length: n }, (_, w) => w);

describe('posterior: by hand', () => {
  // Two classes, π = (0.6, 0.4); θ_w[obs | true] at (w·K + obs)·K + true.
  // Annotator 0: θ[0|0] 0.8, θ[0|1] 0.3, θ[1|0] 0.2, θ[1|1] 0.7. Annotator 1: θ[0|0] 0.9, θ[0|1] 0.4, θ[1|0] 0.1, θ[1|1] 0.6.
  const ds = new PosteriorModel({
    method: 'dawid-skene',
    classes: ['no', 'yes'],
    votes: 0,
    annotators: [10, 11],
    priors: Float64Array.of(0.6, 0.4),
    errors: Float64Array.of(0.8, 0.3, 0.2, 0.7, 0.9, 0.4, 0.1, 0.6),
  } satisfies PosteriorModelData);

  test('Dawid–Skene eq. 2.5: p(T = c | votes) ∝ π_c Π θ_w[obs | c]', () => {
    // 0 says no, 1 says yes: T=no ∝ 0.6·0.8·0.1 = 0.048, T=yes ∝ 0.4·0.3·0.6 = 0.072; the top class yes has 0.072/0.12.
    expect(ds.posterior([10, 11], ['no', 'yes'])).toBeCloseTo(0.6, 14);
    // Both say no: 0.6·0.8·0.9 = 0.432 against 0.4·0.3·0.4 = 0.048.
    expect(ds.posterior([10, 11], ['no', 'no'])).toBeCloseTo(0.432 / 0.48, 14);
  });

  test('an annotator the snapshot does not know gets the mean confusion matrix', () => {
    // Mean θ[yes | ·] = (0.15, 0.65): T=no ∝ 0.6·0.15 = 0.09, T=yes ∝ 0.4·0.65 = 0.26.
    expect(ds.knows(99)).toBe(false);
    expect(ds.posterior([99], ['yes'])).toBeCloseTo(0.26 / 0.35, 14);
  });

  test('a value the snapshot never saw falls back to the prior model for the item', () => {
    expect(ds.posterior([10, 11], ['no', 'maybe'])).toBe(priorPosterior(['no', 'maybe']));
    expect(ds.posterior([], [])).toBeNaN();
  });

  test('MACE: p(T = c | votes) ∝ Π (s0·ξ[obs] + s1·[obs = c])', () => {
    const m = new PosteriorModel({ method: 'mace', classes: ['no', 'yes'], votes: 0, annotators: [1, 2], spamming: Float64Array.of(0.2, 0.8, 0.6, 0.4), thetas: Float64Array.of(0.5, 0.5, 0.9, 0.1) });
    // Annotator 1 says no: T=no ∝ 0.2·0.5 + 0.8 = 0.9, T=yes ∝ 0.1.
    expect(m.posterior([1], ['no'])).toBeCloseTo(0.9, 14);
    // Annotator 2 says yes too: T=no ∝ 0.9·0.06 = 0.054; T=yes ∝ 0.1·(0.06 + 0.4) = 0.046.
    expect(m.posterior([1, 2], ['no', 'yes'])).toBeCloseTo(0.054 / 0.1, 14);
  });

  test('the one-coin model (majority, and the prior before any snapshot)', () => {
    // Two agreeing votes at a = 0.7 over 2 classes: 0.49 / (0.49 + 0.09).
    expect(priorPosterior(['A', 'A'])).toBeCloseTo(0.49 / 0.58, 14);
    // Over 3 classes, 2 for A, 1 for B at a = 0.8: A ∝ 0.64·0.1, B ∝ 0.8·0.01, tie ∝ 0.001.
    expect(oneCoinPosterior([2, 1], 0.8, 3)).toBeCloseTo(0.064 / (0.064 + 0.008 + 0.001), 14);
    const m = new PosteriorModel({ method: 'majority', classes: ['A', 'B', 'tie'], votes: 0, accuracy: 0.8 });
    expect(m.posterior([1, 2, 3], ['A', 'B', 'A'])).toBeCloseTo(0.064 / 0.073, 14);
  });
});

describe('posterior: a snapshot of a fit gives the fit’s own posteriors with every vote in', () => {
  const data = readMace(dir, 'synthetic-pairwise');
  const items = votesByItem(data.input, data.classes);

  test('Dawid–Skene on synthetic-pairwise: crowd-kit’s posterior for every item, within 1e-9', () => {
    const ref = readReference(dir)['synthetic-pairwise']!.plain.dawidSkene;
    const fit = dawidSkene(data.input);
    const model = new PosteriorModel(modelOf(fit, data.input, data.classes, ids(data.input.nWorkers)));
    const worst = items.reduce((w, it, i) => Math.max(w, Math.abs(model.posterior(it.workers, it.keys) - ref.posterior[i]!)), 0);
    expect(worst).toBeLessThan(1e-9);
  });

  test('MACE on synthetic-pairwise: the fit’s posterior for every item, within 1e-9', () => {
    const fit = mace(data.input, { seed: 1 });
    const model = new PosteriorModel(modelOf(fit, data.input, data.classes, ids(data.input.nWorkers)));
    const worst = items.reduce((w, it, i) => Math.max(w, Math.abs(model.posterior(it.workers, it.keys) - fit.posterior[i]!)), 0);
    expect(worst).toBeLessThan(1e-9);
  });

  test('majority: the pooled accuracy is each vote against the plurality of its item’s other votes, add-one', () => {
    const fit = majority(data.input);
    const m = modelOf(fit, data.input, data.classes, ids(data.input.nWorkers));
    let agree = 0;
    let n = 0;
    for (const it of items) {
      it.keys.forEach((key, j) => {
        const counts = new Map<string, number>();
        it.keys.forEach((k, i) => i !== j && counts.set(k, (counts.get(k) ?? 0) + 1));
        if (counts.size === 0) return;
        const top = Math.max(...counts.values());
        const winners = [...counts].filter(([, c]) => c === top);
        if (winners.length > 1) return;
        n++;
        if (winners[0]![0] === key) agree++;
      });
    }
    expect(n).toBeGreaterThan(1000);
    expect(m).toMatchObject({ method: 'majority', accuracy: (agree + 1) / (n + 2), classes: ['A', 'B', 'tie'] });
  });

  test('majority: coin-flipping annotators are not taken for reliable ones (two agreeing flips do not reach 0.95)', () => {
    // 3,000 items of two classes, 1–3 votes each, every vote a fair coin: a vote agrees with its item's other votes
    // half the time, so the pooled accuracy is about 0.5 (counting a vote against a plurality it made gave 0.85).
    let seed = 7;
    const rng = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const item: number[] = [];
    const code: number[] = [];
    const worker: number[] = [];
    for (let i = 0; i < 3000; i++) for (let v = 0, k = 1 + (i % 3); v < k; v++) (item.push(i), code.push(rng() < 0.5 ? 0 : 1), worker.push(v));
    const input: CrowdInput = { n: item.length, nItems: 3000, nWorkers: 3, nClasses: 2, item: Int32Array.from(item), worker: Int32Array.from(worker), code: Int32Array.from(code) };
    const model = modelOf(majority(input), input, ['A', 'B'], [1, 2, 3]);
    expect(model.method === 'majority' && Math.abs(model.accuracy - 0.5)).toBeLessThan(0.03);
    expect(new PosteriorModel(model).posterior([1, 2], ['A', 'A'])).toBeLessThan(0.6);
  });
});
