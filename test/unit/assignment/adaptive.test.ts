/**
 * Adaptive redundancy (issue 13 part 1, docs/decisions/0010-adaptive-redundancy.md): the need rule itself, and the
 * pool driven by it: `min` labels per item, then one at a time while they disagree, never past `max`, leases in
 * flight counted; a reopened item is drawn before fresh ones; a pool rebuilt from the record decides the same.
 */
import { FixedNeed, UnanimousNeed, needOf } from '../../../server/assignment/human-need';
import { itemSlot, type ItemSlot } from '../../../server/assignment/buckets';
import type { Lease, PoolSettings } from '../../../server/assignment/leases';
import type { ProjectPool } from '../../../server/assignment/pool';
import { LEASE_MS, humanDone, leaseOf, makePool, poolSettings, seeded, type DoneRow } from './pool-fixtures';

const slot = (labels: number, leased: number, agree: boolean): ItemSlot => ({ ...itemSlot(1, null, false), labels, leased, agree, voted: labels });

/** The stored labels as the record has them: counts per item to go with the rows. */
function record(done: DoneRow[]): { humanCounts: Record<number, number>; done: DoneRow[] } {
  const humanCounts: Record<number, number> = {};
  for (const d of done) humanCounts[d.item_id] = (humanCounts[d.item_id] ?? 0) + 1;
  return { humanCounts, done };
}

const adaptive = (min: number, max: number, extra: Partial<PoolSettings> = {}) => poolSettings({ redundancy: { min, max, stop: 'unanimous' }, ...extra });

describe('the need rule', () => {
  test('fixed n files an item by labels + leases and closes it at n labels, as before issue 13', () => {
    const n = new FixedNeed(3);
    expect([n.listOf(slot(0, 0, true)), n.listOf(slot(1, 1, false)), n.listOf(slot(2, 1, true)), n.listOf(slot(3, 0, true))]).toEqual([0, 2, -1, -1]);
    expect([n.closed(slot(2, 1, true)), n.closed(slot(3, 0, false))]).toEqual([false, true]);
    expect(needOf(3)).toBeInstanceOf(FixedNeed);
  });

  test('unanimous {min 2, max 5}: min first, then one at a time while the labels disagree, never past max', () => {
    const n = needOf({ min: 2, max: 5, stop: 'unanimous' });
    expect(n).toBeInstanceOf(UnanimousNeed);
    expect(n.lists).toBe(5);
    // Short of min: lists 3 (used 0) and 4 (used 1); full once labels + leases reach min.
    expect([n.listOf(slot(0, 0, true)), n.listOf(slot(0, 1, true)), n.listOf(slot(1, 0, true)), n.listOf(slot(0, 2, true)), n.listOf(slot(1, 1, true))]).toEqual([3, 4, 4, -1, -1]);
    // At min and unanimous: closed. Disagreeing: reopened, in lists 0.. by labels, and only with no lease out.
    expect([n.listOf(slot(2, 0, true)), n.closed(slot(2, 0, true))]).toEqual([-1, true]);
    expect([n.listOf(slot(2, 0, false)), n.listOf(slot(2, 1, false)), n.listOf(slot(3, 0, false)), n.listOf(slot(4, 0, false))]).toEqual([0, -1, 1, 2]);
    expect([n.closed(slot(4, 0, false)), n.closed(slot(5, 0, false)), n.listOf(slot(5, 0, false))]).toEqual([false, true, -1]);
  });

  test('min = max behaves as the fixed count, stopping rule or not', () => {
    const n = needOf({ min: 3, max: 3, stop: 'unanimous' });
    for (const [l, k, agree] of [[0, 0, true], [1, 1, false], [2, 1, false], [3, 0, false], [3, 0, true]] as const)
      expect([n.listOf(slot(l, k, agree)), n.closed(slot(l, k, agree))]).toEqual([new FixedNeed(3).listOf(slot(l, k, agree)), l >= 3]);
  });
});

