/**
 * An item's consensus posterior from its votes under a snapshot of a fitted crowd model: what adaptive redundancy's
 * `stop: "posterior"` reads (issue 13; docs/decisions/0010-adaptive-redundancy.md, amendment). For each class c,
 * P(true = c | the item's votes), and the rule reads the top class's:
 * - `dawid-skene`: Dawid & Skene (1979), eq. 2.5: P(T = c | votes) ∝ π_c · Π_v θ_{w_v}[obs_v | c], with π and θ the
 *   parameters of the fit's final E-step (DawidSkeneFit.model), so with every vote in it is the fit's own posterior.
 * - `mace`: Hovy et al. (2013): each annotator knows the answer (weight s1_w) or spams from its strategy ξ_w
 *   (weight s0_w), a uniform class prior: P(T = c | votes) ∝ Π_v (s0_w · ξ_w[obs_v] + s1_w · [obs_v = c]), the
 *   release's E-step (mace-estep.ts), so again the fit's own posterior with every vote in.
 * - `majority`, and the prior model: Dawid & Skene's one-coin model: every annotator right with probability a, a
 *   wrong vote uniform over the K − 1 other classes, a uniform class prior:
 *   P(T = c | votes) ∝ a^{n_c} · ((1 − a)/(K − 1))^{n − n_c}. Under `majority` a is pooled from the fit: the share
 *   of votes on labelled items that agree with their item's plurality class, with one agreeing and one disagreeing
 *   pseudo-vote (add-one), and K the classes seen. The prior model (no snapshot yet; or a vote whose value the
 *   snapshot never saw) has a = PRIOR_ACCURACY and K = the item's distinct values, at least 2.
 * An annotator the snapshot does not know (no vote when it was fitted) gets the mean of the known annotators'
 * parameters (Dawid–Skene: the mean confusion matrix; MACE: the mean s0, s1 and ξ); a known annotator giving a class
 * it never gave before gets the mean matrix's row for that vote (its own row is all zeros there).
 */
import type { AggregationMethod, CrowdFit, CrowdInput } from './types';
import type { DawidSkeneFit } from './dawid-skene';
import type { MaceFit } from './mace';

const { exp, log, max } = Math;

/** A vote's value as the pool keys it (human-need.ts agreementKey): the stored canonical value. */
export type VoteKey = string | number;

/** The prior model's accuracy: one vote alone gives 0.7 over two classes; two agreeing 0.845, three 0.927, four 0.967. */
export const PRIOR_ACCURACY = 0.7;
/** crowd-kit's floor of priors before the E-step (dawid-skene.ts EPS). */
const EPS = 1e-10;

/** A fitted model's parameters, as plain data (sent from the report worker to the main thread). */
export type PosteriorModelData = { classes: VoteKey[]; votes: number } & (
  | { method: 'dawid-skene'; annotators: number[]; priors: Float64Array; errors: Float64Array }
  | { method: 'mace'; annotators: number[]; spamming: Float64Array; thetas: Float64Array }
  | { method: 'majority'; accuracy: number }
);

/** The annotators with a vote in the fit (competence not NaN): their indexes into the fit's workers. */
function knownWorkers(fit: CrowdFit): number[] {
  const out: number[] = [];
  for (let w = 0; w < fit.competence.length; w++) if (!Number.isNaN(fit.competence[w]!)) out.push(w);
  return out;
}

/**
 * The pooled accuracy's counts for majority: each vote against the plurality of the item's OTHER votes (items with
 * two votes or more; a vote whose others tie is not counted). Against a plurality it helped make, a vote agrees too
 * often: coin-flipping annotators on items of one to three votes would count 85% agreement and stop items on noise.
 */
function leaveOneOut(input: CrowdInput): { agree: number; counted: number } {
  const byItem = new Map<number, Map<number, number>>();
  for (let v = 0; v < input.n; v++) {
    const i = input.item[v]!;
    let m = byItem.get(i);
    if (!m) byItem.set(i, (m = new Map()));
    m.set(input.code[v]!, (m.get(input.code[v]!) ?? 0) + 1);
  }
  let agree = 0;
  let counted = 0;
  for (const counts of byItem.values()) {
    let total = 0;
    for (const n of counts.values()) total += n;
    if (total < 2) continue;
    for (const [code, n] of counts) {
      // The others of one of these n votes: this code has n − 1 of them.
      let best = -1;
      let top = -1;
      let tied = false;
      for (const [c, m] of counts) {
        const others = c === code ? m - 1 : m;
        if (others > top) (best = c), (top = others), (tied = false);
        else if (others === top) tied = true;
      }
      if (tied || top <= 0) continue;
      counted += n;
      if (best === code) agree += n;
    }
  }
  return { agree, counted };
}

