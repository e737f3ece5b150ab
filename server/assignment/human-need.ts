/**
 * How many more human labels an item may take: the rule the human pool asks on every move of an item
 * (docs/decisions/0010-adaptive-redundancy.md). A fixed redundancy n files an item by `used` = labels + live
 * leases, as before; adaptive redundancy asks `min` of every item, then one label at a time while the labels
 * disagree, up to `max`. Other rules (a judge's low confidence escalating an item to humans) plug in here.
 */
import type { Redundancy } from '../../shared/redundancy';
import type { ItemSlot } from './buckets';

export interface HumanNeed {
  /** How many bucket lists the pool keeps: list indexes are 0 … lists − 1, drawn lowest first. */
  readonly lists: number;
  /** The most human labels any item may get (the fixed-redundancy budget per item). */
  readonly max: number;
  /** The list an item belongs in, or −1 when it may take no more leases now (full, or stopped). */
  listOf(s: ItemSlot): number;
  /** Whether the item has all the human labels the rule will give it (stopped, or at its maximum). */
  closed(s: ItemSlot): boolean;
  /** Counts one more human label's value (by `annotatorId`), for a rule that looks at values (a fixed redundancy does not). */
  vote(s: ItemSlot, value: unknown, annotatorId: number): void;
}

/** Today's rule: every item takes n labels, leases in flight counted; lists by `used`, the fewest first. */
export class FixedNeed implements HumanNeed {
  readonly lists: number;
  readonly max: number;
  constructor(n: number) {
    this.lists = n;
    this.max = n;
  }
  listOf(s: ItemSlot): number {
    const used = s.labels + s.leased;
    return used < this.lists ? used : -1;
  }
  closed(s: ItemSlot): boolean {
    return s.labels >= this.max;
  }
  vote(): void {}
}

/**
 * `min` labels, then one more at a time (labels + leases ≤ labels + 1) while they are not unanimous, never past
 * `max`. Lists 0 … max − min − 1 hold reopened items (≥ min labels, disagreeing, no lease out) by label count, so
 * they are drawn before any item short of `min`, which sit in lists max − min + used.
 */
export class UnanimousNeed implements HumanNeed {
  readonly lists: number;
  constructor(
    readonly min: number,
    readonly max: number,
  ) {
    this.lists = max;
  }
  listOf(s: ItemSlot): number {
    if (s.labels < this.min) {
      const used = s.labels + s.leased;
      return used < this.min ? this.max - this.min + used : -1;
    }
    if (this.closed(s) || s.leased > 0) return -1;
    return s.labels - this.min;
  }
  closed(s: ItemSlot): boolean {
    return s.labels >= this.max || (s.labels >= this.min && s.agree);
  }
  vote(s: ItemSlot, value: unknown): void {
    countVote(s, value);
  }
}

/** The rule of a project's `redundancy` setting (the settings route refuses `stop: "posterior"` for now). */
export function needOf(r: Redundancy): HumanNeed {
  if (typeof r === 'number') return new FixedNeed(r);
  if (r.stop !== 'unanimous') throw new Error(`redundancy stop "${r.stop}" has no rule in the pool yet`);
  return new UnanimousNeed(r.min, r.max);
}

/** The key two labels agree on: the stored (canonical) value itself, or its JSON for anything else. */
export function agreementKey(value: unknown): string | number | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' || typeof value === 'number' ? value : JSON.stringify(value);
}

/** Counts one more human label of the item towards unanimity (`agree`: all its labels so far have one value). */
function countVote(s: ItemSlot, value: unknown): void {
  const key = agreementKey(value);
  if (s.voted === 0) s.first = key;
  else if (key !== s.first) s.agree = false;
  s.voted++;
}
