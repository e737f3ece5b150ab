/**
 * The human half of a project's assignment pool: no item is leased or labelled past what the project's redundancy
 * rule allows (human-need.ts), leases in flight counted (a claim takes a random item from the lowest bucket this
 * human may take: for a fixed redundancy the least-labelled go first; adaptive: reopened items before fresh), gold
 * items are mixed in at the project's gold rate, and caps stop one person hogging tasks. Node runs this on one
 * thread, so no two claims interleave: the race for the last slot of an item is decided here, exactly once.
 */
import type { Order } from '../../shared/schemas';
import { humanSlot } from '../labels/labels.repo';
import { randomPermutation } from '../../shared/ranking';
import { Buckets, type ItemSlot } from './buckets';
import { RowSet, type Slots } from './slots';
import { matchesGold } from './gold-match';
import { needOf, PosteriorSource, type HumanNeed } from './human-need';
import { RoutedNeed } from './routed-need';
import type { Lease, LeaseBook, PoolSettings } from './leases';

/** Most tasks a human may hold at once: the one on screen, the prefetched next, and one spare for a reconnect race. */
export const HUMAN_MAX_LEASES = 3;

/**
 * A worker who has never labelled and has let this many tasks lapse gets no more: otherwise a script could take a
 * task, let it lapse at the lease-life cap, and take the next one (or the same one) for ever.
 */
export const LAPSES_BEFORE_FIRST_LABEL = 2;

interface HumanState {
  /** Rows of the items labelled. */
  done: RowSet;
  leases: Map<string, Lease>;
  labels: number;
  /** Labels on gold items and how many matched the gold label. */
  gold: { n: number; correct: number };
  /** Items whose lease this human let lapse unsubmitted: not handed back to them, so a lapse frees the item for others. */
  lapsed: Set<number>;
}

/** The project's redundancy rule, behind the router's gate when judges decide first. */
function ruleOf(settings: PoolSettings, posterior: PosteriorSource): HumanNeed {
  const need = needOf(settings.redundancy, posterior);
  return settings.routing ? new RoutedNeed(need) : need;
}

export class HumanPool {
  private regular: Buckets;
  private gold: Buckets;
  private readonly humans = new Map<number, HumanState>();
  /** The redundancy rule: which bucket an item belongs in, and whether it is closed. */
  need: HumanNeed;
  /** Items closed by the redundancy rule (at a fixed redundancy: with that many human labels). */
  complete = 0;
  goldItems = 0;
  /** `perItem[k]`: how many items have k human labels. */
  perItem: number[] = [];
  constructor(
    private readonly settings: PoolSettings,
    private readonly items: Slots,
    private readonly book: LeaseBook,
    private readonly random: () => number,
    /** The crowd model a posterior rule reads (a pool's for its life: a rebuilt rule reads the same snapshot). */
    readonly posterior = new PosteriorSource(),
  ) {
    this.need = ruleOf(settings, this.posterior);
    this.regular = new Buckets(this.need.lists, items);
    this.gold = new Buckets(this.need.lists, items);
  }

  /**
   * A pool read again from the record takes over the live pool's people: each human's leases and lapses are kept
   * (what came from the record, this pool has read anew).
   */
  adopt(live: HumanPool): void {
    for (const [id, h] of live.humans) {
      const mine = this.human(id);
      mine.leases = h.leases;
      mine.lapsed = h.lapsed;
    }
  }

  /** A human label from the record: counted for its human; false when it was already (a label seen twice). */
  mark(annotatorId: number, row: number): boolean {
    const h = this.human(annotatorId);
    if (row >= 0) {
      if (h.done.has(row)) return false;
      h.done.add(row);
    }
    h.labels++;
    return true;
  }

  /** A marked label's value: towards its item's redundancy rule, and its human's gold checks. */
  restore(annotatorId: number, row: number, value: unknown): void {
    if (row < 0) return;
    const s = this.items.view(row);
    this.need.vote(s, value, annotatorId);
    this.scoreGold(this.human(annotatorId), s, value);
  }

  /**
   * The live human leases (kept over a reload) hold their places on their items again. `held`: the items are filed
   * already, so each is filed again, then told to `held`.
   */
  holdLeases(held?: (s: ItemSlot) => void): void {
    for (const l of this.book.live.values()) {
      const row = l.kind === 'human' ? this.items.rowOf(l.itemId) : -1;
      if (row < 0) continue;
      this.items.leased[row]!++;
      if (!held) continue;
      const s = this.items.view(row);
      this.place(s);
      held(s);
    }
  }

