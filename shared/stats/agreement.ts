/**
 * Agreement among many raters on integer-coded reliability data (see `Ratings`). Every function is one or two
 * linear passes over the labels; nothing is quadratic in the number of items.
 */
import { pairFromTable, raterPairsByTables } from './rater-pair-tables';
import type { Ratings } from './ratings';
import { Plurality } from './votes';

/** Agreement between one pair of raters on the units both rated. */
export interface RaterPair {
  /** Rater indices, a < b. */
  a: number;
  b: number;
  /** Units both rated. */
  n: number;
  percentAgreement: number;
  cohenKappa: number;
  /** Present when weighted kappas were asked for (ordered categories). */
  weightedKappa?: { linear: number; quadratic: number };
}

/**
 * Raw agreement and Cohen's kappa (Cohen 1960; weighted, Cohen 1968) for every pair of raters that share at least
 * one unit, each on the units both rated. Weights count steps between the categories the pair used, in the order of
 * `r.categories` (as R irr and scikit-learn do). Cost: O(Σ_u m_u²) plus one k × k table per pair.
 */
export function raterPairs(r: Ratings, options: { weighted?: boolean } = {}): RaterPair[] {
  const { start, rater, code, units, raters } = r;
  const k = r.categories.length;
  let total = 0;
  for (let u = 0; u < units; u++) {
    const m = start[u + 1]! - start[u]!;
    total += (m * (m - 1)) / 2;
  }
  // Few enough pairs × cells: every pair's table filled in one pass (co-ratings grouped by pair cost a cache miss each).
  if (Math.min((raters * (raters - 1)) / 2, total) * k * k <= 1 << 22) return raterPairsByTables(r, options);
  const pairOf = new Int32Array(total);
  const first = new Int32Array(total);
  const second = new Int32Array(total);
  // Pair ids: a dense lookup table when it is small enough, a Map otherwise.
  const dense = raters * raters <= 1 << 22 ? new Int32Array(raters * raters).fill(-1) : null;
  const index = new Map<number, number>();
  const keys: number[] = [];
  let t = 0;
  for (let u = 0; u < units; u++) {
    for (let i = start[u]!; i < start[u + 1]!; i++) {
      for (let j = i + 1; j < start[u + 1]!; j++) {
        let ra = rater[i]!;
        let rb = rater[j]!;
        let ca = code[i]!;
        let cb = code[j]!;
        if (ra > rb) {
          [ra, rb] = [rb, ra];
          [ca, cb] = [cb, ca];
        }
        const key = ra * raters + rb;
        let p = dense ? dense[key]! : index.get(key) ?? -1;
        if (p < 0) {
          p = keys.length;
          if (dense) dense[key] = p;
          else index.set(key, p);
          keys.push(key);
        }
        pairOf[t] = p;
        first[t] = ca;
        second[t] = cb;
        t++;
      }
    }
  }
  // Group the co-ratings by pair (counting sort), then fill one table at a time.
  const np = keys.length;
  const { start: from, order } = groupIndices(pairOf, total, np);
  const table = new Float64Array(k * k);
  const out: RaterPair[] = [];
  for (let p = 0; p < np; p++) {
    table.fill(0);
    for (let s = from[p]!; s < from[p + 1]!; s++) {
      const i = order[s]!;
      table[first[i]! * k + second[i]!]!++;
    }
    out.push(pairFromTable(keys[p]!, raters, from[p + 1]! - from[p]!, table, k, options));
  }
  out.sort((x, y) => x.a - y.a || x.b - y.b);
  return out;
}

/**
 * Percent agreement: the mean, over pairs of raters that share at least one unit, of the share of their shared
 * units on which they agree. NaN when no two raters share a unit. (The pairwise mean is how MT-Bench and
 * alpaca_eval report human–human agreement.)
 */
export function percentAgreement(r: Ratings): number {
  return meanPairAgreement(raterPairs(r));
}

/** Mean of `percentAgreement` over the given pairs; NaN for none. */
export function meanPairAgreement(pairs: readonly RaterPair[]): number {
  if (pairs.length === 0) return NaN;
  let s = 0;
  for (const p of pairs) s += p.percentAgreement;
  return s / pairs.length;
}