/**
 * The snapshot of a fit: `categories[code]` is an input code's value, `annotatorIds[w]` the input's worker w's
 * annotator id; `input` is what was fitted (majority's pooled accuracy is counted from it).
 */
export function modelOf(fit: CrowdFit, input: CrowdInput, categories: readonly VoteKey[], annotatorIds: readonly number[]): PosteriorModelData {
  const votes = input.n;
  if (fit.method === 'majority') {
    const seen = new Set<number>();
    for (let v = 0; v < input.n; v++) seen.add(input.code[v]!);
    const { agree, counted } = leaveOneOut(input);
    const classes = [...seen].sort((a, b) => a - b).map((c) => categories[c]!);
    return { method: 'majority', classes, votes, accuracy: (agree + 1) / (counted + 2) };
  }
  const f = fit as DawidSkeneFit | MaceFit;
  const classes = Array.from(f.classOf, (c) => categories[c]!);
  const k = classes.length;
  const workers = knownWorkers(fit);
  const annotators = workers.map((w) => annotatorIds[w]!);
  if (fit.method === 'dawid-skene') {
    const ds = fit as DawidSkeneFit;
    const errors = new Float64Array(workers.length * k * k);
    workers.forEach((w, j) => errors.set(ds.model.errors.subarray(w * k * k, (w + 1) * k * k), j * k * k));
    return { method: 'dawid-skene', classes, votes, annotators, priors: ds.model.priors.slice(), errors };
  }
  const m = fit as MaceFit;
  const spamming = new Float64Array(workers.length * 2);
  const thetas = new Float64Array(workers.length * k);
  workers.forEach((w, j) => {
    spamming.set(m.spamming.subarray(2 * w, 2 * w + 2), 2 * j);
    thetas.set(m.thetas.subarray(w * k, (w + 1) * k), j * k);
  });
  return { method: 'mace', classes, votes, annotators, spamming, thetas };
}

/** The top class's posterior under the one-coin model (accuracy a, K classes) of votes with these counts per value. */
export function oneCoinPosterior(counts: readonly number[], a: number, k: number): number {
  const n = counts.reduce((x, y) => x + y, 0);
  if (n === 0) return 1 / k;
  const la = log(a);
  const lb = log((1 - a) / (k - 1));
  // Classes with no vote all share one log-weight n·lb; the seen ones n_c·la + (n − n_c)·lb.
  const logs = counts.map((c) => c * la + (n - c) * lb);
  const unseen = k - counts.length;
  const top = max(...logs, unseen > 0 ? n * lb : -Infinity);
  let sum = unseen > 0 ? unseen * exp(n * lb - top) : 0;
  for (const l of logs) sum += exp(l - top);
  return 1 / sum;
}

/** Counts of each distinct value among `keys`. */
function valueCounts(keys: readonly VoteKey[]): number[] {
  const m = new Map<VoteKey, number>();
  for (const key of keys) m.set(key, (m.get(key) ?? 0) + 1);
  return [...m.values()];
}

/** The prior model's posterior: one-coin, accuracy PRIOR_ACCURACY, K = the item's distinct values (at least 2). */
export function priorPosterior(keys: readonly VoteKey[]): number {
  const counts = valueCounts(keys);
  return oneCoinPosterior(counts, PRIOR_ACCURACY, max(2, counts.length));
}

/** A model snapshot ready to answer posteriors: classes and annotators indexed, the unknown annotator's mean parameters. */
export class PosteriorModel {
  readonly method: AggregationMethod;
  private readonly classIndex = new Map<VoteKey, number>();
  private readonly annotatorIndex = new Map<number, number>();
  private readonly k: number;
  /** Per known annotator and the mean (last): Dawid–Skene ln θ rows at (w·K + obs)·K + true; MACE s0, s1 and ξ. */
  private readonly logErrors: Float64Array = new Float64Array(0);
  private readonly logPrior: Float64Array;
  private readonly spamming: Float64Array = new Float64Array(0);
  private readonly thetas: Float64Array = new Float64Array(0);
  private readonly q: Float64Array;

