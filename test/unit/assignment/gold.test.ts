/** ProjectPool's gold items: mixed into a human's tasks at the project's gold rate, and scored as quality checks. */
import { humanDone, leaseOf, makePool, poolSettings, seeded } from './pool-fixtures';

/** 400 items of which every tenth (40) is gold; each of 40 humans claims and labels 50. */
function goldShare(goldRate: number): number {
  const gold: Record<number, string> = {};
  for (let id = 10; id <= 400; id += 10) gold[id] = 'A';
  const pool = makePool(poolSettings({ redundancy: 20, goldRate }), { items: 400, gold, random: seeded(7) });
  let served = 0;
  let golden = 0;
  for (let h = 1; h <= 40; h++) {
    for (let k = 0; k < 50; k++) {
      const l = leaseOf(pool.claimHuman(h, 0));
      served++;
      if (gold[l.itemId] !== undefined) golden++;
      pool.commit(l, 'A');
    }
  }
  return golden / served;
}

describe('ProjectPool: gold items', () => {
  test.each([0.05, 0.2, 0.35])('with a gold rate of %d, that share of the tasks served are gold', (rate) => {
    expect(Math.abs(goldShare(rate) - rate)).toBeLessThan(0.03);
  });

  test('with no gold rate, gold items are served like any other', () => {
    expect(Math.abs(goldShare(0) - 0.1)).toBeLessThan(0.03);
  });

  test('a human who has had every gold item is given regular ones, and the reverse', () => {
    const gold = { 1: 'A', 2: 'B', 3: 'A' };
    const always = makePool(poolSettings({ goldRate: 1 }), { items: 6, gold });
    const first = [1, 2, 3, 4, 5, 6].map(() => {
      const l = leaseOf(always.claimHuman(1, 0));
      always.commit(l, 'A');
      return l.itemId;
    });
    expect(first.slice(0, 3).sort()).toEqual([1, 2, 3]);
    expect(first.slice(3).sort()).toEqual([4, 5, 6]);

    const rare = makePool(poolSettings({ goldRate: 0.001 }), { items: 6, gold, done: [4, 5, 6].map((id) => humanDone(1, id)) });
    expect([1, 2, 3]).toContain(leaseOf(rare.claimHuman(1, 0)).itemId);
  });

  test('a human’s gold checks count their labels on gold items and how many matched', () => {
    const gold = { 1: 'A', 2: 'B', 3: 7 };
    const done = [humanDone(1, 1, 'A'), humanDone(1, 2, 'A'), humanDone(1, 4, 'A'), humanDone(2, 3, 7)];
    const pool = makePool(poolSettings({ goldRate: 1, redundancy: 5 }), { items: 5, gold, done });
    expect(pool.goldItems).toBe(3);
    expect(pool.goldChecks(1)).toEqual({ n: 2, correct: 1 });
    expect(pool.goldChecks(2)).toEqual({ n: 1, correct: 1 });
    expect(pool.goldChecks(3)).toBeNull();
    const l = leaseOf(pool.claimHuman(1, 0));
    expect(l.itemId).toBe(3);
    pool.commit(l, 7);
    expect(pool.goldChecks(1)).toEqual({ n: 3, correct: 2 });
    const regular = leaseOf(pool.claimHuman(1, 0));
    expect(regular.itemId).toBe(5);
    pool.commit(regular, 'B');
    expect(pool.goldChecks(1)).toEqual({ n: 3, correct: 2 });
  });

  test('gold items are marked as gold for the quality gate, whatever the gold rate', () => {
    const pool = makePool(poolSettings({ goldRate: 0 }), { items: 3, gold: { 2: 'A' } });
    expect(pool.items.get(2)?.gold).toBe(true);
    expect(pool.items.get(1)?.gold).toBe(false);
    expect(pool.goldItems).toBe(1);
  });
});
