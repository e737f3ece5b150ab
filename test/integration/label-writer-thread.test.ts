/**
 * Issue 14, part 1b (decision 0013): live labels are committed in a thread of their own, so the event loop never
 * waits on a commit or its fsync, and an ack still comes only after the label's transaction has committed.
 */
import Database from 'better-sqlite3';
import { call, invite, makeProject, ok, pairwiseItems, serversPerTest, type Client } from '../helpers/server';
import type { Task } from '../../shared/protocol';

const servers = serversPerTest();

/** Settles with the ack, and records whether it came (so the test can ask while it is still pending). */
function pending<T>(p: Promise<T>): { promise: Promise<T>; settled: () => boolean } {
  let done = false;
  const promise = p.finally(() => (done = true));
  return { promise, settled: () => done };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the label writer thread', () => {
  test.each([
    ['shorter than', 800],
    ['longer than', 6500],
  ])('while another connection holds the write lock %s busy_timeout, other annotators are served at once; the label is acknowledged after its commit, and stored', async (_what, holdMs) => {
    const s = await servers.server();
    const pid = await makeProject(s, { redundancy: 2 }, pairwiseItems(20));
    const token = await invite(s, pid);
    const a: Client = await s.connect({ token, worker: 'writer-a' });
    const b: Client = await s.connect({ token, worker: 'writer-b' });
    const task = await ok<Task>(a, 'task:next');
    // An earlier label each, so neither submit below creates an annotator.
    await ok(b, 'label:submit', { leaseId: (await ok<Task>(b, 'task:next')).leaseId, value: 'A', clientLabelId: 'b-1' });

    const blocker = new Database(s.db.name);
    blocker.exec('BEGIN IMMEDIATE');
    const submit = pending(call(a, 'label:submit', { leaseId: task.leaseId, value: 'B', clientLabelId: 'a-1' }));
    // The event loop is free: another annotator's task:next is answered while the label waits for the lock.
    const served = await ok<Task>(b, 'task:next');
    expect(served.item.id).toMatch(/^q\d+$/);
    await sleep(holdMs);
    expect(submit.settled()).toBe(false);
    expect(blocker.prepare("SELECT count(*) FROM labels WHERE client_label_id = 'a-1'").pluck().get()).toBe(0);
    blocker.exec('COMMIT');
    const ack = await submit.promise;
    expect(ack.ok).toBe(true);
    // Committed by the time of the ack: a connection of its own reads it.
    const stored = blocker.prepare("SELECT value, item_id FROM labels WHERE client_label_id = 'a-1'").get() as { value: string };
    // (B as shown; stored in the item's own order.)
    expect(stored.value).toBe(task.order === 'BA' ? 'A' : 'B');
    blocker.close();
  }, 30_000);

  test("a transaction on the server's connection holds the write lock from its start, so the writer's commits cannot slip between its read and its write", async () => {
    const s = await servers.server();
    const pid = await makeProject(s, {}, pairwiseItems(2));
    const other = new Database(s.db.name);
    other.pragma('busy_timeout = 0');
    const write = () => other.prepare("UPDATE projects SET name = 'other' WHERE id = ?").run(pid);
    // Default (IMMEDIATE): the other connection cannot write inside the transaction.
    s.db.transaction(() => {
      s.db.prepare('SELECT name FROM projects WHERE id = ?').get(pid);
      expect(write).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
      s.db.prepare("UPDATE projects SET name = 'server' WHERE id = ?").run(pid);
    })();
    // What IMMEDIATE prevents: a deferred transaction that read first fails at its first write once another
    // connection has committed meanwhile.
    const deferred = s.db.transaction(() => {
      s.db.prepare('SELECT name FROM projects WHERE id = ?').get(pid);
      write();
      s.db.prepare("UPDATE projects SET name = 'server' WHERE id = ?").run(pid);
    }).deferred;
    expect(deferred).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY_SNAPSHOT' }));
    other.close();
  });
});
