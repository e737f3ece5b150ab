/**
 * ProjectPool on a ranking project: every lease (a human's claim, a judge's sample) shows the answers in an order of
 * its own, drawn from the pool's random source; judges' samples are slotted `-#<sample>` with no swap; a ranking's
 * gold check matches on gold's top group.
 */
import type { Lease } from '../../../server/assignment/leases';
import { rankingText } from '../../../shared/ranking';
import { humanDone, leaseOf, makePool, poolSettings, seeded } from './pool-fixtures';

const plan = { swap: true, samples: 6, maxLeases: 100 };

const isPermutation = (p: number[] | null, n: number) => p !== null && [...p].sort((a, b) => a - b).join() === [...Array(n).keys()].join();

describe('ProjectPool: ranking leases', () => {
  test('each human claim carries a permutation of the item’s answers, drawn independently', () => {
    const pool = makePool(poolSettings({ redundancy: 40 }), { items: 1, answers: 4, random: seeded(3) });
    const seen = new Set<string>();
    for (let h = 1; h <= 40; h++) {
      const l = leaseOf(pool.claimHuman(h, 0));
      expect(l.order).toBeNull();
      expect(isPermutation(l.permutation, 4)).toBe(true);
      seen.add(l.permutation!.join());
    }
    // 40 draws of 24 orders: a fixed order would give 1, and uniform draws leave about 24·(1 − (23/24)^40) ≈ 19 seen.
    expect(seen.size).toBeGreaterThan(12);
  });

  test('the answer shown first is each answer about equally often (the shuffle is uniform)', () => {
    const n = 3;
    const pool = makePool(poolSettings({ redundancy: 3000 }), { items: 1, answers: n, random: seeded(11) });
    const first = [0, 0, 0];
    for (let h = 1; h <= 3000; h++) {
      const shownFirst = leaseOf(pool.claimHuman(h, 0)).permutation![0]!;
      first[shownFirst] = first[shownFirst]! + 1;
    }
    // Each count is Binomial(3000, 1/3): sd ≈ 25.8, so 1000 ± 100 is about 4 sd.
    for (const c of first) expect(Math.abs(c - 1000)).toBeLessThan(100);
  });

  test('items of other projects carry no permutation', () => {
    const pool = makePool(poolSettings({ pairwise: true }), { items: 2 });
    const l = leaseOf(pool.claimHuman(1, 0));
    expect(l.permutation).toBeNull();
    expect(l.order === 'AB' || l.order === 'BA').toBe(true);
  });

  test('a judge’s samples each get their own order and their own slot, and swap adds no orders', () => {
    const pool = makePool(poolSettings(), { items: 2, answers: 5, random: seeded(5) });
    const got: Lease[] = [];
    for (let l = pool.claimJudge(70, plan, 0); l !== null; l = pool.claimJudge(70, plan, 0)) {
      if (l === 'limit') throw new Error('no limit expected');
      got.push(l);
      pool.commit(l, rankingText([[0], [1], [2], [3], [4]]));
    }
    expect(got.map((l) => `${l.itemId}:${l.slot}`)).toEqual([1, 2].flatMap((id) => [0, 1, 2, 3, 4, 5].map((s) => `${id}:-#${s}`)));
    for (const l of got) {
      expect(l.order).toBeNull();
      expect(isPermutation(l.permutation, 5)).toBe(true);
    }
    // Six samples of one item: 120 orders, so six independent draws are almost surely not all alike.
    expect(new Set(got.filter((l) => l.itemId === 1).map((l) => l.permutation!.join())).size).toBeGreaterThan(1);
    expect(pool.judgeProgress(70, plan)).toEqual({ done: 12, target: 12 });
  });

  test('a judge’s released sample comes back with a fresh order', () => {
    const pool = makePool(poolSettings(), { items: 1, answers: 6, random: seeded(9) });
    const p1 = { swap: false, samples: 1, maxLeases: 4 };
    const a = leaseOf(pool.claimJudge(70, p1, 0));
    pool.release(a);
    const b = leaseOf(pool.claimJudge(70, p1, 0));
    expect(b.slot).toBe(a.slot);
    expect(b.permutation).not.toEqual(a.permutation);
  });
});

describe('ProjectPool: ranking gold checks', () => {
  const gold = { 1: '[[2],[0,1]]', 2: '[[0,1],[2]]' };

  test('a label matches gold when its best answers are gold’s best, whatever the rest of its order', () => {
    const done = [
      humanDone(1, 1, '[[2],[0],[1]]'), // top 2 = gold's top: correct
      humanDone(1, 2, '[[0,1],[2]]'), // the same tie at the top: correct
      humanDone(2, 1, '[[0],[2],[1]]'), // top 0: wrong
      humanDone(2, 2, '[[0],[1],[2]]'), // top 0 alone, gold ties 0 and 1: wrong
      humanDone(3, 1, '[[1,2],[0]]'), // 2 tied with 1 at the top: wrong
      humanDone(3, 2, 'not a ranking'), // unreadable: wrong, counted
    ];
    const pool = makePool(poolSettings({ goldRate: 0.5 }), { items: 3, answers: 3, gold, done });
    expect(pool.goldChecks(1)).toEqual({ n: 2, correct: 2 });
    expect(pool.goldChecks(2)).toEqual({ n: 2, correct: 0 });
    expect(pool.goldChecks(3)).toEqual({ n: 2, correct: 0 });
  });

  test('a committed label is scored the same way, from its stored text', () => {
    const pool = makePool(poolSettings({ goldRate: 1 }), { items: 2, answers: 3, gold, done: [humanDone(1, 2, '[[2],[0,1]]')] });
    const l = leaseOf(pool.claimHuman(1, 0));
    expect(l.itemId).toBe(1);
    pool.commit(l, rankingText([[2], [1], [0]]));
    expect(pool.goldChecks(1)).toEqual({ n: 2, correct: 1 });
  });
});
