/** ProjectPool's judge half: each judge walks every item once per order and sample, apart from humans and other judges. */
import type { JudgePlan } from '../../../server/assignment/judge-pool';
import type { Lease } from '../../../server/assignment/leases';
import type { ProjectPool } from '../../../server/assignment/pool';
import { LEASE_MS, leaseOf, makePool, poolSettings, seeded, type DoneRow } from './pool-fixtures';

const plan = (p: Partial<JudgePlan> = {}): JudgePlan => ({ swap: false, samples: 1, maxLeases: 4, ...p });

/** Claims and commits until the judge is done; the tasks it was given, in order. */
function runJudge(pool: ProjectPool, judge: number, p: JudgePlan): Lease[] {
  const got: Lease[] = [];
  for (let l = pool.claimJudge(judge, p, 0); l !== null; l = pool.claimJudge(judge, p, 0)) {
    if (l === 'limit') throw new Error('a judge that commits each task never reaches its limit');
    got.push(l);
    pool.commit(l, 'A');
  }
  return got;
}

const judgeDone = (annotatorId: number, itemId: number, slot: string): DoneRow => ({ annotator_id: annotatorId, item_id: itemId, slot, kind: 'llm', value: 'A' });

describe('ProjectPool: a judge’s cursor', () => {
  test('a judge is given every item once, in import order', () => {
    const pool = makePool(poolSettings(), { items: 6 });
    const got = runJudge(pool, 50, plan());
    expect(got.map((l) => l.itemId)).toEqual([1, 2, 3, 4, 5, 6]);
    for (const l of got) expect(l).toMatchObject({ kind: 'llm', annotatorId: 50, order: null, sample: 0, slot: '-#0', expiresAt: 2 * LEASE_MS });
    expect(pool.judgeProgress(50, plan())).toEqual({ done: 6, target: 6 });
    expect(pool.labelCount.llm).toBe(6);
    expect(pool.labelsOf(50)).toBe(6);
  });

  test('each sample of an item is a task of its own', () => {
    const pool = makePool(poolSettings(), { items: 4 });
    const got = runJudge(pool, 50, plan({ samples: 3 }));
    expect(got.map((l) => `${l.itemId}:${l.slot}`)).toEqual([1, 2, 3, 4].flatMap((id) => [0, 1, 2].map((s) => `${id}:-#${s}`)));
    expect(pool.judgeProgress(50, plan({ samples: 3 }))).toEqual({ done: 12, target: 12 });
  });

  test('with swap, a pairwise judge is shown each item in both orders, for every sample', () => {
    const pool = makePool(poolSettings({ pairwise: true }), { items: 5 });
    const p = plan({ swap: true, samples: 2 });
    const got = runJudge(pool, 50, p);
    const tasks = got.map((l) => `${l.itemId}:${l.order}:${l.sample}`);
    expect(tasks).toHaveLength(20);
    expect(new Set(tasks)).toEqual(new Set([1, 2, 3, 4, 5].flatMap((id) => ['AB:0', 'BA:0', 'AB:1', 'BA:1'].map((t) => `${id}:${t}`))));
    for (const l of got) expect(l.slot).toBe(`${l.order}#${l.sample}`);
    expect(pool.judgeProgress(50, p)).toEqual({ done: 20, target: 20 });
  });

  test('without swap, a pairwise judge sees each item once per sample, in either order', () => {
    const pool = makePool(poolSettings({ pairwise: true }), { items: 40, random: seeded(3) });
    const got = runJudge(pool, 50, plan());
    expect(got.map((l) => l.itemId)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(new Set(got.map((l) => l.slot))).toEqual(new Set(['-#0']));
    expect(new Set(got.map((l) => l.order))).toEqual(new Set(['AB', 'BA']));
  });

  test('a judge holds at most its concurrency in tasks', () => {
    const pool = makePool(poolSettings(), { items: 10 });
    const held = [leaseOf(pool.claimJudge(50, plan({ maxLeases: 2 }), 0)), leaseOf(pool.claimJudge(50, plan({ maxLeases: 2 }), 0))];
    expect(pool.claimJudge(50, plan({ maxLeases: 2 }), 0)).toBe('limit');
    expect(pool.holds(50)).toBe(true);
    expect(pool.leasesOf(50)).toEqual(held);
    expect(pool.leaseCount.llm).toBe(2);
    // A plan changed mid-run applies at once.
    expect(pool.claimJudge(50, plan({ maxLeases: 3 }), 0)).not.toBe('limit');
  });

  test('a released or lapsed task comes back to its judge before anything new', () => {
    const pool = makePool(poolSettings({ pairwise: true }), { items: 10 });
    const p = plan({ swap: true });
    const a = leaseOf(pool.claimJudge(50, p, 0));
    const b = leaseOf(pool.claimJudge(50, p, 0));
    pool.release(a);
    const again = leaseOf(pool.claimJudge(50, p, 0));
    expect([again.itemId, again.slot, again.order]).toEqual([a.itemId, a.slot, a.order]);
    expect(pool.expire(2 * LEASE_MS)).toBe(2);
    const retried = [leaseOf(pool.claimJudge(50, p, 2 * LEASE_MS)), leaseOf(pool.claimJudge(50, p, 2 * LEASE_MS))];
    expect(new Set(retried.map((l) => `${l.itemId}:${l.slot}`))).toEqual(new Set([a, b].map((l) => `${l.itemId}:${l.slot}`)));
    const next = leaseOf(pool.claimJudge(50, p, 2 * LEASE_MS));
    expect(`${next.itemId}:${next.slot}`).toBe('2:AB#0');
  });

  test('judges walk the items apart from each other and from humans', () => {
    const pool = makePool(poolSettings({ redundancy: 1 }), { items: 4, humanCounts: { 1: 1, 2: 1, 3: 1, 4: 1 } });
    expect(pool.claimHuman(1, 0)).toBeNull();
    const first = leaseOf(pool.claimJudge(50, plan(), 0));
    expect(runJudge(pool, 51, plan()).map((l) => l.itemId)).toEqual([1, 2, 3, 4]);
    pool.commit(first, 'A');
    expect(runJudge(pool, 50, plan()).map((l) => l.itemId)).toEqual([2, 3, 4]);
    expect(pool.complete).toBe(4);
    expect(pool.labelCount).toEqual({ human: 0, llm: 8 });
  });

  test('labels stored before a judge connects are not asked for again', () => {
    const done = [judgeDone(50, 1, '-#0'), judgeDone(50, 3, '-#0'), judgeDone(50, 3, '-#1')];
    const pool = makePool(poolSettings(), { items: 4, done });
    expect(pool.labelsOf(50)).toBe(3);
    expect(pool.labelCount.llm).toBe(3);
    const got = runJudge(pool, 50, plan({ samples: 2 }));
    expect(got.map((l) => `${l.itemId}:${l.slot}`)).toEqual(['1:-#1', '2:-#0', '2:-#1', '4:-#0', '4:-#1']);
    expect(pool.judgeProgress(50, plan({ samples: 2 }))).toEqual({ done: 8, target: 8 });
  });

  test('a rebuild from the record restarts a judge’s cursor and skips what it has done', () => {
    const settings = poolSettings();
    const pool = makePool(settings, { items: 3 });
    pool.commit(leaseOf(pool.claimJudge(50, plan(), 0)), 'A');
    expect(pool.claimJudge(50, plan(), 0)).toMatchObject({ itemId: 2 });
    const items = [1, 2, 3, 4].map((id) => ({ id, gold: null }));
    pool.load(settings, items, [], [judgeDone(50, 1, '-#0'), judgeDone(50, 3, '-#0')]);
    // Item 2 is still held by its live lease; items 3 (labelled meanwhile) and 1 are done.
    expect(runJudge(pool, 50, plan()).map((l) => l.itemId)).toEqual([4]);
    expect(pool.labelsOf(50)).toBe(3);
  });
});
