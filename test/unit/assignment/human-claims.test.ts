/** ProjectPool's human half: what a human is given, what they give back, and the caps that stop hogging. */
import { HUMAN_MAX_LEASES, LAPSES_BEFORE_FIRST_LABEL } from '../../../server/assignment/human-pool';
import type { Lease } from '../../../server/assignment/leases';
import { LEASE_MS, humanDone, leaseOf, makePool, poolSettings } from './pool-fixtures';

describe('ProjectPool: a human claiming tasks', () => {
  test('a human is given the one item they have not labelled', () => {
    const done = [1, 2, 3, 4, 5, 6, 7, 8, 9].map((id) => humanDone(7, id));
    const pool = makePool(poolSettings(), { items: 10, done });
    const lease = leaseOf(pool.claimHuman(7, 0));
    expect(lease).toMatchObject({ itemId: 10, annotatorId: 7, kind: 'human', slot: '', order: null, sample: 0 });
    expect(lease.expiresAt).toBe(LEASE_MS);
    expect(pool.leases.get(lease.id)).toBe(lease);
  });

  test('a human is never given the same item twice, held or labelled, and gets null when none is left', () => {
    const pool = makePool(poolSettings({ redundancy: 2 }), { items: 20 });
    const seen: number[] = [];
    for (let round = 0; round < 20; round++) {
      const held: Lease[] = [];
      for (let k = 0; k < 2; k++) {
        const l = pool.claimHuman(1, round);
        if (l !== null && l !== 'limit') held.push(l);
      }
      for (const l of held) {
        seen.push(l.itemId);
        pool.commit(l, 'x');
      }
    }
    expect(seen).toHaveLength(20);
    expect(new Set(seen).size).toBe(20);
    expect(pool.claimHuman(1, 100)).toBeNull();
    expect(pool.hasWorkFor(1, 100)).toBe(false);
    expect(pool.humanProgress(1)).toEqual({ done: 20, target: null });
  });

  test('the items with the fewest labels go first', () => {
    const pool = makePool(poolSettings({ redundancy: 3 }), { items: 5, humanCounts: { 1: 2, 2: 1, 3: 2, 4: 0, 5: 2 } });
    expect(leaseOf(pool.claimHuman(1, 0)).itemId).toBe(4);
    // Items 2 and 4 now both count one; item 4 is already this human's.
    expect(leaseOf(pool.claimHuman(1, 0)).itemId).toBe(2);
    expect([1, 3, 5]).toContain(leaseOf(pool.claimHuman(1, 0)).itemId);
  });

  test('an item that has its redundancy in labels is not served', () => {
    const pool = makePool(poolSettings({ redundancy: 2 }), { items: 3, humanCounts: { 1: 2, 2: 2 } });
    expect(pool.complete).toBe(2);
    expect(leaseOf(pool.claimHuman(1, 0)).itemId).toBe(3);
    expect(pool.claimHuman(1, 0)).toBeNull();
    expect(pool.claimHuman(2, 0)).not.toBeNull();
    expect(pool.claimHuman(3, 0)).toBeNull();
  });

  test('a pairwise task is shown in either order', () => {
    const pool = makePool(poolSettings({ pairwise: true, redundancy: 40 }), { items: 1 });
    const orders = new Set<string | null>();
    for (let a = 1; a <= 40; a++) orders.add(leaseOf(pool.claimHuman(a, 0)).order);
    expect([...orders].sort()).toEqual(['AB', 'BA']);
  });

  test('an annotator’s leases are listed oldest first', () => {
    const pool = makePool(poolSettings(), { items: 5 });
    const issued = [0, 10, 20].map((t) => leaseOf(pool.claimHuman(1, t)));
    expect(pool.leasesOf(1)).toEqual(issued);
    expect(pool.holds(1)).toBe(true);
    expect(pool.holds(2)).toBe(false);
    expect(pool.leasesOf(2)).toEqual([]);
  });

  test('a rebuild from the record (an import, a settings change) keeps live leases holding their items', () => {
    const settings = poolSettings({ redundancy: 1 });
    const pool = makePool(settings, { items: 2 });
    const held = leaseOf(pool.claimHuman(1, 0));
    pool.load(settings, [{ id: 1, gold: null }, { id: 2, gold: null }], [], []);
    expect(pool.leases.get(held.id)).toBe(held);
    expect(leaseOf(pool.claimHuman(2, 0)).itemId).not.toBe(held.itemId);
    expect(pool.claimHuman(3, 0)).toBeNull();
    pool.load(poolSettings({ redundancy: 2 }), [{ id: 1, gold: null }, { id: 2, gold: null }], [], []);
    expect(pool.claimHuman(3, 0)).not.toBeNull();
  });
});

