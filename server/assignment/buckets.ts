/**
 * The human half's index of items with room: every item with free capacity sits in one list, the one its
 * redundancy rule names (human-need.ts: for a fixed redundancy, its `used` count = human labels + live human
 * leases), so the items drawn first are found in O(1) of the number of items, and an item with no room is in no list.
 */
import { goldKey } from './gold-match';
import type { Slots } from './slots';

export interface ItemSlot {
  id: number;
  gold: boolean;
  /** What a label must match to pass this gold check (gold-match.ts): the gold value, or a ranking's top group. */
  goldKey: string | number | null;
  /** A ranking item's number of answers (each lease shows them in its own order); 0 for other items. */
  answers: number;
  /** Human labels stored. */
  labels: number;
  /** Live human leases. */
  leased: number;
  /** Whether all its human labels so far have one value (`first`); `voted` counts them (human-need.ts `vote`). */
  agree: boolean;
  first: string | number | null;
  voted: number;
  /** Its place in the project's import order (0-based): the index of its row in a router's per-item arrays. */
  idx: number;
  /**
   * Under escalation (router.ts): 0 = the humans' (and always, without escalation); k + 1 = waiting for cascade
   * judge k; −(k + 1) = decided by judge k's accepted verdict.
   */
  route: number;
  /** Index of the bucket list holding it (its `used` count), or -1 when full. */
  bucket: number;
  pos: number;
  /** Which bucket set holds it: gold quality checks apart from the rest when the project mixes them in. */
  goldPool: boolean;
}

/** An item as the pool first knows it, as an object of its own (the pool keeps rows: slots.ts). `answers`: see {@link ItemSlot}. */
export function itemSlot(id: number, gold: string | number | null, mixGold: boolean, answers = 0): ItemSlot {
  const isGold = gold !== null;
  return { id, gold: isGold, goldKey: isGold ? goldKey(gold, answers) : null, answers, labels: 0, leased: 0, agree: true, first: null, voted: 0, idx: -1, route: 0, bucket: -1, pos: -1, goldPool: mixGold && isGold };
}

/** The lists over a {@link Slots} table's rows (each row's list and place in it are the table's `bucket` and `pos`). */
export class Buckets {
  readonly lists: number[][];
  constructor(
    lists: number,
    private readonly t: Slots,
  ) {
    this.lists = Array.from({ length: lists }, () => []);
  }

  /** Moves an item's row to list `at` (out of all of them when `at` is −1: it has no room). */
  place(row: number, at: number): void {
    const t = this.t;
    if (at === t.bucket[row]) return;
    if (t.bucket[row]! >= 0) this.remove(row);
    if (at >= 0) {
      const list = this.lists[at]!;
      t.bucket[row] = at;
      t.pos[row] = list.length;
      list.push(row);
    }
  }

  private remove(row: number): void {
    const t = this.t;
    const list = this.lists[t.bucket[row]!]!;
    const last = list.pop()!;
    if (last !== row) {
      list[t.pos[row]!] = last;
      t.pos[last] = t.pos[row]!;
    }
    t.bucket[row] = -1;
    t.pos[row] = -1;
  }

  /** Random among the rows of the lowest list (for a fixed redundancy: the fewest labels) that `eligible` lets this annotator take; −1 when none. */
  pick(random: () => number, eligible: (row: number) => boolean): number {
    for (const list of this.lists) {
      const n = list.length;
      if (n === 0) continue;
      for (let k = 0; k < 8; k++) {
        const r = list[Math.floor(random() * n)]!;
        if (eligible(r)) return r;
      }
      // Rare: most of this bucket is already this annotator's. Scan it once from a random start.
      const start = Math.floor(random() * n);
      for (let k = 0; k < n; k++) {
        const r = list[(start + k) % n]!;
        if (eligible(r)) return r;
      }
    }
    return -1;
  }
}
