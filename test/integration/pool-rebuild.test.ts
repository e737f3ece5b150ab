/**
 * A loaded pool read again on a thread (issue 14: server/tasks/pool-rebuilds.ts): while it is read, tasks already
 * out are submitted and their labels committed; new tasks wait for the new state. The pool installed ends as a fresh
 * read of the record would: the same progress as after a restart, no label counted twice or lost (every item gets
 * exactly its redundancy of human labels, nobody is handed an item they labelled, the judge's walk neither repeats
 * nor skips a task).
 */
import type { SessionInfo, Task } from '../../shared/protocol';
import { REBUILD_ON_THREAD } from '../../server/tasks/pool-rebuilds';
import { JudgeWorker } from '../../judge-worker/worker';
import { invite, labelTasks, makeProject, ok, pairwiseItems, progressOf, serversPerTest } from '../helpers/server';

const servers = serversPerTest();
/** The values these tests label with: B, A, A, B, A, A, … */
const byThree = (k: number) => (k % 3 ? 'A' : 'B');
const defaults = { ...REBUILD_ON_THREAD };
beforeEach(() => (REBUILD_ON_THREAD.from = 0));
afterEach(() => Object.assign(REBUILD_ON_THREAD, defaults, { chunk: undefined, paused: undefined }));

/** The next read on a thread stops after its first chunk (its snapshot open) until `go` is called. */
function pauseNextRead(): { reading: Promise<void>; go(): void } {
  let started!: () => void;
  let go!: () => void;
  const reading = new Promise<void>((r) => (started = r));
  const going = new Promise<void>((r) => (go = r));
  REBUILD_ON_THREAD.chunk = 2;
  REBUILD_ON_THREAD.paused = () => (started(), going);
  return { reading, go };
}

test('labels committed while the pool is read again on a thread are in the pool installed, once; new tasks wait for it', async () => {
  let s = await servers.server();
  const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(12));
  const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'baseline:first', swap: true })).body as { id: number; token: string };
  const token = await invite(s, pid);
  const [ann, bob, carl] = await Promise.all(['ann', 'bob', 'carl'].map((worker) => s.connect({ token, worker })));
  const bobs = await labelTasks(bob!, 5, 'b0', byThree);
  const j = await s.connect({ token: judge.token });
  const judged = await labelTasks(j, 6, 'j0', byThree);
  // Tasks out when the settings change: ann's and the judge's, submitted while the pool is read again.
  const held = await ok<Task>(ann!, 'task:next');
  const judgeHeld = await ok<Task>(j, 'task:next');

  const read = pauseNextRead();
  // A rule of the adaptive form (at min = max, a redundancy of 2): the live pool cannot tell what it allows, so it
  // hands out no new task until the new state is in.
  expect((await s.api('PATCH', `/api/projects/${pid}`, { redundancy: { min: 2, max: 2, stop: 'unanimous' } })).status).toBe(200);
  expect((await ok<SessionInfo>(carl!, 'session:get')).waiting).toBe(true); // being read again
  const carlsNext = ok<Task | null>(carl!, 'task:next'); // waits for the new state
  await read.reading; // the thread's snapshot is open: these two labels are not in it
  await ok(ann!, 'label:submit', { leaseId: held.leaseId, value: 'A', clientLabelId: 'held' });
  await ok(j, 'label:submit', { leaseId: judgeHeld.leaseId, value: 'A', clientLabelId: 'judge-held' });
  expect(await Promise.race([carlsNext.then(() => 'served'), new Promise((r) => setTimeout(() => r('waiting'), 100))])).toBe('waiting');
  read.go();
  const carls = await carlsNext;
  expect(carls).not.toBeNull();
  expect((await ok<SessionInfo>(carl!, 'session:get')).waiting).toBe(false);
  const installed = await progressOf(s, pid);
  expect(installed.labels).toEqual({ human: 6, llm: 7 });

  // Everyone labels what is left: each item ends with exactly 2 human labels, nobody is handed an item twice.
  await ok(carl!, 'label:submit', { leaseId: carls!.leaseId, value: 'B', clientLabelId: 'carl-first' });
  const done = { ann: [held.item.id, ...(await labelTasks(ann!, 100, 'a1', byThree))], bob: [...bobs, ...(await labelTasks(bob!, 100, 'b1', byThree))], carl: [carls!.item.id, ...(await labelTasks(carl!, 100, 'c1', byThree))] };
  for (const ids of Object.values(done)) expect(new Set(ids).size).toBe(ids.length);
  const perItem = s.db.prepare("SELECT count(*) AS n FROM labels l JOIN annotators a ON a.id = l.annotator_id WHERE l.project_id = ? AND a.kind = 'human' GROUP BY l.item_id").all(pid) as Array<{ n: number }>;
  expect(perItem.map((r) => r.n)).toEqual(Array(12).fill(2));
  // The judge's walk restarts over the new state: it does each (item, order) once, the one submitted meanwhile too.
  const summary = await new JudgeWorker({ server: s.url, token: judge.token }).run();
  expect(summary.progress).toEqual({ done: 24, target: 24 });
  expect(s.db.prepare('SELECT count(*) AS n, count(DISTINCT item_id || slot) AS d FROM labels WHERE annotator_id = ?').get(judge.id)).toEqual({ n: 24, d: 24 });
  expect(judged).toHaveLength(6);
  const before = await progressOf(s, pid);
  for (const c of [ann, bob, carl, j]) c!.disconnect();
  s = await servers.restart(s);
  expect(await progressOf(s, pid)).toEqual(before);
});

