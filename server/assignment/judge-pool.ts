/**
 * The judge half of a project's assignment pool: each judge walks the items in import order with its own cursor
 * over (item × order × sample), so it sees every item once per order and sample; released or lapsed tasks go to
 * its retry queue. Judges never touch the human buckets, nor each other's tasks.
 */
import type { Order } from '../../shared/schemas';
import { randomPermutation } from '../../shared/ranking';
import { judgeSlot } from '../labels/labels.repo';
import type { ItemSlot } from './buckets';
import type { Lease, LeaseBook, PoolSettings } from './leases';

export interface JudgePlan {
  swap: boolean;
  samples: number;
  /** Most leases a judge may hold at once (its concurrency). */
  maxLeases: number;
}

interface Task {
  itemId: number;
  order: Order | null;
  sample: number;
}

interface JudgeState {
  id: number;
  plan: JudgePlan;
  /** (item, slot) keys labelled. */
  done: Set<number>;
  leases: Map<string, Lease>;
  /** (item, slot) keys held by live leases. */
  leasedKeys: Set<number>;
  /** Position in the import order, and within that item's orders × samples. */
  cursor: number;
  sub: number;
  retry: Task[];
  labels: number;
}

/**
 * A judge's (item, slot) as one number: the item id times 4096 plus the slot's code (each distinct slot string gets
 * one, in the order first seen; a judge has at most 2 orders × its samples of them). 4M labels' keys as strings
 * cost hundreds of MB and seconds to build at a pool's load; as numbers, neither.
 */
const SLOT_CODES = new Map<string, number>();
const SLOTS_PER_ITEM = 4096;
const itemKey = (itemId: number, slot: string): number => {
  let c = SLOT_CODES.get(slot);
  if (c === undefined) {
    c = SLOT_CODES.size;
    if (c >= SLOTS_PER_ITEM) throw new Error(`More than ${SLOTS_PER_ITEM} distinct judge slots`);
    SLOT_CODES.set(slot, c);
  }
  return itemId * SLOTS_PER_ITEM + c;
};

export class JudgePool {
  private readonly judges = new Map<number, JudgeState>();
  /** Judges that have labels but have not connected yet: their done keys wait here until they do. */
  private readonly backlog = new Map<number, number[]>();
  /** Items in import order (each judge's cursor walks it). */
  private order: ReadonlyArray<{ id: number }> = [];
  /** A cascade judge's own walk under escalation (router.ts), which grows as items are escalated to it. */
  walkOf: (judgeId: number) => ReadonlyArray<{ id: number }> | undefined = () => undefined;

  constructor(
    private settings: PoolSettings,
    private readonly items: ReadonlyMap<number, ItemSlot>,
    private readonly book: LeaseBook,
    private readonly random: () => number,
  ) {}

  /** Forgets what came from the record, before it is read again; cursors restart, live leases are kept. */
  reset(settings: PoolSettings, order: ReadonlyArray<{ id: number }>): void {
    this.settings = settings;
    this.order = order;
    this.backlog.clear();
    for (const j of this.judges.values()) {
      j.done.clear();
      j.labels = 0;
      j.cursor = 0;
      j.sub = 0;
      j.retry = [];
    }
  }

  /** A judge's plan changed (or it was archived or restored): its walk over the items starts again (done tasks are skipped). */
  restart(annotatorId: number): void {
    const j = this.judges.get(annotatorId);
    if (!j) return;
    j.cursor = 0;
    j.sub = 0;
    j.retry = [];
  }

  /** A judge deleted with its labels: its state goes; returns how many labels it had. */
  forget(annotatorId: number): number {
    const n = this.labelsOf(annotatorId) ?? 0;
    this.judges.delete(annotatorId);
    this.backlog.delete(annotatorId);
    return n;
  }

  /** A judge's label from the record. */
  restore(annotatorId: number, itemId: number, slot: string): void {
    const j = this.judges.get(annotatorId);
    if (j) {
      j.done.add(itemKey(itemId, slot));
      j.labels++;
    } else this.pendingDone(annotatorId).push(itemKey(itemId, slot));
  }

  private pendingDone(annotatorId: number): number[] {
    let b = this.backlog.get(annotatorId);
    if (!b) this.backlog.set(annotatorId, (b = []));
    return b;
  }

