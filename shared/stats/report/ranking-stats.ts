/**
 * The report's statistics of whole rankings (issue 11): Kendall's W among the humans (`humans.kendall_w`) and each
 * judge's `ranking` (RankingJudgeJson: τ-b and top-1 against the humans' consensus by mean rank and against gold,
 * and how often the answer shown first is ranked first). Each statistic's source is on its function in ../ranking.ts.
 *
 * Definitions:
 * - A human's ranking of an item is its first label there whose value is a ranking of the item's answers (as every
 *   other section takes a human's first label); the consensus is the answers ordered by their mean rank over the
 *   humans who ranked the item (one human is a consensus, as one label is a majority).
 * - `kendall_w` is the mean of W over the items two or more humans ranked; an item on which every human tied all
 *   answers has no W (0/0) and is left out of the mean and of `kendall_w_items`.
 * - A judge's labels on an item reduce to one ranking by mean rank (every valid sample, whatever its order). τ-b is
 *   averaged over the items where it is defined (a ranking that ties every answer has none), `top1_accuracy` over
 *   `items`, the items with both the judge's ranking and the reference.
 * - `first_position_rate` counts each valid judge label with a display order; an invalid output counts in no
 *   ranking statistic, whatever the `invalid` policy (which the decomposition applies to the pairwise statistics).
 * - `gold` is null when none of the items has a gold ranking.
 */
import { firstPositionScore, kendallW, top1Score, tauB } from '../ranking';
import { groupIndices } from '../agreement';
import { NO_PERMUTATION, RANKING_STRIDE, type RankingColumns, type ReportColumns } from './input';
import { num, type N, type RankingJudgeJson } from './json';
import { ranksFor, type RankingCodes } from './ranking-pairs';

/** What the ranking statistics read: the real columns, their ranking columns and codes, labels grouped by item. */
export interface RankingInput {
  columns: ReportColumns;
  ranking: RankingColumns;
  codes: RankingCodes;
  /** Labels of item u are byItem[start[u] … start[u + 1] − 1], in label order. */
  start: Int32Array;
  byItem: Int32Array;
}

export function rankingInput(columns: ReportColumns, ranking: RankingColumns, codes: RankingCodes): RankingInput {
  const { start, order } = groupIndices(columns.labels.item, columns.labels.n, columns.items.n);
  return { columns, ranking, codes, start, byItem: order };
}

/** Sums behind one judge's RankingJudgeJson. */
class JudgeSums {
  tau = 0;
  tauItems = 0;
  top1 = 0;
  items = 0;
  goldTau = 0;
  goldTauItems = 0;
  goldTop1 = 0;
  goldItems = 0;
  first = 0;
  expected = 0;
  rankings = 0;
}

export interface RankingStats {
  kendallW: N;
  kendallWItems: number;
  /** Per annotator index: the judge's ranking statistics (undefined for a human). */
  judges: (RankingJudgeJson | undefined)[];
}

/** The statistics over the items `items` (every item when null). */
export function rankingStats(r: RankingInput, items: ArrayLike<number> | null): RankingStats {
  const { columns } = r;
  const nAnn = columns.annotators.length;
  const judge = columns.annotators.map((a) => a.kind === 'llm');
  const sums = columns.annotators.map((_, a) => (judge[a] ? new JudgeSums() : null));
  const scratch = new Scratch(nAnn);
  let wSum = 0;
  let wItems = 0;
  let goldAny = false;
  const count = items ? items.length : columns.items.n;
  for (let t = 0; t < count; t++) {
    const u = items ? items[t]! : t;
    const n = r.ranking.answers[u]!;
    if (n < 2) continue;
    const gold = ranksFor(r.codes, columns.items.gold[u]!, n);
    if (gold) goldAny = true;
    const w = itemPass(r, u, n, scratch, sums);
    if (Number.isFinite(w)) {
      wSum += w;
      wItems++;
    }
    for (const a of scratch.touched) judgeItem(scratch, a, n, sums[a]!, gold);
  }
  return {
    kendallW: wItems ? wSum / wItems : null,
    kendallWItems: wItems,
    judges: sums.map((s) => (s ? judgeJson(s, goldAny) : undefined)),
  };
}

