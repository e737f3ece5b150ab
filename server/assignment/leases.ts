/**
 * The leases a project's assignment pool has handed out: each by id, its expiry in a min-heap so lapsed leases
 * are found in expiry order without a scan, and how many of each kind are live.
 */
import { randomUUID } from 'node:crypto';
import type { AnnotatorKind, Order } from '../../shared/schemas';
import type { Redundancy } from '../../shared/redundancy';
import { MinHeap } from './heap';
import type { RoutingPlan } from './routed-need';

export interface Lease {
  id: string;
  annotatorId: number;
  kind: AnnotatorKind;
  itemId: number;
  /** Pairwise: the order shown (AB = canonical); null for other types. */
  order: Order | null;
  /**
   * Ranking: the order the answers are shown in, `permutation[p]` = the item's answer at display position p (a
   * fresh random order per lease, never sent to the client; the label's display positions are mapped through it).
   * Null for other types.
   */
  permutation: number[] | null;
  sample: number;
  /** The label slot this lease will fill (see labels.repo `judgeSlot`). */
  slot: string;
  issuedAt: number;
  expiresAt: number;
  submitting: boolean;
  /** The connection it was last handed to (server/tasks/actor.ts `Handed`); null before it is handed. */
  handedTo: { readonly open: boolean } | null;
}

/** What a project's pool is run by (TasksService derives it from the project's settings). */
export interface PoolSettings {
  pairwise: boolean;
  redundancy: Redundancy;
  goldRate: number;
  maxPerAnnotator: number | null;
  leaseMs: { human: number; llm: number };
  /** Escalation from judges to humans (router.ts); null or absent when judges and humans work side by side. */
  routing?: RoutingPlan | null;
}

/**
 * A human's lease lives at most this many lease lengths from when it was handed out, heartbeats or not, so a task
 * held without a submit goes back to the pool. Judges' leases are not capped: each holds only that judge's own
 * (item, order, sample), never a place a human or another judge could take, and a slow model behind long 429
 * waits must not lose the answer it paid for.
 */
export const HUMAN_LEASE_LIFE = 3;

/** Stale expiry entries the lease book holds beyond one per live lease before it rebuilds its heap. */
const STALE_SLACK = 256;

export class LeaseBook {
  readonly live = new Map<string, Lease>();
  readonly count = { human: 0, llm: 0 };
  private readonly expiries = new MinHeap<Lease>();

  constructor(public leaseMs: PoolSettings['leaseMs']) {}

  issue(annotatorId: number, kind: AnnotatorKind, itemId: number, order: Order | null, permutation: number[] | null, sample: number, slot: string, now: number): Lease {
    const lease: Lease = {
      // randomUUID draws from a pooled entropy buffer: an order of magnitude cheaper than randomBytes per call.
      id: randomUUID(),
      annotatorId,
      kind,
      itemId,
      order,
      permutation,
      sample,
      slot,
      issuedAt: now,
      expiresAt: now + this.leaseMs[kind],
      submitting: false,
      handedTo: null,
    };
    this.live.set(lease.id, lease);
    this.count[kind]++;
    this.expiries.push(lease.expiresAt, lease);
    return lease;
  }

  isLive(lease: Lease): boolean {
    return this.live.get(lease.id) === lease;
  }

  /** The lease is released, lapsed or committed: it holds nothing any more. */
  drop(lease: Lease): void {
    this.live.delete(lease.id);
    this.count[lease.kind]--;
    // A committed lease's expiry stays in the heap (removing it would take a search): at 1,000 labels a second and
    // 10-minute leases that was 600,000 dead leases held, each copied by the young generation's collections and
    // promoted. The heap is rebuilt from the live leases once stale entries pass half their number: O(1) a drop,
    // amortised, and a dead lease is let go within a fraction of a second, young.
    if (this.expiries.size - this.live.size > (this.live.size >> 1) + STALE_SLACK) this.compact();
  }

  /** Expiry entries held: one per live lease, plus at most half as many again (and {@link STALE_SLACK}) stale ones. */
  get queued(): number {
    return this.expiries.size;
  }

  /** The heap again with one entry per live lease at its current expiry (a lease being submitted has none: unsubmit adds it). */
  private compact(): void {
    this.expiries.clear();
    for (const lease of this.live.values()) if (!lease.submitting) this.expiries.push(lease.expiresAt, lease);
  }

  /**
   * Pushes a lease's expiry forward, for a human no further than {@link HUMAN_LEASE_LIFE} lease lengths after it
   * was handed out; false when it is gone or lapsed.
   */
  heartbeat(lease: Lease, now: number): boolean {
    if (!this.isLive(lease) || lease.expiresAt <= now) return false;
    const ms = this.leaseMs[lease.kind];
    const until = lease.kind === 'human' ? Math.min(now + ms, lease.issuedAt + HUMAN_LEASE_LIFE * ms) : now + ms;
    if (until > lease.expiresAt) {
      lease.expiresAt = until;
      this.expiries.push(lease.expiresAt, lease);
    }
    return true;
  }

  /** A submission of this lease failed: it is live again, and its expiry (skipped while submitting) is back on the heap. */
  unsubmit(lease: Lease): void {
    lease.submitting = false;
    if (this.isLive(lease)) this.expiries.push(lease.expiresAt, lease);
  }

  /** The next live lease that has lapsed by `now` (none being submitted), soonest expiry first; undefined when none. */
  nextLapsed(now: number): Lease | undefined {
    while (this.expiries.size > 0 && this.expiries.peekKey()! <= now) {
      const lease = this.expiries.pop()!;
      // Stale heap entries (heartbeats pushed a later one, or the lease is gone) are skipped.
      if (this.isLive(lease) && lease.expiresAt <= now && !lease.submitting) return lease;
    }
    return undefined;
  }
}
