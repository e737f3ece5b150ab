/**
 * Escalation's router (issue 13 part 2, server/assignment/router.ts) driven through the assignment pool, with no
 * server: which items the humans and each cascade judge are given, when a verdict is accepted or passed on, how a
 * moving threshold re-decides items, and that a pool rebuilt from the record decides the same.
 */
import type { Lease, PoolSettings } from '../../../server/assignment/leases';
import type { ProjectPool } from '../../../server/assignment/pool';
import type { RoutingPlan } from '../../../server/assignment/routed-need';
import type { JudgePlan } from '../../../server/assignment/judge-pool';
import { inCalibration } from '../../../shared/routing';
import { leaseOf, makePool, poolSettings, seeded, type DoneRow } from './pool-fixtures';

const PROJECT = 7;
const J1 = 1001;
const J2 = 1002;
const ITEMS = 200;
const SHARE = 0.25;
const plan: JudgePlan = { swap: false, samples: 1, maxLeases: 1000 };
const calib = Array.from({ length: ITEMS }, (_, i) => i + 1).filter((id) => inCalibration(PROJECT, id, SHARE));
const others = Array.from({ length: ITEMS }, (_, i) => i + 1).filter((id) => !calib.includes(id));

function routed(judges = [J1, J2], extra: Partial<RoutingPlan> = {}, swap = false, redundancy = 3): PoolSettings {
  const routing: RoutingPlan = {
    projectId: PROJECT,
    pairwise: swap,
    routing: { mode: 'escalate', judges, target: 0.9, delta: 0.1, calibration: SHARE },
    judges: judges.map((id) => ({ id, swap: swap && id === J1, samples: 1 })),
    minItems: 5,
    ...extra,
  };
  return poolSettings({ redundancy, pairwise: swap, routing });
}

/** Every item a human can be given now, by claiming until none is left (then releasing them). */
function humanItems(pool: ProjectPool, now = 0): number[] {
  const got: Lease[] = [];
  for (let h = 1; h <= ITEMS * 3; h++) {
    const l = pool.claimHuman(-h, now);
    if (l === null || l === 'limit') continue;
    got.push(l);
  }
  for (const l of got) pool.release(l);
  return [...new Set(got.map((l) => l.itemId))].sort((a, b) => a - b);
}

/** The judge labels the items it is given, in its walk's order, answering `answer(itemId)`; returns them in order. */
function judgeAll(pool: ProjectPool, judge: number, answer: (itemId: number) => [string | null, number], done: DoneRow[] = [], limit = Infinity, swap = false): number[] {
  const seen: number[] = [];
  for (let n = 0; n < limit; n++) {
    const l = pool.claimJudge(judge, { ...plan, swap }, 0);
    if (l === null || l === 'limit') break;
    const [value, certainty] = answer(l.itemId);
    pool.commit(l, value, certainty);
    done.push({ annotator_id: judge, item_id: l.itemId, slot: l.slot, kind: 'llm', value, certainty } as DoneRow);
    seen.push(l.itemId);
  }
  return seen;
}

/** `per` humans (fresh ones for every label) label each of the items `value(itemId)`, whatever order the pool draws. */
function humansLabel(pool: ProjectPool, items: number[], value: (itemId: number) => string, done: DoneRow[] = [], per = 3): void {
  const left = new Map(items.map((id) => [id, per]));
  const drew = new Map<number, number>();
  for (let h = 10_000 + pool.labelCount.human * 10, tries = 0; left.size > 0; h++) {
    if (++tries > 20_000) throw new Error(`items ${[...left.keys()].join(', ')} never drawn; drew ${JSON.stringify([...drew].slice(0, 20))}`);
    const l = pool.claimHuman(h, 0);
    if (l === null || l === 'limit') throw new Error(`no task for human ${h} while ${left.size} items wait`);
    const n = left.get(l.itemId);
    drew.set(l.itemId, (drew.get(l.itemId) ?? 0) + 1);
    if (n === undefined) {
      pool.release(l);
      continue;
    }
    pool.commit(l, value(l.itemId));
    done.push({ annotator_id: h, item_id: l.itemId, slot: '', kind: 'human', value: value(l.itemId) });
    if (n === 1) left.delete(l.itemId);
    else left.set(l.itemId, n - 1);
  }
}

