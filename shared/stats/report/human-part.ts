/**
 * The humans' part of the coded columns (./coded.ts `humanPart`: the ratings, their majority, each item's reference
 * and mean human rating) brought up to date after new labels, for the report worker's cache (./cache.ts): labels
 * are only appended, so a new rating (a human's first non-null label on an item) goes at the end of its item's row,
 * as ratingsFromCoded puts it, and only the items that got one have their majority, reference and mean redone. The
 * counts of the majority are integers, so patching them gives the same numbers; every item's mean is summed over
 * its own row in row order, as humanPart sums it. The result equals humanPart's on all the labels
 * (test/unit/stats/report-cache.test.ts compares them).
 */
import { TIED, unitPlurality, type Majority } from '../agreement';
import type { Ratings } from '../ratings';
import { Plurality } from '../votes';
import type { CodedHead, CodedLabels, HumanPart } from './coded';

/** The humans' part after labels n0 … labels.n − 1 (`old` itself when none of them is a new human rating). */
export function humanPartAfter(head: CodedHead, labels: CodedLabels, old: HumanPart, n0: number): HumanPart {
  const added = newRatings(old.hr, labels, n0);
  if (added.length === 0) return old;
  const hr = grownRatings(head, old.hr, added);
  const rows = Int32Array.from(new Set(added.map((x) => x.u))).sort();
  const majority = patchedMajority(old.majority, hr, rows);
  const reference = old.reference.slice();
  for (const u of rows) reference[u] = head.gold[u]! >= 0 ? head.gold[u]! : majority.winner[u]!;
  let humanMean = old.humanMean;
  if (head.numericRatings) {
    humanMean = old.humanMean.slice();
    const numeric = head.categories as readonly number[];
    for (const u of rows) {
      let sum = 0;
      for (let j = hr.start[u]!; j < hr.start[u + 1]!; j++) sum += numeric[hr.code[j]!]!;
      humanMean[u] = sum / (hr.start[u + 1]! - hr.start[u]!);
    }
  }
  return { hr, majority, reference, humanMean };
}

interface Rating {
  u: number;
  rater: number;
  code: number;
}

/** The ratings among labels n0 … n − 1, in label order: a human's first non-null label on an item it had not rated. */
function newRatings(hr: Ratings, labels: CodedLabels, n0: number): Rating[] {
  const out: Rating[] = [];
  const seen = new Set<number>(); // item · raters + rater of the ratings found so far
  const { item, humanRater, humanCode } = labels;
  for (let i = n0; i < labels.n; i++) {
    const code = humanCode[i]!;
    if (code < 0) continue;
    const u = item[i]!;
    const rater = humanRater[i]!;
    let dup = seen.has(u * hr.raters + rater);
    for (let j = hr.start[u]!; !dup && j < hr.start[u + 1]!; j++) dup = hr.rater[j] === rater;
    if (dup) continue;
    seen.add(u * hr.raters + rater);
    out.push({ u, rater, code });
  }
  return out;
}

/** The ratings with `added` appended to their items' rows, in order; new arrays (the old ones may still be read). */
function grownRatings(head: CodedHead, hr: Ratings, added: readonly Rating[]): Ratings {
  const units = hr.units;
  const byItem = [...added].sort((a, b) => a.u - b.u); // stable: an item's new ratings stay in label order
  const total = hr.start[units]! + added.length;
  const start = new Int32Array(units + 1);
  const rater = new Int32Array(total);
  const code = new Int32Array(total);
  let shift = 0; // ratings added to the items before the one at hand
  let from = 0; // the next item whose start is not yet written
  let x = 0;
  while (x < byItem.length) {
    const u = byItem[x]!.u;
    for (let v = from; v <= u; v++) start[v] = hr.start[v]! + shift;
    const e = hr.start[u + 1]!;
    // The old rows up to and including item u's, moved up by `shift`, then item u's new ratings.
    const copyFrom = from === 0 ? 0 : hr.start[from]!;
    rater.set(hr.rater.subarray(copyFrom, e), copyFrom + shift);
    code.set(hr.code.subarray(copyFrom, e), copyFrom + shift);
    let w = e + shift;
    for (; x < byItem.length && byItem[x]!.u === u; x++, w++) {
      rater[w] = byItem[x]!.rater;
      code[w] = byItem[x]!.code;
      shift++;
    }
    from = u + 1;
  }
  for (let v = from; v <= units; v++) start[v] = hr.start[v]! + shift;
  const copyFrom = from === 0 ? 0 : hr.start[from]!;
  rater.set(hr.rater.subarray(copyFrom), copyFrom + shift);
  code.set(hr.code.subarray(copyFrom), copyFrom + shift);
  return { categories: head.categories, units, raters: hr.raters, start, rater, code };
}

/** The majority with the items `rows` voted again (as majorityVote does) and their old results taken out of the counts. */
function patchedMajority(old: Majority, hr: Ratings, rows: Int32Array): Majority {
  const winner = old.winner.slice();
  const wins = old.counts.slice();
  let { tied, decided } = old;
  const counts = new Float64Array(hr.categories.length);
  const vote = new Plurality<number>();
  for (const u of rows) {
    const was = winner[u]!;
    if (was === TIED) tied--;
    else if (was >= 0) {
      wins[was]!--;
      decided--;
    }
    const w = (winner[u] = unitPlurality(hr.code, hr.start[u]!, hr.start[u + 1]!, vote, counts));
    if (w === TIED) tied++;
    else if (w >= 0) {
      wins[w]!++;
      decided++;
    }
  }
  return { winner, tied, decided, counts: wins };
}
