/**
 * Builds assignment pools for the unit tests from in-memory items: no server, no database. Time is whatever
 * `now` a test passes, so no test sleeps; randomness is a seeded generator, so every run draws the same.
 */
import type { Lease, PoolSettings } from '../../../server/assignment/leases';
import { ProjectPool, type DoneRow } from '../../../server/assignment/pool';
import { mulberry32 } from '../../../shared/stats/random';

/** A human's lease length in these tests; judges get twice this. */
export const LEASE_MS = 60_000;

export function poolSettings(overrides: Partial<PoolSettings> = {}): PoolSettings {
  return { pairwise: false, redundancy: 3, goldRate: 0, maxPerAnnotator: null, leaseMs: { human: LEASE_MS, llm: 2 * LEASE_MS }, ...overrides };
}

/** A label already in the record, as `LabelsRepo.done` returns it. */
export type { DoneRow };

export const humanDone = (annotatorId: number, itemId: number, value: unknown = 'x'): DoneRow => ({
  annotator_id: annotatorId,
  item_id: itemId,
  slot: '',
  kind: 'human',
  value,
});

export interface PoolContents {
  /** Items 1..items, in import order. */
  items: number;
  /** Gold labels by item id; the other items are not gold. */
  gold?: Record<number, string | number>;
  /** Human labels already stored, by item id. */
  humanCounts?: Record<number, number>;
  done?: DoneRow[];
  random?: () => number;
  /** A ranking project's items: every item has this many answers. */
  answers?: number;
}

export function itemRows(c: Pick<PoolContents, 'items' | 'gold' | 'answers'>): Array<{ id: number; gold: string | number | null; answers?: number }> {
  return Array.from({ length: c.items }, (_, i) => ({ id: i + 1, gold: c.gold?.[i + 1] ?? null, ...(c.answers ? { answers: c.answers } : {}) }));
}

/** A pool loaded the way TasksService loads one, from the given contents. */
export function makePool(settings: PoolSettings, c: PoolContents): ProjectPool {
  const pool = new ProjectPool(settings, c.random ?? seeded(1));
  const counts = Object.entries(c.humanCounts ?? {}).map(([id, n]) => ({ item_id: Number(id), n }));
  pool.load(settings, itemRows(c), counts, c.done ?? []);
  return pool;
}

/** A seeded generator of uniform numbers in [0, 1) (the statistics' mulberry32). */
export const seeded = (seed: number): (() => number) => mulberry32(seed);

/** A claim that must succeed. */
export function leaseOf(result: Lease | null | 'limit'): Lease {
  if (result === null || result === 'limit') throw new Error(`expected a lease, got ${result}`);
  return result;
}
