import { randomUUID } from 'node:crypto';
import type { AnnotatorKind, Order } from '../../shared/schemas';
import { humanSlot, judgeSlot } from '../labels/labels.repo';
import { MinHeap } from './heap';

/**
 * The in-memory assignment state of one project. SQLite is the record (labels); this is the index that makes
 * a claim O(1) in the number of items and leases (docs/decisions/0002-assignment-in-memory.md).
 *
 * Humans: every item with free capacity sits in the bucket of its `used` count (human labels + live human
 * leases); a claim takes a random item from the lowest bucket this annotator has not labelled, so the items
 * with the fewest labels go first and no item is ever leased past `redundancy`. Node runs this on one
 * thread, so no two claims interleave: the race for the last slot of an item is decided here, exactly once.
 *
 * Judges: each walks the items in import order with a cursor over (item × order × sample); released or
 * expired tasks go to a retry queue. Judges never touch the human buckets.
 */

export interface ItemSlot {
  id: number;
  gold: boolean;
  /** The gold label, for tracking each human's accuracy on quality checks. */
  goldValue: string | number | null;
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

export interface Lease {
  id: string;
  annotatorId: number;
  kind: AnnotatorKind;
  itemId: number;
  /** Pairwise: the order shown (AB = canonical); null for other types. */
  order: Order | null;
  sample: number;
  /** The label slot this lease will fill (see labels.repo `judgeSlot`). */
  slot: string;
  issuedAt: number;
  expiresAt: number;
  submitting: boolean;
}

export interface PoolSettings {
  pairwise: boolean;
  redundancy: number;
  goldRate: number;
  maxPerAnnotator: number | null;
  leaseMs: { human: number; llm: number };
}

export interface JudgePlan {
  swap: boolean;
  samples: number;
  /** Most leases a judge may hold at once (its concurrency). */
  maxLeases: number;
}

interface HumanState {
  done: Set<number>;
  leases: Map<string, Lease>;
  labels: number;
  /** Labels on gold items and how many matched the gold label. */
  gold: { n: number; correct: number };
  /** Items whose lease this human let lapse unsubmitted: not handed back to them, so a lapse frees the item for others. */
  lapsed: Set<number>;
}

/**
 * A worker who has never labelled and has let this many tasks lapse gets no more: otherwise a script could take a
 * task, let it lapse at the lease-life cap, and take the next one (or the same one) for ever.
 */
export const LAPSES_BEFORE_FIRST_LABEL = 2;

interface JudgeState {
  plan: JudgePlan;
  done: Set<string>;
  leases: Map<string, Lease>;
  leasedKeys: Set<string>;
  cursor: number;
  sub: number;
  retry: Array<{ itemId: number; order: Order | null; sample: number }>;
  labels: number;
}

/** Most tasks a human may hold at once: the one on screen, the prefetched next, and one spare for a reconnect race. */
export const HUMAN_MAX_LEASES = 3;

/**
 * A human's lease lives at most this many lease lengths from when it was handed out, heartbeats or not, so a task
 * held without a submit goes back to the pool. Judges' leases are not capped: each holds only that judge's own
 * (item, order, sample), never a place a human or another judge could take, and a slow model behind long 429
 * waits must not lose the answer it paid for.
 */
export const HUMAN_LEASE_LIFE = 3;

class Buckets {
  readonly lists: ItemSlot[][];
  constructor(redundancy: number) {
    this.lists = Array.from({ length: redundancy }, () => []);
  }
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
  open(): number {
    let n = 0;
    for (const l of this.lists) n += l.length;
    return n;
  }
}

const itemKey = (itemId: number, slot: string) => `${itemId}|${slot}`;

export class ProjectPool {
  readonly items = new Map<number, ItemSlot>();
  /** Items in import order (judges walk this). */
  private order: ItemSlot[] = [];
  private regular: Buckets;
  private gold: Buckets;
  private readonly humans = new Map<number, HumanState>();
  private readonly judges = new Map<number, JudgeState>();
  readonly leases = new Map<string, Lease>();
  private readonly expiries = new MinHeap<Lease>();
  /** Items whose human labels reached redundancy. */
  complete = 0;
  goldItems = 0;
  readonly labelCount = { human: 0, llm: 0 };
  readonly leaseCount = { human: 0, llm: 0 };

