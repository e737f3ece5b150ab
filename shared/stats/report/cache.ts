/**
 * What a long-lived label store (the report worker's ProjectColumns) keeps between two reports of the same project,
 * so a report after a few new labels does not redo the work the old labels already did (issue 14):
 * - the coded columns (./coded.ts), updated with the new labels only: their canonical codes appended, the grouping
 *   by annotator moved up in place (each annotator's labels stay in label order, as groupIndices gives them), and
 *   the human ratings, their majority and each item's reference rebuilt only when a human label arrived;
 * - each section's results (memo), keyed by what they depend on ({@link SectionKeys}): what reads the humans'
 *   ratings by the "epoch" (bumped whenever the coded humans change or the columns are coded afresh); what reads
 *   only each item's majority, reference and mean human rating (a judge's comparison with the majority, its
 *   calibration, certified threshold and swap accuracy) by the "refs", bumped only when a human label changes one of
 *   them (most do not: compared bit for bit with the last ones); what reads only an annotator's own labels (a judge's
 *   votes, length bias, swap pairs, comparison with gold; each annotator's gold accuracy and median seconds) by the
 *   coding alone; an annotator's part also by its own label count (labels are only appended, so the count names
 *   its labels); every key with the options it reads.
 * Anything the incremental path cannot follow (a new category, a new human, the invalid policy, other items, fewer
 * labels) codes the columns afresh. Reports through the cache are identical to reports without it
 * (test/unit/stats/report-cache.test.ts).
 */
import type { ReportColumns, ReportOptions } from './input';
import { assembleCoded, codedHead, codeLabels, humanPart, type Coded, type CodedHead, type CodedLabels, type HumanPart } from './coded';
import { groupIndices } from '../agreement';
import { humanPartAfter } from './human-part';

/** A section's result remembered under `key` in `slot` (one entry a slot: a new key replaces the old one). */
export interface Memo {
  get<T>(slot: string, key: string, make: () => T): T;
}

/** No memory: every section computed (reports without a cache). */
export const NO_MEMO: Memo = { get: (_slot, _key, make) => make() };

/** The coded columns with the epoch of their humans (see the file comment). */
export interface CodedEpoch {
  coded: Coded;
  epoch: number;
  /** Bumped when the columns are coded afresh (a section reading only its annotator's own labels keys on it). */
  coding: number;
  /** Bumped when the columns are coded afresh or a human label changes the majority, the reference or the mean human rating. */
  refs: number;
}

/**
 * The keys of what a section reads besides its annotators' own labels, each with the options (./cache.ts
 * `optionsKey`): `own` the coding alone, `ref` the coding and each item's majority, reference and mean human
 * rating (not the humans' ratings themselves), `humans` the humans' ratings. The cache drops what a new key
 * makes stale (`h…` on every human label, `r…` when the references change).
 */
export interface SectionKeys {
  own: string;
  ref: string;
  humans: string;
}

/** The keys of a report without a cache (nothing is remembered, so any key will do). */
export const NO_KEYS: SectionKeys = { own: '', ref: '', humans: '' };

/** The section keys of a report of options `options` on the coded columns of `e` (see {@link SectionKeys}). */
export function sectionKeys(e: Omit<CodedEpoch, 'coded'>, options: ReportOptions): SectionKeys {
  const o = optionsKey(options);
  return { own: `o${e.coding}|${o}`, ref: `r${e.coding}.${e.refs}|${o}`, humans: `h${e.epoch}|${o}` };
}

interface State {
  base: string;
  kinds: string;
  gold: Int32Array;
  lenA: Float64Array | null;
  n: number;
  annotators: number;
  code: Int32Array;
  rater: Int32Array;
  humanCode: Int32Array;
  humanLabels: number;
  /** Labels per annotator (the grouping's sizes). */
  count: Int32Array;
  byAnnotator: Int32Array;
  humans: HumanPart;
}

/** A column's length for `n` labels and the next ones: 1/32 more, at least 64k. */
const withSlack = (n: number): number => n + Math.max(1 << 16, n >> 5);

