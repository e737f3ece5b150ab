/**
 * Dawid & Skene (1979), "Maximum Likelihood Estimation of Observer Error-Rates Using the EM Algorithm", Applied
 * Statistics 28(1): each annotator has a full confusion matrix θ_w[obs | true], the classes a prior π, and EM
 * alternates the items' posteriors over the true class (E) with π and θ re-estimated from them (M).
 *
 * The steps follow crowd-kit's `DawidSkene` (Toloka, Apache-2.0, crowdkit/aggregation/classification/
 * dawid_skene.py), the textbook version the tests check against: initialised from the soft majority vote (each
 * class's share of the item's votes), π the mean posterior, counts clipped below at 1e-10 before θ is normalised,
 * controls (known classes) fixing their items' posteriors to one-hot at every step, and EM stopped after 100
 * iterations or once the evidence lower bound per vote gains less than 1e-5.
 *
 * Over typed arrays: an iteration is one pass over the items, K products (E) and K sums (M's expected counts) per
 * vote, and the lower bound comes from the counts, so the cost is linear in votes.
 */
import type { CrowdFit, CrowdInput } from './types';
import { decode, emptyFit, groupVotes, type GroupedVotes } from './votes';

// Read once: under jest's sandbox every lookup of the global `Math` costs about a microsecond (shared/stats/random.ts).
const { exp, log, max } = Math;

/** crowd-kit's defaults: `n_iter` = 100, `tol` = 1e-5 (on the evidence lower bound divided by the number of votes). */
export const DS_MAX_ITERATIONS = 100;
export const DS_TOLERANCE = 1e-5;
/** crowd-kit's `_EPS`: the floor of counts, priors and posteriors before a logarithm. */
const EPS = 1e-10;

export interface DawidSkeneOptions {
  maxIterations?: number;
  tolerance?: number;
}

/** The fit with the model's estimates (classes are the input's codes that occur, in code order: `classOf`). */
export interface DawidSkeneFit extends CrowdFit {
  classOf: Int32Array;
  /** π per class. */
  priors: Float64Array;
  /** θ_w[obs | true] at `(w·K + obs)·K + true`. */
  errors: Float64Array;
  /** Posterior per item and class at `i·K + k` (0 for an item with no vote). */
  probas: Float64Array;
  /** EM iterations run (0: the majority-vote initialisation only). */
  iterations: number;
  /**
   * The π and θ the final E-step used, so `probas` = E-step(model) exactly, as crowd-kit's `probas_` (whose
   * `priors_` and `errors_`, like `priors` and `errors` here, are one M-step later): what a posterior computed from
   * an item's votes against this fit must use to give the fit's own posterior (posterior.ts).
   */
  model: { priors: Float64Array; errors: Float64Array };
}

interface State {
  g: GroupedVotes;
  /** Per vote: the start of its (worker, observed class) row in the error tables, (w·K + obs)·K. */
  row: Int32Array;
  q: Float64Array;
  priors: Float64Array;
  counts: Float64Array;
  errors: Float64Array;
  logErrors: Float64Array;
  /** Whether worker w ever gave class obs (crowd-kit's error table has rows only for those). */
  seen: Uint8Array;
  rated: number;
  /** The clipped ln π the last E-step used. */
  logPrior: Float64Array;
  /** Control items' expected counts, kept apart from `counts` until the lower bound's cross term is taken. */
  controlCounts: Float64Array;
  /** Of the last E-step, over items without a control: Σ ln Z_i (each item's normaliser) ... */
  logZ: number;
  /** ... and Σ_i Σ_t q_it ln(π_t Π θ_w[obs | t]) at the E-step's parameters (taken in the M-step). */
  cross: number;
  /** Posteriors that crowd-kit's entropy floors at 1e-10 (each adds −1e-10·ln 1e-10). */
  floors: number;
}