  constructor(
    private settings: PoolSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.regular = new Buckets(settings.redundancy);
    this.gold = new Buckets(settings.redundancy);
  }

  /**
   * Rebuilds the index from the record (after start-up, an import or a settings change). Live leases are kept
   * and still hold their slots.
   */
  load(
    settings: PoolSettings,
    items: Iterable<{ id: number; gold: string | number | null }>,
    humanCounts: Iterable<{ item_id: number; n: number }>,
    done: Iterable<{ annotator_id: number; item_id: number; slot: string; kind: string; value: unknown }>,
  ): void {
    this.settings = settings;
    this.items.clear();
    this.order = [];
    this.regular = new Buckets(settings.redundancy);
    this.gold = new Buckets(settings.redundancy);
    this.complete = 0;
    this.goldItems = 0;
    this.labelCount.human = 0;
    this.labelCount.llm = 0;
    const mixGold = settings.goldRate > 0;
    for (const r of items) {
      const gold = r.gold !== null;
      const s: ItemSlot = { id: r.id, gold, goldValue: r.gold, labels: 0, leased: 0, bucket: -1, pos: -1, goldPool: mixGold && gold };
      if (s.gold) this.goldItems++;
      this.items.set(r.id, s);
      this.order.push(s);
    }
    for (const c of humanCounts) {
      const s = this.items.get(c.item_id);
      if (s) s.labels = c.n;
    }
    for (const h of this.humans.values()) {
      h.done.clear();
      h.labels = 0;
      h.gold = { n: 0, correct: 0 };
    }
    this.judgeDoneBacklog.clear();
    for (const j of this.judges.values()) {
      j.done.clear();
      j.labels = 0;
      j.cursor = 0;
      j.sub = 0;
      j.retry = [];
    }
    for (const d of done) {
      if (d.kind === 'human') {
        const h = this.human(d.annotator_id);
        h.done.add(d.item_id);
        h.labels++;
        this.labelCount.human++;
        this.scoreGold(h, this.items.get(d.item_id), d.value);
      } else {
        const j = this.judges.get(d.annotator_id);
        if (j) {
          j.done.add(itemKey(d.item_id, d.slot));
          j.labels++;
        } else this.pendingJudgeDone(d.annotator_id).push(itemKey(d.item_id, d.slot));
        this.labelCount.llm++;
      }
    }
    for (const l of this.leases.values()) {
      const s = this.items.get(l.itemId);
      if (l.kind === 'human' && s) s.leased++;
    }
    for (const s of this.order) {
      if (s.labels >= settings.redundancy) this.complete++;
      this.bucketsOf(s).place(s);
    }
  }

  /** Judges that have labels but have not connected yet: their done keys wait here until they do. */
  private readonly judgeDoneBacklog = new Map<number, string[]>();
  private pendingJudgeDone(annotatorId: number): string[] {
    let b = this.judgeDoneBacklog.get(annotatorId);
    if (!b) this.judgeDoneBacklog.set(annotatorId, (b = []));
    return b;
  }

  private bucketsOf(s: ItemSlot): Buckets {
    return s.goldPool ? this.gold : this.regular;
  }

  private human(annotatorId: number): HumanState {
    let h = this.humans.get(annotatorId);
    if (!h) this.humans.set(annotatorId, (h = { done: new Set(), leases: new Map(), labels: 0, gold: { n: 0, correct: 0 }, lapsed: new Set() }));
    return h;
  }

  private scoreGold(h: HumanState, s: ItemSlot | undefined, value: unknown): void {
    if (!s?.gold) return;
    h.gold.n++;
    if (value === s.goldValue) h.gold.correct++;
  }

  /** A human's record on gold items (quality checks): how many they labelled and how many matched. */
  goldChecks(annotatorId: number): { n: number; correct: number } | null {
    const h = this.humans.get(annotatorId);
    return h ? { ...h.gold } : null;
  }