describe('ProjectPool: releasing and committing', () => {
  test('a released lease goes back to the pool, for others and for the same human', () => {
    const pool = makePool(poolSettings({ redundancy: 1 }), { items: 1 });
    const a = leaseOf(pool.claimHuman(1, 0));
    expect(pool.claimHuman(2, 0)).toBeNull();
    expect(pool.heldByOthers(2)).toBe(true);
    expect(pool.hasWorkFor(2, 0)).toBe(false);
    pool.release(a);
    expect(pool.leases.has(a.id)).toBe(false);
    expect(pool.leaseCount.human).toBe(0);
    expect(pool.heldByOthers(2)).toBe(false);
    const b = leaseOf(pool.claimHuman(2, 1));
    expect(b.itemId).toBe(1);
    pool.release(b);
    expect(leaseOf(pool.claimHuman(1, 2)).itemId).toBe(1);
  });

  test('a committed lease keeps its place as a label', () => {
    const pool = makePool(poolSettings({ redundancy: 1 }), { items: 1 });
    const a = leaseOf(pool.claimHuman(1, 0));
    expect(pool.leaseCount.human).toBe(1);
    pool.commit(a, 'x');
    expect(pool.leaseCount.human).toBe(0);
    expect(pool.labelCount.human).toBe(1);
    expect(pool.complete).toBe(1);
    expect(pool.labelsOf(1)).toBe(1);
    expect(pool.claimHuman(2, 0)).toBeNull();
    expect(pool.heldByOthers(2)).toBe(false);
  });

  test('releasing or committing a lease that is already gone changes nothing', () => {
    const pool = makePool(poolSettings({ redundancy: 2 }), { items: 1 });
    const a = leaseOf(pool.claimHuman(1, 0));
    pool.commit(a, 'x');
    pool.release(a);
    pool.commit(a, 'x');
    expect(pool.labelCount.human).toBe(1);
    expect(pool.leaseCount.human).toBe(0);
    leaseOf(pool.claimHuman(2, 0));
    expect(pool.claimHuman(3, 0)).toBeNull();
  });
});

describe('ProjectPool: caps on what one human holds', () => {
  test(`a human holds at most ${HUMAN_MAX_LEASES} tasks at once`, () => {
    const pool = makePool(poolSettings(), { items: 10 });
    const held = Array.from({ length: HUMAN_MAX_LEASES }, () => leaseOf(pool.claimHuman(1, 0)));
    expect(pool.claimHuman(1, 0)).toBe('limit');
    pool.commit(held[0]!, 'x');
    expect(pool.claimHuman(1, 0)).not.toBe('limit');
    expect(pool.claimHuman(1, 0)).toBe('limit');
  });

  test('a human stops at the per-annotator cap, counting the tasks they hold', () => {
    const pool = makePool(poolSettings({ maxPerAnnotator: 2 }), { items: 10 });
    const held = [leaseOf(pool.claimHuman(1, 0)), leaseOf(pool.claimHuman(1, 0))];
    expect(pool.claimHuman(1, 0)).toBeNull();
    expect(pool.hasWorkFor(1, 0)).toBe(true);
    for (const l of held) pool.commit(l, 'x');
    expect(pool.claimHuman(1, 0)).toBeNull();
    expect(pool.hasWorkFor(1, 0)).toBe(false);
    expect(pool.heldByOthers(1)).toBe(false);
    expect(pool.humanProgress(1)).toEqual({ done: 2, target: 2 });
  });
});

