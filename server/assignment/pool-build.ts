/**
 * A project's pool as read from the record, built apart from the live pool (which may keep serving meanwhile) and
 * then installed into it (pool.ts `install`): the items, every stored label, and labels the live pool committed
 * while this was read (a label already read from the record is not counted twice).
 */
import type { PosteriorModel } from '../../shared/stats/crowd/posterior';
import type { PosteriorSource } from './human-need';
import { HumanPool } from './human-pool';
import { JudgePool } from './judge-pool';
import type { LeaseBook, PoolSettings } from './leases';
import { Router } from './router';
import type { RoutedNeed } from './routed-need';
import { Slots } from './slots';

export interface ItemRow {
  id: number;
  gold: string | number | null;
  /** A ranking item's number of answers (absent or null for other items). */
  answers?: number | null;
}

export class PoolBuild {
  readonly slots: Slots;
  readonly humans: HumanPool;
  readonly judges: JudgePool;
  router: Router | null = null;
  readonly labelCount = { human: 0, llm: 0 };
  /** The crowd model in force when the read began: a refit meanwhile is applied once installed. */
  readonly model: PosteriorModel | null;
  private readonly mixGold: boolean;
  /** Human labels per item are counted from the labels read (false: the counts were given). */
  private counted = true;
  private labelling = false;
  /** Rows routed (under escalation) and filed in the humans' buckets ahead of the install ({@link indexSome}). */
  private routed = 0;
  private filed = 0;
  /** Every row is routed and filed: the install only adds what came after (labels, leases), as live ones are added. */
  indexed = false;

  constructor(
    readonly settings: PoolSettings,
    book: LeaseBook,
    posterior: PosteriorSource,
    random: () => number,
    /** About how many items there will be (the live pool's), so the item table is made once. */
    items = 0,
  ) {
    this.slots = new Slots(items + (items >> 3));
    this.humans = new HumanPool(settings, this.slots, book, random, posterior);
    this.judges = new JudgePool(settings, this.slots, book, random);
    this.model = posterior.current;
    this.mixGold = settings.goldRate > 0;
  }

  /** Items in import order (every item before the first label). */
  items(rows: Iterable<ItemRow>): void {
    for (const r of rows) this.item(r.id, r.gold, r.answers ?? 0);
  }
  item(id: number, gold: string | number | null, answers: number): void {
    this.slots.add(id, gold, this.mixGold, answers);
  }

  /** Each item's human labels, when known apart from the labels (the labels then are not counted). */
  counts(counts: Iterable<{ item_id: number; n: number }>): void {
    this.counted = false;
    for (const c of counts) {
      const r = this.slots.rowOf(c.item_id);
      if (r >= 0) this.slots.labels[r] = c.n;
    }
  }

  private startLabels(): void {
    this.labelling = true;
    const settings = this.settings;
    if (!settings.routing) return;
    const humans = this.humans;
    const need = humans.need as RoutedNeed;
    this.router = new Router(settings.routing, (s) => need.inner.closed(s), (s, change) => humans.reroute(s, change));
    this.judges.walkOf = (id) => this.router!.walkOf(id);
    // Labels are taken in any order: until its start, the router only gathers votes and verdicts (its references,
    // which read whether the humans' rule has closed an item, are read at the start, every count known).
    this.router.reset(this.slots);
  }

  /** A human label, from the record or (`live`) committed by the live pool while this was read: skipped if read already. */
  human(annotatorId: number, itemId: number, value: unknown, live = false): void {
    if (!this.labelling) this.startLabels();
    const r = this.slots.rowOf(itemId);
    if (live && r < 0) return;
    if (this.indexed) {
      if (!this.humans.added(annotatorId, r, value)) return;
      this.labelCount.human++;
      return void this.router?.humanLabel(this.slots.view(r), value);
    }
    if (!this.humans.mark(annotatorId, r)) return;
    if (this.counted && r >= 0) this.slots.labels[r]!++;
    this.labelCount.human++;
    this.humans.restore(annotatorId, r, value);
    if (this.router && r >= 0) this.router.humanLabel(this.slots.view(r), value);
  }

  /** A judge's label, as {@link human}. */
  judge(annotatorId: number, itemId: number, slot: string, value: unknown, certainty: number | null, live = false): void {
    if (!this.labelling) this.startLabels();
    const r = this.slots.rowOf(itemId);
    if (live && r < 0) return;
    if (!this.judges.restore(annotatorId, r, slot)) return;
    this.labelCount.llm++;
    if (this.router && r >= 0) this.router.judgeLabel(annotatorId, this.slots.view(r), value, certainty, this.indexed);
  }

  /**
   * Routes (under escalation) then files up to `rows` more items in the humans' buckets, ahead of the install (which
   * counts the live leases then); true once all are. Every label read must be in.
   */
  indexSome(rows: number): boolean {
    if (!this.labelling) this.startLabels();
    const n = this.slots.n;
    if (this.router && this.routed < n) {
      const to = Math.min(n, this.routed + rows);
      this.router.startSome(this.routed, to);
      this.routed = to;
      return false;
    }
    const to = Math.min(this.slots.n, this.filed + rows);
    this.humans.index(this.filed, to);
    this.filed = to;
    this.indexed = to === this.slots.n;
    return this.indexed;
  }

  /** Every label is in (the router, if any, is made even for a project with none). */
  finish(): void {
    if (!this.labelling) this.startLabels();
  }
}