  /** Files the items (their stored labels and held leases counted) in the buckets: all, or those from `from` (up to `to`) on. */
  index(from = 0, to = this.items.n): void {
    for (let i = from; i < to; i++) {
      const s = this.items.view(i);
      if (s.gold) this.goldItems++;
      if (this.need.closed(s)) this.complete++;
      this.perItem[s.labels] = (this.perItem[s.labels] ?? 0) + 1;
      this.place(s);
    }
    for (let k = 0; k < this.perItem.length; k++) this.perItem[k] ??= 0;
  }

  /** A label added once the items are filed, with no lease (committed while the pool was read again); false if known. */
  added(annotatorId: number, row: number, value: unknown): boolean {
    if (!this.mark(annotatorId, row)) return false;
    const s = this.items.view(row);
    this.scoreGold(this.human(annotatorId), s, value);
    this.counted(s, value, annotatorId);
    return true;
  }

  /**
   * The rule's view of items changed by something other than a label (a model snapshot, a judge's decision):
   * `change` runs on the item, then it is counted and filed again.
   */
  reroute(s: ItemSlot, change: () => void): void {
    const was = this.need.closed(s);
    change();
    const is = this.need.closed(s);
    if (is !== was) this.complete += is ? 1 : -1;
    this.place(s);
  }

  /** Files the item where its redundancy rule says (or in no list). */
  private place(s: ItemSlot): void {
    this.bucketsOf(s).place(s.idx, this.need.listOf(s));
  }

  private bucketsOf(s: ItemSlot): Buckets {
    return s.goldPool ? this.gold : this.regular;
  }

  private human(annotatorId: number): HumanState {
    let h = this.humans.get(annotatorId);
    if (!h) this.humans.set(annotatorId, (h = { done: new RowSet(), leases: new Map(), labels: 0, gold: { n: 0, correct: 0 }, lapsed: new Set() }));
    return h;
  }

  private scoreGold(h: HumanState, s: ItemSlot | undefined, value: unknown): void {
    if (!s?.gold) return;
    h.gold.n++;
    if (matchesGold(s.goldKey, value, s.answers)) h.gold.correct++;
  }

  /** A human's record on gold items (quality checks): how many they labelled and how many matched. */
  goldChecks(annotatorId: number): { n: number; correct: number } | null {
    const h = this.humans.get(annotatorId);
    return h ? { ...h.gold } : null;
  }

  progress(annotatorId: number): { done: number; target: number | null } {
    return { done: this.humans.get(annotatorId)?.labels ?? 0, target: this.settings.maxPerAnnotator };
  }

  /** A human's live leases by id, or undefined for an id that is not a human's here. */
  leasesOf(annotatorId: number): ReadonlyMap<string, Lease> | undefined {
    return this.humans.get(annotatorId)?.leases;
  }

  labelsOf(annotatorId: number): number | undefined {
    return this.humans.get(annotatorId)?.labels;
  }

  /** Lease a new item to a human, or null when none is left for them. */
  claim(annotatorId: number, now: number): Lease | null | 'limit' {
    const h = this.human(annotatorId);
    if (h.leases.size >= HUMAN_MAX_LEASES) return 'limit';
    const cap = this.settings.maxPerAnnotator;
    if (cap !== null && h.labels + h.leases.size >= cap) return null;
    if (h.labels === 0 && h.lapsed.size >= LAPSES_BEFORE_FIRST_LABEL) return null;
    const leasedItems = new Set<number>();
    for (const l of h.leases.values()) leasedItems.add(l.itemId);
    const ids = this.items.ids;
    const eligible = (r: number) => !h.done.has(r) && !leasedItems.has(ids[r]!) && !h.lapsed.has(ids[r]!);
    const goldFirst = this.settings.goldRate > 0 && this.random() < this.settings.goldRate;
    const [first, then] = goldFirst ? [this.gold, this.regular] : [this.regular, this.gold];
    let row = first.pick(this.random, eligible);
    if (row < 0) row = then.pick(this.random, eligible);
    if (row < 0) return null;
    const slot = this.items.view(row);
    slot.leased++;
    this.place(slot);
    const order: Order | null = this.settings.pairwise ? (this.random() < 0.5 ? 'AB' : 'BA') : null;
    // Ranking: each person sees the answers in an order of their own, so no position is any answer's for everyone.
    const permutation = slot.answers > 0 ? randomPermutation(slot.answers, this.random) : null;
    const lease = this.book.issue(annotatorId, 'human', slot.id, order, permutation, 0, humanSlot, now);
    h.leases.set(lease.id, lease);
    return lease;
  }

