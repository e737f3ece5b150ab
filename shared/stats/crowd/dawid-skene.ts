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
 * Over typed arrays: each iteration is two passes over the votes with K operations each (E: log-likelihoods;
 * M: expected counts), so the cost is linear in votes.
 */
import type { CrowdFit, CrowdInput } from './types';
import { decode, emptyFit, groupVotes, type GroupedVotes } from './votes';

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
}

interface State {
  g: GroupedVotes;
  q: Float64Array;
  priors: Float64Array;
  counts: Float64Array;
  errors: Float64Array;
  logErrors: Float64Array;
  /** Whether worker w ever gave class obs (crowd-kit's error table has rows only for those). */
  seen: Uint8Array;
  rated: number;
  /** H(q) of the last E-step, with crowd-kit's floor of 1e-10 on q. */
  entropy: number;
}

/** Fits Dawid–Skene; every item with a vote gets the argmax of its posterior (ties to the lowest code). */
export function dawidSkene(input: CrowdInput, options: DawidSkeneOptions = {}): DawidSkeneFit {
  const maxIterations = options.maxIterations ?? DS_MAX_ITERATIONS;
  const tolerance = options.tolerance ?? DS_TOLERANCE;
  const g = groupVotes(input);
  const { k, nItems, nWorkers } = g;
  const s: State = {
    g,
    q: new Float64Array(nItems * k),
    priors: new Float64Array(k),
    counts: new Float64Array(nWorkers * k * k),
    errors: new Float64Array(nWorkers * k * k),
    logErrors: new Float64Array(nWorkers * k * k),
    seen: new Uint8Array(nWorkers * k),
    rated: 0,
    entropy: 0,
  };
  for (let i = 0; i < nItems; i++) if (g.start[i + 1]! > g.start[i]!) s.rated++;
  for (let v = 0; v < g.code.length; v++) s.seen[g.worker[v]! * k + g.code[v]!] = 1;
  const fit = { ...emptyFit('dawid-skene', nItems, nWorkers), classOf: g.classOf, priors: s.priors, errors: s.errors, probas: s.q, iterations: 0 };
  if (g.code.length === 0) return fit;
  softMajority(s);
  mStep(s);
  let loss = -Infinity;
  while (fit.iterations < maxIterations) {
    eStep(s);
    mStep(s);
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

/** π = mean posterior over items with votes; θ_w[obs | true] ∝ Σ posterior(true) over w's votes of obs, clipped at 1e-10. */
function mStep(s: State): void {
  const { g, q, priors, counts, errors, logErrors, seen } = s;
  const { k, nWorkers } = g;
  priors.fill(0);
  counts.fill(0);
  for (let i = 0; i < g.nItems; i++) {
    const from = g.start[i]!;
    const to = g.start[i + 1]!;
    if (from === to) continue;
    for (let t = 0; t < k; t++) priors[t]! += q[i * k + t]!;
    for (let v = from; v < to; v++) {
      const row = (g.worker[v]! * k + g.code[v]!) * k;
      for (let t = 0; t < k; t++) counts[row + t]! += q[i * k + t]!;
    }
  }
  for (let t = 0; t < k; t++) priors[t]! /= s.rated;
  for (let w = 0; w < nWorkers; w++) {
    for (let t = 0; t < k; t++) {
      let sum = 0;
      for (let o = 0; o < k; o++) if (seen[w * k + o] === 1) sum += Math.max(counts[(w * k + o) * k + t]!, EPS);
      for (let o = 0; o < k; o++) {
        const at = (w * k + o) * k + t;
        errors[at] = seen[w * k + o] === 1 ? Math.max(counts[at]!, EPS) / sum : 0;
        logErrors[at] = Math.log(errors[at]!);
      }
    }
  }
}

/**
 * Posterior ∝ π_t Π_votes θ_w[obs | t], in logs and shifted by the row's maximum before exponentiating; also the
 * posteriors' entropy for the lower bound, from the same logs (ln q_t = shifted log − ln Σ), one logarithm per item.
 */
function eStep(s: State): void {
  const { g, q, priors, logErrors } = s;
  const { k, start, code, worker, control } = g;
  const logPrior = new Float64Array(k);
  for (let t = 0; t < k; t++) logPrior[t] = Math.log(Math.max(priors[t]!, EPS));
  const floor = -EPS * Math.log(EPS);
  const shifted = new Float64Array(k);
  let entropy = 0;
  for (let i = 0; i < g.nItems; i++) {
    const from = start[i]!;
    const to = start[i + 1]!;
    if (from === to) continue;
    const base = i * k;
    for (let t = 0; t < k; t++) q[base + t] = logPrior[t]!;
    for (let v = from; v < to; v++) {
      const row = (worker[v]! * k + code[v]!) * k;
      for (let t = 0; t < k; t++) q[base + t]! += logErrors[row + t]!;
    }
    let max = -Infinity;
    for (let t = 0; t < k; t++) if (q[base + t]! > max) max = q[base + t]!;
    let sum = 0;
    for (let t = 0; t < k; t++) {
      shifted[t] = q[base + t]! - max;
      sum += q[base + t] = Math.exp(shifted[t]!);
    }
    for (let t = 0; t < k; t++) q[base + t]! /= sum;
    if (control[i]! >= 0) {
      clampControl(s, i);
      entropy += (k - 1) * floor;
      continue;
    }
    const logSum = Math.log(sum);
    for (let t = 0; t < k; t++) {
      const p = q[base + t]!;
      entropy += p > EPS ? -p * (shifted[t]! - logSum) : floor;
    }
  }
  s.entropy = entropy;
}

/**
 * crowd-kit's `_evidence_lower_bound`: Σ_votes Σ_t q_it (ln θ_w[obs | t] + ln π_t) + H(q), with the new π and θ
 * and the posteriors that produced them (π counted once per vote, as there). Both sums come from the expected
 * counts (Σ_votes q_it = the counts' total for class t), so this is O(workers·K²).
 */
function lowerBound(s: State): number {
  const { g, priors, counts, logErrors } = s;
  const { k } = g;
  let total = s.entropy;
  for (let x = 0; x < counts.length; x++) {
    if (counts[x]! > 0) total += counts[x]! * (logErrors[x]! + Math.log(Math.max(priors[x % k]!, EPS)));
  }
  return total;
}

/** Accuracy Σ_t π_t θ_w[t | t]; a spammer is no better than always answering the commonest class (max π). */
function competences(s: State, fit: CrowdFit): void {
  const { g, priors, errors } = s;
  const { k } = g;
  let top = 0;
  for (let t = 0; t < k; t++) top = Math.max(top, priors[t]!);
  for (let w = 0; w < g.nWorkers; w++) {
    if (g.votes[w] === 0) continue;
    let acc = 0;
    for (let t = 0; t < k; t++) acc += priors[t]! * errors[(w * k + t) * k + t]!;
    fit.competence[w] = acc;
    fit.spammer[w] = acc <= top ? 1 : 0;
  }
}
