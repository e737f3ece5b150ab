/**
 * The agreement and judge-reliability report (issue 3) as one pure function of plain data. The JSON it returns is
 * a contract that outside scripts read: names are snake_case and fractions lie in [0, 1]; a statistic that is
 * undefined on the data (0/0, e.g. kappa when everyone always chose one category) is `null`, never NaN.
 *
 * Speed: labels are integer-coded into typed arrays once, grouped by item and by annotator with counting sorts,
 * and every statistic is a linear pass (plus O(n log n) sorts for rank correlations and medians). Nothing is
 * quadratic in the number of items; 200k items and 1.8M labels take well under two seconds.
 *
 * Definitions and choices (each statistic's own source is on its function):
 * - Humans are annotators of kind `human`; judges are those of kind `llm`. Among human labels, an annotator's
 *   first label on an item is its rating of that item (later ones, e.g. extra samples, are ignored), and null values
 *   are ignored.
 * - The human majority of an item is the plurality of its human ratings; an item whose top count is shared has no
 *   majority and is left out of every comparison against the majority (and counted in `humans.majority.tied`).
 *   An item with a single human label has that label as its majority.
 * - Judges are compared per label (every order and sample is one comparison). A null value is an invalid
 *   (unparseable) output: always counted in `invalid`; with `options.invalid = 'exclude'` (default) it is left out
 *   of the comparisons, with `'tie'` it is read as a tie, as PandaLM does (only for pairwise projects; elsewhere
 *   there is no tie and it is left out).
 * - `swap`: a judge's AB and BA labels of the same item and sample form one pair. `*.accuracy` is per pair, on the
 *   aggregated verdict, against the gold label when the item has one, else the human majority.
 * - `certainty` and `length_bias` are computed against the gold label when the item has one, else the human
 *   majority (for a human: the majority of the other humans on the item).
 * - Degenerate cases: no human labels or a single human rater → humans' statistics null and `pairs` empty; every
 *   rater always choosing the same category → percent agreement 1, kappas and alpha null (0/0), AC1 1 (Gwet's
 *   chance term is 0 when one of q ≥ 2 known categories takes all ratings); an item with one label has no pair:
 *   it drops out of Krippendorff's alpha, of every rater pair and of p_a, still counts in the category shares π_k
 *   of Fleiss' kappa and AC1 (Gwet's generalisation), and still has a majority; no judges → `judges` is [];
 *   no gold → `vs_gold` null.
 */
import {
  fleissKappa,
  gwetAC1,
  krippendorffAlpha,
  leaveOneOutAgreement,
  majorityVote,
  meanPairAgreement,
  raterPairs,
} from './agreement';
import { calibration, type Calibration, type Scale } from './calibration';
import { compareConfusion, type Comparison } from './classification';
import { agreementWithin, kendallTauB, meanAbsoluteError, pearson, spearman } from './correlation';
import { aggregateSwap, codePointLength, lengthBiasOf, positionBias, type InvalidPolicy, type SwapPair, type Verdict } from './pairwise';
import { ratingsFromCoded, type Category, type Ratings } from './ratings';

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
}

export interface ReportInput {
  project: ReportProject;
  items: readonly ReportItem[];
  annotators: readonly ReportAnnotator[];
  labels: readonly ReportLabel[];
  options?: ReportOptions;
}

type N = number | null;

/**
 * What each count in the report counts (one meaning per name):
 * - `n` counts labels wherever it appears (comparisons, certainty thresholds and bins, length bias), except in
 *   `humans.pairs`, where one item both raters labelled is one pair of labels: `n` there is items;
 * - `n_labels` and `n_items` say it explicitly where both differ (a judge with both orders and several samples has
 *   several labels on one item);
 * - `items` counts items (`project.items`, `humans.majority`), except `judges[].swap.items`, kept for scripts that
 *   read it: that one counts AB/BA pairs, as does `swap.pairs`.
 */
export interface ComparisonJson {
  /** Labels compared (a judge's every order and sample is one comparison); the same as `n_labels`. */
  n: number;
  n_labels: number;
  /** Distinct items those labels are on. */
  n_items: number;
  accuracy: N;
  accuracy_without_ties: N;
  cohen_kappa: N;
  macro_precision: N;
  macro_recall: N;
  macro_f1: N;
  /** Rows: the reference's class; columns: the annotator's. */
  confusion: { classes: Category[]; matrix: number[][] };
  ci95: { accuracy: [N, N]; cohen_kappa: [N, N] };
  /** Rating projects: against the mean of the human ratings of the item. */
  pearson?: N;
  spearman?: N;
  kendall_tau_b?: N;
  mae?: N;
  /** Rating projects: share within one point of the reference rating. */
  within_one?: N;
}

