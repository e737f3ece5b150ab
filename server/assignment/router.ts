/**
 * Escalation (issue 13, part 2; docs/decisions/0011-escalation.md): the judges of a project's cascade label first,
 * and an item goes to the humans only where they are unsure. Judge k's verdict on an item is all its labels of it
 * (both orders when it swaps, every sample) agreeing and valid, at the least of their certainties; it is accepted
 * when that certainty is at or above the judge's threshold, certified on the calibration share (Jung, Brahman &
 * Choi 2025: shared/stats/selective.ts) for the project's target agreement at error level δ. Otherwise the item
 * goes to judge k + 1, and after the last judge to the humans. Calibration items (a fixed hash of the item) always
 * go to the humans, and to every judge first, so thresholds can be certified early; they are recertified as their
 * labels arrive, and every undecided item is decided again when a threshold moves. Gold checks go to the humans too.
 *
 * The router is the humans' redundancy rule's gatekeeper ({@link RoutedNeed}: an item not routed to them is in no
 * bucket) and the cascade judges' walk over the items (`walks`). It runs on the pool's thread, so a decision and
 * the claims that read it never interleave.
 */
import { inCalibration, type Routing, type RoutingState } from '../../shared/routing';
import { certifiedThreshold, type SelectiveResult } from '../../shared/stats/selective';
import type { ItemSlot } from './buckets';
import { Slots } from './slots';
import { agreementKey } from './human-need';
import { Verdicts, type RoutingPlan } from './routed-need';

const HUMANS = 0;
/** `calib` per item: routed (0), in the calibration share (1), a gold check the humans are served whatever the judges say (2). */
const ROUTED = 0;
const CALIBRATION = 1;
const GOLD_CHECK = 2;
/** A calibration item's reference: not yet (its humans' rule has not closed it), or their plurality tied. */
const NO_REFERENCE = -1;
const TIED = -2;
/** A cascade judge that lets the same item go this many times (released or lapsed) has its verdict there counted invalid. */
export const RELEASES_BEFORE_INVALID = 3;
const pendingAt = (k: number) => k + 1;
const acceptedBy = (k: number) => -(k + 1);

/** Recertifies at most this often (more seldom when a run costs more: see `maybeRecertify`); the pool's sweep runs what labels left. */
export const RECERTIFY_MS = 250;


export class Router {
  readonly K: number;
  private readonly stage = new Map<number, number>();
  private verdicts: Verdicts[] = [];
  private readonly codes = new Map<string | number, number>();
  private order = new Slots();
  private calib = new Uint8Array(0);
  /** Calibration items' idx, in import order. */
  private calibIdx: number[] = [];
  /** Each calibration item's reference (a value code, {@link NO_REFERENCE} or {@link TIED}), kept as labels close items. */
  private refs = new Int32Array(0);
  /** The references must be read again (a load, or the humans' rule changed its view of items: a posterior refit). */
  private stale = true;
  /** Judges' releases and lapses by item idx (judge k's map), for {@link RELEASES_BEFORE_INVALID}. */
  private letGo: Array<Map<number, number>> = [];
  /** Calibration items' human votes: item idx → (value code → count). */
  private readonly votes = new Map<number, Map<number, number>>();
  /** Each cascade judge's walk (rows): calibration items first, then (judge 0) every item or (k > 0) those escalated to it. */
  readonly walks: number[][] = [];
  private offered: Uint8Array[] = [];
  private thresholds: Array<number | null> = [];
  private fits: Array<SelectiveResult | null> = [];
  private settled: boolean[] = [];
  /** Judges that have not yet judged every calibration item (as of the last certification). */
  private judging: boolean[] = [];
  private pending: number[] = [];
  private accepted: number[] = [];
  private humansEscalated = 0;
  private goldChecks = 0;
  private dirty = false;
  private nextAt = -Infinity;

  constructor(
    private readonly plan: RoutingPlan,
    /** Whether the humans' own rule has closed an item (a calibration item's consensus is then final). */
    private readonly humansClosed: (s: ItemSlot) => boolean,
    /** Runs a change of an item's route through the human pool, so its counts and buckets follow. */
    private readonly reroute: (s: ItemSlot, change: () => void) => void,
  ) {
    this.K = plan.judges.length;
    plan.judges.forEach((j, k) => this.stage.set(j.id, k));
  }

