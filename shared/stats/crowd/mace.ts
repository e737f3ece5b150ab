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
 * so an E-step is two O(1) passes per vote plus O(K) per item. The restarts run side by side, one pass over the
 * votes serving all of them (each from its own draws of the one seeded stream, in the release's order, so the
 * result is that of running them one after another). A restart also stops early, before its 50 iterations, once
 * its log marginal likelihood changes by less than 1e-9 of itself (the release always runs 50): on the release's
 * test data this leaves its predictions unchanged (test/unit/stats/crowd-reference.test.ts).
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

/**
 * `n` restarts side by side. Per-pair tables (a pair is a worker and a class, x = w·K + c) are laid out pair-major,
 * restart-minor (x·n + ρ), so a vote's update of every restart is one contiguous loop.
 */
interface Restarts {
  g: GroupedVotes;
  n: number;
  /** Per vote: its pair. */
  pair: Int32Array;
  /** Per pair: number of votes. */
  pairVotes: Float64Array;
  /** Per restart and worker: guessing, knowing at (ρ·W + w)·2 + {0, 1}; per restart and pair: θ at ρ·P + x. */
  spamming: Float64Array;
  thetas: Float64Array;
  /** Per pair and restart: (s0·θ[c] + s1)/(s0·θ[c]), s1/(s0·θ[c] + s1), Σ over its votes of the posterior of c. */
  ratio: Float64Array;
  know: Float64Array;
  agree: Float64Array;
  /** Per restart: the last E-step's log likelihood. */
  ll: Float64Array;
}

