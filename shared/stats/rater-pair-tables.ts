/**
 * Every rater pair's agreement table filled in one pass over the co-ratings (for {@link raterPairs} when pairs ×
 * categories² is small: grouping co-ratings by pair first costs a cache miss each, about 0.4 s of a 200k-item report).
 */
import type { RaterPair } from './agreement';
import { agreementFromTable, kappaFromTable } from './kappa';
import type { Ratings } from './ratings';

/** {@link raterPairs} with one k × k table per pair, all filled in one pass over the co-ratings. */
export function raterPairsByTables(r: Ratings, options: { weighted?: boolean }): RaterPair[] {
  const { start, rater, code, units, raters } = r;
  const k = r.categories.length;
  const kk = k * k;
  const dense = raters * raters <= 1 << 22 ? new Int32Array(raters * raters).fill(-1) : null;
  const index = new Map<number, number>();
  const keys: number[] = [];
  let tables = new Float64Array(kk * 64);
  for (let u = 0; u < units; u++) {
    const e = start[u + 1]!;
    for (let i = start[u]!; i < e; i++) {
      const ri = rater[i]!;
      const ci = code[i]!;
      for (let j = i + 1; j < e; j++) {
        const rj = rater[j]!;
        const inOrder = ri <= rj;
        const key = inOrder ? ri * raters + rj : rj * raters + ri;
        let p = dense ? dense[key]! : index.get(key) ?? -1;
        if (p < 0) {
          p = keys.length;
          if (dense) dense[key] = p;
          else index.set(key, p);
          keys.push(key);
          if ((p + 1) * kk > tables.length) {
            const grown = new Float64Array(tables.length * 2);
            grown.set(tables);
            tables = grown;
          }
        }
        tables[p * kk + (inOrder ? ci * k + code[j]! : code[j]! * k + ci)]!++;
      }
    }
  }
  const out: RaterPair[] = [];
  for (let p = 0; p < keys.length; p++) {
    const table = tables.subarray(p * kk, (p + 1) * kk);
    let n = 0;
    for (let x = 0; x < kk; x++) n += table[x]!;
    out.push(pairFromTable(keys[p]!, raters, n, table, k, options));
  }
  out.sort((x, y) => x.a - y.a || x.b - y.b);
  return out;
}

/** The pair with key `a · raters + b`, from its k × k table of co-ratings (n of them); both of raterPairs' routes. */
export function pairFromTable(key: number, raters: number, n: number, table: Float64Array, k: number, options: { weighted?: boolean }): RaterPair {
  const pair: RaterPair = {
    a: Math.floor(key / raters),
    b: key % raters,
    n,
    percentAgreement: agreementFromTable(table, k),
    cohenKappa: kappaFromTable(table, k),
  };
  if (options.weighted) pair.weightedKappa = { linear: kappaFromTable(table, k, 'linear'), quadratic: kappaFromTable(table, k, 'quadratic') };
  return pair;
}