/** Fits Dawid–Skene; every item with a vote gets the argmax of its posterior (ties to the lowest code). */
export function dawidSkene(input: CrowdInput, options: DawidSkeneOptions = {}): DawidSkeneFit {
  const maxIterations = options.maxIterations ?? DS_MAX_ITERATIONS;
  const tolerance = options.tolerance ?? DS_TOLERANCE;
  const g = groupVotes(input);
  const { k, nItems, nWorkers } = g;
  const s: State = {
    g,
    row: new Int32Array(g.code.length),
    q: new Float64Array(nItems * k),
    priors: new Float64Array(k),
    counts: new Float64Array(nWorkers * k * k),
    errors: new Float64Array(nWorkers * k * k),
    logErrors: new Float64Array(nWorkers * k * k),
    seen: new Uint8Array(nWorkers * k),
    rated: 0,
    logPrior: new Float64Array(k),
    controlCounts: new Float64Array(nWorkers * k * k),
    logZ: 0,
    cross: 0,
    floors: 0,
  };
  for (let i = 0; i < nItems; i++) if (g.start[i + 1]! > g.start[i]!) s.rated++;
  for (let v = 0; v < g.code.length; v++) {
    s.seen[g.worker[v]! * k + g.code[v]!] = 1;
    s.row[v] = (g.worker[v]! * k + g.code[v]!) * k;
  }
  const model = { priors: new Float64Array(k), errors: new Float64Array(nWorkers * k * k) };
  const fit = { ...emptyFit('dawid-skene', nItems, nWorkers), classOf: g.classOf, priors: s.priors, errors: s.errors, probas: s.q, iterations: 0, model };
  if (g.code.length === 0) return fit;
  softMajority(s);
  mStep(s);
  let loss = -Infinity;
  while (fit.iterations < maxIterations) {
    model.priors.set(s.priors);
    model.errors.set(s.errors);
    eStep(s);
    finishM(s);
    fit.iterations++;
    const next = lowerBound(s) / g.code.length;
    if (next - loss < tolerance) break;
    loss = next;
  }
  decode(g, s.q, fit);
  competences(s, fit);
  return fit;
}

/** Each item's posterior as its classes' shares of its votes (crowd-kit's MajorityVote probabilities), controls one-hot. */
function softMajority(s: State): void {
  const { g, q } = s;
  const { k } = g;
  for (let i = 0; i < g.nItems; i++) {
    const from = g.start[i]!;
    const to = g.start[i + 1]!;
    if (from === to) continue;
    for (let v = from; v < to; v++) q[i * k + g.code[v]!]! += 1 / (to - from);
    clampControl(s, i);
  }
}

function clampControl(s: State, i: number): void {
  const c = s.g.control[i]!;
  if (c < 0) return;
  const { k } = s.g;
  for (let j = 0; j < k; j++) s.q[i * k + j] = j === c ? 1 : 0;
}

/** Starts the M-step's sums: π's and the expected counts (the E-step adds each item as soon as its posterior is known). */
function resetCounts(s: State): void {
  s.priors.fill(0);
  s.counts.fill(0);
  s.controlCounts.fill(0);
}

/**
 * Adds item i's posterior to π's sum and to the counts of its votes' (worker, observed) rows; returns its share of
 * the lower bound's cross term, Σ_t q_t ln π_t (0 for a control item, whose counts are kept apart).
 */
function count(s: State, i: number, from: number, to: number): number {
  const { g, q, priors, row, logPrior } = s;
  const { k } = g;
  const control = g.control[i]! >= 0;
  const into = control ? s.controlCounts : s.counts;
  let cross = 0;
  for (let t = 0; t < k; t++) {
    const p = q[i * k + t]!;
    priors[t]! += p;
    if (!control) cross += p * logPrior[t]!;
    for (let v = from; v < to; v++) into[row[v]! + t]! += p;
  }
  return cross;
}

/** An M-step over the current posteriors (after the majority-vote initialisation). */
function mStep(s: State): void {
  resetCounts(s);
  for (let i = 0; i < s.g.nItems; i++) if (s.g.start[i + 1]! > s.g.start[i]!) count(s, i, s.g.start[i]!, s.g.start[i + 1]!);
  finishM(s);
}

/**
 * π = mean posterior over items with votes; θ_w[obs | true] ∝ Σ posterior(true) over w's votes of obs, clipped at
 * 1e-10. Before θ is replaced, completes the lower bound's cross term at the E-step's parameters.
 */
function finishM(s: State): void {
  const { g, priors, counts, controlCounts, logErrors } = s;
  let cross = s.cross;
  for (let x = 0; x < counts.length; x++) {
    if (counts[x]! > 0) cross += counts[x]! * logErrors[x]!;
    counts[x]! += controlCounts[x]!;
  }
  s.cross = cross;
  for (let t = 0; t < g.k; t++) priors[t]! /= s.rated;
  normaliseErrors(s);
}

function normaliseErrors(s: State): void {
  const { g, counts, errors, logErrors, seen } = s;
  const { k, nWorkers } = g;
  for (let w = 0; w < nWorkers; w++) {
    for (let t = 0; t < k; t++) {
      let sum = 0;
      for (let o = 0; o < k; o++) if (seen[w * k + o] === 1) sum += max(counts[(w * k + o) * k + t]!, EPS);
      for (let o = 0; o < k; o++) {
        const at = (w * k + o) * k + t;
        errors[at] = seen[w * k + o] === 1 ? max(counts[at]!, EPS) / sum : 0;
        logErrors[at] = log(errors[at]!);
      }
    }
  }
}