/** Per-unit category counts over units with at least one value, shared by Fleiss' kappa and Gwet's AC1 (compute once, pass to both). */
export function chanceTerms(r: Ratings): { pa: number; pi: Float64Array; ok: boolean } {
  const { start, code, units } = r;
  const k = r.categories.length;
  const counts = new Float64Array(k);
  const pi = new Float64Array(k);
  let rated = 0;
  let paired = 0;
  let pa = 0;
  for (let u = 0; u < units; u++) {
    const m = start[u + 1]! - start[u]!;
    if (m === 0) continue;
    rated++;
    for (let i = start[u]!; i < start[u + 1]!; i++) counts[code[i]!]!++;
    let agree = 0;
    for (let i = start[u]!; i < start[u + 1]!; i++) {
      const c = code[i]!;
      const n = counts[c]!;
      if (n > 0) {
        agree += n * (n - 1);
        pi[c]! += n / m;
        counts[c] = 0;
      }
    }
    if (m >= 2) {
      paired++;
      pa += agree / (m * (m - 1));
    }
  }
  for (let c = 0; c < k; c++) pi[c]! /= rated;
  return { pa: paired ? pa / paired : NaN, pi, ok: paired > 0 };
}

/**
 * Fleiss' kappa. With a constant number of raters per unit this is exactly Fleiss (1971), "Measuring nominal scale
 * agreement among many raters". When the number varies we use Gwet's published generalisation (Gwet 2014,
 * "Handbook of Inter-Rater Reliability", 4th ed., ch. 2; reference implementation irrCAC `fleiss.kappa.raw`):
 * p_a is the mean over units with ≥ 2 values of Σ_k r_ik(r_ik−1) / (r_i(r_i−1)); π_k is the mean over units with
 * ≥ 1 value of r_ik/r_i; p_e = Σ_k π_k². NaN when p_e = 1 (everyone always chose one category) or no unit has two values.
 */
export function fleissKappa(r: Ratings, terms = chanceTerms(r)): number {
  const { pa, pi, ok } = terms;
  if (!ok) return NaN;
  let pe = 0;
  for (let c = 0; c < pi.length; c++) pe += pi[c]! * pi[c]!;
  return 1 - pe === 0 ? NaN : (pa - pe) / (1 - pe);
}

/**
 * Gwet's AC1 for any number of raters with missing values: Gwet (2008), "Computing inter-rater reliability and its
 * variance in the presence of high agreement", BJMSP 61; multi-rater form from Gwet (2014), Handbook, 4th ed.
 * (reference implementation irrCAC `gwet.ac1.raw`, unweighted). p_a as in `fleissKappa`;
 * p_e = Σ_k π_k(1−π_k) / (q−1) where q is the number of categories in `r.categories` (put the whole domain there,
 * used or not, since q matters). With q = 1 the coefficient is undefined (NaN).
 */
export function gwetAC1(r: Ratings, terms = chanceTerms(r)): number {
  const { pa, pi, ok } = terms;
  const q = r.categories.length;
  if (!ok || q < 2) return NaN;
  let s = 0;
  for (let c = 0; c < q; c++) s += pi[c]! * (1 - pi[c]!);
  const pe = s / (q - 1);
  return 1 - pe === 0 ? NaN : (pa - pe) / (1 - pe);
}

/** Levels of measurement for Krippendorff's alpha. */
export type AlphaLevel = 'nominal' | 'ordinal' | 'interval' | 'ratio';

/**
 * Krippendorff's alpha by the coincidence-matrix formulation of Krippendorff (2011), "Computing Krippendorff's
 * Alpha-Reliability" (Annenberg School for Communication, departmental paper 43): units with fewer than two values
 * are not pairable and drop out; o_ck = Σ_u (number of c–k pairs in u) / (m_u − 1);
 * α = 1 − (n − 1) Σ o_ck δ²_ck / Σ n_c n_k δ²_ck with the paper's nominal, ordinal, interval and ratio δ².
 * Ordinal uses code order; interval and ratio need numeric categories. NaN when there is no disagreement to expect
 * (a single value used throughout, or no pairable unit).
 */