  /** Whether a human still has anything to do here: a live lease, or an item they could be given. */
  hasWorkFor(annotatorId: number): boolean {
    const h = this.human(annotatorId);
    if (h.leases.size > 0) return true;
    const cap = this.settings.maxPerAnnotator;
    if (cap !== null && h.labels >= cap) return false;
    if (h.labels === 0 && h.lapsed.size >= LAPSES_BEFORE_FIRST_LABEL) return false;
    const ids = this.items.ids;
    const eligible = (r: number) => !h.done.has(r) && !h.lapsed.has(ids[r]!);
    return this.regular.pick(this.random, eligible) >= 0 || this.gold.pick(this.random, eligible) >= 0;
  }

  /**
   * Whether items this human could still label are held by others' leases right now: they come back to the pool
   * if those leases lapse, so the human should wait rather than be told they are finished.
   */
  heldByOthers(annotatorId: number): boolean {
    const h = this.humans.get(annotatorId);
    const cap = this.settings.maxPerAnnotator;
    if (cap !== null && (h?.labels ?? 0) >= cap) return false;
    for (const l of this.book.live.values()) {
      if (l.kind !== 'human' || l.annotatorId === annotatorId) continue;
      const row = this.items.rowOf(l.itemId);
      if (row >= 0 && !this.need.closed(this.items.view(row)) && !h?.done.has(row)) return true;
    }
    return false;
  }

  /**
   * A crowd worker's first label created their annotator row: their state (leases, labels) moves from the
   * provisional id to the row's id, merged with any the row already had (an import may have created it).
   */
  rekey(from: number, to: number): void {
    const h = this.humans.get(from);
    if (!h || from === to) return;
    this.humans.delete(from);
    for (const l of h.leases.values()) l.annotatorId = to;
    const into = this.humans.get(to);
    if (!into) return void this.humans.set(to, h);
    for (const [id, l] of h.leases) into.leases.set(id, l);
    into.done.addAll(h.done);
    for (const d of h.lapsed) into.lapsed.add(d);
    into.labels += h.labels;
    into.gold.n += h.gold.n;
    into.gold.correct += h.gold.correct;
  }

  /** Forgets a provisional worker that holds nothing (no socket, no lease: see server/auth/crowd.ts). */
  forget(annotatorId: number): void {
    if (this.humans.get(annotatorId)?.leases.size === 0) this.humans.delete(annotatorId);
  }

  /** The lease (already out of the lease book) gives its place on the item back. */
  release(lease: Lease): void {
    this.humans.get(lease.annotatorId)?.leases.delete(lease.id);
    const row = this.items.rowOf(lease.itemId);
    if (row >= 0) {
      this.items.leased[row]!--;
      this.place(this.items.view(row));
    }
  }

  /** The lease lapsed unsubmitted: its item is not handed back to this human. */
  lapse(lease: Lease): void {
    this.humans.get(lease.annotatorId)?.lapsed.add(lease.itemId);
  }

  /** The lease's label (`value`, canonical) is stored: it keeps the place it held, now as a label. */
  commit(lease: Lease, value: unknown): void {
    this.humans.get(lease.annotatorId)?.leases.delete(lease.id);
    const h = this.human(lease.annotatorId);
    h.labels++;
    const row = this.items.rowOf(lease.itemId);
    const s = row >= 0 ? this.items.view(row) : undefined;
    if (s) h.done.add(row);
    this.scoreGold(h, s, value);
    if (s) {
      s.leased--;
      this.counted(s, value, lease.annotatorId);
    }
  }

  /** One more human label on a filed item: counted, voted, and the item filed again. */
  private counted(s: ItemSlot, value: unknown, annotatorId: number): void {
    // A label that breaks unanimity reopens its item: `place` files it in a list drawn before fresh items.
    const was = this.need.closed(s);
    this.perItem[s.labels]!--;
    s.labels++;
    this.perItem[s.labels] = (this.perItem[s.labels] ?? 0) + 1;
    this.need.vote(s, value, annotatorId);
    const is = this.need.closed(s);
    if (is !== was) this.complete += is ? 1 : -1;
    this.place(s);
  }
}
