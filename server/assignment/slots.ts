/**
 * The assignment pool's items as a table: one row per item in import order (the row is `ItemSlot.idx`), each fact a
 * typed array indexed by row, instead of an object and a map entry per item (a million items took 170 MB as
 * objects; as rows, 41 bytes each). Code that reads or moves one item sees it through a {@link SlotView}, a
 * short-lived handle on its row; what is kept (bucket lists, judges' walks, done sets) keeps rows.
 */
import { goldKey as goldKeyOf } from './gold-match';
import type { ItemSlot } from './buckets';

const GOLD = 1;
const GOLD_POOL = 2;
const AGREE = 4;

export class Slots {
  /** Rows in use. */
  n = 0;
  ids: Float64Array;
  private flags: Uint8Array;
  answers: Int32Array;
  labels: Int32Array;
  leased: Int32Array;
  /** The agreement key of an item's first human label, as a code into `keys` (−1: none). */
  private first: Int32Array;
  voted: Int32Array;
  route: Int32Array;
  bucket: Int32Array;
  pos: Int32Array;
  /** Gold items' keys by row (gold items are few). */
  private readonly goldKeys = new Map<number, string | number>();
  private readonly keys: Array<string | number> = [];
  private readonly codeOf = new Map<string | number, number>();
  /** Item id → row when ids did not come in ascending order (else a binary search over `ids`). */
  private byId: Map<number, number> | null = null;
  private last = 0;

  /**
   * `capacity`: rows to make room for at once (a table read again is about its predecessor's size; growing a million
   * rows' arrays took ~40 ms in one turn).
   */
  constructor(capacity = 1024) {
    const n = Math.max(1024, capacity);
    this.ids = new Float64Array(n);
    this.flags = new Uint8Array(n);
    this.answers = new Int32Array(n);
    this.labels = new Int32Array(n);
    this.leased = new Int32Array(n);
    this.first = new Int32Array(n);
    this.voted = new Int32Array(n);
    this.route = new Int32Array(n);
    this.bucket = new Int32Array(n);
    this.pos = new Int32Array(n);
  }

  /** Appends an item as the pool first knows it (no labels, no leases, in no bucket); returns its row. */
  add(id: number, gold: string | number | null, mixGold: boolean, answers: number): number {
    if (this.n === this.ids.length) this.grow();
    const r = this.n++;
    if (!this.byId && r > 0 && !(id > this.ids[r - 1]!)) {
      this.byId = new Map();
      for (let i = 0; i < r; i++) this.byId.set(this.ids[i]!, i);
    }
    this.byId?.set(id, r);
    this.ids[r] = id;
    const isGold = gold !== null;
    this.flags[r] = (isGold ? GOLD : 0) | (mixGold && isGold ? GOLD_POOL : 0) | AGREE;
    const key = isGold ? goldKeyOf(gold, answers) : null;
    if (key !== null) this.goldKeys.set(r, key);
    this.answers[r] = answers;
    this.labels[r] = 0;
    this.leased[r] = 0;
    this.first[r] = -1;
    this.voted[r] = 0;
    this.route[r] = 0;
    this.bucket[r] = -1;
    this.pos[r] = -1;
    return r;
  }

