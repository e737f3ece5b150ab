/**
 * The human half's index of items with room: every item with free capacity sits in the list of its `used` count
 * (human labels + live human leases), so the items with the fewest labels are found first, in O(1) of the
 * number of items, and an item at its redundancy is in no list.
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
  /** Index of the bucket list holding it (its `used` count), or -1 when full. */
  bucket: number;
  pos: number;
  /** Which bucket set holds it: gold quality checks apart from the rest when the project mixes them in. */
  goldPool: boolean;
}

/** An item as the pool first knows it: no labels, no leases, in no bucket yet. `answers`: see {@link ItemSlot}. */
export function itemSlot(id: number, gold: string | number | null, mixGold: boolean, answers = 0): ItemSlot {
  const isGold = gold !== null;
  return { id, gold: isGold, goldKey: isGold ? goldKey(gold, answers) : null, answers, labels: 0, leased: 0, bucket: -1, pos: -1, goldPool: mixGold && isGold };
}

export class Buckets {
  readonly lists: ItemSlot[][];
  constructor(redundancy: number) {
    this.lists = Array.from({ length: redundancy }, () => []);
  }

  /** Moves an item to the list of its `used` count (out of all of them when it is full). */
  place(s: ItemSlot): void {
    const used = s.labels + s.leased;
    if (used === s.bucket) return;
    if (s.bucket >= 0) this.remove(s);
    if (used < this.lists.length) {
      const list = this.lists[used]!;
      s.bucket = used;
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

  /** Random among the items with the fewest labels that `eligible` lets this annotator take. */
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
