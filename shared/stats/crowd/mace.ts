/**
 * MACE, Hovy, Berg-Kirkpatrick, Vaswani & Hovy (2013), "Learning Whom to Trust with MACE", NAACL-HLT 1120–1130.
 * Each annotator a either knows the item's true class (with probability ξ_a) and gives it, or spams: draws a class
 * from its own strategy θ_a. Fitted as the authors' release does it by default (dirkhovy/MACE, src/edu/isi/MACE.java
 * and mace.py at commit 10f231ee): Variational Bayes EM with a Beta(α, β) = Beta(0.5, 0.5) prior on spamming and
 * knowing and a symmetric Dirichlet(10) on each strategy, a uniform class prior, 10 random restarts of 50
 * iterations each (parameters started at 1 + 0.5·U(0, 1) per entry, rows normalised), and the restart with the
 * highest log marginal likelihood kept. Control items clamp the item's class: a vote that disagrees with the control
 * counts wholly as spam (the release's `EStep(controls)`). Competence is the release's `.competence` output, the
 * knowing weight ξ_a = exp ψ(n_know + β) / exp ψ(n + α + β).
 *
 * Speed: the release multiplies, for each item and each class l, every vote's s0·θ[c] + [l = c]·s1 (O(votes·K)).
 * Here that product factors as G·R_l with G = Π s0·θ[c] and R_l = Π_{votes of class l} (s0·θ[c] + s1)/(s0·θ[c]),
 * and the expected counts of a (worker, class) pair are its votes' posteriors summed once, times a per-pair factor,
 * so an E-step is two passes over the votes and K + 1 over the items, all restarts side by side (mace-estep.ts).
 * A restart also stops early, before its 50 iterations (the release always runs 50), once its log marginal
 * likelihood changes by less than 1e-9 of itself and no parameter moved by 1e-4 in the iteration. The second
 * condition matters: that likelihood is not the variational bound the EM climbs, and it can rise, peak and fall
 * while the parameters still move. On the synthetic binary crowd (test/fixtures/crowd) it peaks near iteration 24
 * while competences still move 1.5e-3 per iteration, and the likelihood test alone at 1e-6 (or 1e-8 on the
 * temporal data) stops there, 0.016–0.018 away from the release's competences. With both conditions every
 * reference run keeps the release's predictions (test/fixtures/crowd/README.md).
 */
import digamma from '@stdlib/math-base-special-digamma';
import { mulberry32, type Rng } from '../random';
import { eStep, restarts as sideBySide, type Restarts } from './mace-estep';
import type { CrowdFit, CrowdInput, CrowdOptions } from './types';
import { decode, emptyFit, groupVotes } from './votes';

// Read once: under jest's sandbox every lookup of the global `Math` costs about a microsecond (shared/stats/random.ts).
const { abs, exp, max } = Math;

/** The release's defaults (MACE.java: DEFAULT_RR, DEFAULT_ITERATIONS, DEFAULT_NOISE, DEFAULT_ALPHA/BETA, strategy prior). */
export const MACE_DEFAULTS = { restarts: 10, iterations: 50, noise: 0.5, alpha: 0.5, beta: 0.5, strategyPrior: 10, seed: 1 } as const;
/**
 * A restart stops once its log marginal likelihood changes by less than `likelihood` × itself and no parameter
 * (the guessing and knowing weights, θ) moved by `parameters` in the iteration.
 */
export const MACE_TOLERANCE = { likelihood: 1e-9, parameters: 1e-4 } as const;

/** The fit with the model's parameters (classes are the input's codes that occur, in code order: `classOf`). */
export interface MaceFit extends CrowdFit {
  classOf: Int32Array;
  /** Per worker: the guessing and knowing weights at `2w` and `2w + 1` (variational, so they need not sum to 1). */
  spamming: Float64Array;
  /** Per worker: the spamming strategy over classes at `w·K + k`. */
  thetas: Float64Array;
  /** Posterior per item and class at `i·K + k` (0 for an item with no vote). */
  probas: Float64Array;
  /** The kept restart's log marginal likelihood, and which restart it was (1-based, as the release prints it). */
  logLikelihood: number;
  restart: number;
  /** E-steps after the first, per restart (≤ iterations). */
  iterations: Int32Array;
}