  /** Forgets everything, before the record is read again into items `order` (a row each: their `idx`). */
  reset(order: Slots): void {
    const n = order.n;
    this.order = order;
    this.codes.clear();
    this.votes.clear();
    this.verdicts = this.plan.judges.map((j) => new Verdicts((this.plan.pairwise && j.swap ? 2 : 1) * j.samples, n));
    this.calib = new Uint8Array(n);
    this.calibIdx = [];
    this.refs = new Int32Array(n).fill(NO_REFERENCE);
    this.stale = true;
    this.letGo = this.plan.judges.map(() => new Map());
    const { projectId, routing } = this.plan;
    for (let i = 0; i < n; i++) {
      // The draw is the hash alone: gold items are chosen, not drawn, so they are no sample for the guarantee.
      if (inCalibration(projectId, order.ids[i]!, routing.calibration)) {
        this.calib[i] = CALIBRATION;
        this.calibIdx.push(i);
      } else if (order.goldPool(i)) this.calib[i] = GOLD_CHECK;
    }
    this.offered = this.plan.judges.map(() => new Uint8Array(n));
    this.walks.length = 0;
    for (let k = 0; k < this.K; k++) {
      const walk = [...this.calibIdx];
      for (const i of this.calibIdx) this.offered[k]![i] = 1;
      if (k === 0) for (let i = 0; i < n; i++) if (this.calib[i] === ROUTED) (this.offered[0]![i] = 1), walk.push(i);
      this.walks.push(walk);
    }
    this.thresholds = this.plan.judges.map(() => null);
    this.fits = this.plan.judges.map(() => null);
    this.settled = this.plan.judges.map(() => false);
    this.judging = this.plan.judges.map(() => true);
    this.pending = this.plan.judges.map(() => 0);
    this.accepted = this.plan.judges.map(() => 0);
    this.humansEscalated = 0;
    this.goldChecks = 0;
  }

  /** The cascade judge's walk, or undefined for a judge outside the cascade (it walks every item). */
  walkOf(judgeId: number): readonly number[] | undefined {
    const k = this.stage.get(judgeId);
    return k === undefined ? undefined : this.walks[k];
  }

  /** After the record is read: certify, then route every item (set directly: the human pool files them next). */
  start(): void {
    this.startSome(0, this.order.n);
  }

  /** {@link start} over rows `from` … `to` − 1, a slice at a time in row order (a read on a thread files them so). */
  startSome(from: number, to: number): void {
    if (from === 0) this.certify();
    for (let i = from; i < to; i++) {
      const s = this.order.view(i);
      const routed = this.calib[i] === ROUTED;
      s.route = routed ? this.decide(s) : HUMANS;
      this.count(s, s.route, 1);
      if (routed) this.offer(s);
    }
    if (to === this.order.n) this.dirty = false;
  }

  /** A human holds a lease on the item (counted after it was routed): it is the humans' from now. */
  humansHold(s: ItemSlot): void {
    if (this.calib[s.idx] === ROUTED) this.apply(s);
  }

  private code(value: unknown): number {
    const key = agreementKey(value);
    if (key === null) return -1;
    let c = this.codes.get(key);
    if (c === undefined) this.codes.set(key, (c = this.codes.size));
    return c;
  }

  /**
   * A human label (stored or read back): a calibration item's vote towards its reference, which is read (and the
   * thresholds marked for recertifying) when the label closes the item.
   */
  humanLabel(s: ItemSlot, value: unknown): void {
    if (this.calib[s.idx] !== CALIBRATION) return;
    const c = this.code(value);
    if (c < 0) return;
    let m = this.votes.get(s.idx);
    if (!m) this.votes.set(s.idx, (m = new Map()));
    m.set(c, (m.get(c) ?? 0) + 1);
    if (this.stale || !this.humansClosed(s)) return;
    this.refs[s.idx] = this.reference(s);
    this.dirty = true;
  }

  /** The humans' rule changed its view of items without a label (a posterior refit): references are read again. */
  humansChanged(): void {
    this.stale = true;
    this.dirty = true;
  }

  /**
   * A cascade judge's lease on the item was released or lapsed. One that lets the same item go
   * {@link RELEASES_BEFORE_INVALID} times (a worker that gave up on it, a request that always fails) has its
   * verdict there counted invalid, so the item passes on instead of holding the cascade and the crowd for ever.
   */
  judgeLetGo(judgeId: number, s: ItemSlot): void {
    const k = this.stage.get(judgeId);
    if (k === undefined) return;
    const v = this.verdicts[k]!;
    const i = s.idx;
    if (v.done[i]! >= v.slots) return;
    const n = (this.letGo[k]!.get(i) ?? 0) + 1;
    this.letGo[k]!.set(i, n);
    if (n < RELEASES_BEFORE_INVALID) return;
    this.letGo[k]!.delete(i);
    v.bad[i] = 1;
    v.done[i] = v.slots;
    if (this.calib[i] === CALIBRATION) this.dirty = true;
    else if (this.calib[i] === ROUTED) this.apply(s);
  }

