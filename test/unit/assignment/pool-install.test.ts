/**
 * A read of the record installed into a live pool (pool.ts `install`, issue 14): labels the live pool committed while
 * the record was read are added once, whether the read saw them or not; leases and lapses stay; the result is the
 * pool a fresh load of the same record gives.
 */
import { ProjectPool } from '../../../server/assignment/pool';
import type { PoolSettings } from '../../../server/assignment/leases';
import { claimCheck, relaxes } from '../../../server/tasks/pool-settings';
import { humanDone, itemRows, leaseOf, poolSettings, seeded, type DoneRow } from './pool-fixtures';

const settings = poolSettings({ redundancy: 2, pairwise: true });
const plan = { swap: true, samples: 1, maxLeases: 4 };
const judgeDone = (annotatorId: number, itemId: number, slot: string): DoneRow => ({ annotator_id: annotatorId, item_id: itemId, slot, kind: 'llm', value: 'A' });

/** `filed`: as a read on a thread does, the items are routed and filed before the install (a slice at a time). */
function rebuilt(pool: ProjectPool, record: DoneRow[], filed: boolean, items = 4, with_ = settings): void {
  const b = pool.build(with_);
  b.items(itemRows({ items }));
  for (const d of record) d.kind === 'human' ? b.human(d.annotator_id, d.item_id, d.value) : b.judge(d.annotator_id, d.item_id, d.slot, d.value, null);
  if (filed) while (!b.indexSome(1));
  pool.install(b);
}

/** What the pool hands out from here: each human's items until none is left, the judge's tasks. */
function drain(pool: ProjectPool): string[] {
  pool.recertify(true);
  const out: string[] = [];
  for (const h of [1, 2, 3])
    for (let l = pool.claimHuman(h, 0); l && l !== 'limit'; l = pool.claimHuman(h, 0)) (out.push(`${h}:${l.itemId}`), pool.commit(l, 'A'));
  for (let l = pool.claimJudge(9, plan, 0); l && l !== 'limit'; l = pool.claimJudge(9, plan, 0)) (out.push(`9:${l.itemId}:${l.slot}`), pool.commit(l, 'A'));
  return out.sort();
}

test.each([false, true])('labels committed during a read are counted once, read or not; the pool installed is a fresh load of the record (items filed ahead: %s)', (filed) => {
  const record = [humanDone(1, 1, 'A'), humanDone(2, 1, 'B'), judgeDone(9, 1, 'AB#0')];
  const pool = new ProjectPool(settings, seeded(2));
  pool.load(settings, itemRows({ items: 4 }), null, record);
  const a = leaseOf(pool.claimHuman(1, 0));
  const b = leaseOf(pool.claimHuman(2, 0));
  const j = leaseOf(pool.claimJudge(9, plan, 0));
  const kept = leaseOf(pool.claimHuman(3, 0));
  pool.keepCommits();
  pool.commit(a, 'A'); // committed before the read's snapshot: the read sees it too
  pool.commit(b, 'B'); // after it: only the pool has it
  pool.commit(j, 'A');
  const after = [...record, humanDone(1, a.itemId, 'A'), judgeDone(9, j.itemId, j.slot)];
  rebuilt(pool, after, filed);
  expect(pool.labelCount).toEqual({ human: 4, llm: 2 });
  expect(pool.leases.get(kept.id)).toBe(kept); // still out, still holding its place
  pool.release(kept);

  const all = [...after, humanDone(2, b.itemId, 'B')];
  const fresh = new ProjectPool(settings, seeded(2));
  fresh.load(settings, itemRows({ items: 4 }), null, all);
  expect([pool.labelsPerItem, pool.complete]).toEqual([fresh.labelsPerItem, fresh.complete]);
  expect(drain(pool)).toEqual(drain(fresh));
});

test('a settings change relaxes a pool only when the new state allows all the old one hands out', () => {
  const base = poolSettings({ redundancy: 2, maxPerAnnotator: 10 });
  const plan = { projectId: 1, pairwise: false, routing: { mode: 'escalate' }, judges: [], minItems: 1 } as unknown as PoolSettings['routing'];
  expect(relaxes(base, { ...base, redundancy: 3, goldRate: 0.2, leaseMs: { human: 1, llm: 1 } })).toBe(true);
  expect(relaxes(base, { ...base, maxPerAnnotator: null })).toBe(true);
  expect(relaxes(base, { ...base, maxPerAnnotator: 11 })).toBe(true);
  expect(relaxes(base, { ...base, redundancy: 1 })).toBe(false);
  expect(relaxes(base, { ...base, maxPerAnnotator: 9 })).toBe(false);
  expect(relaxes({ ...base, maxPerAnnotator: null }, base)).toBe(false);
  expect(relaxes(base, { ...base, redundancy: { min: 2, max: 4, stop: 'unanimous' } })).toBe(false);
  expect(relaxes(base, { ...base, routing: plan })).toBe(false);
});

