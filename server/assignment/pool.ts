/**
 * The in-memory assignment state of one project. SQLite is the record (labels); this is the index that makes
 * a claim O(1) in the number of items and leases (docs/decisions/0002-assignment-in-memory.md).
 *
 * Two kinds of annotator are served behind this one interface: humans (redundancy, gold mixing, caps on hogging:
 * human-pool.ts) and judges (a cursor per judge over items × orders × samples: judge-pool.ts). Both hand out
 * leases from one lease book (leases.ts), so expiry, heartbeats and the lease counts work the same for either.
 * The items are a table of typed arrays by row (slots.ts). What comes from the record is read into a new state apart
 * (pool-build.ts; on a thread for a big pool: pool-read.ts) and installed, the live leases kept.
 */
import type { AnnotatorKind } from '../../shared/schemas';
import type { PosteriorModel } from '../../shared/stats/crowd/posterior';
import type { ItemSlot } from './buckets';
import { HumanPool } from './human-pool';
import { JudgePool, type JudgePlan } from './judge-pool';
import { LeaseBook, type Lease, type PoolSettings } from './leases';
import type { Router } from './router';
import { PoolBuild, type ItemRow } from './pool-build';
import { Slots } from './slots';

/** A stored label as the pool reads it (server/labels/labels.repo.ts `done`). */
export interface DoneRow {
  annotator_id: number;
  item_id: number;
  slot: string;
  kind: string;
  value: unknown;
  certainty?: number | null;
}

/** The pool's items by id, each seen through a view of its row (slots.ts). */
export class ItemIndex {
  constructor(private readonly slots: () => Slots) {}
  get size(): number {
    return this.slots().n;
  }
  get(id: number): ItemSlot | undefined {
    const t = this.slots();
    const r = t.rowOf(id);
    return r < 0 ? undefined : t.view(r);
  }
  has(id: number): boolean {
    return this.slots().rowOf(id) >= 0;
  }
  /** Every item, in import order. */
  *values(): Generator<ItemSlot> {
    const t = this.slots();
    for (let r = 0; r < t.n; r++) yield t.view(r);
  }
}

/** A label the live pool committed while the record was being read again. */
interface Committed {
  kind: AnnotatorKind;
  annotatorId: number;
  itemId: number;
  slot: string;
  value: unknown;
  certainty: number | null;
}

export class ProjectPool {
  /** The items, a row each in import order (judges walk them in it). */
  private slots = new Slots();
  readonly items = new ItemIndex(() => this.slots);
  private readonly book: LeaseBook;
  private humans: HumanPool;
  private judges: JudgePool;
  /** Labels committed while the record is read again (keepCommits … install), null otherwise. */
  private commits: Committed[] | null = null;
  /** Live leases by id. */
  readonly leases: ReadonlyMap<string, Lease>;
  readonly leaseCount: Readonly<Record<AnnotatorKind, number>>;
  readonly labelCount = { human: 0, llm: 0 };
  /** Escalation from judges to humans, when the project routes so (router.ts); null otherwise. */
  router: Router | null = null;
  /** The settings of the state installed last (its rule, cap and gold rate; see `useLeaseMs`). */
  settings: PoolSettings;

  constructor(
    settings: PoolSettings,
    private readonly random: () => number = Math.random,
  ) {
    this.settings = settings;
    this.book = new LeaseBook(settings.leaseMs);
    this.leases = this.book.live;
    this.leaseCount = this.book.count;
    this.humans = new HumanPool(settings, this.slots, this.book, random);
    this.judges = new JudgePool(settings, this.slots, this.book, random);
  }

  /**
   * Rebuilds the index from the record (after start-up, an import or a settings change). Live leases are kept
   * and still hold their slots. `answers`: a ranking item's number of answers (absent or null for other items).
   * `humanCounts`: each item's human labels, or null to count them from `done` (as the server does: one read of the
   * labels). Rows may be one object refilled for each (LabelsRepo.done): nothing here keeps a row.
   */
  load(settings: PoolSettings, items: Iterable<ItemRow>, humanCounts: Iterable<{ item_id: number; n: number }> | null, done: Iterable<DoneRow>): void {
    const b = this.build(settings);
    b.items(items);
    if (humanCounts) b.counts(humanCounts);
    for (const d of done) {
      if (d.kind === 'human') b.human(d.annotator_id, d.item_id, d.value);
      else b.judge(d.annotator_id, d.item_id, d.slot, d.value, d.certainty ?? null);
    }
    this.install(b);
  }

  /** A pool to read the record into, apart from this one (which may keep serving meanwhile): {@link install} it. */
  build(settings: PoolSettings): PoolBuild {
    return new PoolBuild(settings, this.book, this.humans.posterior, this.random, this.slots.n);
  }

  /** From now until the next install, labels committed here are also kept for it (a read of the record is under way). */
  keepCommits(): void {
    this.commits = [];
  }

