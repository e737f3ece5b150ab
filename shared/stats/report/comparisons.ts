/**
 * The report's `comparisons`: is one judge more accurate than another, or than the humans, on the same items?
 * Paired tests (../paired.ts: McNemar's exact test on the discordant pairs, and a bootstrap interval of the
 * difference that resamples whole items), each annotator reduced to one vote per item (./one-vote.ts).
 *
 * The reference is gold when the project has gold items (and then only gold items count), else the human majority
 * (the plurality of the humans' ratings; tied items drop out):
 * - judge a vs judge b: one pair per item where both have a vote and the item has a reference;
 * - judge vs the pooled humans: one pair per (item, human) where the judge has a vote. Against gold, both are right
 *   when they give the gold label. Against the majority, the reference of the pair is the plurality of the OTHER
 *   humans on the item (leave-one-out, so a human is never scored against its own vote), and the judge is scored
 *   against that same reference, so both sides of a pair face one reference; no pair when it is tied or empty.
 */
import { pluralityWithout } from '../agreement';
import { pairedDifference } from '../paired';
import { NO_KEYS, NO_MEMO, type Memo, type SectionKeys } from './cache';
import type { Coded } from './coded';
import { num, type ComparisonTestJson } from './json';

/**
 * Every pair of judges (a before b in the annotators' order), then each judge against the humans. Through `memo`
 * (./cache.ts), a test is kept while its judges' labels (their counts), their names, the coding and options and
 * what it reads of the humans (`keys`: two judges read gold or else each item's majority, a judge and the humans
 * the humans' ratings) stay the same.
 */
export function comparisonsSection(c: Coded, votes: readonly (Int32Array | null)[], memo: Memo = NO_MEMO, keys: SectionKeys = NO_KEYS): ComparisonTestJson[] {
  const judges: number[] = [];
  votes.forEach((v, a) => v && judges.push(a));
  const state = (a: number) => `${JSON.stringify(c.annotators[a]!.id)}:${c.annotatorStart[a + 1]! - c.annotatorStart[a]!}`;
  const out: ComparisonTestJson[] = [];
  const pairKey = referenceKind(c) === 'gold' ? keys.own : keys.ref;
  for (let x = 0; x < judges.length; x++) {
    for (let y = x + 1; y < judges.length; y++) {
      const a = judges[x]!;
      const b = judges[y]!;
      out.push(memo.get(`vs-judge:${a}:${b}`, `${pairKey}|${state(a)}|${state(b)}`, () => judgeVsJudge(c, a, b, votes[a]!, votes[b]!)));
    }
  }
  const humans = JSON.stringify(c.humanIds);
  for (const a of judges) out.push(memo.get(`vs-humans:${a}`, `${keys.humans}|${state(a)}|${humans}`, () => judgeVsHumans(c, a, votes[a]!)));
  return out;
}

/** The per-item reference: gold when the project has any (items without it drop out), else the human plurality. */
const referenceKind = (c: Coded): 'gold' | 'majority' => (c.goldItems > 0 ? 'gold' : 'majority');

function judgeVsJudge(c: Coded, a: number, b: number, va: Int32Array, vb: Int32Array): ComparisonTestJson {
  const kind = referenceKind(c);
  const ref = kind === 'gold' ? c.gold : c.majority.winner;
  const { nItems } = c;
  const ra = new Float64Array(nItems);
  const rb = new Float64Array(nItems);
  const cluster = new Int32Array(nItems);
  let n = 0;
  for (let u = 0; u < nItems; u++) {
    const r = ref[u]!;
    const x = va[u]!;
    const y = vb[u]!;
    if (r < 0 || x < 0 || y < 0) continue;
    ra[n] = x === r ? 1 : 0;
    rb[n] = y === r ? 1 : 0;
    cluster[n++] = u;
  }
  return testJson(c, c.annotators[a]!.id, c.annotators[b]!.id, 'judge', kind, ra.subarray(0, n), rb.subarray(0, n), cluster.subarray(0, n), n);
}

function judgeVsHumans(c: Coded, a: number, va: Int32Array): ComparisonTestJson {
  const kind = referenceKind(c);
  const { start, code } = c.hr;
  const gold = c.gold;
  const size = code.length;
  const ra = new Float64Array(size);
  const rb = new Float64Array(size);
  const cluster = new Int32Array(size);
  const counts = new Int32Array(c.categories.length);
  let n = 0;
  let items = 0;
  for (let u = 0; u < c.nItems; u++) {
    const v = va[u]!;
    const s = start[u]!;
    const e = start[u + 1]!;
    if (v < 0 || s === e) continue;
    const before = n;
    if (kind === 'gold') {
      const g = gold[u]!;
      if (g < 0) continue;
      for (let j = s; j < e; j++) {
        ra[n] = v === g ? 1 : 0;
        rb[n] = code[j] === g ? 1 : 0;
        cluster[n++] = u;
      }
    } else {
      for (let j = s; j < e; j++) counts[code[j]!]!++;
      for (let j = s; j < e; j++) {
        const r = pluralityWithout(code, s, e, j, counts);
        if (r < 0) continue;
        ra[n] = v === r ? 1 : 0;
        rb[n] = code[j] === r ? 1 : 0;
        cluster[n++] = u;
      }
      for (let j = s; j < e; j++) counts[code[j]!] = 0;
    }
    if (n > before) items++;
  }
  return testJson(c, c.annotators[a]!.id, 'humans', 'humans', kind, ra.subarray(0, n), rb.subarray(0, n), cluster.subarray(0, n), items);
}

function testJson(
  c: Coded,
  a: string,
  b: string,
  bKind: 'judge' | 'humans',
  reference: 'gold' | 'majority',
  ra: Float64Array,
  rb: Float64Array,
  cluster: Int32Array,
  nItems: number,
): ComparisonTestJson {
  const d = pairedDifference(ra, rb, cluster, { resamples: c.options.resamples ?? 1000, seed: c.options.seed ?? 1 });
  return {
    a,
    b,
    b_kind: bKind,
    reference,
    n: d.n,
    n_items: nItems,
    accuracy_a: num(d.accuracyA),
    accuracy_b: num(d.accuracyB),
    difference: num(d.difference),
    ci95: [num(d.ci95[0]), num(d.ci95[1])],
    // No pair, no test (mcnemarExact would say 1 on no discordant pair, which reads as evidence of no difference).
    mcnemar_p: d.n === 0 ? null : num(d.p),
    a_only: d.aOnly,
    b_only: d.bOnly,
  };
}