describe('ProjectPool with adaptive redundancy', () => {
  test('an item unanimous at min is closed; a disagreeing one takes one more at a time up to max', () => {
    const done = [humanDone(1, 1, 'A'), humanDone(2, 1, 'A'), humanDone(1, 2, 'A'), humanDone(2, 2, 'B')];
    const pool = makePool(adaptive(2, 4), { items: 2, ...record(done) });
    expect(pool.complete).toBe(1);
    const a = leaseOf(pool.claimHuman(3, 0));
    expect(a.itemId).toBe(2);
    expect(pool.claimHuman(4, 0)).toBeNull(); // one lease in flight at a time past min
    pool.commit(a, 'A');
    const b = leaseOf(pool.claimHuman(4, 0));
    expect(b.itemId).toBe(2);
    pool.commit(b, 'A');
    expect(pool.complete).toBe(2); // 4 labels = max, though A, B, A, A
    expect(pool.claimHuman(5, 0)).toBeNull();
    expect(pool.labelsPerItem).toEqual([0, 0, 1, 0, 1]);
    expect(pool.humanBudget).toBe(8);
  });

  test('an item reopened in the record is drawn before fresh items, whatever the draw', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const done = [humanDone(1, 7, 'A'), humanDone(2, 7, 'B')];
      const pool = makePool(adaptive(2, 3), { items: 30, ...record(done), random: seeded(seed) });
      expect(leaseOf(pool.claimHuman(3, 0)).itemId).toBe(7);
    }
  });

  test('a label that breaks unanimity puts its item back at once, ahead of fresh items; a lapse gives its place back', () => {
    // Item 1 has one label (A). Human 2 holds items 2 and 3 (fresh), so their third claim is item 1.
    const pool = makePool(adaptive(2, 4), { items: 3, ...record([humanDone(1, 1, 'A')]), random: seeded(5) });
    const held = [leaseOf(pool.claimHuman(2, 0)), leaseOf(pool.claimHuman(2, 0))];
    expect(held.map((l) => l.itemId).sort()).toEqual([2, 3]);
    const onOne = leaseOf(pool.claimHuman(2, 0));
    expect(onOne.itemId).toBe(1);
    pool.commit(onOne, 'B');
    for (const l of held) pool.release(l);
    // Items 2 and 3 have no label at all, item 1 two: item 1 still comes first, to anyone.
    const third = leaseOf(pool.claimHuman(3, 0));
    expect(third.itemId).toBe(1);
    expect([2, 3]).toContain(leaseOf(pool.claimHuman(4, 0)).itemId); // only one lease on item 1 at a time
    pool.expire(10 * LEASE_MS);
    expect(leaseOf(pool.claimHuman(5, 10 * LEASE_MS)).itemId).toBe(1);
  });

  test('without a disagreement an item stops at min and the fresh items are served', () => {
    const pool = makePool(adaptive(2, 4), { items: 3, ...record([humanDone(1, 1, 'A')]) });
    const held = [leaseOf(pool.claimHuman(2, 0)), leaseOf(pool.claimHuman(2, 0)), leaseOf(pool.claimHuman(2, 0))];
    pool.commit(held.find((l) => l.itemId === 1)!, 'A');
    for (const l of held) pool.release(l);
    expect(pool.complete).toBe(1);
    for (let h = 3; h <= 6; h++) expect(leaseOf(pool.claimHuman(h, 0)).itemId).not.toBe(1);
  });
});

const ITEMS = 24;
const HUMANS = 14;

/** What the record holds: each item's labels in the order they were stored. */
type Stored = Map<number, Array<{ human: number; value: string }>>;

/** How many labels and leases the rule allows an item with these stored labels (min 2 … max 5, unanimous). */
function allowed(values: string[], min: number, max: number): number {
  if (values.length < min) return min;
  const first = values.slice(0, min);
  return first.every((v) => v === first[0]) ? min : Math.min(max, values.length + 1);
}

