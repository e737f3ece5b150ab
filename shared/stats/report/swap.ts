/**
 * The report's swap section for one judge (pairwise projects): its AB and BA labels of the same item and sample
 * form one pair; position bias (consistency, first-position rate) as ../pairwise.ts defines it, and the accuracy of
 * the pair's aggregated verdict (JudgeBench's `net` and `strict` rules) against the item's reference.
 */
import { aggregateSwap, positionBias, type SwapPair, type Verdict } from '../pairwise';
import type { Coded } from './coded';
import { num, type N, type ReportJson } from './json';

type SwapJson = ReportJson['judges'][number]['swap'];

const VERDICTS: readonly Verdict[] = ['A', 'B', 'tie'];
/** A verdict's index in VERDICTS; an invalid output (null) reads as a tie, as aggregation reads it. */
const verdictIndex = (v: Verdict | null): number => (v === 'A' ? 0 : v === 'B' ? 1 : 2);

/** The swap section of a judge's labels `mine`; null when none of them forms an AB/BA pair. */
export function swapFor(c: Coded, mine: Int32Array): SwapJson {
  const { units, unitItem } = swapPairs(c, mine);
  if (units.length === 0) return null;
  const policy = c.invalidPolicy;
  const bias = positionBias(units, policy);
  const { reference, aCode, bCode, tieCode } = c;
  const acc = (rule: 'net' | 'strict'): N => {
    // The code of aggregateSwap(ab, ba, rule) for each of the 9 pairs of verdicts, looked up rather than aggregated per pair.
    const codeOf = [aCode, bCode, tieCode];
    const aggregated = VERDICTS.flatMap((ab) => VERDICTS.map((ba) => codeOf[verdictIndex(aggregateSwap(ab, ba, rule))]!));
    let n = 0;
    let hit = 0;
    for (let t = 0; t < units.length; t++) {
      const p = units[t]!;
      const ref = reference[unitItem[t]!]!;
      if (ref < 0) continue;
      if ((p.ab === null || p.ba === null) && policy === 'exclude') continue;
      n++;
      if (aggregated[verdictIndex(p.ab) * 3 + verdictIndex(p.ba)] === ref) hit++;
    }
    return n ? hit / n : null;
  };
  // Pairs counted by the invalid policy, and the distinct items among them.
  const counted = new Set<number>();
  units.forEach((p, t) => {
    if (policy === 'tie' || (p.ab !== null && p.ba !== null)) counted.add(unitItem[t]!);
  });
  return {
    items: bias.items,
    pairs: bias.items,
    n_items: counted.size,
    consistency: num(bias.consistency),
    first_position_rate: num(bias.firstPositionRate),
    net: { accuracy: acc('net') },
    strict: { accuracy: acc('strict') },
  };
}

/**
 * Pairs each AB label with the BA label of the same item and sample: groups the judge's ordered labels by item
 * (counting sort), then matches within each item's few labels.
 */
function swapPairs(c: Coded, mine: Int32Array): { units: SwapPair[]; unitItem: number[] } {
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
  const verdict = (i: number): Verdict | null => {
    const code = codeOf[i]!;
    return code === c.aCode ? 'A' : code === c.bCode ? 'B' : code === c.tieCode ? 'tie' : null;
  };
  const units: SwapPair[] = [];
  const unitItem: number[] = [];
  for (let u = 0; u < nItems; u++) {
    for (let x = from[u]!; x < from[u + 1]!; x++) {
      const i = grouped[x]!;
      if (orderOf[i] !== 1) continue;
      for (let y = from[u]!; y < from[u + 1]!; y++) {
        const j = grouped[y]!;
        if (orderOf[j] === 2 && sampleOf[j] === sampleOf[i]) {
          units.push({ ab: verdict(i), ba: verdict(j) });
          unitItem.push(u);
          break;
        }
      }
    }
  }
  return { units, unitItem };
}
