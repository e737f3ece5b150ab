/**
 * A ranking project's labels decomposed into answer pairs (issue 11), so that every pairwise statistic of the report
 * (agreement, kappas, Krippendorff's alpha, judges against the majority and gold, swap and position bias, length
 * bias, certainty, the alt-test, the paired comparisons, crowd models) runs on rankings unchanged: each pair of an
 * item's answers i < j is a virtual pairwise item, and each ranking label the preference it implies there
 * (`pairPreference` on `ranksOf`: `A` = answer i ranked above j, `B` below, `tie` in one group). Gold rankings
 * decompose the same way.
 *
 * - A pair's display order is `AB` when the label's stored permutation showed answer i before j, else `BA`; a label
 *   without a permutation has none.
 * - A judge's samples each come in their own random order, so on one pair some show it AB and some BA. The swap
 *   section pairs an AB label with a BA label of the same sample; here the k-th AB label and the k-th BA label of one
 *   judge on one pair share the virtual sample k, so swap consistency asks: does the judge's preference on a pair
 *   survive showing the pair the other way round?
 * - A label whose value is not a ranking of the item's answers (an invalid output, or a ranking of another number
 *   of answers) is invalid on every pair of the item.
 * - Seconds stay on the first pair of each label only (NaN on the others), so an annotator's median seconds are
 *   those of its rankings.
 */
import { parseRanking, ranksOf } from '../../ranking';
import { groupIndices } from '../agreement';
import { NO_PERMUTATION, RANKING_STRIDE, type RankingColumns, type ReportColumns } from './input';

/** Each category's ranks (mid-ranks, by answer) and answer count; null for a text that is no ranking. */
export interface RankingCodes {
  ranks: (Float64Array | null)[];
  answers: Int32Array;
}

/** Reads every category (a ranking's stored text) once. */
export function rankingCodes(categories: ReadonlyArray<string | number>): RankingCodes {
  const ranks: (Float64Array | null)[] = [];
  const answers = new Int32Array(categories.length);
  categories.forEach((text, k) => {
    let r: Float64Array | null = null;
    if (typeof text === 'string') {
      try {
        const v: unknown = JSON.parse(text);
        const n = Array.isArray(v) ? v.reduce<number>((s, g) => s + (Array.isArray(g) ? g.length : 1), 0) : 0;
        const parsed = n >= 2 && n <= RANKING_STRIDE ? parseRanking(v, n) : null;
        if (parsed && typeof parsed !== 'string') {
          r = ranksOf(parsed, n);
          answers[k] = n;
        }
      } catch {
        r = null;
      }
    }
    ranks.push(r);
  });
  return { ranks, answers };
}

/** The ranks of code k if it is a ranking of n answers, else null. */
export const ranksFor = (codes: RankingCodes, k: number, n: number): Float64Array | null => (k >= 0 && codes.answers[k] === n ? codes.ranks[k]! : null);

/** Answer pairs of an item of n answers. */
const pairsOf = (n: number): number => (n * (n - 1)) / 2;

/** The virtual pairwise columns, with each virtual item's real item. */
export interface Decomposition {
  columns: ReportColumns;
  /** Virtual item → its real item. */
  pairItem: Int32Array;
  codes: RankingCodes;
}

const A = 0;
const B = 1;
const TIE = 2;

/** Decomposes a ranking project's columns into answer pairs (see the file comment). */
export function decompose(input: ReportColumns, ranking: RankingColumns): Decomposition {
  const codes = rankingCodes(input.categories);
  const nItems = input.items.n;
  const pairStart = new Int32Array(nItems + 1);
  for (let u = 0; u < nItems; u++) pairStart[u + 1] = pairStart[u]! + pairsOf(ranking.answers[u]!);
  const nPairs = pairStart[nItems]!;
  const pairItem = new Int32Array(nPairs);
  const gold = new Int32Array(nPairs).fill(-1);
  const lengths = ranking.lengths;
  const lenA = lengths ? new Float64Array(nPairs) : null;
  const lenB = lengths ? new Float64Array(nPairs) : null;
  for (let u = 0; u < nItems; u++) {
    const n = ranking.answers[u]!;
    const g = ranksFor(codes, input.items.gold[u]!, n);
    let v = pairStart[u]!;
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++, v++) {
        pairItem[v] = u;
        if (g) gold[v] = preference(g, i, j);
        if (lenA && lenB && lengths) {
          lenA[v] = lengths[u * RANKING_STRIDE + i]!;
          lenB[v] = lengths[u * RANKING_STRIDE + j]!;
        }
      }
    }
  }
  const slice = input.items.slice;
  const columns: ReportColumns = {
    project: { ...input.project, type: 'pairwise' },
    categories: ['A', 'B', 'tie'],
    items: {
      n: nPairs,
      gold,
      lenA,
      lenB,
      slice: slice ? { by: slice.by, values: slice.values, group: Int32Array.from(pairItem, (u) => slice.group[u]!) } : slice,
    },
    annotators: input.annotators,
    labels: pairLabels(input, ranking, codes, pairStart),
    ...(input.options ? { options: input.options } : {}),
  };
  return { columns, pairItem, codes };
}

