/**
 * The report's input: label objects (tests, tools) or the same data as typed-array columns (the report worker's
 * store), and the coding of one into the other.
 */
import { RANKING_ANSWERS } from '../../constants';
import type { Scale } from '../calibration';
import type { AggregationMethod } from '../crowd/types';
import { codePointLength, type InvalidPolicy } from '../pairwise';
import type { Category } from '../ratings';

export interface ReportProject {
  id: string;
  /** `pairwise` (A/B/tie), `rating` (a number on `scale`) or `choice` (one of `options`). */
  type: string;
  scale?: Scale | null;
  /** The certainty scale, when the project collects certainty (default 1–100 if certainties appear without it). */
  certainty?: Scale | null;
  options?: readonly string[] | null;
}

export interface ReportItem {
  id: string;
  answer_a?: string | null;
  answer_b?: string | null;
  gold?: Category | null;
  /** Ranking: the answers in the item's own order (their count and lengths are read). */
  answers?: readonly string[] | null;
  /** The item's meta (only `options.by` is read, to slice the report). */
  meta?: Record<string, unknown> | null;
}

export interface ReportAnnotator {
  id: string;
  name: string;
  kind: 'human' | 'llm';
}

export interface ReportLabel {
  item: string;
  annotator: string;
  /** Canonical value; null is an invalid (unparseable) judge output. */
  value: Category | null;
  certainty?: number | null;
  order?: 'AB' | 'BA' | null;
  /** Ranking: the display order (the item's answer index at each display position), when known. */
  permutation?: readonly number[] | null;
  sample?: number | null;
  seconds?: number | null;
}

export interface ReportOptions {
  /** How invalid judge outputs count: left out (default) or as ties (PandaLM). */
  invalid?: InvalidPolicy;
  /** Bootstrap resamples for the 95% intervals (default 1000; 0 turns them off). */
  resamples?: number;
  seed?: number;
  /** alpaca_eval's length difference threshold in characters (default 30). */
  lengthThreshold?: number;
  /** The consensus method behind `aggregation` and each human's `competence` (default `majority`). */
  method?: AggregationMethod;
  /** The meta key to slice by (the report's `slices`); label-object input reads it from `items[].meta`. */
  by?: string;
  /** The alt-test's ε (default 0.2). */
  epsilon?: number;
  /** The certified threshold's target agreement 1 − α (default 0.9), error level δ (0.1) and least labels (30). */
  target?: number;
  delta?: number;
  minItems?: number;
}

/** A slice value: a meta value as JSON gives it (objects and arrays are grouped by their JSON text). */
export type SliceValue = string | number | boolean | null;

export interface ReportInput {
  project: ReportProject;
  items: readonly ReportItem[];
  annotators: readonly ReportAnnotator[];
  labels: readonly ReportLabel[];
  options?: ReportOptions;
}

/**
 * The report's input as columns: what a long-lived label store keeps in typed arrays, so a report over millions of
 * labels needs no per-label objects. Codes index `categories`, in any order (the report puts them in canonical
 * order itself); -1 is "none" (no gold, or an invalid judge output).
 */
export interface ReportColumns {
  project: ReportProject;
  categories: readonly Category[];
  items: {
    n: number;
    /** Gold code per item, -1 when none. */
    gold: Int32Array;
    /** Pairwise: answer lengths in code points (NaN when unknown); null otherwise. */
    lenA: Float64Array | null;
    lenB: Float64Array | null;
    /** With `options.by`: each item's slice, an index into `slices.values` (every item has one; `null` is a value). */
    slice?: { by: string; values: readonly SliceValue[]; group: Int32Array } | null;
  };
  annotators: readonly ReportAnnotator[];
  labels: {
    n: number;
    /** Item index (into items), annotator index (into annotators), category code (-1 invalid). */
    item: Int32Array;
    annotator: Int32Array;
    code: Int32Array;
    /** NaN when none. */
    certainty: Float32Array;
    /** 0 none, 1 AB, 2 BA. */
    order: Int8Array;
    sample: Float64Array;
    /** NaN when unknown. */
    seconds: Float32Array;
  };
  /** Ranking projects: what the decomposition into answer pairs and the ranking statistics read. */
  ranking?: RankingColumns | null;
  options?: ReportOptions;
}

/** Answers a ranking item may have at most: the stride of {@link RankingColumns}' per-answer arrays. */
export const RANKING_STRIDE = RANKING_ANSWERS.max;
/** `RankingColumns.permutation` at a label's first position when the label has no display order. */
export const NO_PERMUTATION = 255;

/**
 * A ranking project's columns beside the label columns, whose codes index ranking texts ('[[2],[0,1]]'): per item its
 * answer count and answer lengths, per label its display order. Fixed strides of {@link RANKING_STRIDE} keep them
 * flat typed arrays (10 bytes a label) that grow with the labels.
 */
export interface RankingColumns {
  /** Per item: its number of answers (0 when unknown: the item has no answer pair). */
  answers: Uint8Array;
  /** Answer i of item u's length in code points at [u * RANKING_STRIDE + i] (NaN when unknown); null when none is known. */
  lengths: Float64Array | null;
  /** Label l's answer shown at display position p at [l * RANKING_STRIDE + p]; NO_PERMUTATION at p = 0 when none. */
  permutation: Uint8Array;
}

