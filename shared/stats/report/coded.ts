/**
 * The report's input coded once for every section: categories in canonical order, each label's canonical code,
 * the labels grouped by annotator (counting sort), the human ratings and their majority, and each item's reference
 * (its gold label, else the human majority). Every section reads these columns; none recodes them.
 */
import { groupIndices, majorityVote, type Majority } from '../agreement';
import type { Scale } from '../calibration';
import type { InvalidPolicy } from '../pairwise';
import { ratingsFromCoded, type Category, type Ratings } from '../ratings';
import type { ReportAnnotator, ReportColumns, ReportOptions, ReportProject } from './input';

export interface Coded {
  project: ReportProject;
  options: ReportOptions;
  pairwise: boolean;
  rating: boolean;
  /** A rating project whose categories are all numbers: correlations, ordinal alphas and mean ratings apply. */
  numericRatings: boolean;
  invalidPolicy: InvalidPolicy;
  /** The code an invalid output counts as: the tie code under the `tie` policy in pairwise projects, else -1 (left out). */
  invalidAs: number;
  certaintyScale: Scale;
  /** The project's own categories (verdicts, options or scale points), in its order. */
  domain: Category[];
  /** The domain, then anything else seen; numbers ascending. A code indexes this list. */
  categories: Category[];
  codeOfValue: Map<Category, number>;
  /** Pairwise verdict codes (-1 elsewhere). */
  aCode: number;
  bCode: number;
  tieCode: number;
  nItems: number;
  /** Gold code per item, -1 when none; `goldItems` counts the items with one. */
  gold: Int32Array;
  goldItems: number;
  /** Pairwise: each item's answer lengths in code points (NaN when unknown); null otherwise. */
  lenA: Float64Array | null;
  lenB: Float64Array | null;
  annotators: readonly ReportAnnotator[];
  /** Per annotator: its index among the humans, -1 for a judge. */
  humanRater: Int32Array;
  humanIds: string[];
  labels: CodedLabels;
  /** Labels of annotator a are `byAnnotator[annotatorStart[a] … annotatorStart[a + 1] - 1]`. */
  annotatorStart: Int32Array;
  byAnnotator: Int32Array;
  /** The human ratings (first label per human and item, null values left out) and their plurality per item. */
  hr: Ratings;
  majority: Majority;
  /** Per item: gold when present, else the human majority (negative: none). */
  reference: Int32Array;
  /** Per item: the mean human rating (NaN when none, or not a numeric rating project). */
  humanMean: Float64Array;
}

/**
 * The label columns with canonical codes; `humanRater` is the label's annotator's human index (-1 a judge), and
 * `humanCode` the code of a human's label (-1 a judge's).
 */
export type CodedLabels = ReportColumns['labels'] & {
  humanRater: Int32Array;
  humanCode: Int32Array;
  humanLabels: number;
  llmLabels: number;
};

/** Codes the report's columns once (see the file comment). */
export function codeColumns(input: ReportColumns): Coded {
  const head = codedHead(input);
  const labels = codeLabels(input.labels, head.remap, head.humanRater);
  const { start, order } = groupIndices(labels.annotator, labels.n, input.annotators.length);
  return assembleCoded(input, head, labels, start, order, humanPart(head, labels));
}

/** What codeColumns derives from the project, categories, items and annotators (not from the labels). */
export interface CodedHead {
  pairwise: boolean;
  rating: boolean;
  numericRatings: boolean;
  domain: Category[];
  categories: Category[];
  codeOfValue: Map<Category, number>;
  /** Input code → canonical code. */
  remap: Int32Array;
  gold: Int32Array;
  goldItems: number;
  humanRater: Int32Array;
  humanIds: string[];
}

/** The human ratings' part of Coded: what only the human labels (and gold) decide. */
export type HumanPart = Pick<Coded, 'hr' | 'majority' | 'reference' | 'humanMean'>;

export function codedHead(input: ReportColumns): CodedHead {
  const { project, annotators } = input;
  const pairwise = project.type === 'pairwise';
  const rating = project.type === 'rating';
  const { domain, categories } = orderedCategories(project, input.categories);
  const codeOfValue = new Map<Category, number>(categories.map((c, i) => [c, i]));
  const remap = new Int32Array(input.categories.length);
  input.categories.forEach((c, i) => (remap[i] = codeOfValue.get(c)!));
  const numericRatings = rating && categories.every((c) => typeof c === 'number');
  const nItems = input.items.n;
  const gold = new Int32Array(nItems);
  let goldItems = 0;
  for (let i = 0; i < nItems; i++) {
    const g = input.items.gold[i]!;
    gold[i] = g < 0 ? -1 : remap[g]!;
    if (gold[i]! >= 0) goldItems++;
  }
  const humanRater = new Int32Array(annotators.length).fill(-1);
  const humanIds: string[] = [];
  annotators.forEach((an, a) => {
    if (an.kind === 'human') {
      humanRater[a] = humanIds.length;
      humanIds.push(an.id);
    }
  });
  return { pairwise, rating, numericRatings, domain, categories, codeOfValue, remap, gold, goldItems, humanRater, humanIds };
}