  private judge(annotatorId: number, plan: JudgePlan): JudgeState {
    let j = this.judges.get(annotatorId);
    if (!j) {
      j = { plan, done: new Set(), leases: new Map(), leasedKeys: new Set(), cursor: 0, sub: 0, retry: [], labels: 0 };
      const backlog = this.judgeDoneBacklog.get(annotatorId);
      if (backlog) {
        for (const k of backlog) j.done.add(k);
        j.labels = backlog.length;
        this.judgeDoneBacklog.delete(annotatorId);
      }
      this.judges.set(annotatorId, j);
    } else j.plan = plan;
    return j;
  }

  /** An annotator's live leases, oldest first. */
  leasesOf(annotatorId: number): Lease[] {
    const m = this.humans.get(annotatorId)?.leases ?? this.judges.get(annotatorId)?.leases;
    return m ? [...m.values()].sort((a, b) => a.issuedAt - b.issuedAt) : [];
  }

  humanProgress(annotatorId: number): { done: number; target: number | null } {
    return { done: this.humans.get(annotatorId)?.labels ?? 0, target: this.settings.maxPerAnnotator };
  }

  judgeProgress(annotatorId: number, plan: JudgePlan): { done: number; target: number } {
    const j = this.judge(annotatorId, plan);
    return { done: j.labels, target: this.order.length * plan.samples * (this.settings.pairwise && plan.swap ? 2 : 1) };
  }

  labelsOf(annotatorId: number): number {
    return this.humans.get(annotatorId)?.labels ?? this.judges.get(annotatorId)?.labels ?? this.judgeDoneBacklog.get(annotatorId)?.length ?? 0;
  }

  /** Lease a new item to a human, or null when none is left for them. */
  claimHuman(annotatorId: number, now: number): Lease | null | 'limit' {
    this.expire(now);
    const h = this.human(annotatorId);
    if (h.leases.size >= HUMAN_MAX_LEASES) return 'limit';
    const cap = this.settings.maxPerAnnotator;
    if (cap !== null && h.labels + h.leases.size >= cap) return null;
    if (h.labels === 0 && h.lapsed.size >= LAPSES_BEFORE_FIRST_LABEL) return null;
    const leasedItems = new Set<number>();
    for (const l of h.leases.values()) leasedItems.add(l.itemId);
    const eligible = (s: ItemSlot) => !h.done.has(s.id) && !leasedItems.has(s.id) && !h.lapsed.has(s.id);
    const goldFirst = this.settings.goldRate > 0 && this.random() < this.settings.goldRate;
    const slot = goldFirst
      ? (this.pick(this.gold, eligible) ?? this.pick(this.regular, eligible))
      : (this.pick(this.regular, eligible) ?? this.pick(this.gold, eligible));
    if (!slot) return null;
    slot.leased++;
    this.bucketsOf(slot).place(slot);
    const order: Order | null = this.settings.pairwise ? (this.random() < 0.5 ? 'AB' : 'BA') : null;
    const lease = this.newLease(annotatorId, 'human', slot.id, order, 0, humanSlot, now);
    h.leases.set(lease.id, lease);
    return lease;
  }

  /**
   * Whether items this human could still label are held by others' leases right now: they come back to the pool
   * if those leases lapse, so the human should wait rather than be told they are finished.
   */
  heldByOthers(annotatorId: number): boolean {
    const h = this.humans.get(annotatorId);
    const cap = this.settings.maxPerAnnotator;
    if (cap !== null && (h?.labels ?? 0) >= cap) return false;
    for (const l of this.leases.values()) {
      if (l.kind !== 'human' || l.annotatorId === annotatorId) continue;
      const s = this.items.get(l.itemId);
      if (s && s.labels < this.settings.redundancy && !h?.done.has(s.id)) return true;
    }
    return false;
  }

  /** Whether this annotator (or provisional id) holds a live lease. */
  holds(annotatorId: number): boolean {
    return (this.humans.get(annotatorId)?.leases.size ?? this.judges.get(annotatorId)?.leases.size ?? 0) > 0;
  }