  private judge(annotatorId: number, plan: JudgePlan): JudgeState {
    let j = this.judges.get(annotatorId);
    if (!j) {
      j = { id: annotatorId, plan, done: new Set(), leases: new Map(), leasedKeys: new Set(), cursor: 0, sub: 0, retry: [], labels: 0 };
      const backlog = this.backlog.get(annotatorId);
      if (backlog) {
        for (const k of backlog) j.done.add(k);
        j.labels = backlog.length;
        this.backlog.delete(annotatorId);
      }
      this.judges.set(annotatorId, j);
    } else j.plan = plan;
    return j;
  }

  progress(annotatorId: number, plan: JudgePlan): { done: number; target: number } {
    const j = this.judge(annotatorId, plan);
    return { done: j.labels, target: (this.walkOf(annotatorId) ?? this.order).length * plan.samples * (this.settings.pairwise && plan.swap ? 2 : 1) };
  }

  /** A judge's live leases by id, or undefined for an id that is not a judge's here. */
  leasesOf(annotatorId: number): ReadonlyMap<string, Lease> | undefined {
    return this.judges.get(annotatorId)?.leases;
  }

  labelsOf(annotatorId: number): number | undefined {
    return this.judges.get(annotatorId)?.labels ?? this.backlog.get(annotatorId)?.length;
  }

  /** Lease a judge its next (item, order, sample), or null when its plan is complete. */
  claim(annotatorId: number, plan: JudgePlan, now: number): Lease | null | 'limit' {
    const j = this.judge(annotatorId, plan);
    if (j.leases.size >= plan.maxLeases) return 'limit';
    const task = this.nextTask(j, plan);
    if (!task) return null;
    const slot = judgeSlot(task.order, task.sample);
    const shown: Order | null = task.order ?? (this.settings.pairwise ? (this.random() < 0.5 ? 'AB' : 'BA') : null);
    // Ranking: `swap` does not apply (a ranking project is not pairwise, so its orders are [null] and its slot is
    // `-#<sample>`); instead every sample, and every retry of one, shows the answers in a fresh random order, so
    // position bias shows as the rate the answer shown first is ranked first (against 1/N).
    const answers = this.items.get(task.itemId)?.answers ?? 0;
    const permutation = answers > 0 ? randomPermutation(answers, this.random) : null;
    const lease = this.book.issue(annotatorId, 'llm', task.itemId, shown, permutation, task.sample, slot, now);
    j.leases.set(lease.id, lease);
    j.leasedKeys.add(itemKey(task.itemId, slot));
    return lease;
  }

  /** A task from the retry queue, else the next free one under the cursor (which moves past it). */
  private nextTask(j: JudgeState, plan: JudgePlan): Task | undefined {
    const orders: Array<Order | null> = this.settings.pairwise && plan.swap ? ['AB', 'BA'] : [null];
    const free = (itemId: number, order: Order | null, sample: number) => {
      const key = itemKey(itemId, judgeSlot(order, sample));
      return this.items.has(itemId) && !j.done.has(key) && !j.leasedKeys.has(key);
    };
    while (j.retry.length > 0) {
      const t = j.retry.pop()!;
      if (free(t.itemId, t.order, t.sample)) return t;
    }
    const perItem = orders.length * plan.samples;
    const walk = this.walkOf(j.id) ?? this.order;
    while (j.cursor < walk.length) {
      const s = walk[j.cursor]!;
      const order = orders[j.sub % orders.length]!;
      const sample = Math.floor(j.sub / orders.length);
      if (++j.sub >= perItem) {
        j.sub = 0;
        j.cursor++;
      }
      if (free(s.id, order, sample)) return { itemId: s.id, order, sample };
    }
    return undefined;
  }

  /** The lease (already out of the lease book) is released or lapsed: its task goes to the judge's retry queue. */
  release(lease: Lease): void {
    const j = this.judges.get(lease.annotatorId);
    j?.leases.delete(lease.id);
    j?.leasedKeys.delete(itemKey(lease.itemId, lease.slot));
    j?.retry.push({ itemId: lease.itemId, order: lease.slot.startsWith('-') ? null : lease.order, sample: lease.sample });
  }

  /** The lease's label is stored: the judge has done that (item, slot). */
  commit(lease: Lease): void {
    const j = this.judges.get(lease.annotatorId);
    if (!j) return;
    j.leases.delete(lease.id);
    j.leasedKeys.delete(itemKey(lease.itemId, lease.slot));
    j.done.add(itemKey(lease.itemId, lease.slot));
    j.labels++;
  }
}