/** Room for `need` values, with some slack so that the next few labels need no copy. */
function room<T extends Int32Array>(a: T, need: number, make: (n: number) => T): T {
  if (need <= a.length) return a;
  const bigger = make(withSlack(need));
  bigger.set(a);
  return bigger;
}

const int32 = (n: number) => new Int32Array(n);

export class ReportCache implements Memo {
  private state: State | null = null;
  private epochNow = 0;
  private codingNow = 0;
  private refsNow = 0;
  private readonly slots = new Map<string, { key: string; value: unknown }>();

  get<T>(slot: string, key: string, make: () => T): T {
    const hit = this.slots.get(slot);
    if (hit && hit.key === key) return hit.value as T;
    const value = make();
    this.slots.set(slot, { key, value });
    return value;
  }

  /** The coded columns of `input` (as codeColumns codes them), updated from the last report's where it can. */
  coded(input: ReportColumns): CodedEpoch {
    const head = codedHead(input);
    const s = this.state;
    const base = baseKey(input, head);
    const coded =
      s && s.base === base && kindsOf(input).startsWith(s.kinds) && s.gold === input.items.gold && s.lenA === input.items.lenA && input.labels.n >= s.n && input.annotators.length >= s.annotators
        ? this.update(input, head, s)
        : this.fresh(input, head, base);
    return { coded, epoch: this.epochNow, coding: this.codingNow, refs: this.refsNow };
  }

  private fresh(input: ReportColumns, head: CodedHead, base: string): Coded {
    this.state = null;
    this.slots.clear();
    this.epochNow++;
    this.codingNow++;
    this.refsNow++;
    // Room for the labels of the next reports from the start: growing four columns of millions of labels later
    // would hold the old and the new copies at once.
    const capacity = withSlack(input.labels.n);
    const labels = codeLabels(input.labels, head.remap, head.humanRater, capacity);
    const nAnn = input.annotators.length;
    const { start, order } = groupIndices(labels.annotator, labels.n, nAnn);
    const byAnnotator = new Int32Array(capacity);
    byAnnotator.set(order);
    const humans = humanPart(head, labels);
    const count = new Int32Array(nAnn);
    for (let a = 0; a < nAnn; a++) count[a] = start[a + 1]! - start[a]!;
    this.state = {
      base,
      kinds: kindsOf(input),
      gold: input.items.gold,
      lenA: input.items.lenA,
      n: labels.n,
      annotators: nAnn,
      code: new Int32Array(labels.code.buffer),
      rater: new Int32Array(labels.humanRater.buffer),
      humanCode: new Int32Array(labels.humanCode.buffer),
      humanLabels: labels.humanLabels,
      count,
      byAnnotator,
      humans,
    };
    return assembleCoded(input, head, labels, start, byAnnotator.subarray(0, labels.n), humans);
  }

  /** The new labels coded and grouped in, the humans' part rebuilt only when one of them is a human's. */
  private update(input: ReportColumns, head: CodedHead, s: State): Coded {
    const L = input.labels;
    const n0 = s.n;
    const n = L.n;
    const nAnn = input.annotators.length;
    s.code = room(s.code, n, int32);
    s.rater = room(s.rater, n, int32);
    s.humanCode = room(s.humanCode, n, int32);
    const added = new Int32Array(nAnn);
    let newHuman = 0;
    for (let i = n0; i < n; i++) {
      const c = L.code[i]!;
      const k = c < 0 ? -1 : head.remap[c]!;
      const a = L.annotator[i]!;
      const r = head.humanRater[a]!;
      s.code[i] = k;
      s.rater[i] = r;
      s.humanCode[i] = r >= 0 ? k : -1;
      if (r >= 0) newHuman++;
      added[a]!++;
    }
    const start = this.regroup(s, L.annotator, n0, n, added);
    s.n = n;
    s.annotators = nAnn;
    s.kinds = kindsOf(input);
    s.humanLabels += newHuman;
    const labels: CodedLabels = {
      ...L,
      code: s.code.subarray(0, n),
      humanRater: s.rater.subarray(0, n),
      humanCode: s.humanCode.subarray(0, n),
      humanLabels: s.humanLabels,
      llmLabels: n - s.humanLabels,
    };
    if (newHuman > 0) {
      // Every remembered section that read the humans' ratings is stale: let them go before the new ones are built
      // beside them; those that read only the references go too when a reference changed.
      this.drop('h');
      const old = s.humans;
      s.humans = humanPartAfter(head, labels, old, n0);
      this.epochNow++;
      if (!sameReferences(old, s.humans)) {
        this.refsNow++;
        this.drop('r');
      }
    }
    return assembleCoded(input, head, labels, start, s.byAnnotator.subarray(0, n), s.humans);
  }

