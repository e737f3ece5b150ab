/**
 * How many more human labels an item may take: the rule the human pool asks on every move of an item
 * (docs/decisions/0010-adaptive-redundancy.md). A fixed redundancy n files an item by `used` = labels + live
 * leases, as before; adaptive redundancy asks `min` of every item, then one label at a time while the labels
 * disagree, up to `max`. Other rules (a judge's low confidence escalating an item to humans) plug in here.
 */
import type { Redundancy } from '../../shared/redundancy';
import { priorPosterior, type PosteriorModel, type VoteKey } from '../../shared/stats/crowd/posterior';
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
  /**
   * The rule's view changed otherwise (a new model snapshot): the change to make to this item, to run inside
   * HumanPool.reroute, or null when its filing cannot change.
   */
  refresh?(s: ItemSlot): (() => void) | null;
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
  vote(s: ItemSlot, value: unknown, _annotatorId?: number): void {
    countVote(s, value);
  }
}

/**
 * Where a posterior rule reads the crowd model in force: its project's pool holds one for its life (so a rule
 * rebuilt by a settings change or an import reads the same snapshot), and each refit replaces `current`
 * (server/assignment/posterior-refits.ts). Null until the first fit: the prior model answers meanwhile.
 */
export class PosteriorSource {
  current: PosteriorModel | null = null;
}

/**
 * `stop: "posterior"`: as {@link UnanimousNeed} (min labels, leases counted; then one lease at a time, reopened items
 * first, never past max), but an item stops once the posterior of its top class given its human votes reaches
 * `target` under the model in force (shared/stats/crowd/posterior.ts; before any fit, its prior model). Each item's
 * votes are kept by annotator; its stop is decided when a vote arrives and again when a new snapshot comes in.
 */
export class PosteriorNeed extends UnanimousNeed {
  private readonly votes = new Map<number, { annotators: number[]; keys: VoteKey[]; stop: boolean }>();
  constructor(
    min: number,
    max: number,
    readonly target: number,
    readonly source: PosteriorSource,
  ) {
    super(min, max);
  }
  override closed(s: ItemSlot): boolean {
    return s.labels >= this.max || (s.labels >= this.min && this.votes.get(s.id)?.stop === true);
  }
  /**
   * `annotatorId` is never a crowd worker's provisional id: their first label's submit moves them to their new row
   * (HumanPool.rekey) before the pool commits it, and the record has only real ids.
   */
  override vote(s: ItemSlot, value: unknown, annotatorId: number): void {
    const key = agreementKey(value);
    if (key === null) return;
    let v = this.votes.get(s.id);
    if (!v) this.votes.set(s.id, (v = { annotators: [], keys: [], stop: false }));
    v.annotators.push(annotatorId);
    v.keys.push(key);
    v.stop = this.posteriorOf(s.id) >= this.target;
  }
  /** Only an item between min and max labels is filed by its stop; others take the new model with their next vote. */
  refresh(s: ItemSlot): (() => void) | null {
    const v = this.votes.get(s.id);
    if (!v || s.labels < this.min || s.labels >= this.max) return null;
    const stop = this.posteriorOf(s.id) >= this.target;
    return stop === v.stop ? null : () => void (v.stop = stop);
  }
  /** The item's top-class posterior under the model in force (NaN with no vote). */
  posteriorOf(itemId: number): number {
    const v = this.votes.get(itemId);
    if (!v) return NaN;
    const m = this.source.current;
    return m ? m.posterior(v.annotators, v.keys) : priorPosterior(v.keys);
  }
}

/** The rule of a project's `redundancy` setting; a posterior rule reads its model from `source`. */
export function needOf(r: Redundancy, source: PosteriorSource = new PosteriorSource()): HumanNeed {
  if (typeof r === 'number') return new FixedNeed(r);
  if (r.stop === 'posterior') return new PosteriorNeed(r.min, r.max, r.posterior ?? 0.95, source);
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