  constructor(readonly data: PosteriorModelData) {
    this.method = data.method;
    this.k = data.classes.length;
    const k = this.k;
    data.classes.forEach((c, i) => this.classIndex.set(c, i));
    this.logPrior = new Float64Array(k);
    this.q = new Float64Array(k);
    if (data.method === 'majority') return;
    data.annotators.forEach((a, j) => this.annotatorIndex.set(a, j));
    const n = data.annotators.length;
    if (data.method === 'dawid-skene') {
      for (let t = 0; t < k; t++) this.logPrior[t] = log(max(data.priors[t]!, EPS));
      const kk = k * k;
      const errors = new Float64Array((n + 1) * kk);
      errors.set(data.errors);
      for (let j = 0; j < n; j++) for (let x = 0; x < kk; x++) errors[n * kk + x]! += data.errors[j * kk + x]! / n;
      // A known annotator's row it never gave (all zeros) is the mean annotator's row.
      for (let j = 0; j < n; j++)
        for (let o = 0; o < k; o++) {
          let sum = 0;
          for (let t = 0; t < k; t++) sum += errors[(j * k + o) * k + t]!;
          if (sum === 0) errors.copyWithin((j * k + o) * k, (n * k + o) * k, (n * k + o + 1) * k);
        }
      // No floor here: the fit's θ already has one (counts clipped at 1e-10 before normalising, so an entry may be
      // far below 1e-10), and flooring again would move the posterior off the fit's own (by 1.7e-9 on the fixtures).
      this.logErrors = errors.map((e) => log(max(e, Number.MIN_VALUE)));
    } else {
      const spamming = new Float64Array(2 * (n + 1));
      const thetas = new Float64Array(k * (n + 1));
      spamming.set(data.spamming);
      thetas.set(data.thetas);
      for (let j = 0; j < n; j++) {
        for (let x = 0; x < 2; x++) spamming[2 * n + x]! += data.spamming[2 * j + x]! / n;
        for (let c = 0; c < k; c++) thetas[n * k + c]! += data.thetas[j * k + c]! / n;
      }
      this.spamming = spamming;
      this.thetas = thetas;
    }
  }

  /** Whether the snapshot knows this annotator (had a vote of theirs when it was fitted). */
  knows(annotatorId: number): boolean {
    return this.annotatorIndex.has(annotatorId);
  }

  /** P(true class = the top class | votes): vote v is annotator `annotators[v]`'s value `keys[v]`. NaN for no vote. */
  posterior(annotators: readonly number[], keys: readonly VoteKey[]): number {
    if (keys.length === 0) return NaN;
    const { k, q, classIndex, annotatorIndex } = this;
    if (this.data.method === 'majority') {
      const counts = new Array<number>(k).fill(0);
      for (const key of keys) {
        const c = classIndex.get(key);
        if (c === undefined) return priorPosterior(keys);
        counts[c]!++;
      }
      return oneCoinPosterior(counts, this.data.accuracy, max(2, k));
    }
    const mean = this.data.annotators.length;
    if (this.data.method === 'dawid-skene') {
      q.set(this.logPrior);
      for (let v = 0; v < keys.length; v++) {
        const obs = classIndex.get(keys[v]!);
        if (obs === undefined) return priorPosterior(keys);
        const row = ((annotatorIndex.get(annotators[v]!) ?? mean) * k + obs) * k;
        for (let t = 0; t < k; t++) q[t]! += this.logErrors[row + t]!;
      }
    } else {
      q.fill(0);
      for (let v = 0; v < keys.length; v++) {
        const obs = classIndex.get(keys[v]!);
        if (obs === undefined) return priorPosterior(keys);
        const j = annotatorIndex.get(annotators[v]!) ?? mean;
        const guess = this.spamming[2 * j]! * this.thetas[j * k + obs]!;
        const knows = this.spamming[2 * j + 1]!;
        const lg = log(guess);
        for (let t = 0; t < k; t++) q[t]! += t === obs ? log(guess + knows) : lg;
      }
    }
    let top = -Infinity;
    for (let t = 0; t < k; t++) top = max(top, q[t]!);
    let sum = 0;
    for (let t = 0; t < k; t++) sum += exp(q[t]! - top);
    return 1 / sum;
  }
}