/** Items with more votes than this take the logarithmic path, so that products of probabilities stay far from underflow. */
const LINEAR_VOTES = 16;
/** Normalisers below this take the logarithmic path, so the running product of normalisers stays in range. */
const TINY = 1e-200;
const SCALE = 1e100;

/**
 * Posterior ∝ π_t Π_votes θ_w[obs | t] (crowd-kit's E-step, there in base-2 logarithms), each item's then added to
 * the M-step's sums while its votes are at hand (finishM completes the M-step). Computed as a product of
 * probabilities, with no exponential per item; an item with many votes, or whose normaliser is tiny, is computed in
 * logarithms. Also collects Σ ln Z_i, kept as one scaled running product (one logarithm per E-step), and the
 * posteriors below crowd-kit's entropy floor.
 */
function eStep(s: State): void {
  const { g, q, priors, errors, logPrior, row } = s;
  const { k, start, control } = g;
  const prior = new Float64Array(k);
  for (let t = 0; t < k; t++) {
    prior[t] = max(priors[t]!, EPS);
    logPrior[t] = log(prior[t]!);
  }
  resetCounts(s);
  let product = 1;
  let scales = 0;
  let logZ = 0;
  let floors = 0;
  let cross = 0;
  for (let i = 0; i < g.nItems; i++) {
    const from = start[i]!;
    const to = start[i + 1]!;
    if (from === to) continue;
    if (control[i]! >= 0) {
      clampControl(s, i);
      floors += k - 1;
      count(s, i, from, to);
      continue;
    }
    const base = i * k;
    let sum = 0;
    if (to - from <= LINEAR_VOTES) {
      for (let t = 0; t < k; t++) {
        let p = prior[t]!;
        for (let v = from; v < to; v++) p *= errors[row[v]! + t]!;
        sum += q[base + t] = p;
      }
    }
    if (sum > TINY) {
      product *= sum;
      if (product < 1 / SCALE) {
        product *= SCALE;
        scales--;
      }
      for (let t = 0; t < k; t++) q[base + t]! /= sum;
    } else logZ += logPosterior(s, i);
    for (let t = 0; t < k; t++) if (q[base + t]! < EPS) floors++;
    cross += count(s, i, from, to);
  }
  s.logZ = logZ + log(product) + scales * log(SCALE);
  s.floors = floors;
  s.cross = cross;
}

/** Item i's posterior from logarithms, shifted by their maximum before exponentiating; returns ln Z_i. */
function logPosterior(s: State, i: number): number {
  const { g, q, logErrors, logPrior, row } = s;
  const { k } = g;
  const from = g.start[i]!;
  const to = g.start[i + 1]!;
  const base = i * k;
  let top = -Infinity;
  for (let t = 0; t < k; t++) {
    let sum = logPrior[t]!;
    for (let v = from; v < to; v++) sum += logErrors[row[v]! + t]!;
    q[base + t] = sum;
    if (sum > top) top = sum;
  }
  let sum = 0;
  for (let t = 0; t < k; t++) sum += q[base + t] = exp(q[base + t]! - top);
  for (let t = 0; t < k; t++) q[base + t]! /= sum;
  return top + log(sum);
}

/**
 * crowd-kit's `_evidence_lower_bound`: Σ_votes Σ_t q_it (ln θ_w[obs | t] + ln π_t) + H(q), with the new π and θ
 * and the posteriors that produced them (π counted once per vote, as there), H with q floored at 1e-10. The first
 * part is Σ counts·(ln θ + ln π). H is Σ_i (ln Z_i − Σ_t q_it ln(π_t Π θ)) (q's definition) over items without a
 * control, plus the floors: a control item's posterior is one-hot, so only its floored zeros count. Up to the
 * floor's effect on posteriors already below 1e-10 (less than 2.3e-9 each), this is crowd-kit's value.
 */
function lowerBound(s: State): number {
  const { g, priors, counts, logErrors } = s;
  const { k } = g;
  let total = s.logZ - s.cross - s.floors * EPS * log(EPS);
  for (let x = 0; x < counts.length; x++) {
    if (counts[x]! > 0) total += counts[x]! * (logErrors[x]! + log(max(priors[x % k]!, EPS)));
  }
  return total;
}

/** Accuracy Σ_t π_t θ_w[t | t]; a spammer is no better than always answering the commonest class (max π). */
function competences(s: State, fit: CrowdFit): void {
  const { g, priors, errors } = s;
  const { k } = g;
  let top = 0;
  for (let t = 0; t < k; t++) top = max(top, priors[t]!);
  for (let w = 0; w < g.nWorkers; w++) {
    if (g.votes[w] === 0) continue;
    let acc = 0;
    for (let t = 0; t < k; t++) acc += priors[t]! * errors[(w * k + t) * k + t]!;
    fit.competence[w] = acc;
    fit.spammer[w] = acc <= top ? 1 : 0;
  }
}