  /**
   * Makes a read of the record this pool's state: labels committed here while it was read are added (once), the
   * live leases and lapses are kept and hold their places, judges' walks restart, and a crowd model that came in
   * meanwhile is applied.
   */
  install(b: PoolBuild): void {
    for (const c of this.commits ?? []) {
      if (c.kind === 'human') b.human(c.annotatorId, c.itemId, c.value, true);
      else b.judge(c.annotatorId, c.itemId, c.slot, c.value, c.certainty, true);
    }
    this.commits = null;
    b.finish();
    b.humans.adopt(this.humans);
    b.judges.adopt(this.judges);
    this.book.leaseMs = b.settings.leaseMs;
    this.settings = b.settings;
    this.slots = b.slots;
    this.humans = b.humans;
    this.judges = b.judges;
    const router = (this.router = b.router);
    if (!router) this.judges.walkOf = () => undefined;
    this.labelCount.human = b.labelCount.human;
    this.labelCount.llm = b.labelCount.llm;
    if (!b.indexed) {
      this.humans.holdLeases();
      router?.start();
      this.humans.index();
    } else this.humans.holdLeases((s) => router?.humansHold(s));
    const model = this.humans.posterior.current;
    if (model !== b.model && model) this.usePosterior(model);
  }

  /**
   * Items an import added (no labels yet, ids above every item here), taken without reading the record again: filed
   * for the humans, and at the end of every judge's walk. Not for a project with escalation (its router sizes its
   * arrays by the items: read it again).
   */
  addItems(settings: PoolSettings, items: Iterable<ItemRow>): void {
    if (this.router) throw new Error('An escalating project reads its pool again after an import');
    const from = this.slots.n;
    this.append(settings, items);
    this.humans.index(from);
  }

  /** Items as the pool first knows them, after those it has (in import order, each its row). */
  private append(settings: PoolSettings, items: Iterable<ItemRow>): void {
    const mixGold = settings.goldRate > 0;
    for (const r of items) this.slots.add(r.id, r.gold, mixGold, r.answers ?? 0);
  }

  /** New lease lengths (for leases handed out from now). */
  useLeaseMs(ms: PoolSettings['leaseMs']): void {
    this.book.leaseMs = ms;
    this.settings = { ...this.settings, leaseMs: ms };
  }

  /** The highest item id here (items are added in id order), 0 when there is none. */
  get lastItemId(): number {
    const t = this.slots;
    return t.n > 0 ? t.ids[t.n - 1]! : 0;
  }

  /**
   * A judge changed without a reload (a project without escalation, where no human's assignment reads a judge's
   * labels): its walk restarts, or with `deleted` (its labels gone) it is forgotten and its labels uncounted.
   */
  judgeChanged(annotatorId: number, deleted: boolean): void {
    if (deleted) this.labelCount.llm -= this.judges.forget(annotatorId);
    else this.judges.restart(annotatorId);
  }

  /** Recertifies escalation's thresholds if labels asked for it (the sweep: `force`); true when an item moved. */
  recertify(force = false): boolean {
    return this.router?.maybeRecertify(Date.now(), force) ?? false;
  }

  /** Whether a cascade judge may yet get more items (judges before it still hold some undecided). */
  judgeWaiting(annotatorId: number): boolean {
    const k = this.router?.stageOf(annotatorId);
    return k !== undefined && this.router!.moreMayCome(k);
  }

  /** The crowd model snapshot a posterior rule reads now (null before the first fit). */
  get posteriorModel(): PosteriorModel | null {
    return this.humans.posterior.current;
  }

  /**
   * A new crowd model snapshot for a posterior rule: every item's stop is read again under it, then counted and
   * filed (a lease already out stays out). Under escalation, items it closed or reopened may change calibration
   * references, so the router recertifies.
   */
  usePosterior(model: PosteriorModel): void {
    this.humans.posterior.current = model;
    const need = this.humans.need;
    if (!need.refresh) return;
    let changed = false;
    for (let r = 0; r < this.slots.n; r++) {
      const s = this.slots.view(r);
      const change = need.refresh(s);
      if (!change) continue;
      this.humans.reroute(s, change);
      changed = true;
    }
    if (changed) this.router?.humansChanged();
  }

  /** Items closed by the redundancy rule: a fixed redundancy's count reached; adaptive: stopped, or at `max`. */
  get complete(): number {
    return this.humans.complete;
  }
  /** `[k]`: how many items have k human labels. */
  get labelsPerItem(): readonly number[] {
    return this.humans.perItem;
  }
  /** The fixed-redundancy budget of human labels: every item at the rule's maximum. */
  get humanBudget(): number {
    return this.slots.n * this.humans.need.max;
  }
  get goldItems(): number {
    return this.humans.goldItems;
  }
  get totalItems(): number {
    return this.slots.n;
  }

  /** A human's record on gold items (quality checks): how many they labelled and how many matched. */
  goldChecks(annotatorId: number): { n: number; correct: number } | null {
    return this.humans.goldChecks(annotatorId);
  }

  humanProgress(annotatorId: number): { done: number; target: number | null } {
    return this.humans.progress(annotatorId);
  }

  judgeProgress(annotatorId: number, plan: JudgePlan): { done: number; target: number } {
    return this.judges.progress(annotatorId, plan);
  }