  /**
   * A judge's label (stored or read back; `live` once the pool runs): counts towards its verdict on the item; the
   * verdict complete, a calibration item marks the thresholds for recertifying and any other item is decided again.
   */
  judgeLabel(judgeId: number, s: ItemSlot, value: unknown, certainty: number | null, live: boolean): void {
    const k = this.stage.get(judgeId);
    if (k === undefined) return;
    const v = this.verdicts[k]!;
    const i = s.idx;
    const cert = typeof certainty === 'number' && Number.isFinite(certainty) ? certainty : Number.NaN;
    if (!v.add(i, value === null || value === undefined ? -1 : this.code(value), cert) || !live) return;
    if (this.calib[i] === CALIBRATION) this.dirty = true;
    else if (this.calib[i] === ROUTED) this.apply(s);
  }

  /** Recertifies when labels asked for it and {@link RECERTIFY_MS} has passed (`force`: whenever asked); true when any item moved. */
  maybeRecertify(now: number, force = false): boolean {
    if (!this.dirty || (!force && now < this.nextAt)) return false;
    this.dirty = false;
    const t0 = performance.now();
    let moved = false;
    if (this.certify()) for (let i = 0; i < this.order.n; i++) if (this.calib[i] === ROUTED && this.apply(this.order.view(i))) moved = true;
    // Paced by its own cost: a run of 35 ms (a million items, a tenth of them calibration) waits 0.7 s for the next,
    // so a stream of labels keeps it to about 5% of the thread.
    this.nextAt = now + Math.max(RECERTIFY_MS, 20 * (performance.now() - t0));
    return moved;
  }

  /**
   * Whether stage `k` (the humans when k is K) may yet be given more items: some wait for a judge before it, or a
   * judge before it is not settled (its calibration items are not all closed and judged, so its threshold may move
   * and send back items it decided).
   */
  moreMayCome(k: number = this.K): boolean {
    for (let j = 0; j < k; j++) if (this.pending[j]! > 0 || !this.settled[j]) return true;
    return false;
  }

  /**
   * Whether the humans may yet be given items they cannot take now, so one with nothing to do should wait rather
   * than be told they are done: items wait for a judge, a recertification is due, a judge has not judged every
   * calibration item (its threshold may still move), or `calibrating()` (another human holds a calibration item).
   * Calibration items nobody holds do not keep anyone waiting: they are there to take, or for people yet to come.
   */
  humansMayGetMore(calibrating: () => boolean): boolean {
    if (this.dirty) return true;
    for (let k = 0; k < this.K; k++) if (this.pending[k]! > 0 || this.judging[k]!) return true;
    return !this.settled.every(Boolean) && calibrating();
  }

  /** Whether the item is in the calibration share (humans always label it). */
  isCalibration(s: ItemSlot): boolean {
    return this.calib[s.idx] === CALIBRATION;
  }

  stageOf(judgeId: number): number | undefined {
    return this.stage.get(judgeId);
  }

  /** Where the items stand, and each judge's certified threshold (progress and the report). */
  state(name: (judgeId: number) => string): RoutingState {
    const { routing } = this.plan;
    let judges = 0;
    let pending = 0;
    for (let k = 0; k < this.K; k++) (judges += this.accepted[k]!), (pending += this.pending[k]!);
    return {
      target: routing.target,
      delta: routing.delta,
      calibration: routing.calibration,
      calibration_items: this.calibIdx.length,
      items: { judges, humans: this.humansEscalated + this.calibIdx.length + this.goldChecks, pending },
      judges: this.plan.judges.map((j, k) => {
        const fit = this.fits[k];
        let escalated = this.humansEscalated;
        for (let m = k + 1; m < this.K; m++) escalated += this.pending[m]! + this.accepted[m]!;
        return {
          id: j.id,
          name: name(j.id),
          stage: k,
          threshold: this.thresholds[k]!,
          calibration_points: fit?.calibrationItems ?? 0,
          agreement: fit?.agreement ?? null,
          coverage: fit?.coverage ?? null,
          accepted: this.accepted[k]!,
          escalated,
          pending: this.pending[k]!,
        };
      }),
    };
  }

  /** The decision on an item outside the calibration share and how sure it was (the gold export's `decided_*`). */
  decision(s: ItemSlot): { judge: number; certainty: number; threshold: number } | null {
    if (s.route >= 0) return null;
    const k = -s.route - 1;
    return { judge: this.plan.judges[k]!.id, certainty: this.verdicts[k]!.cert[s.idx]!, threshold: this.thresholds[k]! };
  }