export function krippendorffAlpha(r: Ratings, level: AlphaLevel = 'nominal'): number {
  const { start, code, units } = r;
  const k = r.categories.length;
  if ((level === 'interval' || level === 'ratio') && !r.categories.every((c) => typeof c === 'number')) {
    throw new Error(`krippendorffAlpha: ${level} alpha needs numeric categories`);
  }
  const o = new Float64Array(k * k);
  const counts = new Float64Array(k);
  const present: number[] = [];
  for (let u = 0; u < units; u++) {
    const m = start[u + 1]! - start[u]!;
    if (m < 2) continue;
    present.length = 0;
    for (let i = start[u]!; i < start[u + 1]!; i++) {
      const c = code[i]!;
      if (counts[c] === 0) present.push(c);
      counts[c]!++;
    }
    for (const c of present) {
      const nc = counts[c]!;
      for (const d of present) o[c * k + d]! += (c === d ? nc * (nc - 1) : nc * counts[d]!) / (m - 1);
    }
    for (const c of present) counts[c] = 0;
  }
  const nc = new Float64Array(k);
  let n = 0;
  for (let c = 0; c < k; c++) {
    for (let d = 0; d < k; d++) nc[c]! += o[c * k + d]!;
    n += nc[c]!;
  }
  if (n === 0) return NaN;
  const values = r.categories as readonly number[];
  // Cumulative marginals make the ordinal distance O(1): Σ_{g=c..d} n_g = cum[d+1] − cum[c].
  const cum = new Float64Array(k + 1);
  for (let c = 0; c < k; c++) cum[c + 1] = cum[c]! + nc[c]!;
  const delta2 = (c: number, d: number): number => {
    if (c === d) return 0;
    switch (level) {
      case 'nominal':
        return 1;
      case 'ordinal': {
        const lo = Math.min(c, d);
        const hi = Math.max(c, d);
        const x = cum[hi + 1]! - cum[lo]! - (nc[c]! + nc[d]!) / 2;
        return x * x;
      }
      case 'interval': {
        const x = values[c]! - values[d]!;
        return x * x;
      }
      case 'ratio': {
        const s = values[c]! + values[d]!;
        const x = s === 0 ? 0 : (values[c]! - values[d]!) / s;
        return x * x;
      }
    }
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < k; c++) {
    if (nc[c] === 0) continue;
    for (let d = 0; d < k; d++) {
      if (c === d || nc[d] === 0) continue;
      const w = delta2(c, d);
      observed += o[c * k + d]! * w;
      expected += nc[c]! * nc[d]! * w;
    }
  }
  return expected === 0 ? NaN : 1 - ((n - 1) * observed) / expected;
}

/** Plurality winner of each unit: a code, or NO_VALUES / TIED. */
export const NO_VALUES = -1;
export const TIED = -2;

/** Plurality per unit with tie detection. */
export interface Majority {
  /** Per unit: the winning code, `NO_VALUES` (-1) when the unit has none, `TIED` (-2) when the top is shared. */
  winner: Int32Array;
  /** Units whose plurality is tied (left out of any comparison against the majority). */
  tied: number;
  /** Units with a winner. */
  decided: number;
  /** Number of units won by each category. */
  counts: Float64Array;
}

/**
 * Majority (plurality) vote per unit: the category given by more raters than any other; a unit whose top count is
 * shared is tied and has no majority ({@link Plurality}).
 * A unit with a single value has that value as its majority.
 */
export function majorityVote(r: Ratings): Majority {
  const { start, code, units } = r;
  const k = r.categories.length;
  const counts = new Float64Array(k);
  const winner = new Int32Array(units);
  const wins = new Float64Array(k);
  const vote = new Plurality<number>();
  let tied = 0;
  let decided = 0;
  for (let u = 0; u < units; u++) {
    const w = (winner[u] = unitPlurality(code, start[u]!, start[u + 1]!, vote, counts));
    if (w === TIED) tied++;
    else if (w >= 0) {
      wins[w]!++;
      decided++;
    }
  }
  return { winner, tied, decided, counts: wins };
}

