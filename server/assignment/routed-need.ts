/**
 * Escalation's gate on the humans' redundancy rule, and what the pool is told about a cascade (issue 13, part 2;
 * the router itself: router.ts; docs/decisions/0011-escalation.md). An item's `route` (buckets.ts) is 0 when it is
 * the humans', k + 1 while it waits for cascade judge k, −(k + 1) once judge k decided it.
 */
import type { Routing } from '../../shared/routing';
import type { ItemSlot } from './buckets';
import type { HumanNeed } from './human-need';

/** A cascade judge as the router needs it: how many labels make its verdict on an item. */
export interface CascadeJudge {
  id: number;
  swap: boolean;
  samples: number;
}

/** What the pool is told about escalation (null without it). */
export interface RoutingPlan {
  projectId: number;
  pairwise: boolean;
  routing: Routing;
  /** The cascade, in order: the routing's judges that are this project's and not archived. */
  judges: CascadeJudge[];
  /** Least calibration labels at or above a certainty for it to be tested (the report's `min_items`). */
  minItems: number;
}

/** The humans' rule behind the router: an item is theirs only when routed to them; one a judge decided is closed. */
export class RoutedNeed implements HumanNeed {
  readonly lists: number;
  readonly max: number;
  /** The inner rule's own refiling on a new model (a posterior stop), passed through. */
  readonly refresh?: (s: ItemSlot) => (() => void) | null;
  constructor(readonly inner: HumanNeed) {
    this.lists = inner.lists;
    this.max = inner.max;
    if (inner.refresh) this.refresh = (s) => inner.refresh!(s);
  }
  listOf(s: ItemSlot): number {
    return s.route === 0 ? this.inner.listOf(s) : -1;
  }
  closed(s: ItemSlot): boolean {
    return s.route < 0 || (s.route === 0 && this.inner.closed(s));
  }
  vote(s: ItemSlot, value: unknown, annotatorId: number): void {
    this.inner.vote(s, value, annotatorId);
  }
}

/** One cascade judge's labels per item (by `ItemSlot.idx`): complete at `slots` labels, valid when they agree. */
export class Verdicts {
  readonly done: Uint8Array;
  readonly code: Int32Array;
  readonly bad: Uint8Array;
  readonly cert: Float64Array;
  constructor(
    readonly slots: number,
    n: number,
  ) {
    this.done = new Uint8Array(n);
    this.code = new Int32Array(n).fill(-1);
    this.bad = new Uint8Array(n);
    this.cert = new Float64Array(n).fill(Number.NaN);
  }

  /** Counts one label on item i (value code −1: an invalid output; certainty NaN: none); true when it completes the verdict. */
  add(i: number, code: number, certainty: number): boolean {
    if (code < 0) this.bad[i] = 1;
    else if (this.done[i] === 0) this.code[i] = code;
    else if (this.code[i] !== code) this.bad[i] = 1;
    this.cert[i] = this.done[i] === 0 ? certainty : Math.min(this.cert[i]!, certainty);
    if (this.done[i]! < 255) this.done[i]!++;
    return this.done[i] === this.slots;
  }

  /** Whether the verdict on item i is complete, valid and at or above threshold t (none clears a null threshold). */
  clears(i: number, t: number | null): boolean {
    return t !== null && this.done[i]! >= this.slots && !this.bad[i] && this.cert[i]! >= t;
  }
}
