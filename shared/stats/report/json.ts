/**
 * The report's JSON: a contract that outside scripts read (README, "The report"). Names are snake_case and fractions
 * lie in [0, 1]; a statistic that is undefined on the data (0/0, e.g. kappa when everyone always chose one
 * category) is `null`, never NaN.
 */
import type { RoutingState } from '../../routing';
import type { AggregationMethod } from '../crowd/types';
import type { Category } from '../ratings';

/** A statistic, or null where it is undefined on the data (0/0): never NaN in the JSON. */
export type N = number | null;

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

/**
 * The alternative annotator test (Calderon, Reichart & Dror 2025) of one judge: may it replace a human annotator?
 * `annotators` are the humans tested (at least `min_items` items that also have another human's label and the
 * judge's); `items` the distinct items used; `winning_rate` (ω) the share of them whose null hypothesis was rejected
 * after the Benjamini–Yekutieli correction at q = 0.05; `advantage_probability` (ρ) the mean over them of the
 * judge's winning share; `passed` when ω ≥ 0.5. `metric` is `accuracy` (categories) or `neg_rmse` (ratings).
 */
export interface AltTestJson {
  epsilon: number;
  metric: 'accuracy' | 'neg_rmse';
  min_items: number;
  annotators: number;
  items: number;
  winning_rate: number;
  advantage_probability: number;
  passed: boolean;
  /** One row per tested human: items, the judge's winning share, the t-test's p-value, and whether it was rejected. */
  per_annotator: { annotator: string; items: number; judge_wins: number; human_wins: number; p_value: N; rejected: boolean }[];
}

/**
 * The certified certainty threshold of one judge (Jung, Brahman & Choi 2025, fixed-sequence testing with a
 * one-sided Clopper–Pearson bound): the lowest certainty at and above which the judge's agreement with the
 * reference (gold, else the human majority) is at least `target` with probability at least 1 − `delta`.
 * `threshold` is null when even the highest certainty value fails; `calibration_items` counts the judge's labels
 * with a certainty on items with a reference; `coverage` and `agreement` are those of its labels at or above the
 * threshold (null when there is none). `steps` lists every value tested, from high to low, up to the first that failed.
 */
export interface SelectiveJson {
  target: number;
  delta: number;
  min_items: number;
  threshold: N;
  calibration_items: number;
  coverage: N;
  agreement: N;
  steps: { threshold: number; n: number; errors: number; upper_bound: number; accepted: boolean }[];
}

/**
 * Is judge `a` more accurate than `b` on the items both labelled? `b_kind` is `judge`, or `humans` for the pooled
 * human annotators (each human's label against the reference without that human: leave-one-out), where `n` counts
 * item–human pairs. Exact two-sided McNemar test on the discordant pairs; paired bootstrap (items resampled, seeded)
 * 95% interval of `difference` = accuracy_a − accuracy_b.
 */
export interface ComparisonTestJson {
  a: string;
  b: string;
  b_kind: 'judge' | 'humans';
  reference: 'gold' | 'majority';
  n: number;
  n_items: number;
  accuracy_a: N;
  accuracy_b: N;
  difference: N;
  ci95: [N, N];
  mcnemar_p: N;
  /** Discordant pairs: a right and b wrong, and the reverse. */
  a_only: number;
  b_only: number;
}

/** The report's statistics on the items of one slice (the same shapes as the top-level sections). */
export interface SliceGroupJson {
  /** The items' `meta.<by>` value (null: items without it). */
  value: string | number | boolean | null;
  items: number;
  humans: ReportJson['humans'];
  judges: ReportJson['judges'];
  annotators: ReportJson['annotators'];
}

/**
 * A judge's rankings (ranking projects, issue 11). `kendall_tau_b` (mean over items of τ-b between the judge's
 * ranking and the reference) and `top1_accuracy` (share of items whose top answer the judge also ranks first, a tie
 * at the judge's top counting 1/k) are against the human consensus ranking (answers ordered by their mean human
 * rank), over `items` items with both; `gold` the same against gold rankings. A judge's several samples of an item
 * reduce to one ranking by mean rank. `first_position_rate`: share of the judge's `rankings` that rank the answer
 * shown first at the top (1/k for a k-way tie there), against `first_position_expected`, the mean of 1/N an
 * order-blind judge would give.
 */
export interface RankingJudgeJson {
  kendall_tau_b: N;
  top1_accuracy: N;
  items: number;
  gold: { kendall_tau_b: N; top1_accuracy: N; items: number } | null;
  first_position_rate: N;
  first_position_expected: N;
  rankings: number;
}

export interface ReportJson {
  /**
   * Escalating projects (issue 13; shared/routing.ts): who decides the items, each cascade judge's certified
   * threshold with the guarantee (`target`, `delta`) and its observed agreement on the calibration share; null for
   * other projects. Added by the server from the live router, last of all.
   */
  routing?: RoutingState | null;
  /**
   * `answer_pairs`, ranking projects only: the answer pairs every pairwise statistic below is computed on (each
   * ranking is decomposed into the preferences it implies on each pair of the item's answers, `A` = the lower index).
   */
  project: { id: string; type: string; items: number; labels: { human: number; llm: number }; answer_pairs?: number };
  /**
   * The consensus method the report used (the project's `aggregation`, or `?method=`): `items` with a consensus
   * label under it, and how many annotators it flags as spammers (0 under majority).
   */
  aggregation: { method: AggregationMethod; items: number; spammers: number };
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
    /**
     * Ranking projects only: Kendall's coefficient of concordance W among the humans (with the correction for ties),
     * the mean over the `kendall_w_items` items that two or more humans ranked (an item on which every human tied
     * all answers has no W, 0/0, and is left out of both).
     */
    kendall_w?: N;
    kendall_w_items?: number;
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
    /** Null, with `alt_test_reason`, when the data is too thin (fewer than two humans on its items, or none with enough). */
    alt_test: AltTestJson | null;
    alt_test_reason: string | null;
    /** Null when the judge gives no certainty on an item with a reference. */
    selective: SelectiveJson | null;
    /** Ranking projects only. */
    ranking?: RankingJudgeJson;
  }[];
  annotators: {
    annotator: string;
    kind: 'human' | 'llm';
    labels: number;
    gold_accuracy: N;
    majority_agreement: N;
    median_seconds: N;
    certainty: CertaintyJson | null;
    /** The aggregation model's competence for a human (see `aggregation`): null under majority and for judges. */
    competence: N;
    /** The model marks this annotator as a spammer (null where `competence` is). */
    spammer: boolean | null;
  }[];
  /** Every pair of judges, then each judge against the pooled humans. */
  comparisons: ComparisonTestJson[];
  /** Null unless the report was asked to slice (`?by=`). */
  slices: { by: string; groups: SliceGroupJson[] } | null;
}

/** A number as the report writes it: NaN and ±Infinity (undefined on the data) become null. */
export const num = (x: number): N => (Number.isFinite(x) ? x : null);
