/**
 * Adaptive redundancy's `stop: "posterior"` end to end (issue 13 part 1; docs/decisions/0010-adaptive-redundancy.md,
 * amendment): a real server on a free port, real socket.io clients, a real SQLite file, the model refitted in the
 * report worker as labels arrive.
 *
 * What is checked, precisely: the pool's claims, commits and snapshots are logged in the order they happen (the
 * test wraps the project pool's own methods, which still run). (1) Every human lease issued on an item that already
 * had `min` labels or more was issued while the item's posterior (its committed labels, under the snapshot then in
 * force, or the prior model before the first) was below the target; so no item took a label past `min` once its
 * posterior had met the target. (2) No item holds more than `max` human labels in SQLite, and every acknowledged
 * label is stored once. (3) Snapshots were applied as labels arrived. (4) The pool's `complete` is the number of
 * items at `max` or at the target under the snapshot in force, recomputed here from the stored labels.
 */
import type { SessionInfo, SubmitResult, Task } from '../../shared/protocol';
import { PosteriorModel, priorPosterior, type VoteKey } from '../../shared/stats/crowd/posterior';
import type { ProjectPool } from '../../server/assignment/pool';
import { seeded } from '../unit/assignment/pool-fixtures';
import { invite, makeProject, ok, pairwiseItems, serversPerTest, type Client, type TestServer } from '../helpers/server';

const { server, restart } = serversPerTest();

const RULE = { min: 2, max: 5, stop: 'posterior', posterior: 0.95 } as const;

/** The pool's own steps, in order: each lease with the item's committed votes and the model then in force. */
interface Log {
  votes: Map<number, { annotators: number[]; keys: VoteKey[] }>;
  leases: Array<{ itemId: number; annotators: number[]; keys: VoteKey[]; model: PosteriorModel | null }>;
  snapshots: PosteriorModel[];
}

/** Starts the log with the votes already stored (`stored`), as the pool has them. */
function watch(pool: ProjectPool, stored = new Map<number, { annotators: number[]; keys: VoteKey[] }>()): Log {
  const log: Log = { votes: stored, leases: [], snapshots: [] };
  const claim = pool.claimHuman.bind(pool);
  const commit = pool.commit.bind(pool);
  const use = pool.usePosterior.bind(pool);
  pool.claimHuman = (annotatorId, now) => {
    const l = claim(annotatorId, now);
    if (l && l !== 'limit') {
      const v = log.votes.get(l.itemId) ?? { annotators: [], keys: [] };
      log.leases.push({ itemId: l.itemId, annotators: [...v.annotators], keys: [...v.keys], model: pool.posteriorModel });
    }
    return l;
  };
  pool.commit = (lease, value) => {
    if (pool.leases.get(lease.id) === lease) {
      const v = log.votes.get(lease.itemId) ?? { annotators: [], keys: [] };
      v.annotators.push(lease.annotatorId);
      v.keys.push(value as VoteKey);
      log.votes.set(lease.itemId, v);
    }
    commit(lease, value);
  };
  pool.usePosterior = (m) => {
    log.snapshots.push(m);
    use(m);
  };
  return log;
}

const posteriorUnder = (m: PosteriorModel | null, annotators: number[], keys: VoteKey[]) => (m ? m.posterior(annotators, keys) : priorPosterior(keys));

/** Leases issued past min on an item whose posterior had already met the target (check 1): should be none. */
function leasesPastTarget(log: Log): string[] {
  return log.leases
    .filter((l) => l.keys.length >= RULE.min && posteriorUnder(l.model, l.annotators, l.keys) >= RULE.posterior)
    .map((l) => `item ${l.itemId}: ${l.keys.join(',')} at ${posteriorUnder(l.model, l.annotators, l.keys)}`);
}

