/**
 * ProjectPool's promise under load: however humans' claims, releases, submissions, heartbeats and lapses
 * interleave, no item is ever held or labelled by more than `redundancy` humans, no human gets an item twice,
 * and every item still reaches its redundancy in the end. Each run is a seeded random walk of many steps.
 */
import type { Lease, PoolSettings } from '../../../server/assignment/leases';
import type { ProjectPool } from '../../../server/assignment/pool';
import { redundancyBounds } from '../../../shared/redundancy';
import { LEASE_MS, makePool, poolSettings, seeded } from './pool-fixtures';

const ITEMS = 20;
const HUMANS = 16;
const WALKS = 12;
const MAX_STEPS = 3000;

function violations(pool: ProjectPool, redundancy: number, labels: Map<number, Set<number>>): string[] {
  const wrong: string[] = [];
  const used = new Map<number, number>();
  const takenBy = new Map<string, number>();
  const take = (item: number, human: number) => {
    used.set(item, (used.get(item) ?? 0) + 1);
    const key = `${item}|${human}`;
    takenBy.set(key, (takenBy.get(key) ?? 0) + 1);
  };
  for (const [item, humans] of labels) for (const h of humans) take(item, h);
  let humanLeases = 0;
  for (const l of pool.leases.values()) {
    if (l.kind !== 'human') continue;
    humanLeases++;
    take(l.itemId, l.annotatorId);
  }
  for (const [item, n] of used) if (n > redundancy) wrong.push(`item ${item} has ${n} labels and leases`);
  for (const [key, n] of takenBy) if (n > 1) wrong.push(`item|human ${key} taken ${n} times`);
  if (pool.leaseCount.human !== humanLeases) wrong.push(`leaseCount.human ${pool.leaseCount.human}, live ${humanLeases}`);
  let stored = 0;
  let complete = 0;
  for (const humans of labels.values()) {
    stored += humans.size;
    if (humans.size >= redundancy) complete++;
  }
  if (pool.labelCount.human !== stored) wrong.push(`labelCount.human ${pool.labelCount.human}, stored ${stored}`);
  if (pool.complete !== complete) wrong.push(`complete ${pool.complete}, counted ${complete}`);
  return wrong;
}

/** A label written to the database: by item, the humans who labelled it. */
function record(labels: Map<number, Set<number>>, l: Lease): void {
  let humans = labels.get(l.itemId);
  if (!humans) labels.set(l.itemId, (humans = new Set()));
  humans.add(l.annotatorId);
}

type Counts = Record<'claim' | 'land' | 'fail' | 'release' | 'lapse' | 'heartbeat', number>;

/** The pool is driven the way TasksService drives it; `labels` is what the database would hold. */
function walk(settings: PoolSettings, seed: number, counts: Counts): { pool: ProjectPool; labels: Map<number, Set<number>>; now: number } {
  const random = seeded(seed);
  const gold: Record<number, string> = {};
  for (let id = 1; id <= ITEMS; id += 3) gold[id] = 'A';
  const pool = makePool(settings, { items: ITEMS, gold, random });
  const labels = new Map<number, Set<number>>();
  const inFlight: Lease[] = [];
  const pick = <T>(xs: T[]): T | undefined => (xs.length > 0 ? xs[Math.floor(random() * xs.length)] : undefined);
  let now = 0;
  for (let step = 0; step < MAX_STEPS && pool.complete < ITEMS; step++) {
    now += Math.floor(random() * 4_000);
    pool.expire(now);
    const idle = [...pool.leases.values()].filter((l) => !l.submitting);
    const r = random();
    const l = r < 0.35 ? undefined : pick(idle);
    if (r < 0.35) {
      const got = pool.claimHuman(1 + Math.floor(random() * HUMANS), now);
      if (got !== null && got !== 'limit') counts.claim++;
    } else if (r < 0.67) {
      // A submission lands (the label is written, whatever the pool thinks) or fails, or another starts.
      const sent = pick(inFlight);
      if (sent && random() < 0.6) {
        inFlight.splice(inFlight.indexOf(sent), 1);
        record(labels, sent);
        pool.commit(sent, random() < 0.5 ? 'A' : 'B');
        counts.land++;
      } else if (sent && random() < 0.3) {
        inFlight.splice(inFlight.indexOf(sent), 1);
        pool.unsubmit(sent);
        counts.fail++;
      } else if (l) {
        l.submitting = true;
        inFlight.push(l);
      }
    } else if (r < 0.8) {
      if (l) {
        pool.release(l);
        counts.release++;
      }
    } else if (r < 0.92) {
      if (l && pool.heartbeat(l, now)) counts.heartbeat++;
    } else {
      // A quiet spell: whatever nobody kept alive lapses.
      now += LEASE_MS / 2;
      counts.lapse += pool.expire(now);
    }
    const wrong = violations(pool, redundancyBounds(settings.redundancy).max, labels);
    if (wrong.length > 0) throw new Error(`seed ${seed}, step ${step}: ${wrong.join('; ')}`);
  }
  for (const sent of inFlight) {
    record(labels, sent);
    pool.commit(sent, 'A');
  }
  return { pool, labels, now };
}

describe.each([
  { redundancy: 3, goldRate: 0, maxPerAnnotator: null, pairwise: false },
  { redundancy: 3, goldRate: 0.3, maxPerAnnotator: null, pairwise: true },
  { redundancy: 1, goldRate: 0, maxPerAnnotator: 3, pairwise: false },
  { redundancy: 5, goldRate: 0.5, maxPerAnnotator: 8, pairwise: true },
  { redundancy: 2, goldRate: 0.1, maxPerAnnotator: null, pairwise: false },
])('ProjectPool under random interleavings (redundancy $redundancy, gold rate $goldRate, cap $maxPerAnnotator)', (c) => {
  test('no item ever has more than its redundancy in labels and live leases, and every item reaches it', () => {
    const settings = poolSettings(c);
    const counts: Counts = { claim: 0, land: 0, fail: 0, release: 0, lapse: 0, heartbeat: 0 };
    for (let seed = 1; seed <= WALKS; seed++) {
      const { pool, labels, now } = walk(settings, seed * 7919 + c.redundancy, counts);
      // What is left lapses; then fresh humans finish the project.
      pool.expire(now + 10 * LEASE_MS);
      expect(pool.leases.size).toBe(0);
      for (let h = 1000; pool.complete < ITEMS && h < 1000 + ITEMS * c.redundancy; h++) {
        for (let got = pool.claimHuman(h, now); got !== null && got !== 'limit'; got = pool.claimHuman(h, now)) {
          record(labels, got);
          pool.commit(got, 'A');
        }
      }
      expect(violations(pool, c.redundancy, labels)).toEqual([]);
      expect(pool.complete).toBe(ITEMS);
    }
    // The walks took every kind of step, many times.
    for (const [kind, n] of Object.entries(counts)) expect([kind, n >= 50]).toEqual([kind, true]);
  });
});
