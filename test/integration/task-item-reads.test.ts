import type { Task } from '../../shared/protocol';
import { call, invite, jsonl, makeProject, ok, serversPerTest } from '../helpers/server';

/**
 * A task's item is read on a connection of the task path's own (ItemsRepo.forTask, issue 14), not the one imports
 * write on, while labels are committed on a third (the label writer's thread). What a task shows and what a label
 * is checked against must still be the item as last committed.
 */

const servers = serversPerTest();

test('after an upsert, the next task shows the new content and a label is checked against the new options', async () => {
  const s = await servers.server();
  const pid = await makeProject(s, { type: 'choice', redundancy: 2 }, [{ id: 'c1', question: 'Old question?', options: ['x', 'y'] }]);
  const first = await s.connect({ token: await invite(s, pid), worker: 'first' });
  const t1 = (await ok<Task>(first, 'task:next'))!;
  expect(t1.item).toMatchObject({ id: 'c1', question: 'Old question?', options: ['x', 'y'] });
  // Committed on the writer's thread: the task path's connection sees another connection's commit before its read.
  await ok(first, 'label:submit', { leaseId: t1.leaseId, value: 'x', clientLabelId: 'l1' });

  const r = await s.api('POST', `/api/projects/${pid}/items?upsert=1`, jsonl([{ id: 'c1', question: 'New question?', options: ['p', 'q'] }]), { type: 'application/x-ndjson' });
  expect(r).toMatchObject({ status: 200, body: { imported: 1 } });

  const second = await s.connect({ token: await invite(s, pid), worker: 'second' });
  const t2 = (await ok<Task>(second, 'task:next'))!;
  expect(t2.item).toMatchObject({ id: 'c1', question: 'New question?', options: ['p', 'q'] });
  expect(await call(second, 'label:submit', { leaseId: t2.leaseId, value: 'x', clientLabelId: 'l2' })).toMatchObject({ ok: false, error: { code: 'invalid-input', message: expect.stringMatching(/option/i) } });
  await ok(second, 'label:submit', { leaseId: t2.leaseId, value: 'q', clientLabelId: 'l3' });
  expect(s.db.prepare('SELECT value FROM labels WHERE project_id = ? ORDER BY id').pluck().all(pid)).toEqual(['x', 'q']);
});

test('items imported into a new project after the task path first read are served too', async () => {
  const s = await servers.server();
  const a = await makeProject(s, {}, [{ id: 'a1', question: 'In A?', answer_a: '1', answer_b: '2' }]);
  const ca = await s.connect({ token: await invite(s, a), worker: 'w' });
  expect((await ok<Task>(ca, 'task:next'))!.item.question).toBe('In A?');

  const b = await makeProject(s, {}, [{ id: 'b1', question: 'In B?', answer_a: '3', answer_b: '4' }]);
  const cb = await s.connect({ token: await invite(s, b), worker: 'w' });
  expect((await ok<Task>(cb, 'task:next'))!.item).toMatchObject({ id: 'b1', question: 'In B?', answer_a: expect.any(String) });
});
