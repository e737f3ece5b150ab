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
 * so an E-step is two O(1) passes per vote plus O(K) per item. A restart also stops early, before its 50
 * iterations, once the log marginal likelihood changes by less than 1e-9 of itself (the release always runs 50):
 * on the release's test data this leaves its predictions unchanged (test/unit/stats/crowd-*.test.ts).
 */
import digamma from '@stdlib/math-base-special-digamma';
import { mulberry32, type Rng } from '../random';
import type { CrowdFit, CrowdInput, CrowdOptions } from './types';
import { decode, emptyFit, groupVotes, type GroupedVotes } from './votes';

/** The release's defaults (MACE.java: DEFAULT_RR, DEFAULT_ITERATIONS, DEFAULT_NOISE, DEFAULT_ALPHA/BETA, strategy prior). */
export const MACE_DEFAULTS = { restarts: 10, iterations: 50, noise: 0.5, alpha: 0.5, beta: 0.5, strategyPrior: 10, seed: 1 } as const;
/** A restart stops once |Δ log likelihood| < this × |log likelihood|. */
export const MACE_RELATIVE_TOLERANCE = 1e-9;

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

// Products are rescaled by 1e100: a running product times one item's factor stays within a double's range.
const SCALE = 1e100;
const LOG_SCALE = Math.log(SCALE);

/** Per restart: parameters, the expected counts' sums and the posteriors. */
interface Model {
  g: GroupedVotes;
  /** Per vote: its (worker, class) pair, w·K + c. */
  pair: Int32Array;
  /** Per pair: number of votes. */
  pairVotes: Float64Array;
  spamming: Float64Array;
  thetas: Float64Array;
  /** Per pair: s0·θ[c], (s0·θ[c] + s1)/(s0·θ[c]) and s1/(s0·θ[c] + s1). */
  guess: Float64Array;
  ratio: Float64Array;
  know: Float64Array;
  /** Per pair: Σ over its votes of the posterior of the vote's class. */
  agree: Float64Array;
  q: Float64Array;
}

/** Fits MACE; every item with a vote gets its most probable class (ties to the lowest code). */
export function mace(input: CrowdInput, options: CrowdOptions = {}): MaceFit {
  const restarts = options.restarts ?? MACE_DEFAULTS.restarts;
  const iterations = options.iterations ?? MACE_DEFAULTS.iterations;
  const alpha = options.alpha ?? MACE_DEFAULTS.alpha;
  const beta = options.beta ?? MACE_DEFAULTS.beta;
  const g = groupVotes(input);
  const { k, nItems, nWorkers } = g;
  const base = emptyFit('mace', nItems, nWorkers);
  const fit: MaceFit = {
    ...base,
    classOf: g.classOf,
    spamming: new Float64Array(nWorkers * 2),
    thetas: new Float64Array(nWorkers * k),
    probas: new Float64Array(nItems * k),
    logLikelihood: -Infinity,
    restart: 0,
    iterations: new Int32Array(restarts),
  };
  if (g.code.length === 0) return fit;
  const m = model(g);
  const rng = mulberry32(options.seed ?? MACE_DEFAULTS.seed);
  for (let r = 0; r < restarts; r++) {
    initialise(m, rng);
    let ll = eStep(m);
    let t = 0;
    while (t < iterations) {
      mStep(m, alpha, beta);
      const next = eStep(m);
      t++;
      const settled = Math.abs(next - ll) < MACE_RELATIVE_TOLERANCE * Math.abs(next);
      ll = next;
      if (settled) break;
    }
    fit.iterations[r] = t;
    if (ll > fit.logLikelihood) {
      fit.logLikelihood = ll;
      fit.restart = r + 1;
      fit.spamming.set(m.spamming);
      fit.thetas.set(m.thetas);
      [fit.probas, m.q] = [m.q, fit.probas];
    }
  }
  decode(g, fit.probas, fit);
  for (let w = 0; w < nWorkers; w++) {
    if (g.votes[w] === 0) continue;
    fit.competence[w] = fit.spamming[2 * w + 1]!;
    fit.spammer[w] = fit.competence[w]! < 0.5 ? 1 : 0;
  }
  return fit;
}

function model(g: GroupedVotes): Model {
  const { k, nWorkers } = g;
  const pair = new Int32Array(g.code.length);
  const pairVotes = new Float64Array(nWorkers * k);
  for (let v = 0; v < pair.length; v++) pairVotes[(pair[v] = g.worker[v]! * k + g.code[v]!)]!++;
  return {
    g,
    pair,
    pairVotes,
    spamming: new Float64Array(nWorkers * 2),
    thetas: new Float64Array(nWorkers * k),
    guess: new Float64Array(nWorkers * k),
    ratio: new Float64Array(nWorkers * k),
    know: new Float64Array(nWorkers * k),
    agree: new Float64Array(nWorkers * k),
    q: new Float64Array(g.nItems * k),
  };
}