/** Codes label objects into columns (dropping labels of unknown items or annotators). */
export function toColumns(input: ReportInput): ReportColumns {
  const { project, items, annotators, labels } = input;
  const categories: Category[] = [];
  const codeOfValue = new Map<Category, number>();
  const code = (v: Category | null | undefined): number => {
    if (v === null || v === undefined) return -1;
    let c = codeOfValue.get(v);
    if (c === undefined) {
      c = categories.length;
      categories.push(v);
      codeOfValue.set(v, c);
    }
    return c;
  };
  const nItems = items.length;
  const itemIndex = new Map<string, number>();
  const gold = new Int32Array(nItems).fill(-1);
  const pairwise = project.type === 'pairwise';
  const lenA = pairwise ? new Float64Array(nItems).fill(NaN) : null;
  const lenB = pairwise ? new Float64Array(nItems).fill(NaN) : null;
  for (let i = 0; i < nItems; i++) {
    const it = items[i]!;
    itemIndex.set(it.id, i);
    gold[i] = code(it.gold);
    if (lenA && lenB && typeof it.answer_a === 'string' && typeof it.answer_b === 'string') {
      lenA[i] = codePointLength(it.answer_a);
      lenB[i] = codePointLength(it.answer_b);
    }
  }
  const annIndex = new Map<string, number>(annotators.map((a, i) => [a.id, i]));
  const nL = labels.length;
  const cols: ReportColumns['labels'] = {
    n: 0,
    item: new Int32Array(nL),
    annotator: new Int32Array(nL),
    code: new Int32Array(nL),
    certainty: new Float32Array(nL),
    order: new Int8Array(nL),
    sample: new Float64Array(nL),
    seconds: new Float32Array(nL),
  };
  // Labels usually arrive grouped by item or annotator: remembering the last lookup skips most Map probes.
  let lastItem: string | null = null;
  let lastItemIdx: number | undefined;
  let lastAnn: string | null = null;
  let lastAnnIdx: number | undefined;
  let kept = 0;
  for (let i = 0; i < nL; i++) {
    const l = labels[i]!;
    if (l.item !== lastItem) {
      lastItem = l.item;
      lastItemIdx = itemIndex.get(l.item);
    }
    if (l.annotator !== lastAnn) {
      lastAnn = l.annotator;
      lastAnnIdx = annIndex.get(l.annotator);
    }
    if (lastItemIdx === undefined || lastAnnIdx === undefined) continue;
    cols.item[kept] = lastItemIdx;
    cols.annotator[kept] = lastAnnIdx;
    cols.code[kept] = code(l.value);
    cols.certainty[kept] = l.certainty ?? NaN;
    cols.order[kept] = l.order === 'AB' ? 1 : l.order === 'BA' ? 2 : 0;
    cols.sample[kept] = l.sample ?? 0;
    cols.seconds[kept] = l.seconds ?? NaN;
    kept++;
  }
  cols.n = kept;
  const by = input.options?.by;
  const slice = by === undefined ? null : sliceOf(items, by);
  const ranking = project.type === 'ranking' ? { ranking: rankingColumns(input, itemIndex, annIndex) } : {};
  return { project, categories, items: { n: nItems, gold, lenA, lenB, slice }, annotators, labels: cols, ...ranking, ...(input.options ? { options: input.options } : {}) };
}

/** The ranking columns of label objects, for the labels toColumns keeps (those of known items and annotators). */
function rankingColumns(input: ReportInput, itemIndex: ReadonlyMap<string, number>, annIndex: ReadonlyMap<string, number>): RankingColumns {
  const { items, labels } = input;
  const answers = new Uint8Array(items.length);
  const lengths = new Float64Array(items.length * RANKING_STRIDE).fill(NaN);
  items.forEach((it, u) => {
    const a = it.answers ?? [];
    answers[u] = a.length <= RANKING_STRIDE ? a.length : 0;
    for (let i = 0; i < answers[u]!; i++) lengths[u * RANKING_STRIDE + i] = codePointLength(a[i]!);
  });
  const permutation = new Uint8Array(labels.length * RANKING_STRIDE);
  let kept = 0;
  for (const l of labels) {
    if (!itemIndex.has(l.item) || !annIndex.has(l.annotator)) continue;
    const p = l.permutation;
    if (p && p.length <= RANKING_STRIDE) permutation.set(p, kept * RANKING_STRIDE);
    else permutation[kept * RANKING_STRIDE] = NO_PERMUTATION;
    kept++;
  }
  return { answers, lengths, permutation: permutation.subarray(0, kept * RANKING_STRIDE) };
}

/**
 * Each item's value of `meta[by]`, as an index into the distinct values in order of first appearance: strings,
 * numbers and booleans as they are, objects and arrays by their JSON text, a missing key or meta as null.
 */
function sliceOf(items: readonly ReportItem[], by: string): NonNullable<ReportColumns['items']['slice']> {
  const values: SliceValue[] = [];
  const index = new Map<SliceValue, number>();
  const group = new Int32Array(items.length);
  for (let u = 0; u < items.length; u++) {
    const raw = items[u]!.meta?.[by];
    const v: SliceValue =
      raw === undefined || raw === null ? null : typeof raw === 'string' || typeof raw === 'number' || typeof raw === 'boolean' ? raw : JSON.stringify(raw);
    let g = index.get(v);
    if (g === undefined) {
      g = values.length;
      values.push(v);
      index.set(v, g);
    }
    group[u] = g;
  }
  return { by, values, group };
}