export interface CertaintyJson {
  /** `n`: labels with a certainty at or above `min`. */
  thresholds: { min: number; n: number; coverage: number; accuracy: N }[];
  /** `n`: labels with a certainty in the bin. */
  bins: { min: number; max: number; n: number; confidence: N; accuracy: N }[];
  ece: N;
  brier: N;
}

export interface LengthBiasJson {
  /** Decisive labels (A or B) on pairs of answers whose lengths differ by more than the threshold. */
  n: number;
  prefer_longer: N;
}

export interface ReportJson {
  project: { id: string; type: string; items: number; labels: { human: number; llm: number } };
  humans: {
    annotators: number;
    percent_agreement: N;
    fleiss_kappa: N;
    krippendorff_alpha: { nominal: N; ordinal?: N; interval?: N; ratio?: N };
    gwet_ac1: N;
    pairs: {
      a: string;
      b: string;
      /** Items both raters labelled (one label from each); the same as `n_items`. */
      n: number;
      n_items: number;
      percent_agreement: N;
      cohen_kappa: N;
      weighted_kappa?: { linear: N; quadratic: N };
    }[];
    /** Items with an untied human majority, items whose majority is tied, and how many items each class won. */
    majority: { items: number; tied: number; counts: { value: Category; items: number }[] };
    length_bias: LengthBiasJson | null;
  };
  judges: {
    annotator: string;
    vs_majority: ComparisonJson;
    vs_gold: ComparisonJson | null;
    /**
     * `pairs`: AB/BA pairs counted (one per item and sample); `items`: the same count, under its first name;
     * `n_items`: distinct items among them.
     */
    swap: { items: number; pairs: number; n_items: number; consistency: N; first_position_rate: N; net: { accuracy: N }; strict: { accuracy: N } } | null;
    certainty: CertaintyJson | null;
    length_bias: LengthBiasJson | null;
    invalid: number;
  }[];
  annotators: {
    annotator: string;
    kind: 'human' | 'llm';
    labels: number;
    gold_accuracy: N;
    majority_agreement: N;
    median_seconds: N;
    certainty: CertaintyJson | null;
  }[];
}

const num = (x: number): N => (Number.isFinite(x) ? x : null);

/** The report of issue 3 from plain data. Pure and deterministic (the bootstrap is seeded). */
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
  options?: ReportOptions;
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
  return { project, categories, items: { n: nItems, gold, lenA, lenB }, annotators, labels: cols, ...(input.options ? { options: input.options } : {}) };
}

/** The report from label objects (see {@link buildReportFromColumns}). */
export function buildReport(input: ReportInput): ReportJson {
  return buildReportFromColumns(toColumns(input));
}

