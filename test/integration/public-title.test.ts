import type { SessionInfo, Task } from '../../shared/protocol';
import { invite, makeProject, ok, startServer, type TestServer } from '../helpers/server';

/** Annotators see the study's public title; the researcher's internal project name never reaches them. */

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const INTERNAL = 'ACME-secret-eval-gpt5-vs-claude';

describe('public study title', () => {
  test("an annotator's session and every task payload carry the public title, never the internal name", async () => {
    const items = Array.from({ length: 4 }, (_, i) => ({ id: `item-${i}`, question: `Which reply is kinder? (${i})`, answer_a: 'Sure!', answer_b: 'No.', reference: 'Sure!' }));
    const pid = await makeProject(s, { name: INTERNAL, public_title: 'Which reply is kinder?', redundancy: 1, instructions: 'Pick the kinder reply.' }, items);
    const token = await invite(s, pid);
    const c = await s.connect({ token, worker: 'w1' });
    const seen: unknown[] = [];
    const session = await ok<SessionInfo>(c, 'session:get');
    seen.push(session);
    expect(session.project.title).toBe('Which reply is kinder?');
    for (let t = await ok<Task | null>(c, 'task:next'); t; t = await ok<Task | null>(c, 'task:next')) {
      seen.push(t);
      seen.push(await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: t.leaseId }));
    }
    seen.push(await ok<SessionInfo>(c, 'session:get'));
    expect(seen.length).toBe(10);
    for (const payload of seen) expect(JSON.stringify(payload)).not.toContain(INTERNAL);

    // Without a public title the name is what annotators see; clearing it falls back to the name.
    expect((await s.api('PATCH', `/api/projects/${pid}`, { public_title: null })).status).toBe(200);
    expect((await ok<SessionInfo>(c, 'session:get')).project.title).toBe(INTERNAL);
  });
});
