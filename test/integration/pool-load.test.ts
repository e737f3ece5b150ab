/**
 * A restarted server rebuilds each project's assignment pool from the record (issue 14: one read of the labels in
 * id order, human counts taken from that read, judges' (item, slot) keys as numbers). Two projects whose labels
 * interleave in the table each come back as they were: the same progress, no human handed an item they labelled,
 * no judge task done twice or left out.
 */
import { JudgeWorker } from '../../judge-worker/worker';
import { invite, jsonl, labelTasks, makeProject, pairwiseItems, progressOf, serversPerTest } from '../helpers/server';

const servers = serversPerTest();

test('two projects with interleaved labels come back from a restart as they were', async () => {
  let s = await servers.server();
  const p1 = await makeProject(s, { redundancy: 2 }, pairwiseItems(8));
  const p2 = await makeProject(s, { redundancy: 3 }, pairwiseItems(5));
  const judge = (await s.api('POST', `/api/projects/${p1}/judges`, { model: 'baseline:first', swap: true })).body as { id: number; token: string };
  const [t1, t2] = [await invite(s, p1), await invite(s, p2)];
  const done = new Map<string, string[]>();
  // Interleaved: each round one label in each project, so their ids alternate in the labels table.
  const people = await Promise.all(['ann', 'bob'].flatMap((w) => [s.connect({ token: t1, worker: w }), s.connect({ token: t2, worker: w })]));
  for (let round = 0; round < 3; round++)
    for (const [k, c] of people.entries()) done.set(`${k}`, [...(done.get(`${k}`) ?? []), ...(await labelTasks(c, 1, `r${round}-${k}`))]);
  // The judge does 5 of its 16 tasks (8 items in both orders) before the restart.
  const judgeSocket = await s.connect({ token: judge.token });
  await labelTasks(judgeSocket, 5, 'judge');
  judgeSocket.disconnect();
  const before = [await progressOf(s, p1), await progressOf(s, p2)];
  for (const c of people) c.disconnect();

  s = await servers.restart(s);
  expect(before[0]).toMatchObject({ labels: { human: 6, llm: 5 }, budget: { spent: 6, per_item: [2, 6] } });
  expect([await progressOf(s, p1), await progressOf(s, p2)]).toEqual(before);
  // Each person goes on with only the items they have not labelled.
  const again = await Promise.all(['ann', 'bob'].flatMap((w) => [s.connect({ token: t1, worker: w }), s.connect({ token: t2, worker: w })]));
  for (const [k, c] of again.entries()) {
    const rest = await labelTasks(c, 20, `after-${k}`);
    for (const id of rest) expect(done.get(`${k}`)).not.toContain(id);
  }
  // The judge finishes its plan: every item in both orders, each once.
  const summary = await new JudgeWorker({ server: s.url, token: judge.token }).run();
  expect(summary.progress).toEqual({ done: 16, target: 16 });
  const slots = s.db.prepare('SELECT count(*) AS n, count(DISTINCT item_id || slot) AS d FROM labels WHERE annotator_id = ?').get(judge.id);
  expect(slots).toEqual({ n: 16, d: 16 });
});

test("items imported into a loaded project join its pool as a restart would read them: humans and the judge's walk go on to them", async () => {
  let s = await servers.server();
  const pid = await makeProject(s, { redundancy: 2, gold_rate: 0.5 }, pairwiseItems(4));
  const judge = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'baseline:first' })).body as { id: number; token: string };
  const j = await s.connect({ token: judge.token });
  expect(await labelTasks(j, 10, 'j1')).toHaveLength(4); // its walk is at the end
  const ann = await s.connect({ token: await invite(s, pid), worker: 'ann' });
  const first = await labelTasks(ann, 3, 'a1');

  const more = pairwiseItems(7).slice(4).map((it, k) => (k === 0 ? { ...it, gold: 'A' } : it));
  expect((await s.api('POST', `/api/projects/${pid}/items`, jsonl(more), { type: 'application/x-ndjson' })).body).toEqual({ imported: 3 });
  const grown = await progressOf(s, pid);
  expect(grown.items).toEqual({ total: 7, complete: 0, gold: 1 });
  // The judge's walk goes on into the new items; the annotator is handed what is left, the new items among it.
  expect((await labelTasks(j, 10, 'j2')).sort()).toEqual(more.map((it) => it.id).sort());
  const rest = await labelTasks(ann, 10, 'a2');
  expect([...first, ...rest].sort()).toEqual(pairwiseItems(7).map((it) => it.id).sort());
  const before = await progressOf(s, pid);
  ann.disconnect();
  j.disconnect();

  s = await servers.restart(s);
  expect(await progressOf(s, pid)).toEqual(before);
});