/** The human ratings, their plurality, each item's reference and mean human rating. */
export function humanPart(head: CodedHead, labels: CodedLabels): HumanPart {
  const nItems = head.gold.length;
  const hr = ratingsFromCoded(head.categories, nItems, head.humanIds.length, labels.item.subarray(0, labels.n), labels.humanRater, labels.humanCode);
  const majority = majorityVote(hr);
  const reference = new Int32Array(nItems);
  for (let u = 0; u < nItems; u++) reference[u] = head.gold[u]! >= 0 ? head.gold[u]! : majority.winner[u]!;
  const humanMean = head.numericRatings ? meanRatings(hr, head.categories as readonly number[]) : new Float64Array(nItems).fill(NaN);
  return { hr, majority, reference, humanMean };
}

/** The Coded of `input` from its parts (codeColumns, or the report worker's cache: ./cache.ts). */
export function assembleCoded(input: ReportColumns, head: CodedHead, labels: CodedLabels, annotatorStart: Int32Array, byAnnotator: Int32Array, humans: HumanPart): Coded {
  const { project, annotators } = input;
  const { pairwise, codeOfValue } = head;
  const invalidPolicy = input.options?.invalid ?? 'exclude';
  const tieCode = pairwise ? codeOfValue.get('tie')! : -1;
  return {
    project,
    options: input.options ?? {},
    pairwise,
    rating: head.rating,
    numericRatings: head.numericRatings,
    invalidPolicy,
    invalidAs: invalidPolicy === 'tie' ? tieCode : -1,
    certaintyScale: project.certainty ?? { min: 1, max: 100 },
    domain: head.domain,
    categories: head.categories,
    codeOfValue,
    aCode: pairwise ? codeOfValue.get('A')! : -1,
    bCode: pairwise ? codeOfValue.get('B')! : -1,
    tieCode,
    nItems: input.items.n,
    gold: head.gold,
    goldItems: head.goldItems,
    lenA: pairwise ? input.items.lenA : null,
    lenB: pairwise ? input.items.lenB : null,
    annotators,
    humanRater: head.humanRater,
    humanIds: head.humanIds,
    labels,
    annotatorStart,
    byAnnotator,
    ...humans,
  };
}

/** Annotator a's labels (indices into the label columns). */
export const labelsOf = (c: Coded, a: number): Int32Array => c.byAnnotator.subarray(c.annotatorStart[a]!, c.annotatorStart[a + 1]!);

/**
 * The code label i counts as, or -1 when it is left out (an invalid output, unless the policy reads it as a tie).
 * Hot loops read `labels.code` and `invalidAs` themselves, as here, rather than call this across modules per label.
 */
export function effectiveCode(c: Coded, i: number): number {
  const code = c.labels.code[i]!;
  return code >= 0 ? code : c.invalidAs;
}

/** Categories: the project's domain, then anything else seen; numbers ascending. */
function orderedCategories(project: ReportProject, seen: readonly Category[]): { domain: Category[]; categories: Category[] } {
  const domain: Category[] = [];
  if (project.type === 'pairwise') domain.push('A', 'B', 'tie');
  else if (project.type === 'choice' && project.options) domain.push(...project.options);
  else if (project.type === 'rating' && project.scale && Number.isInteger(project.scale.min) && Number.isInteger(project.scale.max)) {
    if (project.scale.max - project.scale.min <= 1000) for (let v = project.scale.min; v <= project.scale.max; v++) domain.push(v);
  }
  const inDomain = new Set<Category>(domain);
  let categories: Category[] = [...domain, ...seen.filter((c) => !inDomain.has(c))];
  if (categories.every((c) => typeof c === 'number')) categories = (categories as number[]).sort((a, b) => a - b);
  return { domain, categories };
}

/**
 * The labels' canonical codes (`remap`: input code → canonical code), human indices and human codes, in one pass;
 * `capacity`: the room behind each array (at least the labels' count).
 */
export function codeLabels(L: ReportColumns['labels'], remap: Int32Array, humanRater: Int32Array, capacity = L.n): CodedLabels {
  const n = L.n;
  const inCode = L.code;
  const annotator = L.annotator;
  // With room for `capacity` labels (the report worker's cache appends to them: ./cache.ts), viewed to the first n.
  const code = new Int32Array(capacity).subarray(0, n);
  const rater = new Int32Array(capacity).subarray(0, n);
  const humanCode = new Int32Array(capacity).subarray(0, n);
  let humanLabels = 0;
  for (let i = 0; i < n; i++) {
    const c = inCode[i]!;
    const k = c < 0 ? -1 : remap[c]!;
    const r = humanRater[annotator[i]!]!;
    code[i] = k;
    rater[i] = r;
    if (r >= 0) {
      humanCode[i] = k;
      humanLabels++;
    } else humanCode[i] = -1;
  }
  return { ...L, code, humanRater: rater, humanCode, humanLabels, llmLabels: n - humanLabels };
}

/** The mean human rating of each item, for rating correlations (NaN when no human rated it). */
function meanRatings(hr: Ratings, numeric: readonly number[]): Float64Array {
  const mean = new Float64Array(hr.units).fill(NaN);
  for (let u = 0; u < hr.units; u++) {
    const s = hr.start[u]!;
    const e = hr.start[u + 1]!;
    if (s === e) continue;
    let sum = 0;
    for (let j = s; j < e; j++) sum += numeric[hr.code[j]!]!;
    mean[u] = sum / (e - s);
  }
  return mean;
}
