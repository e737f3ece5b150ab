/**
 * The report's `slices` (`?by=<meta key>`): the humans, judges and annotators sections again on the items of each
 * value of the key, so a researcher sees where annotators or judges agree less (e.g. JudgeBench's categories).
 *
 * A group's sections are exactly those of a report built from the group's items and their labels alone: its
 * columns are the labels on those items, items renumbered, categories cut down to those the group uses (a
 * standalone report would not know the others), every annotator kept. The one exception is each human's
 * `competence` and `spammer`: they are the whole project's fit, since an annotator's reliability is one property
 * of the annotator and a fit on a small slice would be noise. Groups come in the order their value first appears
 * among the items, the items without the key (null) last.
 */
import type { Competences } from './aggregation';
import { annotatorsSection } from './annotators';
import { codeColumns } from './coded';
import { humansSection } from './humans';
import type { ReportColumns } from './input';
import type { ReportJson, SliceGroupJson } from './json';
import { judgesSection } from './judges';
import { allJudgeVotes } from './one-vote';

/** The slices, or null when the report was not asked for them (`options.by`) or the columns carry none. */
export function slicesSection(input: ReportColumns, competences: Competences): ReportJson['slices'] {
  const slice = input.items.slice;
  const by = input.options?.by;
  if (!slice || by === undefined) return null;
  const groups = groupOrder(slice.values, slice.group, input.items.n);
  const parts = splitColumns(input, slice.group, slice.values.length);
  return {
    by: slice.by,
    groups: groups.map((g): SliceGroupJson => {
      const c = codeColumns(parts[g]!);
      const judges = judgesSection(c, allJudgeVotes(c));
      return { value: slice.values[g]!, items: c.nItems, humans: humansSection(c), judges, annotators: annotatorsSection(c, judges, competences) };
    }),
  };
}

/** The groups that have items, in the order of their first item; the null value last. */
function groupOrder(values: readonly unknown[], group: Int32Array, nItems: number): number[] {
  const seen = new Uint8Array(values.length);
  const order: number[] = [];
  let nullGroup = -1;
  for (let u = 0; u < nItems; u++) {
    const g = group[u]!;
    if (seen[g]) continue;
    seen[g] = 1;
    if (values[g] === null) nullGroup = g;
    else order.push(g);
  }
  if (nullGroup >= 0) order.push(nullGroup);
  return order;
}

/** One ReportColumns per group (see the file comment), in linear passes over the items and the labels. */
function splitColumns(input: ReportColumns, group: Int32Array, nGroups: number): ReportColumns[] {
  const { items, labels } = input;
  const local = new Int32Array(items.n);
  const itemCount = new Int32Array(nGroups);
  for (let u = 0; u < items.n; u++) local[u] = itemCount[group[u]!]!++;
  const labelCount = new Int32Array(nGroups);
  for (let i = 0; i < labels.n; i++) labelCount[group[labels.item[i]!]!]!++;
  const parts = Array.from({ length: nGroups }, (_, g) => emptyPart(input, itemCount[g]!, labelCount[g]!));
  for (let u = 0; u < items.n; u++) {
    const p = parts[group[u]!]!.items;
    const v = local[u]!;
    p.gold[v] = items.gold[u]!;
    if (p.lenA && items.lenA) p.lenA[v] = items.lenA[u]!;
    if (p.lenB && items.lenB) p.lenB[v] = items.lenB[u]!;
  }
  const fill = new Int32Array(nGroups);
  for (let i = 0; i < labels.n; i++) {
    const u = labels.item[i]!;
    const g = group[u]!;
    const to = parts[g]!.labels;
    const at = fill[g]!++;
    to.item[at] = local[u]!;
    to.annotator[at] = labels.annotator[i]!;
    to.code[at] = labels.code[i]!;
    to.certainty[at] = labels.certainty[i]!;
    to.order[at] = labels.order[i]!;
    to.sample[at] = labels.sample[i]!;
    to.seconds[at] = labels.seconds[i]!;
  }
  const scratch = new Int32Array(input.categories.length).fill(-1);
  return parts.map((p) => usedCategories(p, input.categories, scratch));
}

/** A group's columns, sized, with the project's categories until {@link usedCategories} cuts them down. */
function emptyPart(input: ReportColumns, nItems: number, nLabels: number): ReportColumns {
  const { by: _by, ...options } = input.options ?? {};
  return {
    project: input.project,
    categories: input.categories,
    items: {
      n: nItems,
      gold: new Int32Array(nItems),
      lenA: input.items.lenA ? new Float64Array(nItems) : null,
      lenB: input.items.lenB ? new Float64Array(nItems) : null,
    },
    annotators: input.annotators,
    labels: {
      n: nLabels,
      item: new Int32Array(nLabels),
      annotator: new Int32Array(nLabels),
      code: new Int32Array(nLabels),
      certainty: new Float32Array(nLabels),
      order: new Int8Array(nLabels),
      sample: new Float64Array(nLabels),
      seconds: new Float32Array(nLabels),
    },
    options,
  };
}

/**
 * Recodes a group's gold and label codes to the categories it uses, in the order met (the report orders them
 * itself). `scratch` maps the project's codes to the group's: all -1, and left so.
 */
function usedCategories(p: ReportColumns, categories: ReportColumns['categories'], scratch: Int32Array): ReportColumns {
  const used: number[] = [];
  const recode = (codes: Int32Array, n: number): void => {
    for (let i = 0; i < n; i++) {
      const k = codes[i]!;
      if (k < 0) continue;
      if (scratch[k]! < 0) {
        scratch[k] = used.length;
        used.push(k);
      }
      codes[i] = scratch[k]!;
    }
  };
  recode(p.items.gold, p.items.n);
  recode(p.labels.code, p.labels.n);
  for (const k of used) scratch[k] = -1;
  return { ...p, categories: used.map((k) => categories[k]!) };
}