/** Per-item working space: the humans' ranks, the consensus, each judge's rank sums. */
class Scratch {
  humanRanks = new Float64Array(0);
  humans: number[] = [];
  consensus = new Float64Array(RANKING_STRIDE);
  hasConsensus = false;
  judgeSum: Float64Array;
  judgeCount: Int32Array;
  touched: number[] = [];
  mean = new Float64Array(RANKING_STRIDE);
  constructor(nAnn: number) {
    this.judgeSum = new Float64Array(nAnn * RANKING_STRIDE);
    this.judgeCount = new Int32Array(nAnn);
  }
}

/**
 * One item's labels: the humans' first rankings (W and the consensus into `s`), each judge's rank sums, and the
 * judges' first-position scores. Returns the item's W (NaN when fewer than two humans ranked it, or undefined).
 */
function itemPass(r: RankingInput, u: number, n: number, s: Scratch, sums: (JudgeSums | null)[]): number {
  const L = r.columns.labels;
  const perm = r.ranking.permutation;
  s.humans.length = 0;
  s.touched.length = 0;
  if (s.humanRanks.length < (r.start[u + 1]! - r.start[u]!) * n) s.humanRanks = new Float64Array((r.start[u + 1]! - r.start[u]!) * n * 2);
  for (let x = r.start[u]!; x < r.start[u + 1]!; x++) {
    const l = r.byItem[x]!;
    const ranks = ranksFor(r.codes, L.code[l]!, n);
    if (!ranks) continue;
    const a = L.annotator[l]!;
    const js = sums[a];
    if (!js) {
      if (s.humans.includes(a)) continue;
      const at = s.humans.length * n;
      for (let i = 0; i < n; i++) s.humanRanks[at + i] = ranks[i]!;
      s.humans.push(a);
      continue;
    }
    if (s.judgeCount[a] === 0) s.touched.push(a);
    s.judgeCount[a]!++;
    for (let i = 0; i < n; i++) s.judgeSum[a * RANKING_STRIDE + i]! += ranks[i]!;
    const shownFirst = perm[l * RANKING_STRIDE]!;
    if (shownFirst !== NO_PERMUTATION && shownFirst < n) {
      js.first += firstPositionScore(ranks, shownFirst, n);
      js.expected += 1 / n;
      js.rankings++;
    }
  }
  const m = s.humans.length;
  s.hasConsensus = m > 0;
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let k = 0; k < m; k++) sum += s.humanRanks[k * n + i]!;
    s.consensus[i] = sum / m;
  }
  return m >= 2 ? kendallW(s.humanRanks, m, n) : NaN;
}

/** Judge a's one ranking of the item (mean rank of its samples) against the consensus and gold; resets its sums. */
function judgeItem(s: Scratch, a: number, n: number, js: JudgeSums, gold: Float64Array | null): void {
  const k = s.judgeCount[a]!;
  for (let i = 0; i < n; i++) {
    s.mean[i] = s.judgeSum[a * RANKING_STRIDE + i]! / k;
    s.judgeSum[a * RANKING_STRIDE + i] = 0;
  }
  s.judgeCount[a] = 0;
  if (s.hasConsensus) {
    const tau = tauB(s.mean, s.consensus, n);
    if (Number.isFinite(tau)) {
      js.tau += tau;
      js.tauItems++;
    }
    js.top1 += top1Score(s.mean, s.consensus, n);
    js.items++;
  }
  if (gold) {
    const tau = tauB(s.mean, gold, n);
    if (Number.isFinite(tau)) {
      js.goldTau += tau;
      js.goldTauItems++;
    }
    js.goldTop1 += top1Score(s.mean, gold, n);
    js.goldItems++;
  }
}

const ratio = (a: number, b: number): N => (b > 0 ? num(a / b) : null);

function judgeJson(s: JudgeSums, goldAny: boolean): RankingJudgeJson {
  return {
    kendall_tau_b: ratio(s.tau, s.tauItems),
    top1_accuracy: ratio(s.top1, s.items),
    items: s.items,
    gold: goldAny ? { kendall_tau_b: ratio(s.goldTau, s.goldTauItems), top1_accuracy: ratio(s.goldTop1, s.goldItems), items: s.goldItems } : null,
    first_position_rate: ratio(s.first, s.rankings),
    first_position_expected: ratio(s.expected, s.rankings),
    rankings: s.rankings,
  };
}