/** Fits MACE; every item with a vote gets its most probable class (ties to the lowest code). */
export function mace(input: CrowdInput, options: CrowdOptions = {}): MaceFit {
  const restarts = options.restarts ?? MACE_DEFAULTS.restarts;
  const iterations = options.iterations ?? MACE_DEFAULTS.iterations;
  const alpha = options.alpha ?? MACE_DEFAULTS.alpha;
  const beta = options.beta ?? MACE_DEFAULTS.beta;
  const g = groupVotes(input);
  const { k, nItems, nWorkers } = g;
  const fit: MaceFit = {
    ...emptyFit('mace', nItems, nWorkers),
    classOf: g.classOf,
    spamming: new Float64Array(nWorkers * 2),
    thetas: new Float64Array(nWorkers * k),
    probas: new Float64Array(nItems * k),
    logLikelihood: -Infinity,
    restart: 0,
    iterations: new Int32Array(restarts),
  };
  if (g.code.length === 0 || restarts < 1) return fit;
  // The restarts side by side, one pass over the votes serving all of them; each from its own draws of the one
  // seeded stream, in the release's order, so the result is that of running them one after another.
  const m = sideBySide(g, restarts);
  const rng = mulberry32(options.seed ?? MACE_DEFAULTS.seed);
  for (let r = 0; r < restarts; r++) initialise(m, r, rng);
  eStep(m, null);
  const active = new Uint8Array(restarts).fill(1);
  for (let t = 1, left = restarts; t <= iterations && left > 0; t++) {
    const before = { spamming: m.spamming.slice(), thetas: m.thetas.slice(), ll: m.ll.slice() };
    for (let r = 0; r < restarts; r++) if (active[r]) mStep(m, r, alpha, beta);
    eStep(m, null);
    for (let r = 0; r < restarts; r++) {
      if (!active[r]) continue;
      fit.iterations[r] = t;
      const change = abs(m.ll[r]! - before.ll[r]!);
      if (change < MACE_TOLERANCE.likelihood * abs(m.ll[r]!) && moved(m, before, r) < MACE_TOLERANCE.parameters) {
        active[r] = 0;
        left--;
      }
    }
  }
  // The first restart with the highest likelihood, as the release keeps it; then its posteriors (the release's final E-step).
  for (let r = 0; r < restarts; r++) if (m.ll[r]! > fit.logLikelihood) [fit.logLikelihood, fit.restart] = [m.ll[r]!, r + 1];
  const best = sideBySide(g, 1);
  best.spamming.set(m.spamming.subarray((fit.restart - 1) * nWorkers * 2, fit.restart * nWorkers * 2));
  best.thetas.set(m.thetas.subarray((fit.restart - 1) * nWorkers * k, fit.restart * nWorkers * k));
  eStep(best, fit.probas);
  fit.spamming.set(best.spamming);
  fit.thetas.set(best.thetas);
  decode(g, fit.probas, fit);
  for (let w = 0; w < nWorkers; w++) {
    if (g.votes[w] === 0) continue;
    fit.competence[w] = fit.spamming[2 * w + 1]!;
    fit.spammer[w] = fit.competence[w]! < 0.5 ? 1 : 0;
  }
  return fit;
}

/** The largest change of restart r's parameters since `before`. */
function moved(m: Restarts, before: { spamming: Float64Array; thetas: Float64Array }, r: number): number {
  const { k, nWorkers } = m.g;
  let most = 0;
  for (let x = r * nWorkers * 2; x < (r + 1) * nWorkers * 2; x++) most = max(most, abs(m.spamming[x]! - before.spamming[x]!));
  for (let x = r * nWorkers * k; x < (r + 1) * nWorkers * k; x++) most = max(most, abs(m.thetas[x]! - before.thetas[x]!));
  return most;
}

/** MACE.java `initialize(noise)` for restart r: every entry 1 + 0.5·U(0, 1), in the release's draw order, rows normalised. */
function initialise(m: Restarts, r: number, rng: Rng): void {
  const { k, nWorkers } = m.g;
  for (let w = 0; w < nWorkers; w++) {
    const s0 = 1 + MACE_DEFAULTS.noise * rng();
    const s1 = 1 + MACE_DEFAULTS.noise * rng();
    const at = (r * nWorkers + w) * 2;
    m.spamming[at] = s0 / (s0 + s1);
    m.spamming[at + 1] = s1 / (s0 + s1);
    const row = r * nWorkers * k + w * k;
    let sum = 0;
    for (let c = 0; c < k; c++) sum += m.thetas[row + c] = 1 + MACE_DEFAULTS.noise * rng();
    for (let c = 0; c < k; c++) m.thetas[row + c]! /= sum;
  }
}

/**
 * MACE.java `variationalMStep` for restart r: each row of expected counts plus its prior, mapped through exp ψ(·)
 * and divided by exp ψ(row total). A vote (worker w, class c) with posterior p on c counts p·s1/(s0·θ[c] + s1) as
 * knowing and the rest as spamming with class c, so the counts come from the E-step's per-pair sums of posteriors.
 */
function mStep(m: Restarts, r: number, alpha: number, beta: number): void {
  const { g, n, spamming, thetas, know, agree, pairVotes } = m;
  const { k, nWorkers } = g;
  const prior = MACE_DEFAULTS.strategyPrior;
  for (let w = 0; w < nWorkers; w++) {
    let knowing = 0;
    let strategyTotal = 0;
    const row = r * nWorkers * k + w * k;
    for (let c = 0; c < k; c++) {
      const x = w * k + c;
      const known = agree[x * n + r]! * know[x * n + r]!;
      knowing += known;
      thetas[row + c] = pairVotes[x]! - known + prior;
      strategyTotal += thetas[row + c]!;
    }
    const guessing = g.votes[w]! - knowing;
    const at = (r * nWorkers + w) * 2;
    const spamNorm = exp(digamma(guessing + alpha + knowing + beta));
    spamming[at] = exp(digamma(guessing + alpha)) / spamNorm;
    spamming[at + 1] = exp(digamma(knowing + beta)) / spamNorm;
    const strategyNorm = exp(digamma(strategyTotal));
    for (let c = 0; c < k; c++) thetas[row + c] = exp(digamma(thetas[row + c]!)) / strategyNorm;
  }
}