  /** Forgets the sections whose key starts with `prefix` (see {@link SectionKeys}). */
  private drop(prefix: string): void {
    for (const [slot, hit] of this.slots) if (hit.key.startsWith(prefix)) this.slots.delete(slot);
  }

  /**
   * Labels n0 … n − 1 grouped in: each annotator's block moved up by the new labels of the annotators before it
   * (from the last block down, so no block is overwritten before it moves), then the new labels appended to their
   * annotator's block in label order. Returns the new block starts.
   */
  private regroup(s: State, annotator: Int32Array, n0: number, n: number, added: Int32Array): Int32Array {
    const nAnn = added.length;
    const count = new Int32Array(nAnn);
    count.set(s.count.subarray(0, Math.min(nAnn, s.count.length)));
    const oldStart = new Int32Array(nAnn + 1);
    const start = new Int32Array(nAnn + 1);
    for (let a = 0; a < nAnn; a++) {
      oldStart[a + 1] = oldStart[a]! + count[a]!;
      start[a + 1] = start[a]! + count[a]! + added[a]!;
    }
    s.byAnnotator = room(s.byAnnotator, n, int32);
    const order = s.byAnnotator;
    for (let a = nAnn - 1; a >= 0; a--) {
      if (start[a] !== oldStart[a] && count[a]! > 0) order.copyWithin(start[a]!, oldStart[a]!, oldStart[a]! + count[a]!);
    }
    const fill = new Int32Array(nAnn);
    for (let a = 0; a < nAnn; a++) fill[a] = start[a]! + count[a]!;
    for (let i = n0; i < n; i++) order[fill[annotator[i]!]!++] = i;
    for (let a = 0; a < nAnn; a++) count[a]! += added[a]!;
    s.count = count;
    return start;
  }
}

/** Whether two humans' parts give every item the same majority, reference and mean human rating (bit for bit). */
function sameReferences(a: HumanPart, b: HumanPart): boolean {
  const bits = (x: Float64Array) => new Uint32Array(x.buffer, x.byteOffset, x.length * 2);
  return same(a.majority.winner, b.majority.winner) && same(a.reference, b.reference) && same(bits(a.humanMean), bits(b.humanMean));
}

function same(a: Int32Array | Uint32Array, b: Int32Array | Uint32Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What must not change for the columns to be updated rather than coded afresh. */
function baseKey(input: ReportColumns, head: CodedHead): string {
  return JSON.stringify([input.project.type, input.categories.length, input.items.n, input.options?.invalid ?? 'exclude', head.humanIds.length]);
}

/** The annotators' kinds, as a string: the old annotators must keep theirs (new ones are appended, judges only: the humans' count is in the base). */
const kindsOf = (input: ReportColumns): string => input.annotators.map((a) => (a.kind === 'human' ? 'h' : 'j')).join('');

/**
 * The options a section reads besides the consensus method and the slicing (`method`, `by`: keyed where they are
 * read), as a key.
 */
export function optionsKey(options: ReportOptions): string {
  const { method: _m, by: _b, ...rest } = options;
  return JSON.stringify(Object.keys(rest).sort().map((k) => [k, rest[k as keyof typeof rest]]));
}
