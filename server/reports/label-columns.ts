import type Database from 'better-sqlite3';
import type { Project } from '../../shared/views';
import type { Category } from '../../shared/stats/ratings';
import { NO_PERMUTATION, RANKING_STRIDE, type RankingColumns, type ReportAnnotator, type ReportColumns, type ReportOptions } from '../../shared/stats/report/input';
import type { StoredLabel } from '../../shared/events';
import { codedDomain, Column, IdIndex, labelSpan, loadAnswers, loadItems, NULL_VERDICT, OTHER_VERDICT, readPermutation, scanLabels, otherValues, type LabelSpan } from './label-load';
import { HELPER_MIN_LABELS, startHelper, type HelperRows } from './label-scan';
import { loadSlice, type SliceColumn } from './slices';
import { canonicalOrder, fingerprintOf, LABEL_COLUMNS, StaleSnapshot, openSnapshot, remap, sameAnnotators, type AnnotatorRow, type ColumnsState, type Fingerprint, type OpenSnapshot, type SnapshotArray } from './column-snapshot';

/** Annotators left out of the report: excluded humans (blocked, or by a researcher's say) and archived judges. */
const LEFT_OUT = '(excluded = 1 OR archived_at IS NOT NULL)';

/**
 * One project's labels in typed arrays, kept up to date as labels are committed, so a report over millions of
 * labels reads memory instead of the database. Lives in the report worker; loaded from the database on first use.
 *
 * Annotators left out of the report (`excluded` humans, archived judges) are left out here, at the load and in the
 * live feed alike, so no statistic, count or plot sees their labels. Changing who is left out resets the project
 * (`ReportsService.reset`), and the next report loads it again from the database.
 */
