/**
 * Judges a researcher can fix: `PATCH /api/projects/:id/judges/:judge` edits a registration or archives it (labels
 * kept, left out of the report and gold, token refused) and `DELETE` removes it (with its labels only when asked).
 */
import { startMockOpenAI, type MockOpenAI } from '../helpers/mock-openai';
import { until } from '../helpers/judges';
import { jsonl, makeProject, ok, pairwiseItems, startServer, type Client, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(async () => {
  await s.close();
});

const register = async (pid: number, body: Record<string, unknown>) => {
  const r = await s.api('POST', `/api/projects/${pid}/judges`, body);
  if (r.status !== 201) throw new Error(`register failed: ${JSON.stringify(r.body)}`);
  return r.body as { id: number; name: string; token: string };
};
const listed = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/judges`)).body.judges as Array<Record<string, any>>;
const storedLabels = (annotatorId: number) => (s.db.prepare('SELECT COUNT(*) AS n FROM labels WHERE annotator_id = ?').get(annotatorId) as { n: number }).n;

/** Labels every task the server hands the judge (always "A"); returns how many. */
async function judgeAll(token: string, max = 1000): Promise<number> {
  const sock: Client = await s.connect({ token });
  let n = 0;
  while (n < max) {
    const t = await ok(sock, 'task:next', {});
    if (!t) break;
    await ok(sock, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: `c-${t.leaseId}` });
    n++;
  }
  sock.disconnect();
  return n;
}

/** The reason a socket connection with this token is refused, or null when it is accepted. */
async function refusal(token: string): Promise<{ message: string; code?: string } | null> {
  try {
    const sock = await s.connect({ token });
    sock.disconnect();
    return null;
  } catch (e) {
    const err = e as Error & { data?: { code?: string } };
    return { message: err.message, code: err.data?.code };
  }
}

const reportNames = async (pid: number) => {
  const r = await s.api('GET', `/api/projects/${pid}/report`);
  expect(r.status).toBe(200);
  return (r.body.annotators as Array<{ annotator: string }>).map((a) => a.annotator);
};

const exportText = async (pid: number, kind: 'labels' | 'gold') => {
  const res = await fetch(`${s.url}/api/projects/${pid}/export?kind=${kind}&format=jsonl&include_llm=true`, { headers: { authorization: `Bearer ${s.token}` } });
  expect(res.status).toBe(200);
  return res.text();
};

describe('PATCH /api/projects/:id/judges/:judge (edit)', () => {
  test('a mistaken registration is corrected: new name, model and settings are listed and handed to the next run', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2));
    const j = await register(pid, { model: 'gpt-4o', base_url: 'http://localhost:9/v1', api_key_env: 'OPENAI_API_KEY', temperature: 0.2 });
    const r = await s.api('PATCH', `/api/projects/${pid}/judges/${j.id}`, {
      name: 'llama-local',
      model: 'llama3.1:8b',
      base_url: 'http://127.0.0.1:11434/v1',
      api_key_env: null,
      temperature: 0,
      price: { input: 0.1, output: 0.2 },
    });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ id: j.id, name: 'llama-local', archived: false, config: { name: 'llama-local', model: 'llama3.1:8b', base_url: 'http://127.0.0.1:11434/v1', temperature: 0 } });
    expect(r.body.config).not.toHaveProperty('api_key_env');
    const [row] = await listed(pid);
    expect(row).toMatchObject({ name: 'llama-local', config: { model: 'llama3.1:8b', price: { input: 0.1, output: 0.2 } } });

    // The worker reads its registration when a run starts: the same token now gets the corrected one.
    const sock = await s.connect({ token: j.token });
    const info = await ok(sock, 'judge:get', {});
    expect(info).toMatchObject({ id: j.id, name: 'llama-local', config: { model: 'llama3.1:8b', base_url: 'http://127.0.0.1:11434/v1' } });
    sock.disconnect();
  });

  test('a name another judge of the project has is refused with 409, and bad settings with 400 naming the field', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(1));
    const a = await register(pid, { model: 'gpt-4o' });
    await register(pid, { model: 'claude' });
    const taken = await s.api('PATCH', `/api/projects/${pid}/judges/${a.id}`, { name: 'claude' });
    expect(taken.status).toBe(409);
    expect(taken.body.error.message).toMatch(/claude/);

    const cases: Array<[unknown, string]> = [
      [{ temperature: 5 }, 'temperature'],
      [{ api_key_env: 'AWS_SECRET_ACCESS_KEY' }, 'api_key_env'],
      [{ samples: 0 }, 'samples'],
      [{ archived: 'yes' }, 'archived'],
      [{ token: 'cjdg_x' }, ''],
      [{}, ''],
    ];
    for (const [body, field] of cases) {
      const r = await s.api('PATCH', `/api/projects/${pid}/judges/${a.id}`, body);
      expect([r.status, r.body.error.code]).toEqual([400, 'invalid-input']);
      if (field) expect(r.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect((await listed(pid)).find((x) => x.id === a.id)).toMatchObject({ name: 'gpt-4o', config: { model: 'gpt-4o' } });
  });

  test('turning on swap and a second sample changes the judge\'s work at once: it is handed every order and sample', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(3));
    const j = await register(pid, { model: 'baseline:first', swap: false, samples: 1 });
    expect((await listed(pid))[0]!.progress).toEqual({ done: 0, target: 3 });
    const r = await s.api('PATCH', `/api/projects/${pid}/judges/${j.id}`, { swap: true, samples: 2 });
    expect(r.status).toBe(200);
    expect(r.body.progress).toEqual({ done: 0, target: 12 });
    expect(await judgeAll(j.token)).toBe(12);
    expect((await listed(pid))[0]!.progress).toEqual({ done: 12, target: 12 });
  });
});

describe('PATCH {archived} (archive and restore)', () => {
  test('an archived judge keeps its labels but leaves the report and gold, its token is refused, and restoring brings it back', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(4));
    const j = await register(pid, { model: 'mistaken-judge' });
    expect(await judgeAll(j.token)).toBe(4);
    expect(await reportNames(pid)).toContain('mistaken-judge');
    expect(await exportText(pid, 'gold')).toContain('mistaken-judge');

    const archived = await s.api('PATCH', `/api/projects/${pid}/judges/${j.id}`, { archived: true });
    expect(archived.status).toBe(200);
    expect(archived.body).toMatchObject({ id: j.id, archived: true, labels: 4 });
    expect(Date.parse(archived.body.archived_at)).toBeGreaterThan(0);
    expect(storedLabels(j.id)).toBe(4);
    expect((await listed(pid))[0]).toMatchObject({ archived: true, labels: 4 });

    const refused = await refusal(j.token);
    expect(refused).toMatchObject({ code: 'forbidden', message: expect.stringMatching(/archived/) });
    const run = await s.api('POST', `/api/projects/${pid}/judges/${j.id}/run`);
    expect(run.status).toBe(409);
    expect(run.body.error.message).toMatch(/archived/);

    expect(await reportNames(pid)).not.toContain('mistaken-judge');
    expect(await exportText(pid, 'gold')).not.toContain('mistaken-judge');

    const restored = await s.api('PATCH', `/api/projects/${pid}/judges/${j.id}`, { archived: false });
    expect(restored.status).toBe(200);
    expect(restored.body).toMatchObject({ archived: false, archived_at: null, labels: 4 });
    expect(await refusal(j.token)).toBeNull();
    expect(await reportNames(pid)).toContain('mistaken-judge');
    expect(await exportText(pid, 'gold')).toContain('mistaken-judge');
  });

  test('archiving a judge that runs in the server stops the run and returns its tasks to the pool', async () => {
    const mock: MockOpenAI = await startMockOpenAI(() => ({ hang: true }));
    try {
      const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(6));
      const j = await register(pid, { model: 'slow', base_url: mock.url, concurrency: 2 });
      expect((await s.api('POST', `/api/projects/${pid}/judges/${j.id}/run`)).status).toBe(202);
      await until(async () => (await s.api('GET', `/api/projects/${pid}/progress`)).body.leases.llm as number, (n) => n > 0);
      const r = await s.api('PATCH', `/api/projects/${pid}/judges/${j.id}`, { archived: true });
      expect(r.status).toBe(200);
      expect(r.body).toMatchObject({ archived: true, state: 'stopped' });
      expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.leases.llm).toBe(0);
    } finally {
      await mock.close();
    }
  });

  test('a connected worker of a judge being archived is disconnected', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(2));
    const j = await register(pid, { model: 'cli-judge' });
    const sock = await s.connect({ token: j.token });
    const t = await ok(sock, 'task:next', {});
    expect(t).not.toBeNull();
    const gone = new Promise<void>((resolve) => sock.once('disconnect', () => resolve()));
    expect((await s.api('PATCH', `/api/projects/${pid}/judges/${j.id}`, { archived: true })).status).toBe(200);
    await gone;
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.leases.llm).toBe(0);
  });
});

describe('DELETE /api/projects/:id/judges/:judge', () => {
  test('a judge without labels is removed: it leaves the listing and its token stops working', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(2));
    const j = await register(pid, { model: 'typo-modle' });
    const r = await s.api('DELETE', `/api/projects/${pid}/judges/${j.id}`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: j.id, name: 'typo-modle', labels_deleted: 0 });
    expect(await listed(pid)).toEqual([]);
    expect(await refusal(j.token)).toMatchObject({ code: 'unauthorized' });
    // The name is free again.
    expect((await s.api('POST', `/api/projects/${pid}/judges`, { model: 'typo-modle' })).status).toBe(201);
  });

  test('a judge with labels is kept with 409 naming the count and the two ways out', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(3));
    const j = await register(pid, { model: 'gpt-4o' });
    expect(await judgeAll(j.token)).toBe(3);
    const r = await s.api('DELETE', `/api/projects/${pid}/judges/${j.id}`);
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe('conflict');
    expect(r.body.error.message).toBe('judge gpt-4o has 3 labels: add ?labels=delete to remove them too, or archive it with PATCH {"archived": true}');
    expect(storedLabels(j.id)).toBe(3);
    expect(await listed(pid)).toHaveLength(1);
    const bad = await s.api('DELETE', `/api/projects/${pid}/judges/${j.id}?labels=yes`);
    expect(bad.status).toBe(400);
  });

  test('?labels=delete removes the judge and its labels: the report, the labels export and progress forget them', async () => {
    const pid = await makeProject(s, { redundancy: 1 }, pairwiseItems(3));
    const keep = await register(pid, { model: 'good-judge' });
    const drop = await register(pid, { model: 'bad-judge' });
    expect(await judgeAll(keep.token)).toBe(3);
    expect(await judgeAll(drop.token)).toBe(3);
    expect(await reportNames(pid)).toEqual(expect.arrayContaining(['good-judge', 'bad-judge']));

    const r = await s.api('DELETE', `/api/projects/${pid}/judges/${drop.id}?labels=delete`);
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id: drop.id, name: 'bad-judge', labels_deleted: 3 });
    expect(storedLabels(drop.id)).toBe(0);
    expect(storedLabels(keep.id)).toBe(3);
    expect((await listed(pid)).map((x) => x.name)).toEqual(['good-judge']);
    const names = await reportNames(pid);
    expect(names).toContain('good-judge');
    expect(names).not.toContain('bad-judge');
    const exported = await exportText(pid, 'labels');
    expect(exported).toContain('good-judge');
    expect(exported).not.toContain('bad-judge');
    expect((await s.api('GET', `/api/projects/${pid}/progress`)).body).toMatchObject({ labels: { llm: 3 } });
  });
});

describe('judge edits and removals need the admin token and a judge of this project', () => {
  test('401 without a token, 403 with a judge token, 404 for a judge of another project, a human or no one', async () => {
    const pid = await makeProject(s, {}, pairwiseItems(1));
    const other = await makeProject(s, { name: 'Other' }, pairwiseItems(1));
    const j = await register(pid, { model: 'gpt-4o' });
    const foreign = await register(other, { model: 'theirs' });
    const imported = await s.api('POST', `/api/projects/${pid}/labels`, jsonl([{ item: 'q1', annotator: 'w1', kind: 'human', value: 'A' }]), { type: 'application/x-ndjson' });
    expect(imported.status).toBe(200);
    const humanId = (s.db.prepare("SELECT id FROM annotators WHERE kind = 'human'").get() as { id: number }).id;

    for (const [method, body] of [['PATCH', { archived: true }], ['DELETE', undefined]] as const) {
      const route = `/api/projects/${pid}/judges/${j.id}`;
      expect((await s.api(method, route, body, { token: null })).status).toBe(401);
      expect((await s.api(method, route, body, { token: j.token })).status).toBe(403);
      expect((await s.api(method, `/api/projects/${pid}/judges/${foreign.id}`, body)).status).toBe(404);
      expect((await s.api(method, `/api/projects/${pid}/judges/${humanId}`, body)).status).toBe(404);
      expect((await s.api(method, `/api/projects/${pid}/judges/99999`, body)).status).toBe(404);
      expect((await s.api(method, `/api/projects/99999/judges/${j.id}`, body)).status).toBe(404);
    }
    // Nothing changed.
    expect((await listed(other))[0]).toMatchObject({ name: 'theirs', archived: false });
    expect((await listed(pid))[0]).toMatchObject({ name: 'gpt-4o', archived: false });
  });
});