describe('ProjectPool: lapsed leases', () => {
  test('a lapsed item goes to others, never back to the human who let it lapse', () => {
    const pool = makePool(poolSettings({ redundancy: 3 }), { items: 3, done: [humanDone(1, 3)] });
    const lapsing = leaseOf(pool.claimHuman(1, 0));
    expect(pool.expire(LEASE_MS)).toBe(1);
    const other = leaseOf(pool.claimHuman(1, LEASE_MS));
    expect(other.itemId).not.toBe(lapsing.itemId);
    expect(pool.claimHuman(1, LEASE_MS)).toBeNull();
    expect(leaseOf(pool.claimHuman(2, LEASE_MS)).itemId).toBe(lapsing.itemId);
  });

  test(`a human who has never labelled gets nothing more after ${LAPSES_BEFORE_FIRST_LABEL} lapses`, () => {
    const pool = makePool(poolSettings(), { items: 10 });
    let now = 0;
    for (let k = 0; k < LAPSES_BEFORE_FIRST_LABEL; k++) {
      expect(pool.hasWorkFor(1, now)).toBe(true);
      leaseOf(pool.claimHuman(1, now));
      now += LEASE_MS;
      expect(pool.expire(now)).toBe(1);
    }
    expect(pool.claimHuman(1, now)).toBeNull();
    expect(pool.hasWorkFor(1, now)).toBe(false);
    expect(leaseOf(pool.claimHuman(2, now))).toBeTruthy();
  });

  test('a human with a label keeps getting work after lapses', () => {
    const pool = makePool(poolSettings(), { items: 10, done: [humanDone(1, 10)] });
    let now = 0;
    for (let k = 0; k < LAPSES_BEFORE_FIRST_LABEL + 2; k++) {
      leaseOf(pool.claimHuman(1, now));
      now += LEASE_MS;
      expect(pool.expire(now)).toBe(1);
    }
    expect(pool.claimHuman(1, now)).not.toBeNull();
  });

  test('a release is not a lapse: the human keeps getting work, the same item included', () => {
    const pool = makePool(poolSettings(), { items: 1 });
    for (let k = 0; k < LAPSES_BEFORE_FIRST_LABEL + 2; k++) {
      const l = leaseOf(pool.claimHuman(1, k));
      expect(l.itemId).toBe(1);
      pool.release(l);
    }
  });
});

describe('ProjectPool: crowd workers under a provisional id', () => {
  test('at their first label a worker’s leases, labels and lapses move to their annotator id', () => {
    const pool = makePool(poolSettings({ redundancy: 3 }), { items: 4, done: [humanDone(9, 4)] });
    const lapsed = leaseOf(pool.claimHuman(-5, 0));
    pool.expire(LEASE_MS);
    const held = leaseOf(pool.claimHuman(-5, LEASE_MS));
    pool.rekeyHuman(-5, 9);
    expect(held.annotatorId).toBe(9);
    expect(pool.holds(-5)).toBe(false);
    expect(pool.leasesOf(9)).toEqual([held]);
    pool.commit(held, 'x');
    expect(pool.labelsOf(9)).toBe(2);
    // Annotator 9 labelled item 4 before, held.itemId now, and let lapsed.itemId lapse as -5: one item is left.
    const left = [1, 2, 3].filter((id) => id !== held.itemId && id !== lapsed.itemId);
    expect(leaseOf(pool.claimHuman(9, LEASE_MS)).itemId).toBe(left[0]);
    expect(pool.claimHuman(9, LEASE_MS)).toBeNull();
  });

  test('a worker is forgotten only when they hold nothing', () => {
    const pool = makePool(poolSettings(), { items: 10 });
    const l = leaseOf(pool.claimHuman(-5, 0));
    pool.forgetHuman(-5);
    expect(pool.leasesOf(-5)).toEqual([l]);
    pool.release(l);
    for (let k = 0; k < LAPSES_BEFORE_FIRST_LABEL; k++) {
      leaseOf(pool.claimHuman(-5, k * LEASE_MS));
      pool.expire((k + 1) * LEASE_MS);
    }
    expect(pool.claimHuman(-5, 10 * LEASE_MS)).toBeNull();
    pool.forgetHuman(-5);
    // A forgotten id starts afresh (the crowd never reuses one: server/auth/crowd.ts).
    expect(pool.claimHuman(-5, 10 * LEASE_MS)).not.toBeNull();
  });
});