function check(pool: ProjectPool, stored: Stored, min: number, max: number): string[] {
  const wrong: string[] = [];
  const leases = new Map<number, number>();
  for (const l of pool.leases.values()) leases.set(l.itemId, (leases.get(l.itemId) ?? 0) + 1);
  for (let id = 1; id <= ITEMS; id++) {
    const values = (stored.get(id) ?? []).map((x) => x.value);
    const cap = allowed(values, min, max);
    if (values.length > cap || values.length + (leases.get(id) ?? 0) > cap) wrong.push(`item ${id}: ${values.join('')} + ${leases.get(id) ?? 0} leases > ${cap}`);
  }
  return wrong;
}

/**
 * A restart forgets leases: with them released, a pool read from the record (the labels in stored order) files
 * every item in the same list, with the same agreement and the same counts, as the live pool.
 */
function sameAfterRestart(pool: ProjectPool, settings: PoolSettings, gold: Record<number, string>, stored: Stored): true {
  for (const l of [...pool.leases.values()]) pool.release(l);
  const done = [...stored].flatMap(([item, xs]) => xs.map((x) => humanDone(x.human, item, x.value)));
  const rebuilt = makePool(settings, { items: ITEMS, gold, ...record(done) });
  expect([rebuilt.complete, [...rebuilt.labelsPerItem]]).toEqual([pool.complete, [...pool.labelsPerItem]]);
  const filed = (p: ProjectPool) => [...p.items.values()].map((s) => [s.id, s.bucket, s.agree]);
  expect(filed(rebuilt)).toEqual(filed(pool));
  expect(filed(pool).some(([, bucket]) => bucket !== -1)).toBe(true); // some items were still open
  return true;
}

describe.each([
  { min: 2, max: 5, goldRate: 0 },
  { min: 1, max: 3, goldRate: 0.3 },
  { min: 3, max: 4, goldRate: 0 },
])('ProjectPool under random interleavings (min $min, max $max, gold rate $goldRate)', ({ min, max, goldRate }) => {
  test('no item ever holds more than the rule allows, counting leases; every item closes; a rebuild decides the same', () => {
    for (let seed = 1; seed <= 8; seed++) {
      const random = seeded(seed * 131 + min);
      const gold: Record<number, string> = {};
      for (let id = 1; id <= ITEMS; id += 4) gold[id] = 'A';
      const settings = adaptive(min, max, { goldRate });
      const pool = makePool(settings, { items: ITEMS, gold, random });
      const stored: Stored = new Map();
      const store = (l: Lease) => {
        const value = random() < 0.6 ? 'A' : 'B';
        stored.set(l.itemId, [...(stored.get(l.itemId) ?? []), { human: l.annotatorId, value }]);
        pool.commit(l, value);
      };
      let now = 0;
      let restarted = false;
      for (let step = 0; step < 4000 && pool.complete < ITEMS; step++) {
        now += Math.floor(random() * 4000);
        pool.expire(now);
        const live = [...pool.leases.values()];
        const r = random();
        if (r < 0.45) pool.claimHuman(1 + Math.floor(random() * HUMANS), now);
        else if (live.length > 0) {
          const l = live[Math.floor(random() * live.length)]!;
          if (r < 0.85) store(l);
          else pool.release(l);
        }
        const wrong = check(pool, stored, min, max);
        if (wrong.length > 0) throw new Error(`seed ${seed}, step ${step}: ${wrong.join('; ')}`);
        if (!restarted && pool.complete >= ITEMS / 2) restarted = sameAfterRestart(pool, settings, gold, stored);
      }
      expect(restarted).toBe(true);
      for (let h = 100; pool.complete < ITEMS && h < 100 + ITEMS * max; h++)
        for (let got = pool.claimHuman(h, now); got !== null && got !== 'limit'; got = pool.claimHuman(h, now)) store(got);
      expect(check(pool, stored, min, max)).toEqual([]);
      expect(pool.complete).toBe(ITEMS);
      const perItem: number[] = Array.from({ length: max + 1 }, () => 0);
      for (let id = 1; id <= ITEMS; id++) perItem[stored.get(id)?.length ?? 0]!++;
      while (perItem.length > 1 && perItem.at(-1) === 0) perItem.pop();
      expect([...pool.labelsPerItem]).toEqual(perItem);
    }
  });
});