describe('escalation router', () => {
  test('the calibration draw takes its share: 0.1 of 100,000 items within ±0.003, fixed per item', () => {
    let n = 0;
    for (let id = 1; id <= 100_000; id++) if (inCalibration(3, id, 0.1)) n++;
    expect(Math.abs(n / 100_000 - 0.1)).toBeLessThan(0.003);
    expect(inCalibration(3, 12345, 0.1)).toBe(inCalibration(3, 12345, 0.1));
    expect(inCalibration(3, 12345, 1)).toBe(true);
    expect(calib.length).toBeGreaterThan(30);
  });

  test('before any threshold: humans get only calibration items, the first judge walks calibration items first, the second only those', () => {
    const pool = makePool(routed(), { items: ITEMS, random: seeded(1) });
    expect(humanItems(pool)).toEqual(calib);
    expect(pool.router!.state(String).items).toEqual({ judges: 0, humans: calib.length, pending: others.length });
    const first = judgeAll(pool, J1, () => ['x', 50], [], calib.length + 3);
    expect(first.slice(0, calib.length)).toEqual(calib);
    expect(first.slice(calib.length)).toEqual(others.slice(0, 3));
    // The second judge is given the calibration items, then nothing: it waits for what the first passes on.
    expect(judgeAll(pool, J2, () => ['x', 50])).toEqual(calib);
    expect(pool.judgeWaiting(J2)).toBe(true);
    expect(pool.heldByOthers(1)).toBe(true); // humans wait too: items wait for the judges
  });

  test('a certified threshold accepts sure verdicts, passes on unsure, invalid and disagreeing ones', () => {
    const pool = makePool(routed([J1, J2], {}, true), { items: ITEMS, random: seeded(2) });
    // Calibration: the humans say "A" everywhere; the first judge agrees at 90 on every calibration item (both orders).
    humansLabel(pool, calib, () => 'A');
    const cal = (id: number): [string, number] => ['A', calib.includes(id) ? 90 : 0];
    judgeAll(pool, J1, (id) => cal(id), [], calib.length * 2, true);
    expect(pool.recertify(true)).toBe(false); // nothing moves yet: the non-calibration items have no verdict
    const state = pool.router!.state(String);
    expect(state.judges[0]).toMatchObject({ threshold: 90, calibration_points: calib.length, agreement: 1, coverage: 1 });

    // Now the first judge's verdicts on the rest: sure (95), unsure (50), invalid (null at 99), orders disagreeing.
    const [sure, unsure, invalid, split] = others;
    const answers = new Map<number, Array<[string | null, number]>>([
      [sure!, [['A', 95], ['A', 97]]],
      [unsure!, [['A', 50], ['A', 99]]],
      [invalid!, [[null, 99], ['A', 99]]],
      [split!, [['A', 99], ['B', 99]]],
    ]);
    const asked = new Map<number, number>();
    judgeAll(pool, J1, (id) => {
      const k = asked.get(id) ?? 0;
      asked.set(id, k + 1);
      return answers.get(id)?.[k] ?? ['A', 0];
    }, [], 8, true);
    const router = pool.router!;
    const slot = (id: number) => pool.items.get(id)!;
    expect(router.decision(slot(sure!))).toEqual({ judge: J1, certainty: 95, threshold: 90 });
    for (const id of [unsure!, invalid!, split!]) expect(router.decision(slot(id))).toBeNull();
    // The three passed on are the second judge's to judge (after the calibration items), never the humans'.
    expect(judgeAll(pool, J2, (id) => [calib.includes(id) ? 'B' : 'A', 10])).toEqual([...calib, unsure!, invalid!, split!]);
    expect(humanItems(pool)).toEqual([]);
    expect(pool.complete).toBe(calib.length + 1);

    // The second judge has no threshold and its calibration is settled (humans closed, judge done): a recertify
    // passes its three on to the humans.
    pool.recertify(true);
    expect(humanItems(pool)).toEqual([unsure!, invalid!, split!].sort((a, b) => a - b));

  });

  test('recertified as calibration labels arrive: a threshold that rises sends an undecided-by-humans item back to them', () => {
    const N = 400;
    const cal = Array.from({ length: N }, (_, i) => i + 1).filter((id) => inCalibration(PROJECT, id, SHARE));
    const rest = Array.from({ length: N }, (_, i) => i + 1).filter((id) => !cal.includes(id));
    // One human label per item here: the pool draws the least-labelled first, so a subset is labelled in full only so.
    const pool = makePool(routed([J1], {}, false, 1), { items: N, random: seeded(3) });
    // The judge: "A" on every calibration item, sure (99) on those from the 40th on, less (90) on the first 40.
    const sure = (id: number) => cal.indexOf(id) >= 40;
    judgeAll(pool, J1, (id) => ['A', sure(id) ? 99 : 90], [], cal.length);
    // The humans agree on the first 30: at 90 the judge is right 30 times of 30, certified (bound 0.074 ≤ 0.1).
    humansLabel(pool, cal.slice(0, 30), () => 'A', [], 1);
    pool.recertify(true);
    expect(pool.router!.state(String).judges[0]).toMatchObject({ threshold: 90, calibration_points: 30, agreement: 1 });
    const [x, y] = rest;
    judgeAll(pool, J1, (id) => (id === x ? ['A', 92] : id === y ? ['A', 99] : ['A', 0]), [], 2);
    expect(pool.router!.decision(pool.items.get(x!)!)).toEqual({ judge: J1, certainty: 92, threshold: 90 });
    expect(humanItems(pool, 0)).toEqual(cal.slice(30));
    // Then the humans disagree with the judge on the next ten (said at 90) and agree on the sure ones.
    humansLabel(pool, cal.slice(30), (id) => (sure(id) ? 'A' : 'B'), [], 1);
    pool.recertify(true);
    expect(pool.router!.state(String).judges[0]!.threshold).toBe(99);
    expect(pool.router!.decision(pool.items.get(x!)!)).toBeNull();
    expect(pool.router!.decision(pool.items.get(y!)!)).toEqual({ judge: J1, certainty: 99, threshold: 99 });
    expect(humanItems(pool)).toContain(x);
    expect(humanItems(pool)).not.toContain(y);
  });

  test('an item the humans hold stays theirs; a pool rebuilt from the record routes every item the same', () => {
    const done: DoneRow[] = [];
    const pool = makePool(routed([J1]), { items: ITEMS, random: seeded(4) });
    humansLabel(pool, calib, () => 'A', done);
    // A sure judge at 99 on calibration and a split of certainties on the rest: 60 passes on, 99 is accepted.
    judgeAll(pool, J1, (id) => (calib.includes(id) ? ['A', 99] : [id % 2 ? 'A' : 'B', id % 2 ? 99 : 60]), done);
    pool.recertify(true);
    const routes = (p: ProjectPool) => [...p.items.values()].map((s) => s.route);
    const live = routes(pool);
    const escalated = humanItems(pool);
    expect(escalated).toEqual(others.filter((id) => id % 2 === 0));
    const held = leaseOf(pool.claimHuman(50, 0));
    // Whatever the thresholds do next, the held item stays with the humans.
    pool.router!.humanLabel(pool.items.get(calib[0]!)!, 'B');
    pool.recertify(true);
    expect(pool.items.get(held.itemId)!.route).toBe(0);

    const counts: Record<number, number> = {};
    for (const d of done) if (d.kind === 'human') counts[d.item_id] = (counts[d.item_id] ?? 0) + 1;
    const again = makePool(routed([J1]), { items: ITEMS, humanCounts: counts, done, random: seeded(5) });
    expect(routes(again)).toEqual(live);
    expect(again.router!.state(String).items).toEqual({ judges: others.length - escalated.length, humans: calib.length + escalated.length, pending: 0 });
  });

  test('gold checks go to the humans but are no calibration points; a tie among the humans counts against the judge; an item a judge lets go three times passes on', () => {
    const gold: Record<number, string> = {};
    for (const id of others.slice(0, 5)) gold[id] = 'A';
    const pool = makePool({ ...routed([J1]), goldRate: 0.2 }, { items: ITEMS, gold, random: seeded(7) });
    const state = () => pool.router!.state(String);
    expect(state().calibration_items).toBe(calib.length);
    expect(state().items).toEqual({ judges: 0, humans: calib.length + 5, pending: others.length - 5 });
    expect(humanItems(pool)).toEqual([...calib, ...others.slice(0, 5)].sort((a, b) => a - b));

    // From the record: humans said A, A, A on every calibration item but one, where they said A, B, C (a tie); the
    // judge said A at 90 on every calibration item: right everywhere but on the tie, which counts as an error.
    const tie = calib[0]!;
    const done: DoneRow[] = [];
    const counts: Record<number, number> = {};
    for (const id of calib) {
      (id === tie ? ['A', 'B', 'C'] : ['A', 'A', 'A']).forEach((value, h) => done.push({ annotator_id: h + 1, item_id: id, slot: '', kind: 'human', value }));
      counts[id] = 3;
      done.push({ annotator_id: J1, item_id: id, slot: '-#0', kind: 'llm', value: 'A', certainty: 90 } as DoneRow);
    }
    const again = makePool({ ...routed([J1]), goldRate: 0.2 }, { items: ITEMS, gold, humanCounts: counts, done, random: seeded(8) });
    const j = again.router!.state(String).judges[0]!;
    expect(j.calibration_points).toBe(calib.length);
    expect(j.agreement).toBeCloseTo((calib.length - 1) / calib.length, 12);

    // An item the judge takes and lets go three times (released, released, lapsed) passes on to the humans.
    expect(j.threshold).toBe(90);
    const stuck = others[10]!;
    let now = 0;
    for (let n = 0; n < 3; n++) {
      let l = leaseOf(again.claimJudge(J1, plan, now));
      while (l.itemId !== stuck) {
        again.commit(l, 'A', 0);
        l = leaseOf(again.claimJudge(J1, plan, now));
      }
      if (n < 2) again.release(l);
      else again.expire((now = l.expiresAt + 1));
    }
    expect(again.items.get(stuck)!.route).toBe(0);
    expect(humanItems(again, now)).toContain(stuck);
  });
});