  /**
   * A crowd worker's first label created their annotator row: their state (leases, labels) moves from the
   * provisional id to the row's id, merged with any the row already had (an import may have created it).
   */
  rekeyHuman(from: number, to: number): void {
    const h = this.humans.get(from);
    if (!h || from === to) return;
    this.humans.delete(from);
    for (const l of h.leases.values()) l.annotatorId = to;
    const into = this.humans.get(to);
    if (!into) return void this.humans.set(to, h);
    for (const [id, l] of h.leases) into.leases.set(id, l);
    for (const d of h.done) into.done.add(d);
    for (const d of h.lapsed) into.lapsed.add(d);
    into.labels += h.labels;
    into.gold.n += h.gold.n;
    into.gold.correct += h.gold.correct;
  }

  /** Forgets a provisional worker that holds nothing (no socket, no lease: see server/auth/crowd.ts). */
  forgetHuman(annotatorId: number): void {
    if (this.humans.get(annotatorId)?.leases.size === 0) this.humans.delete(annotatorId);
  }

  /** Whether a human still has anything to do here: a live lease, or an item they could be given. */
  hasWorkFor(annotatorId: number, now: number): boolean {
    this.expire(now);
    const h = this.human(annotatorId);
    if (h.leases.size > 0) return true;
    const cap = this.settings.maxPerAnnotator;
    if (cap !== null && h.labels >= cap) return false;
    if (h.labels === 0 && h.lapsed.size >= LAPSES_BEFORE_FIRST_LABEL) return false;
    const eligible = (s: ItemSlot) => !h.done.has(s.id) && !h.lapsed.has(s.id);
    return (this.pick(this.regular, eligible) ?? this.pick(this.gold, eligible)) !== null;
  }

  /** Random among the items with the fewest labels that this annotator may take. */
  private pick(b: Buckets, eligible: (s: ItemSlot) => boolean): ItemSlot | null {
    for (const list of b.lists) {
      const n = list.length;
      if (n === 0) continue;
      for (let k = 0; k < 8; k++) {
        const s = list[Math.floor(this.random() * n)]!;
        if (eligible(s)) return s;
      }
      // Rare: most of this bucket is already this annotator's. Scan it once from a random start.
      const start = Math.floor(this.random() * n);
      for (let k = 0; k < n; k++) {
        const s = list[(start + k) % n]!;
        if (eligible(s)) return s;
      }
    }
    return null;
  }

  /** Lease a judge its next (item, order, sample), or null when its plan is complete. */
  claimJudge(annotatorId: number, plan: JudgePlan, now: number): Lease | null | 'limit' {
    this.expire(now);
    const j = this.judge(annotatorId, plan);
    if (j.leases.size >= plan.maxLeases) return 'limit';
    const orders: Array<Order | null> = this.settings.pairwise && plan.swap ? ['AB', 'BA'] : [null];
    const free = (itemId: number, order: Order | null, sample: number) => {
      const key = itemKey(itemId, judgeSlot(order, sample));
      return this.items.has(itemId) && !j.done.has(key) && !j.leasedKeys.has(key);
    };
    let task: { itemId: number; order: Order | null; sample: number } | undefined;
    while (!task && j.retry.length > 0) {
      const t = j.retry.pop()!;
      if (free(t.itemId, t.order, t.sample)) task = t;
    }
    const perItem = orders.length * plan.samples;
    while (!task && j.cursor < this.order.length) {
      const s = this.order[j.cursor]!;
      const order = orders[j.sub % orders.length]!;
      const sample = Math.floor(j.sub / orders.length);
      if (++j.sub >= perItem) {
        j.sub = 0;
        j.cursor++;
      }
      if (free(s.id, order, sample)) task = { itemId: s.id, order, sample };
    }
    if (!task) return null;
    const slot = judgeSlot(task.order, task.sample);
    const shown: Order | null = task.order ?? (this.settings.pairwise ? (this.random() < 0.5 ? 'AB' : 'BA') : null);
    const lease = this.newLease(annotatorId, 'llm', task.itemId, shown, task.sample, slot, now);
    j.leases.set(lease.id, lease);
    j.leasedKeys.add(itemKey(task.itemId, slot));
    return lease;
  }

