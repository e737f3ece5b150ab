/**
 * The report's JSON: a contract that outside scripts read (README, "The report"). Names are snake_case and fractions
 * lie in [0, 1]; a statistic that is undefined on the data (0/0, e.g. kappa when everyone always chose one
 * category) is `null`, never NaN.
 */
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

/** A number as the report writes it: NaN and ±Infinity (undefined on the data) become null. */
export const num = (x: number): N => (Number.isFinite(x) ? x : null);
