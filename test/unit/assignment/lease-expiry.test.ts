/** ProjectPool's leases in time: heartbeats, the cap on a human's lease life, and lapsing in expiry order. */
import { HUMAN_LEASE_LIFE, LeaseBook, type Lease } from '../../../server/assignment/leases';
import { LEASE_MS, leaseOf, makePool, poolSettings, seeded } from './pool-fixtures';

const JUDGE = { swap: false, samples: 1, maxLeases: 100 };

describe('ProjectPool: lease expiry', () => {
  test('leases lapse in the order they expire, heartbeats and stale heap entries included', () => {
    const random = seeded(42);
    const pool = makePool(poolSettings({ redundancy: 50 }), { items: 200, random });
    // The test's own account of when each lease should lapse.
    const expected = new Map<Lease, number>();
    let now = 0;
    for (let step = 0; step < 400; step++) {
      now += Math.floor(random() * 500);
      const live = [...expected.keys()];
      if (live.length > 0 && random() < 0.4) {
        const l = live[Math.floor(random() * live.length)]!;
        if (expected.get(l)! > now) {
          expect(pool.heartbeat(l, now)).toBe(true);
          expected.set(l, Math.max(expected.get(l)!, Math.min(now + LEASE_MS, l.issuedAt + HUMAN_LEASE_LIFE * LEASE_MS)));
        }
      } else {
        const l = pool.claimHuman(1 + Math.floor(random() * 60), now);
        if (l !== null && l !== 'limit') expected.set(l, now + LEASE_MS);
      }
      // Nothing lapses before its time, and what is due is gone.
      pool.expire(now);
      const wrong: string[] = [];
      for (const [l, at] of expected) {
        if (pool.leases.has(l.id) !== at > now) wrong.push(`at ${now}, the lease due at ${at} is ${pool.leases.has(l.id) ? 'live' : 'gone'}`);
        if (at <= now) expected.delete(l);
      }
      expect(wrong).toEqual([]);
    }
    expect(expected.size).toBeGreaterThan(10);
    const times = [...new Set(expected.values())].sort((a, b) => a - b);
    for (const t of times) {
      const due = [...expected].filter(([, at]) => at === t).map(([l]) => l);
      expect(pool.expire(t - 1)).toBe(0);
      expect(pool.expire(t)).toBe(due.length);
      for (const l of due) {
        expect(pool.leases.has(l.id)).toBe(false);
        expected.delete(l);
      }
      expect([...expected.keys()].filter((l) => !pool.leases.has(l.id))).toEqual([]);
    }
    expect(pool.leases.size).toBe(0);
    expect(pool.leaseCount.human).toBe(0);
  });

  test('a heartbeat pushes a lease’s expiry one lease length ahead', () => {
    const pool = makePool(poolSettings(), { items: 3 });
    const l = leaseOf(pool.claimHuman(1, 0));
    expect(pool.heartbeat(l, 50_000)).toBe(true);
    expect(l.expiresAt).toBe(50_000 + LEASE_MS);
    expect(pool.expire(LEASE_MS)).toBe(0);
    expect(pool.expire(50_000 + LEASE_MS - 1)).toBe(0);
    expect(pool.expire(50_000 + LEASE_MS)).toBe(1);
    expect(pool.leases.has(l.id)).toBe(false);
  });

  test(`heartbeats keep a human’s lease for at most ${HUMAN_LEASE_LIFE} lease lengths`, () => {
    const pool = makePool(poolSettings(), { items: 3 });
    const l = leaseOf(pool.claimHuman(1, 1_000));
    const cap = 1_000 + HUMAN_LEASE_LIFE * LEASE_MS;
    for (let t = 1_000; t < cap; t += LEASE_MS / 4) {
      expect(pool.heartbeat(l, t)).toBe(true);
      expect(l.expiresAt).toBeLessThanOrEqual(cap);
    }
    expect(l.expiresAt).toBe(cap);
    expect(pool.expire(cap - 1)).toBe(0);
    expect(pool.expire(cap)).toBe(1);
    expect(pool.heartbeat(l, cap)).toBe(false);
  });

  test('heartbeats keep a judge’s lease for as long as they come', () => {
    const pool = makePool(poolSettings(), { items: 3 });
    const l = leaseOf(pool.claimJudge(50, JUDGE, 0));
    const ms = 2 * LEASE_MS;
    for (let t = ms / 2; t <= 10 * ms; t += ms / 2) expect(pool.heartbeat(l, t)).toBe(true);
    expect(l.expiresAt).toBe(11 * ms);
    expect(pool.expire(11 * ms - 1)).toBe(0);
    expect(pool.expire(11 * ms)).toBe(1);
  });

  test('a heartbeat on a lease that lapsed, was released or was committed fails', () => {
    const pool = makePool(poolSettings(), { items: 5 });
    const lapsed = leaseOf(pool.claimHuman(1, 0));
    expect(pool.heartbeat(lapsed, LEASE_MS)).toBe(false);
    const released = leaseOf(pool.claimHuman(2, 0));
    pool.release(released);
    expect(pool.heartbeat(released, 1)).toBe(false);
    const committed = leaseOf(pool.claimHuman(3, 0));
    pool.commit(committed, 'x');
    expect(pool.heartbeat(committed, 1)).toBe(false);
  });

  test('a lease being submitted does not lapse; if its submission fails it lapses at its time', () => {
    const pool = makePool(poolSettings({ redundancy: 1 }), { items: 1 });
    const l = leaseOf(pool.claimHuman(1, 0));
    l.submitting = true;
    expect(pool.expire(5 * LEASE_MS)).toBe(0);
    expect(pool.leases.get(l.id)).toBe(l);
    expect(pool.claimHuman(2, 5 * LEASE_MS)).toBeNull();
    pool.unsubmit(l);
    expect(l.submitting).toBe(false);
    expect(pool.expire(5 * LEASE_MS)).toBe(1);
    expect(leaseOf(pool.claimHuman(2, 5 * LEASE_MS)).itemId).toBe(1);
  });

  test('an expired lease frees its item for the next claim without a separate sweep', () => {
    const pool = makePool(poolSettings({ redundancy: 1 }), { items: 1 });
    leaseOf(pool.claimHuman(1, 0));
    expect(pool.claimHuman(2, LEASE_MS - 1)).toBeNull();
    expect(leaseOf(pool.claimHuman(2, LEASE_MS)).itemId).toBe(1);
  });

  test('committed leases do not pile up in the expiry heap, and the live ones still lapse at their times', () => {
    // 10-minute human leases at 1,000 labels a second: every committed lease's expiry used to stay queued until it came due.
    const book = new LeaseBook({ human: 600_000, llm: 120_000 });
    const kept: Lease[] = [];
    for (let i = 0; i < 100_000; i++) {
      const l = book.issue(1 + (i % 1000), 'human', i, 'AB', null, 0, 'h', i);
      if (i % 10_000 === 0) kept.push(l);
      else book.drop(l);
      // A heartbeat queues a second entry for the same lease: those are stale too once it is gone.
      if (i % 7 === 0 && book.isLive(l)) book.heartbeat(l, i + 1);
    }
    expect(book.live.size).toBe(10);
    expect(book.queued).toBeLessThanOrEqual(10 + 5 + 256);
    // One being submitted is not lapsed, and is queued again when its submission fails.
    kept[3]!.submitting = true;
    const lapsed: Lease[] = [];
    for (let l = book.nextLapsed(10_000_000); l; l = book.nextLapsed(10_000_000)) {
      lapsed.push(l);
      book.drop(l);
    }
    expect(lapsed).toEqual(kept.filter((_, k) => k !== 3).sort((a, b) => a.expiresAt - b.expiresAt));
    book.unsubmit(kept[3]!);
    expect(book.nextLapsed(10_000_000)).toBe(kept[3]);
  });
});
