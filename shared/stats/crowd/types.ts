/**
 * Crowd aggregation's input and output (issue 10): one vote per annotator and item, integer-coded, and a fitted
 * consensus per item with each annotator's competence. Pure data: the report worker builds the input from its
 * label columns, and the report and the gold export read the fit.
 */
import type { AGGREGATION_METHODS } from '../../constants';

export type AggregationMethod = (typeof AGGREGATION_METHODS)[number];

/** Votes as parallel arrays: vote v is annotator `worker[v]`'s class `code[v]` on item `item[v]` (one per pair). */
export interface CrowdInput {
  nItems: number;
  nWorkers: number;
  /** Classes are 0 … nClasses − 1. */
  nClasses: number;
  n: number;
  item: Int32Array;
  worker: Int32Array;
  code: Int32Array;
  /** Per item: a known label (item gold) used as a control, as MACE's `--controls`; -1 none. */
  controls?: Int32Array;
}

export interface CrowdOptions {
  /** Seed of the random restarts (MACE). */
  seed?: number;
  /** MACE: random restarts (default 10) and EM iterations per restart (default 50), as the authors' release. */
  restarts?: number;
  iterations?: number;
  /** MACE's Beta prior on "knowing" (defaults 0.5, 0.5, as the release). */
  alpha?: number;
  beta?: number;
}

export interface CrowdFit {
  method: AggregationMethod;
  /** Per item: the consensus class, -1 when the item has no vote (majority: also when its top count is shared). */
  label: Int32Array;
  /** Per item: the model's probability of `label` (majority: the winning share of the votes); NaN when no label. */
  posterior: Float64Array;
  /**
   * Per annotator: MACE's probability that the annotator knows the answer (1 − spamming), or the Dawid–Skene
   * estimate of the annotator's accuracy (Σ_k π_k θ_kk); NaN under majority or for an annotator with no vote.
   */
  competence: Float64Array;
  /**
   * Per annotator: 1 when its competence marks it as a spammer: under MACE a knowing probability below 0.5 (it
   * guesses more often than it knows); under Dawid–Skene an accuracy no better than always giving the commonest
   * class (max_k π_k). 0 otherwise, and always 0 under majority.
   */
  spammer: Uint8Array;
}
