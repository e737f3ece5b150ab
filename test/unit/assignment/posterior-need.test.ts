/**
 * Adaptive redundancy's `stop: "posterior"` in the pool (docs/decisions/0010-adaptive-redundancy.md, amendment):
 * `min` labels, then one lease at a time until the item's posterior under the model in force reaches the target,
 * never past `max`; a new snapshot closes and reopens items with `complete` and the buckets kept right, and never
 * takes back a lease that is out.
 */
import { PosteriorNeed, needOf } from '../../../server/assignment/human-need';
import type { PoolSettings } from '../../../server/assignment/leases';
import { PosteriorModel } from '../../../shared/stats/crowd/posterior';
import { humanDone, leaseOf, makePool, poolSettings, seeded, type DoneRow } from './pool-fixtures';

const rule = (min: number, max: number, posterior = 0.95): PoolSettings => poolSettings({ redundancy: { min, max, stop: 'posterior', posterior } });
const record = (done: DoneRow[]) => {
  const humanCounts: Record<number, number> = {};
  for (const d of done) humanCounts[d.item_id] = (humanCounts[d.item_id] ?? 0) + 1;
  return { humanCounts, done };
};
/** Majority's one-coin model over A, B, tie at accuracy a: two agreeing votes give a² / (a² + 2((1 − a)/2)²). */
const oneCoin = (a: number) => new PosteriorModel({ method: 'majority', classes: ['A', 'B', 'tie'], votes: 100, accuracy: a });

test('needOf makes the posterior rule from the setting', () => {
  const n = needOf({ min: 2, max: 5, stop: 'posterior', posterior: 0.9 });
  expect(n).toBeInstanceOf(PosteriorNeed);
  expect([(n as PosteriorNeed).target, n.lists, n.max]).toEqual([0.9, 5, 5]);
});

describe('ProjectPool with stop "posterior"', () => {
  test('before any fit the prior model decides: two agreeing labels (0.845) are not enough for 0.95, four (0.967) are', () => {
    const done = [humanDone(1, 1, 'A'), humanDone(2, 1, 'A')];
    const pool = makePool(rule(2, 5), { items: 1, ...record(done) });
    expect(pool.complete).toBe(0);
    const a = leaseOf(pool.claimHuman(3, 0));
    expect(pool.claimHuman(4, 0)).toBeNull(); // one lease at a time past min
    pool.commit(a, 'A');
    expect(pool.complete).toBe(0); // 0.927
    pool.commit(leaseOf(pool.claimHuman(4, 0)), 'A');
    expect(pool.complete).toBe(1);
    expect(pool.claimHuman(5, 0)).toBeNull();
  });

  test('a snapshot closes the items it is sure of and reopens them when a later one is not; a lease out stays out', () => {
    const done = [humanDone(1, 1, 'A'), humanDone(2, 1, 'A'), humanDone(1, 2, 'A'), humanDone(2, 2, 'A'), humanDone(1, 3, 'A'), humanDone(2, 3, 'B')];
    const pool = makePool(rule(2, 4), { items: 4, ...record(done), random: seeded(3) });
    expect(pool.complete).toBe(0); // AA is 0.845 under the prior
    pool.usePosterior(oneCoin(0.9)); // AA: 0.81 / 0.815 = 0.994 ≥ 0.95; AB: 0.5
    expect(pool.complete).toBe(2);
    expect(leaseOf(pool.claimHuman(3, 0)).itemId).toBe(3); // the open item at min, before the fresh item 4
    pool.usePosterior(oneCoin(0.7)); // AA: 0.49 / 0.535 = 0.916 < 0.95: items 1 and 2 reopen
    expect(pool.complete).toBe(0);
    const again = leaseOf(pool.claimHuman(4, 0));
    expect([1, 2]).toContain(again.itemId); // reopened, before the fresh item 4
    pool.usePosterior(oneCoin(0.9)); // sure again: both close, the lease on one of them is not taken back
    expect(pool.complete).toBe(2);
    expect(pool.leases.get(again.id)).toBe(again);
    pool.commit(again, 'B');
    // AAB at 0.9: A ∝ 0.81·0.05, B ∝ 0.9·0.0025, tie ∝ 0.05³: 0.945 < 0.95, so it reopens with 3 labels.
    expect(pool.complete).toBe(1);
    expect(pool.labelsPerItem).toEqual([1, 0, 2, 1]);
  });

  test('no snapshot takes an item past max, and a pool rebuilt from the record reads the same snapshot', () => {
    const done = [humanDone(1, 1, 'A'), humanDone(2, 1, 'B'), humanDone(3, 1, 'tie')];
    const settings = rule(2, 3);
    const pool = makePool(settings, { items: 1, ...record(done) });
    expect(pool.complete).toBe(1); // at max, however unsure
    pool.usePosterior(oneCoin(0.6));
    expect([pool.complete, pool.claimHuman(9, 0)]).toEqual([1, null]);
    const model = oneCoin(0.9);
    const two = makePool(settings, { items: 2, ...record([humanDone(1, 1, 'A'), humanDone(2, 1, 'A')]) });
    two.usePosterior(model);
    expect(two.complete).toBe(1);
    two.load(settings, [{ id: 1, gold: null }, { id: 2, gold: null }], [{ item_id: 1, n: 2 }], [humanDone(1, 1, 'A'), humanDone(2, 1, 'A')]);
    expect([two.posteriorModel, two.complete]).toEqual([model, 1]);
  });
});