/** MACE.java `initialize(noise)`: every entry 1 + 0.5·U(0, 1), in the release's draw order, rows normalised. */
function initialise(m: Model, rng: Rng): void {
  const { k, nWorkers } = m.g;
  for (let w = 0; w < nWorkers; w++) {
    const s0 = 1 + MACE_DEFAULTS.noise * rng();
    const s1 = 1 + MACE_DEFAULTS.noise * rng();
    m.spamming[2 * w] = s0 / (s0 + s1);
    m.spamming[2 * w + 1] = s1 / (s0 + s1);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += m.thetas[w * k + c] = 1 + MACE_DEFAULTS.noise * rng();
    for (let c = 0; c < k; c++) m.thetas[w * k + c]! /= sum;
  }
}

/**
 * Posteriors and expected counts under the current parameters; returns the log marginal likelihood
 * Σ_items ln Σ_l (1/K) Π_votes (s0·θ[c] + [l = c]·s1) (the release's; on a control item only its class is summed).
 * Each item's marginal is (1/K)·G·Σ_l R_l; Σ_items ln G = Σ_pairs votes·ln(s0·θ[c]) needs no pass over the votes,
 * and the products of the R_l and of the items' Σ_l R_l are kept scaled (powers of 1e100 counted apart), so an item
 * with many votes neither overflows nor underflows, with one logarithm per E-step.
 */
function eStep(m: Model): number {
  const { g, pair, pairVotes, spamming, thetas, guess, ratio, know, agree, q } = m;
  const { k, start, code, control } = g;
  let ll = 0;
  for (let x = 0; x < guess.length; x++) {
    const w = (x / k) | 0;
    const gx = spamming[2 * w]! * thetas[x]!;
    guess[x] = gx;
    ratio[x] = (gx + spamming[2 * w + 1]!) / gx;
    know[x] = spamming[2 * w + 1]! / (gx + spamming[2 * w + 1]!);
    agree[x] = 0;
    if (pairVotes[x]! > 0) ll += pairVotes[x]! * Math.log(gx);
  }
  const r = new Float64Array(k);
  let product = 1;
  let scales = 0;
  let rated = 0;
  for (let i = 0; i < g.nItems; i++) {
    const from = start[i]!;
    const to = start[i + 1]!;
    if (from === to) continue;
    rated++;
    for (let l = 0; l < k; l++) r[l] = 1;
    for (let v = from; v < to; v++) {
      if ((r[code[v]!]! *= ratio[pair[v]!]!) > SCALE) {
        for (let l = 0; l < k; l++) r[l]! /= SCALE;
        scales++;
      }
    }
    const known = control[i]!;
    if (known >= 0) for (let l = 0; l < k; l++) if (l !== known) r[l] = 0;
    let sum = 0;
    for (let l = 0; l < k; l++) sum += r[l]!;
    for (let l = 0; l < k; l++) q[i * k + l] = r[l]! / sum;
    for (let v = from; v < to; v++) agree[pair[v]!]! += q[i * k + code[v]!]!;
    // A control's class may have been scaled down with the others: bring its sum back to range first.
    while (sum < 1 / SCALE) {
      sum *= SCALE;
      scales--;
    }
    product *= sum;
    while (product > SCALE) {
      product /= SCALE;
      scales++;
    }
    while (product < 1 / SCALE) {
      product *= SCALE;
      scales--;
    }
  }
  return ll + Math.log(product) + scales * LOG_SCALE - rated * Math.log(k);
}

/**
 * MACE.java `variationalMStep`: each row of expected counts plus its prior, mapped through exp ψ(·) and divided by
 * exp ψ(row total). A vote (worker w, class c) with posterior p on c counts p·s1/(s0·θ[c] + s1) as knowing and the
 * rest as spamming with class c, so the counts come from the per-pair sums of posteriors.
 */
function mStep(m: Model, alpha: number, beta: number): void {
  const { g, spamming, thetas, know, agree, pairVotes } = m;
  const { k, nWorkers } = g;
  const prior = MACE_DEFAULTS.strategyPrior;
  for (let w = 0; w < nWorkers; w++) {
    let knowing = 0;
    let strategyTotal = 0;
    for (let c = 0; c < k; c++) {
      const x = w * k + c;
      const known = agree[x]! * know[x]!;
      knowing += known;
      thetas[x] = pairVotes[x]! - known + prior;
      strategyTotal += thetas[x]!;
    }
    const guessing = g.votes[w]! - knowing;
    const spamNorm = Math.exp(digamma(guessing + alpha + knowing + beta));
    spamming[2 * w] = Math.exp(digamma(guessing + alpha)) / spamNorm;
    spamming[2 * w + 1] = Math.exp(digamma(knowing + beta)) / spamNorm;
    const strategyNorm = Math.exp(digamma(strategyTotal));
    for (let c = 0; c < k; c++) thetas[w * k + c] = Math.exp(digamma(thetas[w * k + c]!)) / strategyNorm;
  }
}
