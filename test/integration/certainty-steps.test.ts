/**
 * `label:submit` stores a human's certainty only on the scale's steps (what the annotator page can show): whole
 * numbers on an integer scale such as the default 1–100, hundredths on a 0–1 probability scale. Judges are not
 * held to the steps: their certainty is rescaled from the scale their template asks on.
 */
import { call, invite, makeProject, ok, pairwiseItems, startServer, type Client, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

async function human(pid: number, worker: string): Promise<Client> {
  return s.connect({ token: await invite(s, pid), worker });
}

const storedCertainties = (pid: number) =>
  (s.db.prepare('SELECT certainty FROM labels WHERE project_id = ? ORDER BY id').all(pid) as Array<{ certainty: number }>).map((r) => r.certainty);

describe('label:submit certainty steps', () => {
  test('on the default 1–100 scale a human certainty of 40.6 is refused, naming the steps, and 41 is stored as 41', async () => {
    const pid = await makeProject(s, { certainty: true }, pairwiseItems(2));
    const sock = await human(pid, 'steps-1');
    const t = await ok(sock, 'task:next', {});
    const bad = await call(sock, 'label:submit', { leaseId: t.leaseId, value: 'A', certainty: 40.6, clientLabelId: 'c1' });
    expect(bad.ok).toBe(false);
    if (bad.ok) return;
    expect(bad.error.code).toBe('invalid-input');
    expect(bad.error.message).toMatch(/whole number|steps of 1/);
    await ok(sock, 'label:submit', { leaseId: t.leaseId, value: 'A', certainty: 41, clientLabelId: 'c2' });
    expect(storedCertainties(pid)).toEqual([41]);
  });

  test('on a 0–1 probability scale a human certainty is stored in hundredths: 0.575 is refused, 0.57 stored', async () => {
    const pid = await makeProject(s, { certainty: { min: 0, max: 1 } }, pairwiseItems(2));
    const sock = await human(pid, 'steps-2');
    const t = await ok(sock, 'task:next', {});
    const bad = await call(sock, 'label:submit', { leaseId: t.leaseId, value: 'B', certainty: 0.575, clientLabelId: 'c1' });
    expect(bad.ok ? 'stored' : bad.error.code).toBe('invalid-input');
    await ok(sock, 'label:submit', { leaseId: t.leaseId, value: 'B', certainty: 0.57, clientLabelId: 'c2' });
    expect(storedCertainties(pid)).toEqual([0.57]);
  });

  test('a judge certainty between the steps is still stored (a judge is rescaled from its template scale)', async () => {
    const pid = await makeProject(s, { certainty: { min: 1, max: 5 } }, pairwiseItems(1));
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { name: 'rescaled', model: 'm', base_url: 'http://127.0.0.1:9', template: 'persona' });
    expect(judge.status).toBe(201);
    const sock = await s.connect({ token: judge.body.token });
    const t = await ok(sock, 'task:next', {});
    await ok(sock, 'label:submit', { leaseId: t.leaseId, value: 'A', certainty: 3.37, clientLabelId: 'j1' });
    expect(storedCertainties(pid)).toEqual([3.37]);
  });
});