/** Fits MACE; every item with a vote gets its most probable class (ties to the lowest code). */
export function mace(input: CrowdInput, options: CrowdOptions = {}): MaceFit {
  const restarts = options.restarts ?? MACE_DEFAULTS.restarts;
  const iterations = options.iterations ?? MACE_DEFAULTS.iterations;
  const prior = { alpha: options.alpha ?? MACE_DEFAULTS.alpha, beta: options.beta ?? MACE_DEFAULTS.beta };
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
  const m = side(g, restarts);
  const rng = mulberry32(options.seed ?? MACE_DEFAULTS.seed);
  for (let r = 0; r < restarts; r++) initialise(m, r, rng);
  eStep(m, null);
  const active = new Uint8Array(restarts).fill(1);
  for (let t = 1, left = restarts; t <= iterations && left > 0; t++) {
    const before = m.ll.slice();
    for (let r = 0; r < restarts; r++) if (active[r]) mStep(m, r, prior.alpha, prior.beta);
    eStep(m, null);
    for (let r = 0; r < restarts; r++) {
      if (!active[r]) continue;
      fit.iterations[r] = t;
      if (Math.abs(m.ll[r]! - before[r]!) < MACE_RELATIVE_TOLERANCE * Math.abs(m.ll[r]!)) {
        active[r] = 0;
        left--;
      }
    }
  }
  // The first restart with the highest likelihood, as the release keeps it; then its posteriors (the release's final E-step).
  for (let r = 0; r < restarts; r++) if (m.ll[r]! > fit.logLikelihood) [fit.logLikelihood, fit.restart] = [m.ll[r]!, r + 1];
  const best = side(g, 1);
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

function side(g: GroupedVotes, n: number): Restarts {
  const { k, nWorkers } = g;
  const pairs = nWorkers * k;
  const pair = new Int32Array(g.code.length);
  const pairVotes = new Float64Array(pairs);
  for (let v = 0; v < pair.length; v++) pairVotes[(pair[v] = g.worker[v]! * k + g.code[v]!)]!++;
  return {
    g,
    n,
    pair,
    pairVotes,
    spamming: new Float64Array(n * nWorkers * 2),
    thetas: new Float64Array(n * pairs),
    ratio: new Float64Array(pairs * n),
    know: new Float64Array(pairs * n),
    agree: new Float64Array(pairs * n),
    ll: new Float64Array(n),
  };
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
 * Every restart's pair tables from its parameters; returns per restart Σ_pairs votes·ln(s0·θ[c]) (Σ_items ln G),
 * and the largest ln ratio, which bounds how far an item's products can grow.
 */
function tables(m: Restarts, base: Float64Array): number {
  const { g, n, spamming, thetas, ratio, know, pairVotes } = m;
  const { k, nWorkers } = g;
  const pairs = nWorkers * k;
  let maxRatio = 1;
  base.fill(0);
  for (let r = 0; r < n; r++) {
    for (let x = 0; x < pairs; x++) {
      const at = (r * nWorkers + ((x / k) | 0)) * 2;
      const guess = spamming[at]! * thetas[r * pairs + x]!;
      const knows = spamming[at + 1]!;
      ratio[x * n + r] = (guess + knows) / guess;
      know[x * n + r] = knows / (guess + knows);
      if (pairVotes[x]! > 0) {
        base[r]! += pairVotes[x]! * Math.log(guess);
        if (ratio[x * n + r]! > maxRatio) maxRatio = ratio[x * n + r]!;
      }
    }
  }
  return Math.log(maxRatio);
}

/**
 * The E-step of every restart at once: posteriors and per-pair posterior sums; sets each restart's log marginal
 * likelihood Σ_items ln Σ_l (1/K) Π_votes (s0·θ[c] + [l = c]·s1) (the release's; on a control item only its class
 * is summed). An item's marginal is (1/K)·G·Σ_l R_l; Σ ln G comes from the pair tables, and the R_l and the running
 * product of the items' Σ_l R_l are kept scaled (powers of 1e100 counted apart), one logarithm per E-step. With `q`,
 * writes the (single) restart's posteriors there.
 */
function eStep(m: Restarts, q: Float64Array | null): void {
  const { g, n, pair, agree } = m;
  const { k, start, code, control } = g;
  const base = new Float64Array(n);
  const maxLogRatio = tables(m, base);
  agree.fill(0);
  const r = new Float64Array(k * n);
  const post = new Float64Array(k * n);
  const product = new Float64Array(n).fill(1);
  const scales = new Float64Array(n);
  let rated = 0;
  for (let i = 0; i < g.nItems; i++) {
    const from = start[i]!;
    const to = start[i + 1]!;
    if (from === to) continue;
    rated++;
    for (let x = 0; x < r.length; x++) r[x] = 1;
    if ((to - from) * maxLogRatio < LOG_SCALE) multiply(m, from, to, r);
    else multiplyScaled(m, from, to, r, scales);
    normalise(r, post, k, n, control[i]!, product, scales);
    for (let v = from; v < to; v++) {
      const x = pair[v]! * n;
      const c = code[v]! * n;
      for (let j = 0; j < n; j++) agree[x + j]! += post[c + j]!;
    }
    if (q) for (let l = 0; l < k; l++) q[i * k + l] = post[l * n]!;
  }
  for (let j = 0; j < n; j++) m.ll[j] = base[j]! + Math.log(product[j]!) + scales[j]! * LOG_SCALE - rated * Math.log(k);
}

/** R_l ×= ratio for each vote of class l (no overflow possible: votes·max ln ratio < ln 1e100). */
function multiply(m: Restarts, from: number, to: number, r: Float64Array): void {
  const { n, pair, ratio } = m;
  const code = m.g.code;
  for (let v = from; v < to; v++) {
    const x = pair[v]! * n;
    const c = code[v]! * n;
    for (let j = 0; j < n; j++) r[c + j]! *= ratio[x + j]!;
  }
}

/** As {@link multiply}, rescaling a restart's R by 1e-100 whenever one passes 1e100 (items with many votes). */
function multiplyScaled(m: Restarts, from: number, to: number, r: Float64Array, scales: Float64Array): void {
  const { n, pair, ratio } = m;
  const { k, code } = m.g;
  for (let v = from; v < to; v++) {
    const x = pair[v]! * n;
    const c = code[v]! * n;
    for (let j = 0; j < n; j++) {
      if ((r[c + j]! *= ratio[x + j]!) <= SCALE) continue;
      for (let l = 0; l < k; l++) r[l * n + j]! /= SCALE;
      scales[j]!++;
    }
  }
}

/** Posteriors from the R_l (a control keeps only its class), and each restart's running product of Σ_l R_l. */
function normalise(r: Float64Array, post: Float64Array, k: number, n: number, known: number, product: Float64Array, scales: Float64Array): void {
  if (known >= 0) for (let l = 0; l < k; l++) if (l !== known) r.fill(0, l * n, (l + 1) * n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let l = 0; l < k; l++) sum += r[l * n + j]!;
    const inverse = 1 / sum;
    for (let l = 0; l < k; l++) post[l * n + j] = r[l * n + j]! * inverse;
    let p = product[j]! * sum;
    // Σ_l R_l ≥ 1 unless rescaled; keep the product within (1e-100, 1e100].
    while (p > SCALE) {
      p /= SCALE;
      scales[j]!++;
    }
    while (p < 1 / SCALE) {
      p *= SCALE;
      scales[j]!--;
    }
    product[j] = p;
  }
}

/**
 * MACE.java `variationalMStep` for restart r: each row of expected counts plus its prior, mapped through exp ψ(·)
 * and divided by exp ψ(row total). A vote (worker w, class c) with posterior p on c counts p·s1/(s0·θ[c] + s1) as
 * knowing and the rest as spamming with class c, so the counts come from the per-pair sums of posteriors.
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
    const spamNorm = Math.exp(digamma(guessing + alpha + knowing + beta));
    spamming[at] = Math.exp(digamma(guessing + alpha)) / spamNorm;
    spamming[at + 1] = Math.exp(digamma(knowing + beta)) / spamNorm;
    const strategyNorm = Math.exp(digamma(strategyTotal));
    for (let c = 0; c < k; c++) thetas[row + c] = Math.exp(digamma(thetas[row + c]!)) / strategyNorm;
  }
}