test('while a higher redundancy is read in, the live pool hands out what it allows, and the rest once it is in', async () => {
  const s = await servers.server();
  const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(6));
  const token = await invite(s, pid);
  const [ann, bob] = await Promise.all(['ann', 'bob'].map((worker) => s.connect({ token, worker })));
  const anns = await labelTasks(ann!, 4, 'a0', byThree);
  const read = pauseNextRead();
  expect((await s.api('PATCH', `/api/projects/${pid}`, { redundancy: 2 })).status).toBe(200);
  await read.reading;
  // Served at once from the live pool (redundancy 1): only the two items nobody has labelled.
  const during = [await ok<Task>(bob!, 'task:next'), await ok<Task>(bob!, 'task:next')];
  for (const t of during) expect(anns).not.toContain(t.item.id);
  for (const [k, t] of during.entries()) await ok(bob!, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: `b-during-${k}` });
  // None left for bob there: his next task waits for the new state, which opens ann's four items to him.
  const bobsNext = ok<Task | null>(bob!, 'task:next');
  expect(await Promise.race([bobsNext.then(() => 'served'), new Promise((r) => setTimeout(() => r('waiting'), 100))])).toBe('waiting');
  read.go();
  const after = [(await bobsNext)!];
  await ok(bob!, 'label:submit', { leaseId: after[0]!.leaseId, value: 'A', clientLabelId: 'b-after' });
  const bobs = [...during.map((t) => t.item.id), after[0]!.item.id, ...(await labelTasks(bob!, 100, 'b1', byThree))];
  expect(bobs.sort()).toEqual(pairwiseItems(6).map((it) => it.id).sort());
  expect((await labelTasks(ann!, 100, 'a1', byThree)).sort()).toEqual(during.map((t) => t.item.id).sort());
  expect((await progressOf(s, pid)).labels).toEqual({ human: 12, llm: 0 });
});

test('while a lower redundancy is read in, the live pool hands out only what the new one allows', async () => {
  const s = await servers.server();
  const pid = await makeProject(s, { redundancy: 2 }, pairwiseItems(4));
  const token = await invite(s, pid);
  const [ann, bob] = await Promise.all(['ann', 'bob'].map((worker) => s.connect({ token, worker })));
  const anns = await labelTasks(ann!, 2, 'a0', byThree);
  const read = pauseNextRead();
  expect((await s.api('PATCH', `/api/projects/${pid}`, { redundancy: 1 })).status).toBe(200);
  await read.reading;
  // The two items nobody has labelled, at once; ann's two (one label each: full at 1) are not handed out.
  const during = await labelTasks(bob!, 2, 'b0', byThree);
  expect([...during, ...anns].sort()).toEqual(pairwiseItems(4).map((it) => it.id).sort());
  const bobsNext = ok<Task | null>(bob!, 'task:next');
  expect(await Promise.race([bobsNext.then(() => 'served'), new Promise((r) => setTimeout(() => r('waiting'), 100))])).toBe('waiting');
  expect(s.app.tasks.state(pid).pool.leaseCount.human).toBe(0); // the task refused went back at once
  read.go();
  expect(await bobsNext).toBeNull();
  expect(await ok<Task | null>(ann!, 'task:next')).toBeNull();
  expect((await progressOf(s, pid)).labels).toEqual({ human: 4, llm: 0 });
});