/** The report from columns; see the file comment for every definition. */
export function buildReportFromColumns(input: ReportColumns): ReportJson {
  const { project, annotators } = input;
  const options = input.options ?? {};
  const pairwise = project.type === 'pairwise';
  const rating = project.type === 'rating';
  const invalidPolicy: InvalidPolicy = options.invalid ?? 'exclude';
  const certaintyScale: Scale = project.certainty ?? { min: 1, max: 100 };

  // --- Categories: the project's domain, then anything else seen; numbers ascending. --------------------------
  const domain: Category[] = [];
  if (pairwise) domain.push('A', 'B', 'tie');
  else if (project.type === 'choice' && project.options) domain.push(...project.options);
  else if (rating && project.scale && Number.isInteger(project.scale.min) && Number.isInteger(project.scale.max)) {
    if (project.scale.max - project.scale.min <= 1000) for (let v = project.scale.min; v <= project.scale.max; v++) domain.push(v);
  }
  const inDomain = new Set<Category>(domain);
  let categories: Category[] = [...domain, ...input.categories.filter((c) => !inDomain.has(c))];
  if (categories.every((c) => typeof c === 'number')) categories = (categories as number[]).sort((a, b) => a - b);
  const codeOfValue = new Map<Category, number>(categories.map((c, i) => [c, i]));
  // Input codes → canonical codes.
  const remap = new Int32Array(input.categories.length);
  input.categories.forEach((c, i) => (remap[i] = codeOfValue.get(c)!));
  const canon = (c: number): number => (c < 0 ? -1 : remap[c]!);
  const k = categories.length;
  const tieCode = pairwise ? codeOfValue.get('tie')! : -1;
  const aCode = pairwise ? codeOfValue.get('A')! : -1;
  const bCode = pairwise ? codeOfValue.get('B')! : -1;
  const numeric = categories as readonly number[];

  // --- Items, annotators, labels. -----------------------------------------------------------------------------
  const nItems = input.items.n;
  const gold = new Int32Array(nItems);
  let goldItems = 0;
  for (let i = 0; i < nItems; i++) {
    gold[i] = canon(input.items.gold[i]!);
    if (gold[i]! >= 0) goldItems++;
  }
  const nAnn = annotators.length;
  const humanRater = new Int32Array(nAnn).fill(-1);
  const humanIds: string[] = [];
  for (let a = 0; a < nAnn; a++) {
    const an = annotators[a]!;
    if (an.kind === 'human') {
      humanRater[a] = humanIds.length;
      humanIds.push(an.id);
    }
  }
  const L = input.labels;
  const kept = L.n;
  const itemOf = L.item;
  const annOf = L.annotator;
  const codeOf = new Int32Array(kept);
  for (let i = 0; i < kept; i++) codeOf[i] = canon(L.code[i]!);
  const certOf = L.certainty;
  const orderOf = L.order;
  const sampleOf = L.sample;
  const secondsOf = L.seconds;
  const perAnn = new Int32Array(nAnn + 1);
  let humanLabels = 0;
  let llmLabels = 0;
  for (let i = 0; i < kept; i++) {
    const an = annOf[i]!;
    perAnn[an + 1]!++;
    if (humanRater[an]! >= 0) humanLabels++;
    else llmLabels++;
  }
  // Labels of each annotator, contiguous (counting sort).
  for (let a = 0; a < nAnn; a++) perAnn[a + 1]! += perAnn[a]!;
  const fillAnn = perAnn.slice(0, nAnn);
  const byAnn = new Int32Array(kept);
  for (let i = 0; i < kept; i++) byAnn[fillAnn[annOf[i]!]!++] = i;

  // --- Humans. ------------------------------------------------------------------------------------------------
  const humanRaterOf = new Int32Array(kept);
  const humanCode = new Int32Array(kept);
  for (let i = 0; i < kept; i++) {
    const r = humanRater[annOf[i]!]!;
    humanRaterOf[i] = r;
    humanCode[i] = r >= 0 ? codeOf[i]! : -1;
  }
  const hr: Ratings = ratingsFromCoded(categories, nItems, humanIds.length, itemOf.subarray(0, kept), humanRaterOf, humanCode);
  const pairs = raterPairs(hr, { weighted: rating });
  const majority = majorityVote(hr);
  const winner = majority.winner;
  const alpha: ReportJson['humans']['krippendorff_alpha'] = { nominal: num(krippendorffAlpha(hr, 'nominal')) };
  const numericDomain = categories.every((c) => typeof c === 'number');
  if (rating && numericDomain) {
    alpha.ordinal = num(krippendorffAlpha(hr, 'ordinal'));
    alpha.interval = num(krippendorffAlpha(hr, 'interval'));
    if (numeric.every((v) => v >= 0)) alpha.ratio = num(krippendorffAlpha(hr, 'ratio'));
  }
  // Mean human rating per item, for rating correlations.
  const humanMean = new Float64Array(nItems).fill(NaN);
  if (rating && numericDomain) {
    for (let u = 0; u < nItems; u++) {
      const s = hr.start[u]!;
      const e = hr.start[u + 1]!;
      if (s === e) continue;
      let sum = 0;
      for (let j = s; j < e; j++) sum += numeric[hr.code[j]!]!;
      humanMean[u] = sum / (e - s);
    }
  }
  const reference = new Int32Array(nItems); // gold when present, else the human majority (negative: none)
  for (let u = 0; u < nItems; u++) reference[u] = gold[u]! >= 0 ? gold[u]! : winner[u]!;

  // --- Length of each pair of answers (code points, as Python's len). -----------------------------------------
  const lenA = pairwise ? input.items.lenA : null;
  const lenB = pairwise ? input.items.lenB : null;
  const choiceOf = (code: number): number => (code === aCode ? 1 : code === bCode ? -1 : code === tieCode ? 0 : NaN);
  const lengthBiasFor = (indices: ArrayLike<number>): LengthBiasJson | null => {
    if (!lenA || !lenB) return null;
    const la = new Float32Array(indices.length);
    const lb = new Float32Array(indices.length);
    const ch = new Float32Array(indices.length);
    for (let t = 0; t < indices.length; t++) {
      const i = indices[t]!;
      la[t] = lenA[itemOf[i]!]!;
      lb[t] = lenB[itemOf[i]!]!;
      ch[t] = choiceOf(codeOf[i]!);
    }
    const lb2 = lengthBiasOf(la, lb, ch, options.lengthThreshold ?? 30);
    return { n: lb2.n, prefer_longer: num(lb2.preferLonger) };
  };
  const humanLabelIdx: number[] = [];
  for (let i = 0; i < kept; i++) if (humanRaterOf[i]! >= 0) humanLabelIdx.push(i);

  const humans: ReportJson['humans'] = {
    annotators: humanIds.length,
    percent_agreement: num(meanPairAgreement(pairs)),
    fleiss_kappa: num(fleissKappa(hr)),
    krippendorff_alpha: alpha,
    gwet_ac1: num(gwetAC1(hr)),
    pairs: pairs.map((p) => ({
      a: humanIds[p.a]!,
      b: humanIds[p.b]!,
      n: p.n,
      n_items: p.n,
      percent_agreement: num(p.percentAgreement),
      cohen_kappa: num(p.cohenKappa),
      ...(p.weightedKappa
        ? { weighted_kappa: { linear: num(p.weightedKappa.linear), quadratic: num(p.weightedKappa.quadratic) } }
        : {}),
    })),
    majority: {
      items: majority.decided,
      tied: majority.tied,
      counts: categories.map((value, c) => ({ value, items: majority.counts[c]! })).filter((x) => x.items > 0 || domain.includes(x.value)),
    },
    length_bias: lengthBiasFor(humanLabelIdx),
  };

  // --- Shared helpers for annotators. --------------------------------------------------------------------------
  /** The code a label counts as, or -1 when it is left out. */
  const effective = (i: number): number => {
    const c = codeOf[i]!;
    if (c >= 0) return c;
    return invalidPolicy === 'tie' && tieCode >= 0 ? tieCode : -1;
  };
  const compareAgainst = (indices: ArrayLike<number>, ref: Int32Array): ComparisonJson | null => {
    const confusion = new Float64Array(k * k);
    const x: number[] = [];
    const y: number[] = [];
    const refValue: number[] = [];
    let n = 0;
    const seen = new Uint8Array(nItems);
    let nItemsCompared = 0;
    for (let t = 0; t < indices.length; t++) {
      const i = indices[t]!;
      const r = ref[itemOf[i]!]!;
      const p = effective(i);
      if (r < 0 || p < 0) continue;
      confusion[r * k + p]!++;
      n++;
      if (!seen[itemOf[i]!]) {
        seen[itemOf[i]!] = 1;
        nItemsCompared++;
      }
      if (rating && numericDomain) {
        x.push(numeric[p]!);
        refValue.push(numeric[r]!);
        const m = humanMean[itemOf[i]!]!;
        if (Number.isFinite(m)) y.push(m);
        else y.push(NaN);
      }
    }
    if (n === 0) return null;
    return comparisonJson(compareConfusion(confusion, categories, { resamples: options.resamples, seed: options.seed }), nItemsCompared, x, y, refValue);
  };
  const comparisonJson = (c: Comparison, nItemsCompared: number, x: number[], y: number[], refValue: number[]): ComparisonJson => {
    // Keep the whole domain for verdicts and options; for ratings only the levels that occur.
    const keep: number[] = [];
    for (let i = 0; i < c.classes.length; i++) {
      const used = c.confusion[i]!.some((v) => v > 0) || c.confusion.some((row) => row[i]! > 0);
      if (used || (!rating && domain.includes(c.classes[i]!))) keep.push(i);
    }
    const out: ComparisonJson = {
      n: c.n,
      n_labels: c.n,
      n_items: nItemsCompared,
      accuracy: num(c.accuracy),
      accuracy_without_ties: num(c.accuracyWithoutTies),
      cohen_kappa: num(c.cohenKappa),
      macro_precision: num(c.macroPrecision),
      macro_recall: num(c.macroRecall),
      macro_f1: num(c.macroF1),
      confusion: { classes: keep.map((i) => c.classes[i]!), matrix: keep.map((i) => keep.map((j) => c.confusion[i]![j]!)) },
      ci95: {
        accuracy: [num(c.ci95.accuracy[0]), num(c.ci95.accuracy[1])],
        cohen_kappa: [num(c.ci95.cohenKappa[0]), num(c.ci95.cohenKappa[1])],
      },
    };
    if (rating && numericDomain) {
      const xs: number[] = [];
      const ys: number[] = [];
      for (let i = 0; i < x.length; i++) {
        if (Number.isFinite(y[i]!)) {
          xs.push(x[i]!);
          ys.push(y[i]!);
        }
      }
      out.pearson = num(pearson(xs, ys));
      out.spearman = num(spearman(xs, ys));
      out.kendall_tau_b = num(kendallTauB(xs, ys));
      out.mae = num(meanAbsoluteError(xs, ys));
      out.within_one = num(agreementWithin(x, refValue, 1));
    }
    return out;
  };
  const certaintyFor = (indices: ArrayLike<number>, refOf: (i: number) => number): CertaintyJson | null => {
    const cert = new Float32Array(indices.length).fill(NaN);
    const ok = new Uint8Array(indices.length);
    let any = false;
    for (let t = 0; t < indices.length; t++) {
      const i = indices[t]!;
      const c = certOf[i]!;
      if (!Number.isFinite(c)) continue;
      const p = effective(i);
      const r = refOf(i);
      if (p < 0 || r < 0) continue;
      cert[t] = c;
      ok[t] = p === r ? 1 : 0;
      any = true;
    }
    if (!any) return null;
    return certaintyJson(calibration(cert, ok, certaintyScale));
  };
  /** The plurality of the other humans on label i's item (-1 none or tied). */
  const othersMajority = (i: number): number => {
    const u = itemOf[i]!;
    const me = humanRaterOf[i]!;
    const counts = new Map<number, number>();
    for (let j = hr.start[u]!; j < hr.start[u + 1]!; j++) {
      if (hr.rater[j] === me) continue;
      counts.set(hr.code[j]!, (counts.get(hr.code[j]!) ?? 0) + 1);
    }
    let best = -1;
    let top = 0;
    let shared = false;
    for (const [c, n] of counts) {
      if (n > top) {
        top = n;
        best = c;
        shared = false;
      } else if (n === top) shared = true;
    }
    return shared ? -1 : best;
  };
  const loo = leaveOneOutAgreement(hr);

  // --- Judges and per-annotator rows. -------------------------------------------------------------------------
  const judges: ReportJson['judges'] = [];
  const rows: ReportJson['annotators'] = [];
  for (let a = 0; a < nAnn; a++) {
    const an = annotators[a]!;
    const mine = byAnn.subarray(perAnn[a]!, perAnn[a + 1]!);
    const isHuman = humanRater[a]! >= 0;
    let invalid = 0;
    let goldN = 0;
    let goldHit = 0;
    const secs = new Float64Array(mine.length);
    let nSecs = 0;
    for (let t = 0; t < mine.length; t++) {
      const i = mine[t]!;
      if (codeOf[i]! < 0) invalid++;
      const s = secondsOf[i]!;
      if (Number.isFinite(s)) secs[nSecs++] = s;
      const g = gold[itemOf[i]!]!;
      const p = effective(i);
      if (g >= 0 && p >= 0) {
        goldN++;
        if (p === g) goldHit++;
      }
    }
    let vsMajority: ComparisonJson | null = null;
    if (!isHuman) {
      vsMajority = compareAgainst(mine, winner) ?? emptyComparison(rating && numericDomain);
      const vsGold = goldItems > 0 ? compareAgainst(mine, gold) : null;
      judges.push({
        annotator: an.id,
        vs_majority: vsMajority,
        vs_gold: vsGold,
        swap: pairwise ? swapFor(mine) : null,
        certainty: certaintyFor(mine, (i) => reference[itemOf[i]!]!),
        length_bias: lengthBiasFor(mine),
        invalid,
      });
    }
    rows.push({
      annotator: an.id,
      kind: an.kind,
      labels: mine.length,
      gold_accuracy: goldN ? goldHit / goldN : null,
      majority_agreement: isHuman ? num(loo[humanRater[a]!]!.agreement) : vsMajority!.accuracy,
      median_seconds: median(secs.subarray(0, nSecs)),
      certainty: isHuman
        ? certaintyFor(mine, (i) => (gold[itemOf[i]!]! >= 0 ? gold[itemOf[i]!]! : othersMajority(i)))
        : certaintyFor(mine, (i) => reference[itemOf[i]!]!),
    });
  }

  function swapFor(mine: Int32Array): ReportJson['judges'][number]['swap'] {
    // Pair each AB label with the BA label of the same item and sample: group the judge's ordered labels by item
    // (counting sort), then match within each item's few labels.
    const from = new Int32Array(nItems + 1);
    for (let t = 0; t < mine.length; t++) if (orderOf[mine[t]!] !== 0) from[itemOf[mine[t]!]! + 1]!++;
    for (let u = 0; u < nItems; u++) from[u + 1]! += from[u]!;
    const fill = from.slice(0, nItems);
    const grouped = new Int32Array(from[nItems]!);
    for (let t = 0; t < mine.length; t++) {
      const i = mine[t]!;
      if (orderOf[i] !== 0) grouped[fill[itemOf[i]!]!++] = i;
    }
    const verdict = (i: number): Verdict | null => {
      const c = codeOf[i]!;
      return c === aCode ? 'A' : c === bCode ? 'B' : c === tieCode ? 'tie' : null;
    };
    const units: SwapPair[] = [];
    const unitItem: number[] = [];
    for (let u = 0; u < nItems; u++) {
      for (let x = from[u]!; x < from[u + 1]!; x++) {
        const i = grouped[x]!;
        if (orderOf[i] !== 1) continue;
        for (let y = from[u]!; y < from[u + 1]!; y++) {
          const j = grouped[y]!;
          if (orderOf[j] === 2 && sampleOf[j] === sampleOf[i]) {
            units.push({ ab: verdict(i), ba: verdict(j) });
            unitItem.push(u);
            break;
          }
        }
      }
    }
    if (units.length === 0) return null;
    const bias = positionBias(units, invalidPolicy);
    const acc = (rule: 'net' | 'strict'): N => {
      let n = 0;
      let hit = 0;
      units.forEach((p, t) => {
        const ref = reference[unitItem[t]!]!;
        if (ref < 0) return;
        if ((p.ab === null || p.ba === null) && invalidPolicy === 'exclude') return;
        const v = aggregateSwap(p.ab ?? 'tie', p.ba ?? 'tie', rule);
        n++;
        if (codeOfValue.get(v) === ref) hit++;
      });
      return n ? hit / n : null;
    };
    // Pairs counted by the invalid policy, and the distinct items among them.
    const counted = new Set<number>();
    units.forEach((p, t) => {
      if (invalidPolicy === 'tie' || (p.ab !== null && p.ba !== null)) counted.add(unitItem[t]!);
    });
    return {
      items: bias.items,
      pairs: bias.items,
      n_items: counted.size,
      consistency: num(bias.consistency),
      first_position_rate: num(bias.firstPositionRate),
      net: { accuracy: acc('net') },
      strict: { accuracy: acc('strict') },
    };
  }

  return {
    project: { id: project.id, type: project.type, items: nItems, labels: { human: humanLabels, llm: llmLabels } },
    humans,
    judges,
    annotators: rows,
  };
}

function certaintyJson(c: Calibration): CertaintyJson {
  return {
    thresholds: c.thresholds.map((t) => ({ min: t.min, n: t.n, coverage: t.coverage, accuracy: t.accuracy })),
    bins: c.bins.map((b) => ({ min: b.min, max: b.max, n: b.n, confidence: b.confidence, accuracy: b.accuracy })),
    ece: c.ece,
    brier: c.brier,
  };
}

function emptyComparison(withRatings: boolean): ComparisonJson {
  const out: ComparisonJson = {
    n: 0,
    n_labels: 0,
    n_items: 0,
    accuracy: null,
    accuracy_without_ties: null,
    cohen_kappa: null,
    macro_precision: null,
    macro_recall: null,
    macro_f1: null,
    confusion: { classes: [], matrix: [] },
    ci95: { accuracy: [null, null], cohen_kappa: [null, null] },
  };
  if (withRatings) Object.assign(out, { pearson: null, spearman: null, kendall_tau_b: null, mae: null, within_one: null });
  return out;
}

function median(xs: Float64Array): N {
  if (xs.length === 0) return null;
  const s = xs.sort();
  const h = s.length >> 1;
  return s.length % 2 ? s[h]! : (s[h - 1]! + s[h]!) / 2;
}