const preference = (r: Float64Array, i: number, j: number): number => (r[i]! < r[j]! ? A : r[i]! > r[j]! ? B : TIE);

/** The virtual labels: each label's preference on every pair of its item, in label order. */
function pairLabels(input: ReportColumns, ranking: RankingColumns, codes: RankingCodes, pairStart: Int32Array): ReportColumns['labels'] {
  const L = input.labels;
  const from = new Int32Array(L.n + 1);
  for (let l = 0; l < L.n; l++) from[l + 1] = from[l]! + pairsOf(ranking.answers[L.item[l]!]!);
  const total = from[L.n]!;
  const out: ReportColumns['labels'] = {
    n: total,
    item: new Int32Array(total),
    annotator: new Int32Array(total),
    code: new Int32Array(total),
    certainty: new Float32Array(total),
    order: new Int8Array(total),
    sample: new Float64Array(total),
    seconds: new Float32Array(total).fill(NaN),
  };
  const pos = new Int32Array(RANKING_STRIDE);
  for (let l = 0; l < L.n; l++) {
    const u = L.item[l]!;
    const n = ranking.answers[u]!;
    if (n === 0) continue;
    const r = ranksFor(codes, L.code[l]!, n);
    const shown = displayPositions(ranking.permutation, l, n, pos);
    const s = from[l]!;
    out.seconds[s] = L.seconds[l]!;
    const annotator = L.annotator[l]!;
    const certainty = L.certainty[l]!;
    const sample = L.sample[l]!;
    let v = s;
    let w = pairStart[u]!;
    // One pass writing every column (typed-array fills of a few slots cost more than the writes themselves).
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++, v++, w++) {
        out.item[v] = w;
        out.annotator[v] = annotator;
        out.certainty[v] = certainty;
        out.sample[v] = sample;
        out.code[v] = r ? (r[i]! < r[j]! ? A : r[i]! > r[j]! ? B : TIE) : -1;
        out.order[v] = shown ? (pos[i]! < pos[j]! ? 1 : 2) : 0;
      }
    }
  }
  swapSamples(input, out, from);
  return out;
}

/**
 * Fills `pos` (answer → display position) from label l's permutation; false when the label has none or it is not
 * an order of the item's n answers.
 */
function displayPositions(permutation: Uint8Array, l: number, n: number, pos: Int32Array): boolean {
  const at = l * RANKING_STRIDE;
  if (permutation[at] === NO_PERMUTATION) return false;
  pos.fill(-1, 0, n);
  for (let p = 0; p < n; p++) {
    const a = permutation[at + p]!;
    if (a >= n || pos[a]! >= 0) return false;
    pos[a] = p;
  }
  return true;
}

/**
 * Gives a judge's k-th AB label and k-th BA label of one pair the virtual sample k (see the file comment): a pass
 * over each item's labels (grouped by a stable counting sort), counting, per label and pair, the annotator's earlier
 * labels of the item shown in the same order. Humans are left as they are (the swap section reads judges only).
 */
function swapSamples(input: ReportColumns, out: ReportColumns['labels'], from: Int32Array): void {
  const L = input.labels;
  const judge = new Uint8Array(input.annotators.length);
  input.annotators.forEach((a, k) => (judge[k] = a.kind === 'llm' ? 1 : 0));
  const { start, order } = groupIndices(L.item, L.n, input.items.n);
  for (let u = 0; u < input.items.n; u++) {
    for (let x = start[u]!; x < start[u + 1]!; x++) {
      const l = order[x]!;
      const a = L.annotator[l]!;
      const s = from[l]!;
      const pairs = from[l + 1]! - s;
      if (!judge[a] || pairs === 0 || out.order[s] === 0) continue;
      for (let p = 0; p < pairs; p++) out.sample[s + p] = 0;
      for (let y = start[u]!; y < x; y++) {
        const e = order[y]!;
        if (L.annotator[e] !== a || out.order[from[e]!] === 0) continue;
        const t = from[e]!;
        for (let p = 0; p < pairs; p++) if (out.order[t + p] === out.order[s + p]) out.sample[s + p]!++;
      }
    }
  }
}