  /** The row of an item id, or −1 when it is not here. */
  rowOf(id: number): number {
    if (this.byId) return this.byId.get(id) ?? -1;
    const ids = this.ids;
    // Labels come in runs of one item's, and lookups of the next item: try the last row and the one after first.
    const l = this.last;
    if (l < this.n && ids[l] === id) return l;
    if (l + 1 < this.n && ids[l + 1] === id) return (this.last = l + 1);
    let lo = 0;
    let hi = this.n - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = ids[mid]!;
      if (v === id) return (this.last = mid);
      if (v < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  view(row: number): SlotView {
    return new SlotView(this, row);
  }

  gold(r: number): boolean {
    return (this.flags[r]! & GOLD) !== 0;
  }
  goldPool(r: number): boolean {
    return (this.flags[r]! & GOLD_POOL) !== 0;
  }
  goldKey(r: number): string | number | null {
    return this.goldKeys.get(r) ?? null;
  }
  agree(r: number): boolean {
    return (this.flags[r]! & AGREE) !== 0;
  }
  setAgree(r: number, v: boolean): void {
    this.flags[r] = v ? this.flags[r]! | AGREE : this.flags[r]! & ~AGREE;
  }
  firstOf(r: number): string | number | null {
    const c = this.first[r]!;
    return c < 0 ? null : this.keys[c]!;
  }
  setFirst(r: number, key: string | number | null): void {
    if (key === null) return void (this.first[r] = -1);
    let c = this.codeOf.get(key);
    if (c === undefined) {
      c = this.keys.length;
      this.keys.push(key);
      this.codeOf.set(key, c);
    }
    this.first[r] = c;
  }

  private grow(): void {
    const size = this.ids.length * 2;
    const wider = <T extends Float64Array | Int32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.ids = wider(this.ids, (k) => new Float64Array(k));
    this.flags = wider(this.flags, (k) => new Uint8Array(k));
    for (const name of ['answers', 'labels', 'leased', 'first', 'voted', 'route', 'bucket', 'pos'] as const) this[name] = wider(this[name], (k) => new Int32Array(k));
  }
}

/** One item's row seen as an {@link ItemSlot}: reads and writes go to the table. Not to be kept: keep `idx`. */
export class SlotView implements ItemSlot {
  constructor(
    private readonly t: Slots,
    readonly idx: number,
  ) {}
  get id(): number {
    return this.t.ids[this.idx]!;
  }
  get gold(): boolean {
    return this.t.gold(this.idx);
  }
  get goldPool(): boolean {
    return this.t.goldPool(this.idx);
  }
  get goldKey(): string | number | null {
    return this.t.goldKey(this.idx);
  }
  get answers(): number {
    return this.t.answers[this.idx]!;
  }
  get labels(): number {
    return this.t.labels[this.idx]!;
  }
  set labels(v: number) {
    this.t.labels[this.idx] = v;
  }
  get leased(): number {
    return this.t.leased[this.idx]!;
  }
  set leased(v: number) {
    this.t.leased[this.idx] = v;
  }
  get agree(): boolean {
    return this.t.agree(this.idx);
  }
  set agree(v: boolean) {
    this.t.setAgree(this.idx, v);
  }
  get first(): string | number | null {
    return this.t.firstOf(this.idx);
  }
  set first(v: string | number | null) {
    this.t.setFirst(this.idx, v);
  }
  get voted(): number {
    return this.t.voted[this.idx]!;
  }
  set voted(v: number) {
    this.t.voted[this.idx] = v;
  }
  get route(): number {
    return this.t.route[this.idx]!;
  }
  set route(v: number) {
    this.t.route[this.idx] = v;
  }
  get bucket(): number {
    return this.t.bucket[this.idx]!;
  }
  get pos(): number {
    return this.t.pos[this.idx]!;
  }
}

/** A set of rows as bits (a human's done items, a judge's done slots): 1M items in 125 KB. */
export class RowSet {
  private bits = new Uint32Array(0);

  has(row: number): boolean {
    const w = row >>> 5;
    return w < this.bits.length && (this.bits[w]! & (1 << (row & 31))) !== 0;
  }
  add(row: number): void {
    const w = row >>> 5;
    if (w >= this.bits.length) {
      const b = new Uint32Array(Math.max(w + 1, this.bits.length * 2, 64));
      b.set(this.bits);
      this.bits = b;
    }
    this.bits[w]! |= 1 << (row & 31);
  }
  /** Adds every row of `other`. */
  addAll(other: RowSet): void {
    if (other.bits.length > this.bits.length) {
      const b = new Uint32Array(other.bits.length);
      b.set(this.bits);
      this.bits = b;
    }
    for (let w = 0; w < other.bits.length; w++) this.bits[w]! |= other.bits[w]!;
  }
}
