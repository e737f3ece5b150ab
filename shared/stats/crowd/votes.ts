/**
 * The crowd models' votes: one per annotator and item, built from the report's label columns, and the same votes
 * grouped by item (a counting sort, once per fit) for the models' per-item passes.
 */
import { groupIndices } from '../agreement';
import type { Category } from '../ratings';
import type { ReportColumns } from '../report/input';
import { oneVote } from '../votes';
import type { CrowdFit, CrowdInput, AggregationMethod } from './types';

/**
 * One vote per annotator and item from the columns' own codes (`nClasses` = the columns' categories, worker index =
 * annotator index, controls = the items' gold codes). An annotator's labels on an item reduce to one vote by
 * {@link oneVote} (a judge's swap orders and samples; a human's single label is its own vote); invalid labels (-1)
 * are no vote, judges take part only with `includeLlm`, and with `minCertainty` a label below it, or without a
 * certainty, is left out (before the reduction). A reduced vote that is not one of the categories (runs netting to
 * a tie in a project where no label is a tie) has no code, so it is no vote either.
 */
export function crowdVotes(columns: ReportColumns, options: { includeLlm: boolean; minCertainty?: number }): CrowdInput {
  const { labels, annotators, categories } = columns;
  const nItems = columns.items.n;
  const keep = new Uint8Array(annotators.length);
  for (let a = 0; a < annotators.length; a++) keep[a] = options.includeLlm || annotators[a]!.kind === 'human' ? 1 : 0;
  const min = options.minCertainty;
  const kept = new Int32Array(labels.n);
  let m = 0;
  for (let i = 0; i < labels.n; i++) {
    if (labels.code[i]! < 0 || keep[labels.annotator[i]!] === 0) continue;
    if (min !== undefined && !(labels.certainty[i]! >= min)) continue;
    kept[m++] = i;
  }
  const itemOfKept = new Int32Array(m);
  for (let j = 0; j < m; j++) itemOfKept[j] = labels.item[kept[j]!]!;
  const { start, order } = groupIndices(itemOfKept, m, nItems);
  const item = new Int32Array(m);
  const worker = new Int32Array(m);
  const code = new Int32Array(m);
  const pairwise = columns.project.type === 'pairwise';
  const values: Category[] = [];
  let n = 0;
  for (let it = 0; it < nItems; it++) {
    const from = start[it]!;
    const to = start[it + 1]!;
    // An item's labels sorted by annotator (insertion sort: a handful per item), so each annotator's labels are a run.
    for (let x = from + 1; x < to; x++) {
      const v = order[x]!;
      const key = labels.annotator[kept[v]!]!;
      let y = x - 1;
      while (y >= from && labels.annotator[kept[order[y]!]!]! > key) {
        order[y + 1] = order[y]!;
        y--;
      }
      order[y + 1] = v;
    }
    for (let x = from; x < to; ) {
      const a = labels.annotator[kept[order[x]!]!]!;
      let end = x + 1;
      while (end < to && labels.annotator[kept[order[end]!]!]! === a) end++;
      let c = labels.code[kept[order[x]!]!]!;
      if (end - x > 1) {
        values.length = 0;
        for (let y = x; y < end; y++) values.push(categories[labels.code[kept[order[y]!]!]!]!);
        const vote = oneVote(values, pairwise);
        c = vote === null ? -1 : categories.indexOf(vote);
      }
      if (c >= 0) {
        item[n] = it;
        worker[n] = a;
        code[n] = c;
        n++;
      }
      x = end;
    }
  }
  return {
    nItems,
    nWorkers: annotators.length,
    nClasses: categories.length,
    n,
    item: item.subarray(0, n),
    worker: worker.subarray(0, n),
    code: code.subarray(0, n),
    controls: columns.items.gold,
  };
}

/**
 * The votes grouped by item: item i's votes are at positions `start[i]` … `start[i + 1] - 1` of `worker` and
 * `code`. Classes are renumbered to those that occur (in votes or controls), in code order: the models are fitted
 * over the classes seen, as the MACE release (its label set is the values in its CSV) and crowd-kit (the labels in
 * its data frame) do, so an unused class takes no prior mass. `classOf[k]` is the input code of class k.
 */
export interface GroupedVotes {
  nItems: number;
  nWorkers: number;
  /** Classes that occur. */
  k: number;
  classOf: Int32Array;
  start: Int32Array;
  worker: Int32Array;
  code: Int32Array;
  /** Per item: its control's class (renumbered), -1 none. */
  control: Int32Array;
  /** Per worker: its number of votes. */
  votes: Int32Array;
}

/** Groups `input`'s votes by item (counting sort, O(votes + items)). Votes with an out-of-range code are dropped. */
export function groupVotes(input: CrowdInput): GroupedVotes {
  const { nItems, nWorkers, nClasses, n } = input;
  const used = new Int32Array(nClasses).fill(-1);
  const valid = (c: number): boolean => c >= 0 && c < nClasses;
  for (let v = 0; v < n; v++) if (valid(input.code[v]!)) used[input.code[v]!] = 1;
  const controls = input.controls;
  if (controls) for (let i = 0; i < nItems; i++) if (valid(controls[i]!)) used[controls[i]!] = 1;
  const classOf: number[] = [];
  for (let c = 0; c < nClasses; c++) if (used[c] === 1) used[c] = classOf.push(c) - 1;
  const start = new Int32Array(nItems + 1);
  for (let v = 0; v < n; v++) if (valid(input.code[v]!)) start[input.item[v]! + 1]!++;
  for (let i = 0; i < nItems; i++) start[i + 1]! += start[i]!;
  const fill = start.slice(0, nItems);
  const m = start[nItems]!;
  const worker = new Int32Array(m);
  const code = new Int32Array(m);
  const votes = new Int32Array(nWorkers);
  for (let v = 0; v < n; v++) {
    const c = input.code[v]!;
    if (!valid(c)) continue;
    const at = fill[input.item[v]!]!++;
    worker[at] = input.worker[v]!;
    code[at] = used[c]!;
    votes[input.worker[v]!]!++;
  }
  const control = new Int32Array(nItems).fill(-1);
  if (controls) for (let i = 0; i < nItems; i++) if (valid(controls[i]!)) control[i] = used[controls[i]!]!;
  return { nItems, nWorkers, k: classOf.length, classOf: Int32Array.from(classOf), start, worker, code, control, votes };
}

/** A fit with no label, no posterior and no competence yet (every item -1, NaN). */
export function emptyFit(method: AggregationMethod, nItems: number, nWorkers: number): CrowdFit {
  return {
    method,
    label: new Int32Array(nItems).fill(-1),
    posterior: new Float64Array(nItems).fill(NaN),
    competence: new Float64Array(nWorkers).fill(NaN),
    spammer: new Uint8Array(nWorkers),
  };
}

/**
 * Writes each item's label (argmax of its posterior row `q[i·k …]`, ties to the lowest class) and that posterior
 * into `fit`, mapping classes back to input codes. Items with no vote keep -1.
 */
export function decode(g: GroupedVotes, q: Float64Array, fit: CrowdFit): void {
  const { k } = g;
  for (let i = 0; i < g.nItems; i++) {
    if (g.start[i + 1] === g.start[i]) continue;
    let best = 0;
    for (let c = 1; c < k; c++) if (q[i * k + c]! > q[i * k + best]!) best = c;
    fit.label[i] = g.classOf[best]!;
    fit.posterior[i] = q[i * k + best]!;
  }
}
