/** The pool's item table (slots.ts): rows by id whatever order ids come in, growth, and the bit sets of done rows. */
import { RowSet, Slots } from '../../../server/assignment/slots';
import { ProjectPool } from '../../../server/assignment/pool';
import { leaseOf, poolSettings, seeded } from './pool-fixtures';

describe('Slots', () => {
  test('finds rows by id past its first growth, ascending ids or not', () => {
    const up = new Slots();
    for (let i = 0; i < 3000; i++) up.add(10 + 3 * i, null, false, 0);
    expect([up.rowOf(10), up.rowOf(13), up.rowOf(10 + 3 * 2999), up.rowOf(11), up.rowOf(9), up.rowOf(1e9)]).toEqual([0, 1, 2999, -1, -1, -1]);
    for (let i = 2999; i >= 0; i -= 7) expect(up.rowOf(10 + 3 * i)).toBe(i);
    const mixed = new Slots();
    [5, 9, 2, 7].forEach((id) => mixed.add(id, null, false, 0));
    expect([mixed.rowOf(5), mixed.rowOf(9), mixed.rowOf(2), mixed.rowOf(7), mixed.rowOf(3)]).toEqual([0, 1, 2, 3, -1]);
  });

  test('a view reads and writes its row; gold and agreement keys are kept per row', () => {
    const t = new Slots();
    t.add(1, null, true, 0);
    t.add(2, 'A', true, 0);
    const v = t.view(1);
    expect([v.id, v.gold, v.goldPool, v.goldKey, v.agree, v.first, v.bucket]).toEqual([2, true, true, 'A', true, null, -1]);
    v.first = 'B';
    v.agree = false;
    v.labels = 4;
    expect([t.view(1).first, t.view(1).agree, t.labels[1], t.view(0).first, t.view(0).agree, t.view(0).gold]).toEqual(['B', false, 4, null, true, false]);
  });
});

test('RowSet holds rows as bits and merges', () => {
  const a = new RowSet();
  const b = new RowSet();
  a.add(0);
  a.add(31);
  b.add(5000);
  expect([a.has(0), a.has(31), a.has(32), a.has(5000)]).toEqual([true, true, false, false]);
  a.addAll(b);
  expect([a.has(5000), a.has(0), b.has(0)]).toEqual([true, true, false]);
});

test('a pool whose items come in no id order still serves each once per human', () => {
  const settings = poolSettings({ redundancy: 1 });
  const pool = new ProjectPool(settings, seeded(3));
  pool.load(settings, [30, 10, 20].map((id) => ({ id, gold: null })), null, [{ annotator_id: 1, item_id: 20, slot: '', kind: 'human', value: 'x' }]);
  expect([pool.items.get(10)?.labels, pool.items.get(20)?.labels, pool.items.has(15)]).toEqual([0, 1, false]);
  const got = [leaseOf(pool.claimHuman(2, 0)), leaseOf(pool.claimHuman(2, 0))].map((l) => l.itemId).sort();
  expect(got).toEqual([10, 30]);
  expect(pool.claimHuman(3, 0)).toBeNull();
});