export class ProjectColumns {
  private itemIndex = new IdIndex(new Float64Array(0));
  private readonly annIndex = new Map<number, number>();
  private readonly annotators: Array<{ dbId: number; name: string; kind: 'human' | 'llm' }> = [];
  /** Annotators left out of the report, so their labels in the live feed are dropped without a lookup. */
  private readonly leftOut = new Set<number>();
  private readonly categories: Category[] = [];
  private readonly codes = new Map<Category, number>();
  private gold = new Int32Array(0);
  /** Each item's database id, by row (ascending: the items are loaded in id order). */
  private ids: Float64Array = new Float64Array(0);
  /** Slices by meta key, loaded once each: items change only with an import, which resets the project. */
  private readonly slices = new Map<string, SliceColumn>();
  private lenA: Float64Array | null = null;
  private lenB: Float64Array | null = null;
  private n = 0;
  /** Highest label id loaded: appends at or below it are already here. */
  private maxId = 0;
  /** How many of the project's labels (left out or not) have ids up to `maxId`: what a snapshot's check counts. */
  private seen = 0;
  /** Rows the last label read gave, left out or not (a snapshot's labels added since are counted by it). */
  private rowsRead = 0;
  /** What the columns were loaded from, for a snapshot; null: none may be written (in memory, or changed meanwhile). */
  private fingerprint: Fingerprint | null = null;
  /** How many labels came from a snapshot (./column-snapshot.ts); null: the columns were read from the database alone. */
  snapshotLabels: number | null = null;
  private readonly item = new Column(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly annotator = new Column(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly code = new Column(new Int32Array(1024), (n) => new Int32Array(n));
  private readonly certainty = new Column(new Float32Array(1024), (n) => new Float32Array(n));
  private readonly order = new Column(new Int8Array(1024), (n) => new Int8Array(n));
  private readonly sample = new Column(new Float64Array(1024), (n) => new Float64Array(n));
  private readonly seconds = new Column(new Float32Array(1024), (n) => new Float32Array(n));
  /** Ranking projects: each label's display order, RANKING_STRIDE bytes a label (empty for other types). */
  private readonly permutation = new Column(new Uint8Array(0), (n) => new Uint8Array(n));
  /** Ranking projects: each item's answer count and answer lengths (see RankingColumns). */
  private ranking: Pick<RankingColumns, 'answers' | 'lengths'> | null = null;
  private readonly annotatorStmt;

  /**
   * `helperMinLabels`: the fewest labels read on two threads (./label-scan.ts); tests lower it. `snapshot`: a
   * snapshot file to start from when it matches (./column-snapshot.ts); one that turns out stale throws
   * {@link StaleSnapshot} ({@link loadColumns} then reads the database).
   */
  constructor(
    private readonly db: Database.Database,
    readonly project: Project,
    private readonly helperMinLabels = HELPER_MIN_LABELS,
    private readonly snapshot: string | null = null,
  ) {
    this.annotatorStmt = db.prepare<[number], AnnotatorRow>(`SELECT id, name, kind, ${LEFT_OUT} AS left_out FROM annotators WHERE id = ?`);
    db.transaction(() => this.load())();
  }

  private codeOf(v: Category | null): number {
    if (v === null) return -1;
    let c = this.codes.get(v);
    if (c === undefined) {
      c = this.categories.length;
      this.categories.push(v);
      this.codes.set(v, c);
    }
    return c;
  }

  private load(): void {
    const pid = this.project.id;
    const rows = this.db.prepare<[number], AnnotatorRow>(`SELECT id, name, kind, ${LEFT_OUT} AS left_out FROM annotators WHERE project_id = ? ORDER BY id`).all(pid);
    const fp = this.db.memory ? null : fingerprintOf(this.db, pid);
    this.fingerprint = fp && fp.project.type === this.project.type && new Date(fp.project.updatedAt).toISOString() === this.project.updated_at ? fp : null;
    const span = labelSpan(this.db, pid, rows.map((a) => a.id));
    const snap = this.snapshot && this.fingerprint ? openSnapshot(this.snapshot, this.fingerprint) : null;
    if (snap) {
      try {
        if (this.adopt(snap, rows, span)) return;
      } finally {
        snap.close();
      }
    }
    this.setAnnotators(rows);
    const domain = codedDomain(this.project);
    // The helper starts before the items are read, so it reads while this thread does.
    const split = this.split(span, domain);
    const items = loadItems(this.db, this.project);
    this.ids = items.ids;
    this.itemIndex = new IdIndex(items.ids);
    this.gold = new Int32Array(items.ids.length);
    for (let i = 0; i < items.gold.length; i++) this.gold[i] = this.codeOf(items.gold[i]!);
    this.lenA = items.lenA;
    this.lenB = items.lenB;
    if (this.project.type === 'ranking') this.ranking = loadAnswers(this.db, pid, this.itemIndex, items.ids.length);
    this.reserve(span.count);
    this.loadLabels(span, domain, split);
    this.maxId = span.hi;
    this.seen = span.count;
  }

  private setAnnotators(rows: readonly AnnotatorRow[]): void {
    for (const a of rows) {
      if (a.left_out) this.leftOut.add(a.id);
      else {
        this.annIndex.set(a.id, this.annotators.length);
        this.annotators.push({ dbId: a.id, name: a.name, kind: a.kind });
      }
    }
  }

  /**
   * Takes a snapshot's columns (./column-snapshot.ts, its header already matched) and reads the labels added since.
   * False, with nothing taken, when its annotators or counts do not match; throws StaleSnapshot when the labels read
   * since do not add up to the project's count. Annotators and categories are put in the order a load from the
   * database gives them (by id; by first appearance), so the report is the one a fresh load gives.
   */
  private adopt(snap: OpenSnapshot, rows: AnnotatorRow[], span: LabelSpan): boolean {
    const h = snap.header;
    const extra = span.count - h.labels.seen;
    if (extra < 0 || (extra > 0 && span.hi <= h.labels.maxId) || !sameAnnotators(h, rows)) return false;
    const a = snap.arrays((name, length) => (name === 'permutation' ? length + extra * RANKING_STRIDE : LABEL_COLUMNS.has(name) ? length + extra : length));
    if (!a || !this.takeArrays(a, h.labels.n, h.fingerprint.items.count)) return false;
    this.setAnnotators(rows);
    for (const c of h.categories) this.codeOf(c);
    this.n = h.labels.n;
    this.maxId = h.labels.maxId;
    const map = Int32Array.from(h.annotators, (x) => this.annIndex.get(x.dbId)!);
    if (map.some((v, k) => v !== k)) remap(this.annotator.data, this.n, map);
    this.rowsRead = 0;
    if (extra > 0) {
      const delta: LabelSpan = { count: extra, lo: h.labels.maxId + 1, hi: span.hi, after: h.labels.maxId };
      const domain = codedDomain(this.project);
      this.loadLabels(delta, domain, this.split(delta, domain));
      this.maxId = span.hi;
    }
    if (h.labels.seen + this.rowsRead !== span.count) throw new StaleSnapshot(`${h.labels.seen} + ${this.rowsRead} labels, ${span.count} in the database`);
    this.seen = span.count;
    this.canonicalise();
    this.snapshotLabels = h.labels.n;
    return true;
  }

  /** The snapshot's arrays as the columns, when each has the type and length expected. */
  private takeArrays(a: Record<string, SnapshotArray | null>, n: number, items: number): boolean {
    const is = <T extends SnapshotArray>(x: SnapshotArray | null | undefined, T: new (n: number) => T, length: number): x is T => x instanceof T && x.length >= length;
    const ranking = this.project.type === 'ranking';
    const { item, annotator, code, certainty, order, sample, seconds, permutation, ids, gold, lenA, lenB, answers, lengths } = a;
    if (!is(item, Int32Array, n) || !is(annotator, Int32Array, n) || !is(code, Int32Array, n) || !is(certainty, Float32Array, n) || !is(order, Int8Array, n)) return false;
    if (!is(sample, Float64Array, n) || !is(seconds, Float32Array, n) || !is(ids, Float64Array, items) || !is(gold, Int32Array, items) || ids.length !== items) return false;
    if ((lenA && !is(lenA, Float64Array, items)) || (lenB && !is(lenB, Float64Array, items)) || (this.project.type === 'pairwise') !== (lenA !== null && lenB !== null)) return false;
    if (ranking && (!is(permutation, Uint8Array, n * RANKING_STRIDE) || !is(answers, Uint8Array, items) || !is(lengths, Float64Array, items * RANKING_STRIDE))) return false;
    [this.item.data, this.annotator.data, this.code.data, this.certainty.data, this.order.data, this.sample.data, this.seconds.data] = [item, annotator, code, certainty, order, sample, seconds];
    this.ids = ids;
    this.itemIndex = new IdIndex(ids);
    this.gold = gold;
    this.lenA = (lenA as Float64Array | null) ?? null;
    this.lenB = (lenB as Float64Array | null) ?? null;
    if (ranking) {
      this.permutation.data = permutation as Uint8Array<ArrayBuffer>;
      this.ranking = { answers: answers as Uint8Array, lengths: lengths as Float64Array };
    }
    return true;
  }

  /** Categories in the order of their first appearance (gold, then labels), as a load from the database gives. */
  private canonicalise(): void {
    const map = canonicalOrder(this.gold, this.code.data, this.n, this.categories.length);
    if (!map) return;
    remap(this.gold, this.gold.length, map);
    remap(this.code.data, this.n, map);
    const old = this.categories.splice(0);
    this.codes.clear();
    const order = old.map((c, k) => ({ c, to: map[k]! })).filter((x) => x.to >= 0).sort((x, y) => x.to - y.to);
    for (const { c } of order) this.codeOf(c);
  }

  /** The columns as a snapshot holds them (./column-snapshot.ts); null when they may not be written. */
  snapshotState(): ColumnsState | null {
    const fp = this.fingerprint;
    if (!fp) return null;
    const n = this.n;
    const ranking = this.ranking;
    const cut = (c: Column<SnapshotArray>): SnapshotArray => c.data.subarray(0, n);
    return {
      fingerprint: fp,
      labels: { maxId: this.maxId, seen: this.seen, n },
      annotators: this.annotators.map((a) => ({ ...a })),
      leftOut: [...this.leftOut],
      categories: [...this.categories],
      arrays: {
        ...{ item: cut(this.item), annotator: cut(this.annotator), code: cut(this.code), certainty: cut(this.certainty) },
        ...{ order: cut(this.order), sample: cut(this.sample), seconds: cut(this.seconds) },
        permutation: ranking ? this.permutation.data.subarray(0, n * RANKING_STRIDE) : null,
        ...{ ids: this.ids, gold: this.gold, lenA: this.lenA, lenB: this.lenB, answers: ranking?.answers ?? null, lengths: ranking?.lengths ?? null },
      },
    };
  }

  /**
   * A big coded project read densely by id: the upper half of the range on a helper thread (./label-scan.ts). Not a
   * larger share for the helper although this thread reads the items meanwhile: this thread then takes the helper's
   * rows one by one, and with 60% for the helper the load was slower (10.7 s against 9.8 s on 9M labels, quiet).
   */
  private split(span: LabelSpan, domain: string[]): { mid: number; helper: { wait(): HelperRows | null } } | null {
    const length = span.hi - span.lo + 1;
    if (domain.length === 0 || this.db.memory || span.count < this.helperMinLabels || length > 1.25 * span.count) return null;
    const mid = span.lo + Math.floor(length * 0.5);
    return { mid, helper: startHelper(this.db.name, this.project, domain, mid, span.hi) };
  }

  /**
   * The labels of the snapshot (./label-load.ts). Codes are given in a last pass over the labels, in their order, so
   * categories keep the order their values first appear in (gold first), as when each label was coded on arrival.
   */
  private loadLabels(span: LabelSpan, domain: string[], split: { mid: number; helper: { wait(): HelperRows | null } } | null): void {
    const coded = domain.length > 0;
    // Coded projects: each label's verdict until the last pass; the rare value outside the domain by label index.
    const verdicts = new Int8Array(coded ? span.count : 0);
    const outside = new Map<number, Category>();
    /** Per label with a value outside the domain, in order: its index here, or -1 when the label is left out. */
    const others: number[] = [];
    const first = this.n;
    const take = (itemId: number, annotatorId: number, packed: number, certainty: number, sample: number, seconds: number, value: Category | null, permutation: number[] | null): void => {
      this.rowsRead++;
      const verdict = (packed >> 2) - 2;
      const item = this.itemIndex.get(itemId);
      const ann = item === undefined ? undefined : this.annotatorIndex(annotatorId);
      if (item === undefined || ann === undefined) {
        if (coded && verdict === OTHER_VERDICT) others.push(-1);
        return;
      }
      const i = this.n;
      if (coded) {
        verdicts[i - first] = verdict;
        if (verdict === OTHER_VERDICT) others.push(i);
      }
      this.push(item, ann, coded || verdict === NULL_VERDICT ? -1 : this.codeOf(value!), certainty, packed & 3, sample, seconds, permutation);
    };
    const mid = split ? split.mid : span.hi + 1;
    const read = (lo: number, hi: number) => {
      const part = split ? { lo, hi, count: hi - lo + 1 } : span;
      for (const [itemId, annotatorId, packed, certainty, sample, durationMs, value, permutation] of scanLabels(this.db, this.project, domain, part))
        take(itemId, annotatorId, packed, certainty ?? NaN, sample, durationMs === null ? NaN : durationMs / 1000, value ?? null, permutation === undefined || permutation === null ? null : readPermutation(permutation));
    };
    read(span.lo, mid - 1);
    if (split) {
      const h = split.helper.wait();
      if (h) for (let r = 0; r < h.n; r++) take(h.itemId[r]!, h.annotatorId[r]!, h.packed[r]!, h.certainty[r]!, h.sample[r]!, h.seconds[r]!, null, null);
      else read(mid, span.hi);
    }
    if (!coded) return;
    if (others.length) {
      let k = 0;
      for (const v of otherValues(this.db, this.project, domain, span)) {
        const i = others[k++];
        if (i !== undefined && i >= 0) outside.set(i, v);
      }
    }
    const domainCode = new Int32Array(domain.length).fill(-2);
    const code = this.code.data;
    for (let i = first; i < this.n; i++) {
      const d = verdicts[i - first]!;
      if (d >= 0) {
        if (domainCode[d] === -2) domainCode[d] = this.codeOf(domain[d]!);
        code[i] = domainCode[d]!;
      } else code[i] = d === NULL_VERDICT ? -1 : this.codeOf(outside.get(i)!);
    }
  }

  /** Adds a committed label; one already loaded (id at or below the snapshot) is ignored. */
  add(l: StoredLabel): void {
    if (l.id <= this.maxId) return;
    this.maxId = l.id;
    this.seen++;
    const item = this.itemIndex.get(l.itemId);
    const ann = item === undefined ? undefined : this.annotatorIndex(l.annotatorId);
    if (item === undefined || ann === undefined) return;
    const order = l.order === 'AB' ? 1 : l.order === 'BA' ? 2 : 0;
    this.push(item, ann, this.codeOf(l.value), l.certainty ?? NaN, order, l.sample, l.durationMs === null ? NaN : l.durationMs / 1000, l.permutation);
  }

  /** The annotator's index in the columns; undefined when its labels are left out. */
  private annotatorIndex(id: number): number | undefined {
    const ann = this.annIndex.get(id);
    if (ann !== undefined || this.leftOut.has(id)) return ann;
    // An annotator who joined after the load: its row was committed before its first label.
    const a = this.annotatorStmt.get(id);
    if (!a) return undefined;
    if (a.left_out) {
      this.leftOut.add(a.id);
      return undefined;
    }
    this.annIndex.set(a.id, this.annotators.length);
    this.annotators.push({ dbId: a.id, name: a.name, kind: a.kind });
    return this.annotators.length - 1;
  }

  private reserve(n: number): void {
    for (const c of [this.item, this.annotator, this.code, this.certainty, this.order, this.sample, this.seconds]) c.reserve(n);
    if (this.ranking) this.permutation.reserve(n * RANKING_STRIDE);
  }

  /** Appends a label; `certainty` and `seconds` NaN when none. */
  private push(item: number, ann: number, code: number, certainty: number, order: number, sample: number, seconds: number, permutation: readonly number[] | null): void {
    const i = this.n++;
    this.item.set(i, item);
    this.annotator.set(i, ann);
    this.code.set(i, code);
    this.certainty.set(i, certainty);
    this.order.set(i, order);
    this.sample.set(i, sample);
    this.seconds.set(i, seconds);
    if (this.ranking) {
      const p = permutation;
      const ok = p !== null && p.length <= RANKING_STRIDE;
      for (let k = RANKING_STRIDE - 1; k >= 0; k--) this.permutation.set(i * RANKING_STRIDE + k, ok ? (p[k] ?? 0) : k === 0 ? NO_PERMUTATION : 0);
    }
  }

  /** Each annotator's database id, by the columns' annotator index. */
  get annotatorIds(): number[] {
    return this.annotators.map((a) => a.dbId);
  }

  /** Each item's database id by row, ascending (a view: copy it before transferring). */
  get itemIds(): Float64Array {
    return this.ids;
  }

  private slice(by: string): SliceColumn {
    let s = this.slices.get(by);
    if (!s) this.slices.set(by, (s = loadSlice(this.db, this.project.id, by, this.itemIndex, this.gold.length)));
    return s;
  }

  /** The report input over what is loaded now (views, not copies); with `options.by`, each item's slice. */
  columns(project: Project, options: ReportOptions): ReportColumns {
    // Annotators are named by display name; a human and a judge sharing one get their kind added.
    const count = new Map<string, number>();
    for (const a of this.annotators) count.set(a.name, (count.get(a.name) ?? 0) + 1);
    const annotators: ReportAnnotator[] = this.annotators.map((a) => {
      const id = (count.get(a.name) ?? 0) > 1 ? `${a.name} (${a.kind})` : a.name;
      return { id, name: a.name, kind: a.kind };
    });
    const n = this.n;
    return {
      project: { id: String(project.id), type: project.type, scale: project.scale, certainty: project.certainty, options: project.options },
      categories: this.categories,
      items: { n: this.gold.length, gold: this.gold, lenA: this.lenA, lenB: this.lenB, slice: options.by === undefined ? null : this.slice(options.by) },
      annotators,
      ...(this.ranking ? { ranking: { ...this.ranking, permutation: this.permutation.data.subarray(0, n * RANKING_STRIDE) } } : {}),
      labels: {
        n,
        item: this.item.data.subarray(0, n),
        annotator: this.annotator.data.subarray(0, n),
        code: this.code.data.subarray(0, n),
        certainty: this.certainty.data.subarray(0, n),
        order: this.order.data.subarray(0, n),
        sample: this.sample.data.subarray(0, n),
        seconds: this.seconds.data.subarray(0, n),
      },
      options,
    };
  }
}

/** The project's columns from its snapshot when one matches, else from the database (see ProjectColumns). */
export function loadColumns(db: Database.Database, project: Project, snapshot: string | null): ProjectColumns {
  try {
    return new ProjectColumns(db, project, HELPER_MIN_LABELS, snapshot);
  } catch (e) {
    if (e instanceof StaleSnapshot) return new ProjectColumns(db, project, HELPER_MIN_LABELS, null);
    throw e;
  }
}
