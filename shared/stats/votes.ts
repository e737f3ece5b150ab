/**
 * One vote per annotator per item, for consensus labels that let several annotators, humans and judges, take part
 * (the gold export with `include_llm`). A judge run in both orders and with several samples has many labels on
 * one item; counted one by one, a judge with swap and two samples would cast four votes against one per human.
 */
import { aggregateVerdicts, type Verdict } from './pairwise';
import type { Category } from './ratings';

/**
 * An annotator's one vote on an item from all its labels there (invalid outputs already left out), or null when
 * it has none:
 * - pairwise: its runs reduced as its swap verdict is ({@link aggregateVerdicts}, JudgeBench's `net` rule), so
 *   runs that cancel out (A in one order, B in the other) are a tie vote;
 * - rating and choice (samples, no orders): the plurality of its labels; a shared top count is no vote.
 * A single label (every human) is its own vote.
 */
export function oneVote(values: readonly Category[], pairwise: boolean): Category | null {
  if (values.length <= 1) return values[0] ?? null;
  if (pairwise && values.every((v) => v === 'A' || v === 'B' || v === 'tie')) return aggregateVerdicts(values as Verdict[], 'net');
  const counts = new Map<Category, number>();
  let best: Category | null = null;
  let top = 0;
  let shared = false;
  for (const v of values) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    if (n > top) {
      top = n;
      best = v;
      shared = false;
    } else if (n === top && v !== best) shared = true;
  }
  return shared ? null : best;
}