const routing = { mode: 'escalate' as const, judges: [9], target: 0.9, delta: 0.1, calibration: 0.3 };
const routed: PoolSettings = { ...settings, routing: { projectId: 1, pairwise: true, routing, judges: [{ id: 9, swap: true, samples: 1 }], minItems: 1 } };

test.each([false, true])('under escalation too, the pool installed is a fresh load of the record (items routed and filed ahead: %s)', (filed) => {
  const load = (done: DoneRow[]) => {
    const p = new ProjectPool(routed, seeded(4));
    p.load(routed, itemRows({ items: 20 }), null, done);
    return p;
  };
  const record: DoneRow[] = [];
  for (let id = 1; id <= 20; id += 3) record.push({ ...judgeDone(9, id, 'AB#0'), certainty: 95 }, { ...judgeDone(9, id, 'BA#0'), certainty: 95 });
  const pool = load(record);
  const h = leaseOf(pool.claimHuman(1, 0));
  const kept = leaseOf(pool.claimHuman(2, 0));
  const j = leaseOf(pool.claimJudge(9, plan, 0));
  pool.keepCommits();
  pool.commit(h, 'A');
  pool.commit(j, 'A', 95);
  const after = [...record, humanDone(1, h.itemId, 'A'), { ...judgeDone(9, j.itemId, j.slot), certainty: 95 }];
  rebuilt(pool, after.slice(0, -1), filed, 20, routed); // the judge's label came after the read's snapshot
  expect(pool.leases.get(kept.id)).toBe(kept);
  expect(pool.items.get(kept.itemId)!.route).toBe(0);
  pool.release(kept);
  const fresh = load(after);
  expect([pool.labelCount, pool.labelsPerItem, pool.complete]).toEqual([fresh.labelCount, fresh.labelsPerItem, fresh.complete]);
  expect(pool.router!.state(String)).toEqual(fresh.router!.state(String));
  expect(drain(pool)).toEqual(drain(fresh));
});

test('escalation turned on under live human leases: their items stay the humans\', routed and filed ahead or not', () => {
  const states = [false, true].map((filed) => {
    const pool = new ProjectPool(settings, seeded(6));
    pool.load(settings, itemRows({ items: 20 }), null, []);
    const held = [1, 2, 3, 4, 5, 6].map((h) => leaseOf(pool.claimHuman(h, 0)));
    rebuilt(pool, [], filed, 20, routed);
    const routes = held.map((l) => pool.items.get(l.itemId)!.route);
    for (const l of held) pool.release(l);
    return { routes, state: pool.router!.state(String), perItem: pool.labelsPerItem, drained: drain(pool) };
  });
  expect(states[0]!.routes).toEqual([0, 0, 0, 0, 0, 0]);
  expect(states[1]).toEqual(states[0]);
  expect(states[0]!.state.items.humans).toBeGreaterThan(6);
});

test('a claim is checked against the new settings by the live pool\'s counts: redundancy, cap; none for a rule that reads votes', () => {
  const old = poolSettings({ redundancy: 3 });
  const pool = new ProjectPool(old, seeded(8));
  pool.load(old, itemRows({ items: 2 }), null, [humanDone(1, 1), humanDone(2, 1), humanDone(3, 2)]);
  const lease = (annotatorId: number) => leaseOf(pool.claimHuman(annotatorId, 0));
  const two = claimCheck(old, { ...old, redundancy: 2 })!;
  const l4 = lease(4); // item 2 first (one label): within 2
  expect([l4.itemId, two(pool, l4)]).toEqual([2, true]);
  const l5 = lease(5); // item 1 (two labels) or item 2 (one label and ann's lease): both at 3 now
  expect(two(pool, l5)).toBe(false);
  const capped = claimCheck(old, { ...old, maxPerAnnotator: 1 })!;
  expect([capped(pool, l4), capped(pool, leaseOf(pool.claimHuman(3, 0)))]).toEqual([true, false]);
  expect(claimCheck(old, { ...old, redundancy: 4 })!(pool, l5)).toBe(true);
  expect(claimCheck(old, { ...old, redundancy: { min: 2, max: 3, stop: 'unanimous' } })).toBeNull();
  expect(claimCheck(old, routed)).toBeNull();
});
