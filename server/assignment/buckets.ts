/**
 * The human half's index of items with room: every item with free capacity sits in one list, the one its
 * redundancy rule names (human-need.ts: for a fixed redundancy, its `used` count = human labels + live human
 * leases), so the items drawn first are found in O(1) of the number of items, and an item with no room is in no list.
 */
import { goldKey } from './gold-match';

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

/** An item as the pool first knows it: no labels, no leases, in no bucket yet. `answers`: see {@link ItemSlot}. */
export function itemSlot(id: number, gold: string | number | null, mixGold: boolean, answers = 0): ItemSlot {
  const isGold = gold !== null;
  return { id, gold: isGold, goldKey: isGold ? goldKey(gold, answers) : null, answers, labels: 0, leased: 0, agree: true, first: null, voted: 0, idx: -1, route: 0, bucket: -1, pos: -1, goldPool: mixGold && isGold };
}

export class Buckets {
  readonly lists: ItemSlot[][];
  constructor(lists: number) {
    this.lists = Array.from({ length: lists }, () => []);
  }

  /** Moves an item to list `at` (out of all of them when `at` is −1: it has no room). */
  place(s: ItemSlot, at: number): void {
    if (at === s.bucket) return;
    if (s.bucket >= 0) this.remove(s);
    if (at >= 0) {
      const list = this.lists[at]!;
      s.bucket = at;
      s.pos = list.length;
      list.push(s);
    }
  }

  private remove(s: ItemSlot): void {
    const list = this.lists[s.bucket]!;
    const last = list.pop()!;
    if (last !== s) {
      list[s.pos] = last;
      last.pos = s.pos;
    }
    s.bucket = -1;
    s.pos = -1;
  }

  /** Random among the items of the lowest list (for a fixed redundancy: the fewest labels) that `eligible` lets this annotator take. */
  pick(random: () => number, eligible: (s: ItemSlot) => boolean): ItemSlot | null {
    for (const list of this.lists) {
      const n = list.length;
      if (n === 0) continue;
      for (let k = 0; k < 8; k++) {
        const s = list[Math.floor(random() * n)]!;
        if (eligible(s)) return s;
      }
      // Rare: most of this bucket is already this annotator's. Scan it once from a random start.
      const start = Math.floor(random() * n);
      for (let k = 0; k < n; k++) {
        const s = list[(start + k) % n]!;
        if (eligible(s)) return s;
      }
    }
    return null;
  }
}