test('a claim that waits too long for the new state is answered "none now", and is handed nothing behind its back', async () => {
  const s = await servers.server();
  const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(2));
  const ann = await s.connect({ token: await invite(s, pid), worker: 'ann' });
  REBUILD_ON_THREAD.waitMs = 150;
  const read = pauseNextRead();
  expect((await s.api('PATCH', `/api/projects/${pid}`, { redundancy: { min: 1, max: 2, stop: 'unanimous' }, max_per_annotator: 1 })).status).toBe(200);
  await read.reading;
  expect(await ok<Task | null>(ann, 'task:next')).toBeNull();
  expect((await ok<SessionInfo>(ann, 'session:get')).waiting).toBe(true);
  read.go();
  while ((await ok<SessionInfo>(ann, 'session:get')).waiting) await new Promise((r) => setTimeout(r, 20));
  // The claim that gave up took nothing: ann (at most 1 label) gets a task, and holds no other.
  const t = await ok<Task>(ann, 'task:next');
  expect(s.app.tasks.state(pid).pool.leaseCount.human).toBe(1);
  await ok(ann, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'a' });
  expect(await ok<Task | null>(ann, 'task:next')).toBeNull();
});

test('a change while the pool is read again starts the read over; a claim waiting goes on to the last state', async () => {
  const s = await servers.server();
  const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(4));
  const token = await invite(s, pid);
  const [ann, bob] = await Promise.all(['ann', 'bob'].map((worker) => s.connect({ token, worker })));
  expect(await labelTasks(ann!, 100, 'a0', byThree)).toHaveLength(4);
  const read = pauseNextRead();
  expect((await s.api('PATCH', `/api/projects/${pid}`, { redundancy: 3 })).status).toBe(200);
  await read.reading;
  REBUILD_ON_THREAD.paused = undefined;
  const bobsNext = ok<Task | null>(bob!, 'task:next'); // the live pool has nothing for bob: it waits
  expect((await s.api('PATCH', `/api/projects/${pid}`, { max_per_annotator: 2 })).status).toBe(200);
  read.go(); // the first read was dropped
  const first = (await bobsNext)!;
  await ok(bob!, 'label:submit', { leaseId: first.leaseId, value: 'A', clientLabelId: 'b-first' });
  expect(await labelTasks(bob!, 100, 'b1', byThree)).toHaveLength(1); // the cap of the last change
  expect((await progressOf(s, pid)).labels).toEqual({ human: 6, llm: 0 });
  expect((await ok<SessionInfo>(bob!, 'session:get')).waiting).toBe(false);
});

test('a settings change that leaves the pool as it was reads nothing again', async () => {
  const s = await servers.server();
  const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(3));
  const ann = await s.connect({ token: await invite(s, pid), worker: 'ann' });
  await labelTasks(ann, 1, 'a0', byThree);
  expect((await s.api('PATCH', `/api/projects/${pid}`, { name: 'Renamed', lease_seconds: { human: 900 } })).status).toBe(200);
  expect((await ok<SessionInfo>(ann, 'session:get')).waiting).toBe(false);
  const t = await ok<Task>(ann, 'task:next');
  expect(t.expiresAt - s.clock.now).toBe(900_000);
  expect((await progressOf(s, pid)).labels).toEqual({ human: 1, llm: 0 });
});

test('progress asked for right after a labels import counts its labels while the pool is read again on a thread', async () => {
  const s = await servers.server();
  const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(3));
  const ann = await s.connect({ token: await invite(s, pid), worker: 'ann' });
  await labelTasks(ann, 1, 'a0', byThree); // the pool is loaded: the import reads it again
  const read = pauseNextRead();
  const labels = [
    { item: 'q1', annotator: 'alice', value: 'A' },
    { item: 'q2', annotator: 'alice', value: 'B' },
    { item: 'q1', annotator: 'judge', kind: 'llm', value: 'A', order: 'AB' },
  ];
  const r = await s.api('POST', `/api/projects/${pid}/labels`, labels.map((l) => JSON.stringify(l)).join('\n') + '\n', { type: 'application/x-ndjson' });
  expect(r).toMatchObject({ status: 200, body: { imported: 3 } });
  await read.reading;
  const asked = progressOf(s, pid);
  const watcher = await s.connect({ token: s.token });
  const watched = ok<{ labels: unknown }>(watcher, 'project:watch', { projectId: pid });
  read.go();
  // Both answers wait for the install: the pool still serving had none of the imported labels.
  expect((await asked).labels).toEqual({ human: 3, llm: 1 });
  expect((await watched).labels).toEqual({ human: 3, llm: 1 });
});