  /**
   * Where an item outside the calibration share goes now. Once the humans have it (a label, or a lease out) it
   * stays theirs; otherwise the first judge without a complete verdict holds it, the first whose verdict clears its
   * threshold decides it, and one with no threshold yet holds it until its calibration is settled (every
   * calibration item closed by the humans and judged by it), after which it passes items on.
   */
  private decide(s: ItemSlot): number {
    if (s.labels > 0 || s.leased > 0) return HUMANS;
    const i = s.idx;
    for (let k = 0; k < this.K; k++) {
      const v = this.verdicts[k]!;
      if (v.done[i]! < v.slots) return pendingAt(k);
      const t = this.thresholds[k]!;
      if (v.clears(i, t)) return acceptedBy(k);
      if (t === null && !this.settled[k]) return pendingAt(k);
    }
    return HUMANS;
  }

  /** Decides the item again; true when its route moved. */
  private apply(s: ItemSlot): boolean {
    const r = this.decide(s);
    if (r === s.route) return false;
    this.reroute(s, () => {
      this.count(s, s.route, -1);
      s.route = r;
      this.count(s, r, 1);
    });
    this.offer(s);
    return true;
  }

  private count(s: ItemSlot, r: number, d: number): void {
    if (r > 0) this.pending[r - 1]! += d;
    else if (r < 0) this.accepted[-r - 1]! += d;
    else if (this.calib[s.idx] === ROUTED) this.humansEscalated += d;
    else if (this.calib[s.idx] === GOLD_CHECK) this.goldChecks += d;
  }

  /** Puts the item on the walk of every cascade judge it has reached (once each). */
  private offer(s: ItemSlot): void {
    const reached = s.route > 0 ? s.route - 1 : s.route < 0 ? -s.route - 1 : this.K - 1;
    for (let k = 1; k <= reached; k++) {
      if (this.offered[k]![s.idx]) continue;
      this.offered[k]![s.idx] = 1;
      this.walks[k]!.push(s.idx);
    }
  }

  /**
   * A calibration item's reference: the humans' plurality once their rule closed it ({@link TIED} when it ties:
   * a verdict there counts as disagreeing, not left out, which would drop the hard items and flatter the judge).
   */
  private reference(s: ItemSlot): number {
    if (!this.humansClosed(s)) return NO_REFERENCE;
    let best = -1;
    let top = 0;
    let tied = false;
    for (const [c, n] of this.votes.get(s.idx) ?? []) {
      if (n > top) (best = c), (top = n), (tied = false);
      else if (n === top) tied = true;
    }
    return tied ? TIED : best < 0 ? NO_REFERENCE : best;
  }

  /** Certifies every judge's threshold on the calibration share; true when a threshold or a settled state changed. */
  private certify(): boolean {
    if (this.stale) for (const i of this.calibIdx) this.refs[i] = this.reference(this.order.view(i));
    this.stale = false;
    const refs = this.calibIdx.map((i) => this.refs[i]!);
    let closed = 0;
    for (const i of this.calibIdx) if (this.humansClosed(this.order.view(i))) closed++;
    let changed = false;
    // As the authors' cascade calibrates (cascaded_classifier.py `calibrate`): each judge on the calibration items
    // no judge before it decided at its threshold, the items that would reach it.
    const taken = new Uint8Array(this.calibIdx.length);
    for (let k = 0; k < this.K; k++) {
      const v = this.verdicts[k]!;
      const cert = new Float64Array(this.calibIdx.length);
      const correct = new Uint8Array(this.calibIdx.length);
      let n = 0;
      let judged = 0;
      this.calibIdx.forEach((i, t) => {
        if (v.done[i]! < v.slots) return;
        judged++;
        if (taken[t] || v.bad[i] || Number.isNaN(v.cert[i]!) || refs[t] === NO_REFERENCE) return;
        cert[n] = v.cert[i]!;
        correct[n++] = v.code[i] === refs[t] ? 1 : 0;
      });
      const { target, delta } = this.plan.routing;
      const fit = certifiedThreshold(cert.subarray(0, n), correct.subarray(0, n), { target, delta, minItems: this.plan.minItems });
      const settled = closed === this.calibIdx.length && judged === this.calibIdx.length;
      if (fit.threshold !== this.thresholds[k] || settled !== this.settled[k]) changed = true;
      this.fits[k] = fit;
      this.thresholds[k] = fit.threshold;
      const t = fit.threshold;
      this.calibIdx.forEach((i, c) => v.clears(i, t) && (taken[c] = 1));
      this.settled[k] = settled;
      this.judging[k] = judged < this.calibIdx.length;
    }
    return changed;
  }
}
