/**
 * The gold label of a ranking item (issue 11): the researcher's adjudication, else the item's gold ranking, else the
 * consensus of the votes by mean rank (source `mean-rank`).
 *
 * - One vote per annotator, as for every type: a judge's labels on the item (every sample, each in its own order)
 *   reduce to one ranking by their mean rank, as the report reduces them; a value that is no ranking of the item's
 *   answers (an invalid output) is no vote.
 * - The consensus orders the answers by their mean rank over the votes (Kendall 1948, ch. 6); equal means tie.
 * - `agreement` is the mean over the votes of the share of answer pairs on which the vote states the label's
 *   preference (both the same answer ahead, or both tied: ../../shared/stats/ranking.ts `pairAgreement`). It lies in
 *   [0, 1] like every other source's agreement, so `min_agreement` keeps its meaning; it is 1 only when every vote is
 *   the label; and on two answers it is the share of votes that match the label, today's plurality share. (The mean
 *   τ-b was the other candidate: it is negative for reversed votes and undefined for a vote that ties everything.)
 * - `posterior` is null: mean rank fits no probability model.
 */
import { ranksOf, rankingText, readRanking } from '../../shared/ranking';
import { meanRanks, pairAgreement, rankingByScore } from '../../shared/stats/ranking';
import type { GoldRecord } from '../../shared/views';
import type { ExportItemRow } from './exports.repo';

/** A label on an exported item, as the gold record lists it. */
export interface ExportLabel {
  annotator: string;
  kind: 'human' | 'llm';
  value: string | number | null;
  certainty: number | null;
  rationale: string | null;
}

/** An item's gold label and where it comes from, with the votes behind it (`n`) and their `agreement` with it. */
export interface Decided {
  label: string | number;
  source: GoldRecord['source'];
  posterior: number | null;
  agreement: number | null;
  n: number;
}

/** The options the decision reads (the export's query). */
export interface GoldBars {
  min_labels: number;
  min_agreement: number;
}

/** Each annotator's vote: the mean rank of its valid rankings of the item's `n` answers (annotators in first-seen order). */
export function rankingVotes(used: readonly ExportLabel[], n: number): Float64Array[] {
  const sums = new Map<string, { sum: Float64Array; count: number }>();
  for (const l of used) {
    const r = readRanking(l.value, n);
    if (!r) continue;
    const key = `${l.kind}\u0000${l.annotator}`;
    let s = sums.get(key);
    if (!s) sums.set(key, (s = { sum: new Float64Array(n), count: 0 }));
    const ranks = ranksOf(r, n);
    for (let i = 0; i < n; i++) s.sum[i]! += ranks[i]!;
    s.count++;
  }
  return [...sums.values()].map((s) => s.sum.map((x) => x / s.count));
}

/** The mean over the votes of their pair agreement with `ranks`; null without votes. */
function agreementWith(votes: readonly Float64Array[], ranks: Float64Array, n: number): number | null {
  if (votes.length === 0) return null;
  let sum = 0;
  for (const v of votes) sum += pairAgreement(v, ranks, n);
  return sum / votes.length;
}

/** See the file comment; null when the item has no gold label under the bars. */
export function decideRanking(it: ExportItemRow, used: readonly ExportLabel[], n: number, q: GoldBars): Decided | null {
  const votes = n >= 2 ? rankingVotes(used, n) : [];
  const person = (label: string | number, source: 'adjudicated' | 'gold'): Decided => {
    const r = readRanking(label, n);
    return { label, source, posterior: null, agreement: r ? agreementWith(votes, ranksOf(r, n), n) : null, n: votes.length };
  };
  if (it.adj_value !== null) return person(it.adj_value, 'adjudicated');
  if (it.gold !== null) return person(it.gold, 'gold');
  if (votes.length === 0) return null;
  const stacked = new Float64Array(votes.length * n);
  votes.forEach((v, k) => stacked.set(v, k * n));
  // A judge's vote is a mean of its samples: rounding to 1e-9 keeps means that are equal on paper tied when
  // floating-point sums taken in different orders differ in the last bit.
  const consensus = rankingByScore(meanRanks(stacked, votes.length, n).map((x) => Math.round(x * 1e9) / 1e9));
  const agreement = agreementWith(votes, ranksOf(consensus, n), n);
  if (votes.length < q.min_labels || (agreement ?? 0) < q.min_agreement) return null;
  return { label: rankingText(consensus), source: 'mean-rank', posterior: null, agreement, n: votes.length };
}
