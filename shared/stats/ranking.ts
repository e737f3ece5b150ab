/**
 * Statistics of rankings of one item's answers (issue 11): Kendall's coefficient of concordance W among several
 * rankers, the consensus ranking by mean rank, Kendall's τ-b between two rankings, and the top-1 and first-position
 * scores the report's `judges[].ranking` averages. Ranks are mid-ranks (1 = best, tied answers share the mean of the
 * places they cover), as shared/ranking.ts `ranksOf` gives them. Answer counts are small (2–10), so the per-item
 * functions are direct O(n²) loops without allocation: the report calls them once per item and judge.
 */
import type { Ranking } from '../ranking';

/**
 * Kendall's coefficient of concordance W of `m` rankings of the same `n` objects, with the correction for ties
 * (Kendall & Babington Smith 1939, "The problem of m rankings", Ann. Math. Statist. 10(3); the correction as Kendall
 * 1948, "Rank correlation methods", ch. 6, and Siegel & Castellan 1988, "Nonparametric statistics", §9.3, give it;
 * R `irr::kendall(correct = TRUE)` and `vegan::kendall.global` compute the same):
 * W = 12 S / (m²(n³ − n) − m Σ_r T_r), with S = Σ_i (R_i − m(n + 1)/2)², R_i the sum of object i's ranks and
 * T_r = Σ (t³ − t) over the groups of t tied objects in ranking r. `ranks[r * n + i]` is object i's rank in ranking r
 * (mid-ranks for ties). NaN when n < 2, m < 1, or every ranking ties every object (the denominator is 0).
 */
export function kendallW(ranks: ArrayLike<number>, m: number, n: number): number {
  if (n < 2 || m < 1) return NaN;
  let s = 0;
  const mean = (m * (n + 1)) / 2;
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let k = 0; k < m; k++) r += ranks[k * n + i]!;
    s += (r - mean) * (r - mean);
  }
  let ties = 0;
  for (let k = 0; k < m; k++) ties += tieTerm(ranks, k * n, n);
  const denominator = m * m * (n * n * n - n) - m * ties;
  return denominator > 0 ? (12 * s) / denominator : NaN;
}

/** Σ (t³ − t) over the groups of t equal values in ranks[from … from + n − 1] (O(n²): n is at most a few dozen). */
function tieTerm(ranks: ArrayLike<number>, from: number, n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const v = ranks[from + i]!;
    let before = false;
    let t = 1;
    for (let j = 0; j < n; j++) {
      if (j === i || ranks[from + j] !== v) continue;
      if (j < i) {
        before = true;
        break;
      }
      t++;
    }
    // Each group is counted once, at its first member.
    if (!before) sum += t * t * t - t;
  }
  return sum;
}

/**
 * The mean rank of each of `n` objects over `m` rankings (`ranks[r * n + i]` as in {@link kendallW}): the consensus
 * by mean rank (Kendall 1948, ch. 6: the best estimate of the true ranking, when W is significant, orders the objects
 * by their rank sums). NaN for every object when m = 0.
 */
export function meanRanks(ranks: ArrayLike<number>, m: number, n: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let k = 0; k < m; k++) r += ranks[k * n + i]!;
    out[i] = m > 0 ? r / m : NaN;
  }
  return out;
}

/**
 * The ranking that orders the answers by a score where lower is better (a mean rank), equal scores tied in one
 * group: canonical (each group ascending). Exact equality: mean ranks of the same number of rankings are sums of
 * halves divided by one count, so equal sums give equal means.
 */
export function rankingByScore(score: ArrayLike<number>): Ranking {
  const idx = Array.from({ length: score.length }, (_, i) => i).sort((a, b) => score[a]! - score[b]! || a - b);
  const out: Ranking = [];
  for (const i of idx) {
    const last = out[out.length - 1];
    if (last && score[last[0]!] === score[i]) last.push(i);
    else out.push([i]);
  }
  return out;
}

/**
 * Kendall's τ-b (Kendall 1945, "The treatment of ties in ranking problems", Biometrika 33(3)) of two rankings of n
 * objects, from every pair: τ_b = (P − Q) / √((P + Q + X₀)(P + Q + Y₀)), X₀ (Y₀) the pairs tied in x only (y only);
 * the value `scipy.stats.kendalltau` (variant 'b') and ../correlation.ts `kendallTauB` give, here without sorting
 * or allocation for the few answers of one item. NaN when either ranking ties every pair.
 */
export function tauB(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  let concordant = 0;
  let discordant = 0;
  let xOnly = 0;
  let yOnly = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const dx = x[i]! - x[j]!;
      const dy = y[i]! - y[j]!;
      if (dx === 0 && dy === 0) continue;
      if (dx === 0) xOnly++;
      else if (dy === 0) yOnly++;
      else if (dx > 0 === dy > 0) concordant++;
      else discordant++;
    }
  }
  const d = (concordant + discordant + xOnly) * (concordant + discordant + yOnly);
  return d > 0 ? (concordant - discordant) / Math.sqrt(d) : NaN;
}

/**
 * How far a ranking's top agrees with a reference's (the report's `top1_accuracy`): the share of the ranking's top
 * group that is among the reference's top answers, i.e. the chance that one answer drawn from a k-way tie at the top
 * is a reference top answer (1 when the tops match, 1/k when the reference's single best is one of k tied at the
 * top). `ranks` and `ref` are mid-ranks of n answers.
 */
export function top1Score(ranks: ArrayLike<number>, ref: ArrayLike<number>, n: number): number {
  let top = Infinity;
  let refTop = Infinity;
  for (let i = 0; i < n; i++) {
    if (ranks[i]! < top) top = ranks[i]!;
    if (ref[i]! < refTop) refTop = ref[i]!;
  }
  let k = 0;
  let hit = 0;
  for (let i = 0; i < n; i++) {
    if (ranks[i] !== top) continue;
    k++;
    if (ref[i] === refTop) hit++;
  }
  return k > 0 ? hit / k : NaN;
}

/**
 * Whether a ranking puts the answer shown first at the top (the report's `first_position_rate`, a ranking's analogue
 * of a pairwise judge's preference for the first-shown answer; Zheng et al. 2023, MT-Bench §3.3): 1 when it alone is
 * ranked best, 1/k when it is one of k answers tied at the top, else 0. An order-blind ranker scores 1/n on average.
 */
export function firstPositionScore(ranks: ArrayLike<number>, shownFirst: number, n: number): number {
  let top = Infinity;
  for (let i = 0; i < n; i++) if (ranks[i]! < top) top = ranks[i]!;
  if (ranks[shownFirst] !== top) return 0;
  let k = 0;
  for (let i = 0; i < n; i++) if (ranks[i] === top) k++;
  return 1 / k;
}

/**
 * The share of the n(n − 1)/2 answer pairs on which two rankings state the same preference (both the same answer
 * ahead, or both a tie): the agreement of a vote with the consensus in the gold export. On the decomposition into
 * answer pairs it is the share of the vote's pairwise verdicts the consensus keeps; for two answers it is 1 when the
 * vote matches the consensus and 0 otherwise, the plurality's share of one vote. Equal to (1 + τ_a)/2 without ties
 * (Kendall 1938). NaN when n < 2.
 */
export function pairAgreement(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  let same = 0;
  let pairs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      pairs++;
      if (Math.sign(x[i]! - x[j]!) === Math.sign(y[i]! - y[j]!)) same++;
    }
  }
  return pairs > 0 ? same / pairs : NaN;
}
