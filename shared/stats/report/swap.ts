/**
 * The report's swap section for one judge (pairwise projects): its AB and BA labels of the same item and sample
 * form one pair; position bias (consistency, first-position rate) as ../pairwise.ts defines it, and the accuracy of
 * the pair's aggregated verdict (JudgeBench's `net` and `strict` rules) against the item's reference.
 */
import { aggregateSwap, positionBiasOfTally, SWAP_VERDICTS, type Verdict } from '../pairwise';
import type { Coded } from './coded';
import { num, type N, type ReportJson } from './json';

type SwapJson = ReportJson['judges'][number]['swap'];

/** A judge's AB/BA pairs as columns: each run's verdict index in SWAP_VERDICTS (3: invalid), and the pair's item. */
interface SwapPairs {
  n: number;
  ab: Uint8Array;
  ba: Uint8Array;
  item: Int32Array;
}

/** What a judge's swap section reads of its own labels alone: its pairs, its position bias and the items they count. */
export interface SwapOwn {
  pairs: SwapPairs;
  bias: ReturnType<typeof positionBiasOfTally>;
  /** Distinct items among the pairs the invalid policy counts. */
  nItems: number;
}

/** The swap section of a judge's labels `mine`; null when none of them forms an AB/BA pair. */
export function swapFor(c: Coded, mine: Int32Array): SwapJson {
  return swapJson(c, swapOwn(c, mine));
}

/** The part of a judge's swap section that reads no reference (null when no label forms an AB/BA pair). */
export function swapOwn(c: Coded, mine: Int32Array): SwapOwn | null {
  const pairs = swapPairs(c, mine);
  if (pairs.n === 0) return null;
  const policy = c.invalidPolicy;
  const tally = new Float64Array(16);
  for (let t = 0; t < pairs.n; t++) tally[pairs.ab[t]! * 4 + pairs.ba[t]!]!++;
  const bias = positionBiasOfTally(tally, policy);
  // Pairs counted by the invalid policy, and the distinct items among them.
  const counted = new Uint8Array(c.nItems);
  let nItems = 0;
  for (let t = 0; t < pairs.n; t++) {
    if (policy === 'exclude' && (pairs.ab[t] === 3 || pairs.ba[t] === 3)) continue;
    const u = pairs.item[t]!;
    if (!counted[u]) {
      counted[u] = 1;
      nItems++;
    }
  }
  return { pairs, bias, nItems };
}

/** The swap section from its own part (./swap.ts `swapOwn`) and the items' references. */
export function swapJson(c: Coded, own: SwapOwn | null): SwapJson {
  if (!own) return null;
  const { pairs, bias, nItems } = own;
  const policy = c.invalidPolicy;
  const { reference, aCode, bCode, tieCode } = c;
  const acc = (rule: 'net' | 'strict'): N => {
    // The code of aggregateSwap(ab, ba, rule) for each of the 16 pairs of verdicts (an invalid run aggregates as a
    // tie), looked up rather than aggregated per pair.
    const codeOf: Record<Verdict, number> = { A: aCode, B: bCode, tie: tieCode };
    const aggregated = SWAP_VERDICTS.flatMap((ab) => SWAP_VERDICTS.map((ba) => codeOf[aggregateSwap(ab ?? 'tie', ba ?? 'tie', rule)]));
    let n = 0;
    let hit = 0;
    for (let t = 0; t < pairs.n; t++) {
      const ref = reference[pairs.item[t]!]!;
      if (ref < 0) continue;
      const cell = pairs.ab[t]! * 4 + pairs.ba[t]!;
      if ((pairs.ab[t] === 3 || pairs.ba[t] === 3) && policy === 'exclude') continue;
      n++;
      if (aggregated[cell] === ref) hit++;
    }
    return n ? hit / n : null;
  };
  return {
    items: bias.items,
    pairs: bias.items,
    n_items: nItems,
    consistency: num(bias.consistency),
    first_position_rate: num(bias.firstPositionRate),
    net: { accuracy: acc('net') },
    strict: { accuracy: acc('strict') },
  };
}

/**
 * Pairs each AB label with the BA label of the same item and sample: groups the judge's ordered labels by item
 * (counting sort), then matches within each item's few labels. Columns, not an object per pair: a judge of a 1M-item
 * project has a million pairs, and their objects cost more in garbage collection than the matching itself.
 */
function swapPairs(c: Coded, mine: Int32Array): SwapPairs {
  const { nItems } = c;
  const { item: itemOf, order: orderOf, sample: sampleOf, code: codeOf } = c.labels;
  const from = new Int32Array(nItems + 1);
  for (let t = 0; t < mine.length; t++) if (orderOf[mine[t]!] !== 0) from[itemOf[mine[t]!]! + 1]!++;
  for (let u = 0; u < nItems; u++) from[u + 1]! += from[u]!;
  const fill = from.slice(0, nItems);
  const grouped = new Int32Array(from[nItems]!);
  for (let t = 0; t < mine.length; t++) {
    const i = mine[t]!;
    if (orderOf[i] !== 0) grouped[fill[itemOf[i]!]!++] = i;
  }
  const verdict = (i: number): number => {
    const code = codeOf[i]!;
    return code === c.aCode ? 0 : code === c.bCode ? 1 : code === c.tieCode ? 2 : 3;
  };
  // At most one pair per AB label.
  const most = grouped.length;
  const out: SwapPairs = { n: 0, ab: new Uint8Array(most), ba: new Uint8Array(most), item: new Int32Array(most) };
  for (let u = 0; u < nItems; u++) {
    for (let x = from[u]!; x < from[u + 1]!; x++) {
      const i = grouped[x]!;
      if (orderOf[i] !== 1) continue;
      for (let y = from[u]!; y < from[u + 1]!; y++) {
        const j = grouped[y]!;
        if (orderOf[j] === 2 && sampleOf[j] === sampleOf[i]) {
          out.ab[out.n] = verdict(i);
          out.ba[out.n] = verdict(j);
          out.item[out.n++] = u;
          break;
        }
      }
    }
  }
  return out;
}
