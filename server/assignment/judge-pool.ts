/**
 * The judge half of a project's assignment pool: each judge walks the items in import order with its own cursor
 * over (item × order × sample), so it sees every item once per order and sample; released or lapsed tasks go to
 * its retry queue. Judges never touch the human buckets, nor each other's tasks.
 */
import type { Order } from '../../shared/schemas';
import { randomPermutation } from '../../shared/ranking';
import { judgeSlot } from '../labels/labels.repo';
import { RowSet, type Slots } from './slots';
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

/** A judge's labels from the record and since: for each slot (by code), the rows of the items labelled there. */
class JudgeDone {
  labels = 0;
  private readonly bySlot: RowSet[] = [];
  has(row: number, code: number): boolean {
    return this.bySlot[code]?.has(row) ?? false;
  }
  add(row: number, code: number): void {
    this.labels++;
    if (row >= 0) (this.bySlot[code] ??= new RowSet()).add(row);
  }
}

interface JudgeState {
  id: number;
  plan: JudgePlan;
  done: JudgeDone;
  leases: Map<string, Lease>;
  /** (item, slot) keys held by live leases. */
  leasedKeys: Set<number>;
  /** Position in the import order, and within that item's orders × samples. */
  cursor: number;
  sub: number;
  retry: Task[];
}

/**
 * A judge's (item, slot) as one number for its live leases: the item id times 4096 plus the slot's code (each
 * distinct slot string gets one, in the order first seen; a judge has at most 2 orders × its samples of them). Its
 * labels are kept as bits, a set of item rows per slot code (4M labels' keys in sets took 45 MB; as bits, 0.5 MB).
 */
const SLOT_CODES = new Map<string, number>();
const SLOTS_PER_ITEM = 4096;
const slotCode = (slot: string): number => {
  let c = SLOT_CODES.get(slot);
  if (c === undefined) {
    c = SLOT_CODES.size;
    if (c >= SLOTS_PER_ITEM) throw new Error(`More than ${SLOTS_PER_ITEM} distinct judge slots`);
    SLOT_CODES.set(slot, c);
  }
  return c;
};
const itemKey = (itemId: number, slot: string): number => itemId * SLOTS_PER_ITEM + slotCode(slot);

export class JudgePool {
  private readonly judges = new Map<number, JudgeState>();
  /** Each judge's labels, whether it has connected yet or not (a judge's walk starts when it first claims). */
  private readonly done = new Map<number, JudgeDone>();
  /** A cascade judge's own walk under escalation (router.ts: rows), which grows as items are escalated to it; else every row in import order. */
  walkOf: (judgeId: number) => readonly number[] | undefined = () => undefined;

  constructor(
    private readonly settings: PoolSettings,
    private readonly items: Slots,
    private readonly book: LeaseBook,
    private readonly random: () => number,
  ) {}

  /** A pool read again from the record takes over the live pool's judges: plans and leases kept, walks restarted. */
  adopt(live: JudgePool): void {
    for (const [id, j] of live.judges)
      this.judges.set(id, { id, plan: j.plan, done: this.doneOf(id), leases: j.leases, leasedKeys: j.leasedKeys, cursor: 0, sub: 0, retry: [] });
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
    this.done.delete(annotatorId);
    return n;
  }

  /** A judge's label from the record (the item's row, −1 when it is not here); false when it was already. */
  restore(annotatorId: number, row: number, slot: string): boolean {
    const d = this.doneOf(annotatorId);
    const code = slotCode(slot);
    if (row >= 0 && d.has(row, code)) return false;
    d.add(row, code);
    return true;
  }

  private doneOf(annotatorId: number): JudgeDone {
    let d = this.done.get(annotatorId);
    if (!d) this.done.set(annotatorId, (d = new JudgeDone()));
    return d;
  }

  private judge(annotatorId: number, plan: JudgePlan): JudgeState {
    let j = this.judges.get(annotatorId);
    if (!j) {
      j = { id: annotatorId, plan, done: this.doneOf(annotatorId), leases: new Map(), leasedKeys: new Set(), cursor: 0, sub: 0, retry: [] };
      this.judges.set(annotatorId, j);
    } else j.plan = plan;
    return j;
  }

  progress(annotatorId: number, plan: JudgePlan): { done: number; target: number } {
    const j = this.judge(annotatorId, plan);
    return { done: j.done.labels, target: (this.walkOf(annotatorId)?.length ?? this.items.n) * plan.samples * (this.settings.pairwise && plan.swap ? 2 : 1) };
  }

  /** A judge's live leases by id, or undefined for an id that is not a judge's here. */
  leasesOf(annotatorId: number): ReadonlyMap<string, Lease> | undefined {
    return this.judges.get(annotatorId)?.leases;
  }

  labelsOf(annotatorId: number): number | undefined {
    return this.done.get(annotatorId)?.labels;
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
    const row = this.items.rowOf(task.itemId);
    const answers = row >= 0 ? this.items.answers[row]! : 0;
    const permutation = answers > 0 ? randomPermutation(answers, this.random) : null;
    const lease = this.book.issue(annotatorId, 'llm', task.itemId, shown, permutation, task.sample, slot, now);
    j.leases.set(lease.id, lease);
    j.leasedKeys.add(itemKey(task.itemId, slot));
    return lease;
  }

  /** A task from the retry queue, else the next free one under the cursor (which moves past it). */
  private nextTask(j: JudgeState, plan: JudgePlan): Task | undefined {
    const orders: Array<Order | null> = this.settings.pairwise && plan.swap ? ['AB', 'BA'] : [null];
    const free = (row: number, itemId: number, order: Order | null, sample: number) => {
      if (row < 0) return false;
      const slot = judgeSlot(order, sample);
      return !j.done.has(row, slotCode(slot)) && !j.leasedKeys.has(itemKey(itemId, slot));
    };
    while (j.retry.length > 0) {
      const t = j.retry.pop()!;
      if (free(this.items.rowOf(t.itemId), t.itemId, t.order, t.sample)) return t;
    }
    const perItem = orders.length * plan.samples;
    const walk = this.walkOf(j.id);
    const ids = this.items.ids;
    while (j.cursor < (walk ? walk.length : this.items.n)) {
      const row = walk ? walk[j.cursor]! : j.cursor;
      const order = orders[j.sub % orders.length]!;
      const sample = Math.floor(j.sub / orders.length);
      if (++j.sub >= perItem) {
        j.sub = 0;
        j.cursor++;
      }
      if (free(row, ids[row]!, order, sample)) return { itemId: ids[row]!, order, sample };
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
    j.done.add(this.items.rowOf(lease.itemId), slotCode(lease.slot));
  }
}