  private newLease(annotatorId: number, kind: AnnotatorKind, itemId: number, order: Order | null, sample: number, slot: string, now: number): Lease {
    const lease: Lease = {
      // randomUUID draws from a pooled entropy buffer: an order of magnitude cheaper than randomBytes per call.
      id: randomUUID(),
      annotatorId,
      kind,
      itemId,
      order,
      sample,
      slot,
      issuedAt: now,
      expiresAt: now + this.settings.leaseMs[kind],
      submitting: false,
    };
    this.leases.set(lease.id, lease);
    this.leaseCount[kind]++;
    this.expiries.push(lease.expiresAt, lease);
    return lease;
  }

  /**
   * Pushes a lease's expiry forward, for a human no further than {@link HUMAN_LEASE_LIFE} lease lengths after it
   * was handed out; false when it is gone or lapsed.
   */
  heartbeat(lease: Lease, now: number): boolean {
    if (this.leases.get(lease.id) !== lease || lease.expiresAt <= now) return false;
    const ms = this.settings.leaseMs[lease.kind];
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
    if (this.leases.get(lease.id) === lease) this.expiries.push(lease.expiresAt, lease);
  }

  /** Returns the lease's item to the pool (release, expiry, or a failed write). */
  release(lease: Lease): void {
    if (this.leases.get(lease.id) !== lease) return;
    this.drop(lease);
    if (lease.kind === 'human') {
      const s = this.items.get(lease.itemId);
      if (s) {
        s.leased--;
        this.bucketsOf(s).place(s);
      }
    } else {
      this.judges.get(lease.annotatorId)?.retry.push({ itemId: lease.itemId, order: lease.slot.startsWith('-') ? null : lease.order, sample: lease.sample });
    }
  }

  /** The lease's label (`value`, canonical) is stored: it keeps the slot it held, now as a label. */
  commit(lease: Lease, value: unknown): void {
    if (this.leases.get(lease.id) !== lease) return;
    this.drop(lease);
    if (lease.kind === 'human') {
      const h = this.human(lease.annotatorId);
      h.done.add(lease.itemId);
      h.labels++;
      this.labelCount.human++;
      const s = this.items.get(lease.itemId);
      this.scoreGold(h, s, value);
      if (s) {
        s.leased--;
        s.labels++;
        if (s.labels === this.settings.redundancy) this.complete++;
        this.bucketsOf(s).place(s);
      }
    } else {
      const j = this.judges.get(lease.annotatorId);
      if (j) {
        j.done.add(itemKey(lease.itemId, lease.slot));
        j.labels++;
      }
      this.labelCount.llm++;
    }
  }

  private drop(lease: Lease): void {
    this.leases.delete(lease.id);
    this.leaseCount[lease.kind]--;
    if (lease.kind === 'human') this.humans.get(lease.annotatorId)?.leases.delete(lease.id);
    else {
      const j = this.judges.get(lease.annotatorId);
      j?.leases.delete(lease.id);
      j?.leasedKeys.delete(itemKey(lease.itemId, lease.slot));
    }
  }

  /** Returns every lapsed lease's item to the pool; returns how many lapsed. */
  expire(now: number): number {
    let n = 0;
    while (this.expiries.size > 0 && this.expiries.peekKey()! <= now) {
      const lease = this.expiries.pop()!;
      // Stale heap entries (heartbeats pushed a later one, or the lease is gone) are skipped.
      if (this.leases.get(lease.id) !== lease || lease.expiresAt > now || lease.submitting) continue;
      if (lease.kind === 'human') this.humans.get(lease.annotatorId)?.lapsed.add(lease.itemId);
      this.release(lease);
      n++;
    }
    return n;
  }

  get openItems(): number {
    return this.regular.open() + this.gold.open();
  }
  get totalItems(): number {
    return this.order.length;
  }
}