/**
 * One unit's plurality over its values `code[s..e)`: the winning code, `NO_VALUES` when it has none, `TIED` when the
 * top count is shared. `counts` (one per category, all 0) is the scratch tally, left all 0 again.
 */
export function unitPlurality(code: ArrayLike<number>, s: number, e: number, vote: Plurality<number>, counts: Float64Array): number {
  if (s === e) return NO_VALUES;
  vote.reset();
  for (let i = s; i < e; i++) vote.see(code[i]!, ++counts[code[i]!]!);
  for (let i = s; i < e; i++) counts[code[i]!] = 0;
  return vote.tied ? TIED : vote.winner!;
}

/** One rater's agreement with the majority of the other raters. */
export interface LeaveOneOut {
  rater: number;
  /** Units where the rater has a value and the others have an untied majority. */
  n: number;
  agreement: number;
}

/**
 * The plurality of a unit's ratings code[s … e − 1] leaving out rating `me` (-1 when tied or none left): the
 * leave-one-out majority a rater is scored against. `counts` holds the unit's count of every category, `me`'s
 * included; it is left as it was.
 */
export function pluralityWithout(code: Int32Array, s: number, e: number, me: number, counts: Float64Array | Int32Array): number {
  const mine = code[me]!;
  counts[mine]!--;
  let best = -1;
  let top = 0;
  let shared = false;
  for (let j = s; j < e; j++) {
    if (j === me) continue;
    const k = code[j]!;
    const m = counts[k]!;
    if (m > top) {
      top = m;
      best = k;
      shared = false;
    } else if (m === top && k !== best) shared = true;
  }
  counts[mine]!++;
  return shared ? -1 : best;
}

/**
 * Each rater's leave-one-out agreement: on each unit it rated, does its value equal the plurality of the other
 * raters' values? The measure alpaca_eval reports as human agreement (Dubois et al. 2023, AlpacaFarm, "1 vs rest"
 * in `alpaca_eval.analyze.Analyzer.agreement_of_annotations`). Our choice where alpaca_eval averages over ties:
 * units where the others' plurality is tied, or where no one else rated, are left out. Agreement is NaN with n = 0.
 */
export function leaveOneOutAgreement(r: Ratings): LeaveOneOut[] {
  const { start, code, rater, units, raters } = r;
  const k = r.categories.length;
  const n = new Float64Array(raters);
  const hit = new Float64Array(raters);
  const counts = new Float64Array(k);
  const present: number[] = [];
  for (let u = 0; u < units; u++) {
    const s = start[u]!;
    const e = start[u + 1]!;
    if (e - s < 2) continue;
    present.length = 0;
    for (let i = s; i < e; i++) {
      const c = code[i]!;
      if (counts[c] === 0) present.push(c);
      counts[c]!++;
    }
    for (let i = s; i < e; i++) {
      const mine = code[i]!;
      const best = pluralityWithout(code, s, e, i, counts);
      if (best < 0) continue;
      const who = rater[i]!;
      n[who]!++;
      if (best === mine) hit[who]!++;
    }
    for (const c of present) counts[c] = 0;
  }
  const out: LeaveOneOut[] = [];
  for (let i = 0; i < raters; i++) out.push({ rater: i, n: n[i]!, agreement: n[i]! > 0 ? hit[i]! / n[i]! : NaN });
  return out;
}

/**
 * Groups indices 0…n-1 by their group `group[i]` (in 0…groups-1) with a counting sort: group g's indices, in
 * ascending order, are `order[start[g]]` up to (not including) `order[start[g + 1]]`.
 */
export function groupIndices(group: ArrayLike<number>, n: number, groups: number): { start: Int32Array; order: Int32Array } {
  const start = new Int32Array(groups + 1);
  for (let i = 0; i < n; i++) start[group[i]! + 1]!++;
  for (let g = 0; g < groups; g++) start[g + 1]! += start[g]!;
  const fill = start.slice(0, groups);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[fill[group[i]!]!++] = i;
  return { start, order };
}