  labelsOf(annotatorId: number): number {
    return this.humans.labelsOf(annotatorId) ?? this.judges.labelsOf(annotatorId) ?? 0;
  }

  /** An annotator's live leases, oldest first. */
  leasesOf(annotatorId: number): Lease[] {
    const m = this.humans.leasesOf(annotatorId) ?? this.judges.leasesOf(annotatorId);
    return m ? [...m.values()].sort((a, b) => a.issuedAt - b.issuedAt) : [];
  }

  /** An annotator's first live lease (oldest first: in the order they were issued) that `pick` accepts. */
  findLease(annotatorId: number, pick: (l: Lease) => boolean): Lease | undefined {
    const m = this.humans.leasesOf(annotatorId) ?? this.judges.leasesOf(annotatorId);
    if (m) for (const l of m.values()) if (pick(l)) return l;
    return undefined;
  }

  /** Whether this annotator (or provisional id) holds a live lease. */
  holds(annotatorId: number): boolean {
    return ((this.humans.leasesOf(annotatorId) ?? this.judges.leasesOf(annotatorId))?.size ?? 0) > 0;
  }

  /** Lease a new item to a human, or null when none is left for them. */
  claimHuman(annotatorId: number, now: number): Lease | null | 'limit' {
    this.expire(now);
    return this.humans.claim(annotatorId, now);
  }

  /** Lease a judge its next (item, order, sample), or null when its plan is complete. */
  claimJudge(annotatorId: number, plan: JudgePlan, now: number): Lease | null | 'limit' {
    this.expire(now);
    return this.judges.claim(annotatorId, plan, now);
  }

  /** Whether a human still has anything to do here: a live lease, or an item they could be given. */
  hasWorkFor(annotatorId: number, now: number): boolean {
    this.expire(now);
    return this.humans.hasWorkFor(annotatorId);
  }

  /**
   * Whether items this human could still label are held by others' leases (they come back if those lapse), or,
   * under escalation, more may yet be routed to the humans (router.ts `humansMayGetMore`).
   */
  heldByOthers(annotatorId: number): boolean {
    if (this.humans.heldByOthers(annotatorId)) return true;
    const router = this.router;
    if (!router) return false;
    const calibrating = () => {
      for (const l of this.leases.values()) if (l.kind === 'human' && l.annotatorId !== annotatorId && router.isCalibration(this.items.get(l.itemId)!)) return true;
      return false;
    };
    return router.humansMayGetMore(calibrating);
  }

  /** A crowd worker's first label created their annotator row: their state moves from the provisional id to it. */
  rekeyHuman(from: number, to: number): void {
    this.humans.rekey(from, to);
  }

  /** Forgets a provisional worker that holds nothing (no socket, no lease: see server/auth/crowd.ts). */
  forgetHuman(annotatorId: number): void {
    this.humans.forget(annotatorId);
  }

  /** Pushes a lease's expiry forward (a human's within its life cap); false when it is gone or lapsed. */
  heartbeat(lease: Lease, now: number): boolean {
    return this.book.heartbeat(lease, now);
  }

  /** A submission of this lease failed: it is live again, and may lapse. */
  unsubmit(lease: Lease): void {
    this.book.unsubmit(lease);
  }

  /** Returns the lease's item to the pool (release, expiry, or a failed write). */
  release(lease: Lease): void {
    if (!this.book.isLive(lease)) return;
    this.book.drop(lease);
    if (lease.kind === 'human') this.humans.release(lease);
    else {
      this.judges.release(lease);
        const r = this.router ? this.slots.rowOf(lease.itemId) : -1;
      if (r >= 0) this.router!.judgeLetGo(lease.annotatorId, this.slots.view(r));
    }
  }

  /**
   * The lease's label (`value`, canonical as stored: a ranking's rankingText in the item's frame) is stored: it
   * keeps the slot it held, now as a label, and counts towards its human's gold checks (gold-match.ts).
   */
  commit(lease: Lease, value: unknown, certainty: number | null = null): void {
    if (!this.book.isLive(lease)) return;
    this.book.drop(lease);
    this.labelCount[lease.kind]++;
    this.commits?.push({ kind: lease.kind, annotatorId: lease.annotatorId, itemId: lease.itemId, slot: lease.slot, value, certainty });
    if (lease.kind === 'human') this.humans.commit(lease, value);
    else this.judges.commit(lease);
    const r = this.router ? this.slots.rowOf(lease.itemId) : -1;
    if (r < 0) return;
    const s = this.slots.view(r);
    if (lease.kind === 'human') this.router!.humanLabel(s, value);
    else this.router!.judgeLabel(lease.annotatorId, s, value, certainty, true);
    this.recertify();
  }

  /** Returns every lapsed lease's item to the pool; returns how many lapsed. */
  expire(now: number): number {
    let n = 0;
    for (let lease = this.book.nextLapsed(now); lease; lease = this.book.nextLapsed(now)) {
      if (lease.kind === 'human') this.humans.lapse(lease);
      this.release(lease);
      n++;
    }
    return n;
  }
}