/** Each item's stored human votes (annotator ids and values), in label order. */
function storedVotes(s: TestServer, pid: number): Map<number, { annotators: number[]; keys: VoteKey[] }> {
  const rows = s.db
    .prepare(`SELECT l.item_id AS item, l.annotator_id AS annotator, l.value FROM labels l JOIN annotators a ON a.id = l.annotator_id
              WHERE l.project_id = ? AND a.kind = 'human' ORDER BY l.id`)
    .all(pid) as Array<{ item: number; annotator: number; value: string }>;
  const out = new Map<number, { annotators: number[]; keys: VoteKey[] }>();
  for (const r of rows) {
    const v = out.get(r.item) ?? { annotators: [], keys: [] };
    v.annotators.push(r.annotator);
    v.keys.push(r.value);
    out.set(r.item, v);
  }
  return out;
}

/** Items the rule has closed under `model`, from the stored labels (check 4). */
function closedUnder(model: PosteriorModel | null, votes: Map<number, { annotators: number[]; keys: VoteKey[] }>): number[] {
  return [...votes]
    .filter(([, v]) => v.keys.length >= RULE.max || (v.keys.length >= RULE.min && posteriorUnder(model, v.annotators, v.keys) >= RULE.posterior))
    .map(([id]) => id)
    .sort((a, b) => a - b);
}

const shown = (t: Task, canonical: string) => (t.order === 'BA' ? ({ A: 'B', B: 'A' } as Record<string, string>)[canonical] ?? canonical : canonical);

/** Labels until nothing is left (or `limit` labels), waiting while items it could take are held by others. */
async function labelAll(c: Client, answer: (t: Task) => string, limit = Infinity, tag = 'l'): Promise<number[]> {
  const ids: number[] = [];
  for (let n = 0; n < limit; n++) {
    const t = await ok<Task | null>(c, 'task:next');
    if (t === null) {
      if (!(await ok<SessionInfo>(c, 'session:get')).waiting) return ids;
      await new Promise((r) => setTimeout(r, 5));
      n--;
      continue;
    }
    const r = await ok<SubmitResult>(c, 'label:submit', { leaseId: t.leaseId, value: shown(t, answer(t)), clientLabelId: `${tag}${n}` });
    ids.push(r.labelId);
  }
  return ids;
}

/** Item q<i>'s true answer: A for odd i, B for even i. */
const truth = (t: Task) => (Number(t.item.id.slice(1)) % 2 ? 'A' : 'B');
const CLASSES = ['A', 'B', 'tie'];
/** Two in three give the truth nine times in ten (else another class at random); the rest answer at random. */
const answerers = (n: number, offset = 0) =>
  Array.from({ length: n }, (_, i) => {
    const random = seeded(i + 1 + offset);
    const any = () => CLASSES[Math.floor(random() * 3)]!;
    if (i % 3 === 0) return any;
    return (t: Task) => {
      if (random() < 0.9) return truth(t);
      const others = CLASSES.filter((c) => c !== truth(t));
      return others[Math.floor(random() * 2)]!;
    };
  });

