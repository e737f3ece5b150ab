/**
 * Votes: the plurality rule with tie detection (one copy, used by the human majority of the report, the gold
 * export's consensus and an annotator's own vote), and one vote per annotator per item, for consensus labels that
 * let several annotators, humans and judges, take part (the gold export with `include_llm`). A judge run in both
 * orders and with several samples has many labels on one item; counted one by one, a judge with swap and two
 * samples would cast four votes against one per human.
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
  return tally(values).winner;
}

/**
 * Plurality with tie detection: the value given more votes than any other wins; a top count shared by two values
 * is a tie, with no winner (MT-Bench and PandaLM leave such items out of judge–human comparisons). Feed it each
 * value with its count, either the final counts once each or a growing count at every vote: the winner is the same
 * (a value that catches up with the leader ties it, one that passes it leads alone).
 */
export class Plurality<T> {
  private leader: T | null = null;
  private shared = false;
  /** The highest count seen. */
  top = 0;

  /** `value` has (now) `count` votes. */
  see(value: T, count: number): void {
    if (count > this.top) {
      this.top = count;
      this.leader = value;
      this.shared = false;
    } else if (count === this.top && value !== this.leader) this.shared = true;
  }

  /** Whether the top count is shared by two values or more. */
  get tied(): boolean {
    return this.shared;
  }

  /** The winner; null when there was no vote or the top count is shared. */
  get winner(): T | null {
    return this.shared ? null : this.leader;
  }

  /** Forgets every vote, for the next item. */
  reset(): void {
    this.leader = null;
    this.shared = false;
    this.top = 0;
  }
}

/** The votes counted, with their plurality winner (see {@link Plurality}). */
export interface Tally<T> {
  counts: Map<T, number>;
  /** Null when there was no vote or the top count is shared. */
  winner: T | null;
  top: number;
  total: number;
}

/** Counts `votes` and names the plurality winner. */
export function tally<T>(votes: Iterable<T>): Tally<T> {
  const counts = new Map<T, number>();
  const plurality = new Plurality<T>();
  let total = 0;
  for (const v of votes) {
    const n = (counts.get(v) ?? 0) + 1;
    counts.set(v, n);
    plurality.see(v, n);
    total++;
  }
  return { counts, winner: plurality.winner, top: plurality.top, total };
}