/** Waits until the snapshot in force was fitted on every stored human label. */
async function settled(s: TestServer, pid: number, pool: ProjectPool): Promise<PosteriorModel> {
  const stored = () => (s.db.prepare(`SELECT count(*) AS n FROM labels WHERE project_id = ?`).get(pid) as { n: number }).n;
  for (let k = 0; k < 400; k++) {
    const m = pool.posteriorModel;
    if (m && m.data.votes === stored()) return m;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('no snapshot of every label within 10 s');
}

describe('adaptive redundancy, stop "posterior"', () => {
  test.each(['dawid-skene', 'mace', 'majority'])('30 racing annotators on 200 items (%s, min 2, max 5, 0.95): no lease past the target, none past max', async (aggregation) => {
    const s = await server();
    const items = 200;
    const pid = await makeProject(s, { redundancy: RULE, aggregation }, pairwiseItems(items));
    const pool = s.app.tasks.state(pid).pool;
    const log = watch(pool);
    const token = await invite(s, pid);
    const clients = await Promise.all(Array.from({ length: 30 }, (_, i) => s.connect({ token, worker: `w${i}` })));
    const answers = answerers(30);
    // A first round of 30 labels, until a model fitted on them is in force (the worker started); then the race.
    const warm = (await Promise.all(clients.slice(0, 6).map((c, i) => labelAll(c, answers[i]!, 5, 'warm')))).flat();
    await settled(s, pid, pool);
    const acked = [...warm, ...(await Promise.all(clients.map((c, i) => labelAll(c, answers[i]!)))).flat()];

    expect(leasesPastTarget(log)).toEqual([]);
    const votes = storedVotes(s, pid);
    expect([...votes.values()].filter((v) => v.keys.length > RULE.max)).toEqual([]);
    const stored = s.db.prepare('SELECT id FROM labels WHERE project_id = ? ORDER BY id').all(pid) as Array<{ id: number }>;
    expect(acked.sort((a, b) => a - b)).toEqual(stored.map((r) => r.id));
    expect(log.snapshots.length).toBeGreaterThanOrEqual(2); // the first, and refits during the race
    // Both ways out of the rule happen: items stopped at min, and items that went on (Dawid–Skene learns who is
    // reliable: two of them agreeing pass 0.99; majority's pooled accuracy of about 0.75 never lets two votes pass 0.95).
    const counts = [...votes.values()].map((v) => v.keys.length);
    if (aggregation === 'dawid-skene') expect(counts.filter((n) => n === RULE.min).length).toBeGreaterThan(20);
    expect(counts.filter((n) => n > RULE.min).length).toBeGreaterThan(20);
    expect(new Set(log.snapshots.map((m) => m.method))).toEqual(new Set([aggregation]));
    // Read synchronously: no refit can land between the two.
    expect(pool.complete).toBe(closedUnder(pool.posteriorModel, storedVotes(s, pid)).length);
  }, 60_000);

  test('a restart refits on the same labels and closes the same items; the project then finishes by the rule', async () => {
    let s = await server();
    const pid = await makeProject(s, { redundancy: RULE, aggregation: 'dawid-skene' }, pairwiseItems(60));
    const token = await invite(s, pid);
    const first = await Promise.all(Array.from({ length: 9 }, (_, i) => s.connect({ token, worker: `a${i}` })));
    const answers = answerers(9);
    await Promise.all(first.map((c, i) => labelAll(c, answers[i]!, 10)));
    for (const c of first) c.disconnect();
    const model = await settled(s, pid, s.app.tasks.state(pid).pool);
    const closedBefore = closedUnder(model, storedVotes(s, pid));
    expect(s.app.tasks.state(pid).pool.complete).toBe(closedBefore.length);
    expect(closedBefore.length).toBeGreaterThan(0);

    s = await restart(s);
    const pool = s.app.tasks.state(pid).pool;
    expect(pool.posteriorModel).toBeNull(); // the prior model until the first fit after the start
    const log = watch(pool, storedVotes(s, pid));
    // The first claim asks for a fit; the task is given back.
    const c = await s.connect({ token, worker: 'after' });
    const t = (await ok<Task>(c, 'task:next'))!;
    await ok(c, 'task:release', { leaseId: t.leaseId });
    const refitted = await settled(s, pid, pool);
    expect(closedUnder(refitted, storedVotes(s, pid))).toEqual(closedBefore);
    expect(pool.complete).toBe(closedBefore.length);

    const rest = await Promise.all(Array.from({ length: 9 }, (_, i) => s.connect({ token, worker: `b${i}` })));
    const more = answerers(9, 100);
    await Promise.all(rest.map((r, i) => labelAll(r, more[i]!)));
    expect(leasesPastTarget(log)).toEqual([]);
    expect([...storedVotes(s, pid).values()].filter((v) => v.keys.length > RULE.max)).toEqual([]);
  }, 60_000);
});
