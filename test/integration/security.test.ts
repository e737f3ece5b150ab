import { io as ioClient } from 'socket.io-client';
import { call, invite, jsonl, makeProject, ok, pairwiseItems, startServer, type Client, type TestServer } from '../helpers/server';

/**
 * Who can reach what: the researcher API answers only to the admin token, annotators (crowd workers and
 * judges) reach nothing but their own tasks, and no input, however malformed, takes the server down.
 */

let s: TestServer;
let pid: number;
let otherPid: number;
let inviteToken: string;
let inviteId: number;
let judgeToken: string;

beforeAll(async () => {
  s = await startServer();
  pid = await makeProject(s, { name: 'Secured' }, pairwiseItems(3));
  otherPid = await makeProject(s, { name: 'Other' }, pairwiseItems(1));
  const inv = await s.api('POST', `/api/projects/${pid}/invites`, {});
  expect(inv.status).toBe(201);
  inviteToken = inv.body.token;
  inviteId = inv.body.id;
  const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'gpt-4o-mini' });
  expect(judge.status).toBe(201);
  judgeToken = judge.body.token;
});
afterAll(async () => {
  await s.close();
});

/** A body a careful reader would accept from an API: the error shape, and nothing from inside the server. */
function expectErrorBody(body: any, code: string): void {
  expect(body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String) }) });
  expect(Object.keys(body.error).sort()).toEqual(expect.arrayContaining(['code', 'message']));
  const text = JSON.stringify(body);
  expect(text).not.toMatch(/\bat .+\(.+:\d+:\d+\)|node_modules|\.ts:\d+|\.js:\d+|stack/i);
}

/** Every researcher route, with a body it would accept from the admin. */
const routes = (): Array<{ method: string; path: string; body?: unknown; type?: string }> => [
  { method: 'GET', path: '/api/projects' },
  { method: 'POST', path: '/api/projects', body: { name: 'Sneaky', type: 'pairwise' } },
  { method: 'GET', path: `/api/projects/${pid}` },
  { method: 'PATCH', path: `/api/projects/${pid}`, body: { name: 'Renamed' } },
  { method: 'DELETE', path: `/api/projects/${pid}` },
  { method: 'POST', path: `/api/projects/${pid}/items`, body: jsonl([{ id: 'evil', question: 'Q', answer_a: 'a', answer_b: 'b' }]), type: 'application/x-ndjson' },
  { method: 'POST', path: `/api/projects/${pid}/labels`, body: jsonl([{ item: 'q1', annotator: 'evil', value: 'A' }]), type: 'application/x-ndjson' },
  { method: 'GET', path: `/api/projects/${pid}/items` },
  { method: 'GET', path: `/api/projects/${pid}/progress` },
  { method: 'POST', path: `/api/projects/${pid}/invites`, body: {} },
  { method: 'GET', path: `/api/projects/${pid}/invites` },
  { method: 'DELETE', path: `/api/projects/${pid}/invites/${inviteId}` },
  { method: 'POST', path: `/api/projects/${pid}/judges`, body: { model: 'evil-model', name: 'evil' } },
  { method: 'GET', path: `/api/projects/${pid}/judges` },
];

/** Nothing the refused requests tried may have happened. */
async function expectUntouched(): Promise<void> {
  const project = await s.api('GET', `/api/projects/${pid}`);
  expect(project.status).toBe(200);
  expect(project.body.name).toBe('Secured');
  expect((await s.api('GET', '/api/projects')).body.projects.map((p: any) => p.name)).toEqual(['Secured', 'Other']);
  expect((await s.api('GET', `/api/projects/${pid}/items`)).body.total).toBe(3);
  expect((await s.api('GET', `/api/projects/${pid}/progress`)).body.labels).toEqual({ human: 0, llm: 0 });
  const invites = (await s.api('GET', `/api/projects/${pid}/invites`)).body.invites;
  expect(invites).toHaveLength(1);
  expect(invites[0].revoked_at).toBeNull();
  expect((await s.api('GET', `/api/projects/${pid}/judges`)).body.judges).toHaveLength(1);
  // A refused request leaves no trace among the project's annotators (only the judge registered above).
  const annotators = (await s.api('GET', `/api/projects/${pid}/progress`)).body.annotators;
  expect(annotators.map((a: any) => `${a.kind}:${a.name}`)).toEqual(['llm:gpt-4o-mini']);
}

describe('researcher API', () => {
  test.each([
    ['no token', null],
    ['an empty bearer', ''],
    ['a wrong token', 'cadm_not-the-admin-token-at-all'],
  ])('every route answers 401 to %s, in the error shape', async (_what, token) => {
    for (const r of routes()) {
      const res = await s.api(r.method, r.path, r.body, { token, type: r.type });
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 401 });
      expectErrorBody(res.body, 'unauthorized');
    }
    await expectUntouched();
  });

  test('a token sent in another scheme than Bearer is refused with 401', async () => {
    for (const header of [`Basic ${s.token}`, s.token, `Token ${s.token}`]) {
      const res = await fetch(`${s.url}/api/projects`, { headers: { authorization: header } });
      expect(res.status).toBe(401);
      expectErrorBody(await res.json(), 'unauthorized');
    }
  });

  test.each([
    ['a judge token', () => judgeToken],
    ['an invite (join link) token', () => inviteToken],
  ])('every route answers 403 to %s, in the error shape, and nothing changes', async (_what, token) => {
    for (const r of routes()) {
      const res = await s.api(r.method, r.path, r.body, { token: token(), type: r.type });
      expect({ route: `${r.method} ${r.path}`, status: res.status }).toEqual({ route: `${r.method} ${r.path}`, status: 403 });
      expectErrorBody(res.body, 'forbidden');
    }
    await expectUntouched();
  });

  test('an invite or judge token cannot reach another project’s routes either', async () => {
    for (const token of [inviteToken, judgeToken]) {
      for (const path of [`/api/projects/${otherPid}`, `/api/projects/${otherPid}/items`, `/api/projects/${otherPid}/progress`]) {
        const res = await s.api('GET', path, undefined, { token });
        expect(res.status).toBe(403);
        expectErrorBody(res.body, 'forbidden');
      }
    }
  });

  test('unknown routes are 404 in the error shape, inside /api and out', async () => {
    for (const [method, path] of [
      ['GET', '/api/nothing-here'],
      ['POST', '/api/projects/1/nonsense'],
      ['GET', `/api/projects/${pid}/items/q1/secret`],
      ['PUT', `/api/projects/${pid}`],
      ['GET', '/api/projects/999999'],
      ['GET', '/api/projects/not-a-number'],
      ['DELETE', `/api/projects/${pid}/invites/999999`],
      ['GET', '/definitely/not/here'],
    ]) {
      const res = await s.api(method!, path!);
      expect({ route: `${method} ${path}`, status: res.status }).toEqual({ route: `${method} ${path}`, status: 404 });
      expectErrorBody(res.body, 'not-found');
    }
  });

  test('an unknown /api route without a token is refused, not described', async () => {
    const res = await s.api('GET', '/api/nothing-here', undefined, { token: null });
    expect(res.status).toBe(401);
    expectErrorBody(res.body, 'unauthorized');
  });

  test('malformed bodies get a 4xx in the error shape with no stack trace', async () => {
    const badJson = await s.api('POST', '/api/projects', '{"name": "x", "type": ', { type: 'application/json' });
    expect(badJson.status).toBe(400);
    expectErrorBody(badJson.body, 'invalid-input');

    const badProject = await s.api('POST', '/api/projects', { name: '', type: 'poll', redundancy: -1, extra: true });
    expect(badProject.status).toBe(400);
    expectErrorBody(badProject.body, 'invalid-input');
    expect(badProject.body.error.details.map((d: any) => d.field)).toEqual(expect.arrayContaining(['name', 'type', 'redundancy']));

    const badPatch = await s.api('PATCH', `/api/projects/${pid}`, { type: 'rating' });
    expect(badPatch.status).toBe(400);
    expectErrorBody(badPatch.body, 'invalid-input');

    const badJudge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'x', base_url: 'not a url', concurrency: 'lots' });
    expect(badJudge.status).toBe(400);
    expectErrorBody(badJudge.body, 'invalid-input');

    const huge = await s.api('POST', '/api/projects', JSON.stringify({ name: 'x', type: 'pairwise', instructions: 'x'.repeat(5 * 1024 * 1024) }), { type: 'application/json' });
    expect(huge.status).toBe(413);
    expectErrorBody(huge.body, 'payload-too-large');
    // Project settings are limited to 4 MB; the message must not quote the (much larger) import limit.
    expect(huge.body.error.message).not.toMatch(/2048 MiB/);

    await expectUntouched();
  });
});

/** Connects and resolves with the connect_error, or fails if the connection is accepted. */
function refusedConnection(auth: Record<string, unknown> | undefined): Promise<Error & { data?: any }> {
  return new Promise((resolve, reject) => {
    const c = ioClient(s.url, { auth, transports: ['websocket'], reconnection: false, forceNew: true });
    c.once('connect', () => {
      c.disconnect();
      reject(new Error('the connection was accepted'));
    });
    c.once('connect_error', (e) => {
      c.disconnect();
      resolve(e as Error & { data?: any });
    });
  });
}

/** Resolves with the reason when the server drops this socket. */
const dropped = (c: Client) => new Promise<string>((resolve) => c.once('disconnect', (reason) => resolve(reason)));

const ITEM_KEYS = ['id', 'question', 'answer_a', 'answer_b', 'answer', 'options', 'reference', 'persona', 'rubric'];

describe('socket connection', () => {
  test('a missing token is refused at connection, saying a token is required', async () => {
    const e = await refusedConnection(undefined);
    expect(e.message).toMatch(/token is required/i);
    expect(e.data?.code).toBe('unauthorized');
    const empty = await refusedConnection({ token: '' });
    expect(empty.message).toMatch(/token is required/i);
    const notString = await refusedConnection({ token: { $ne: null } });
    expect(notString.message).toMatch(/token is required/i);
  });

  test('a wrong token is refused at connection, saying it is not valid', async () => {
    const e = await refusedConnection({ token: 'cinv_this-is-not-a-real-token', worker: 'w' });
    expect(e.message).toMatch(/not valid/i);
    expect(e.data?.code).toBe('unauthorized');
    const long = await refusedConnection({ token: 'x'.repeat(100_000) });
    expect(long.message).toMatch(/token/i);
  });

  test('an invite token without a worker id is refused, saying a worker id is needed', async () => {
    for (const worker of [undefined, '', '   ', 42]) {
      const e = await refusedConnection({ token: inviteToken, worker });
      expect(e.message).toMatch(/worker id is required/i);
      expect(e.data?.code).toBe('invalid-input');
    }
  });

  test('the admin token opens a dashboard socket that cannot take or submit tasks', async () => {
    const admin = await s.connect({ token: s.token });
    for (const [event, input] of [
      ['task:next', undefined],
      ['session:get', undefined],
      ['label:submit', { leaseId: 'x', value: 'A', clientLabelId: 'c' }],
      ['task:release', { leaseId: 'x' }],
      ['task:heartbeat', { leaseId: 'x' }],
    ] as const) {
      const r = await call(admin, event, input);
      expect({ event, r }).toEqual({ event, r: { ok: false, error: expect.objectContaining({ code: 'forbidden' }) } });
    }
    expect((await call(admin, 'project:watch', { projectId: pid })).ok).toBe(true);
    admin.disconnect();
  });

  test('an annotator cannot watch a project, its own or another', async () => {
    const human = await s.connect({ token: inviteToken, worker: 'watcher' });
    const judge = await s.connect({ token: judgeToken });
    for (const c of [human, judge]) {
      for (const projectId of [pid, otherPid]) {
        const r = await call(c, 'project:watch', { projectId });
        expect(r).toEqual({ ok: false, error: expect.objectContaining({ code: 'forbidden' }) });
      }
      expect((await call(c, 'project:unwatch', { projectId: pid })).ok).toBe(false);
    }
    human.disconnect();
    judge.disconnect();
  });
});

describe('what annotators see', () => {
  test('tasks never carry gold, meta or anybody’s labels, for humans or judges', async () => {
    const p = await makeProject(s, { name: 'Leaky?', redundancy: 3, show_reference: false, certainty: true }, [
      ...pairwiseItems(4, (i) => ({ gold: i % 2 ? 'A' : 'B', meta: { secret: 'META-SECRET', source: 'SOURCE-SECRET' }, reference: 'REFERENCE-TEXT', persona: 'a pirate' })),
    ]);
    const labels = await s.api(
      'POST',
      `/api/projects/${p}/labels`,
      jsonl([
        { item: 'q1', annotator: 'expert', value: 'A', certainty: 99, rationale: 'LABEL-SECRET' },
        { item: 'q2', annotator: 'expert', value: 'B', certainty: 98, rationale: 'LABEL-SECRET' },
        { item: 'q1', annotator: 'gpt', kind: 'llm', value: 'tie', rationale: 'LABEL-SECRET' },
      ]),
      { type: 'application/x-ndjson' },
    );
    expect(labels.status).toBe(200);

    const human = await s.connect({ token: await invite(s, p), worker: 'curious' });
    const session = await ok(human, 'session:get');
    expect(JSON.stringify(session)).not.toMatch(/SECRET|gold/);

    const seen: string[] = [];
    for (;;) {
      const task = await ok(human, 'task:next');
      if (task === null) break;
      seen.push(task.item.id);
      expect(Object.keys(task).sort()).toEqual(expect.arrayContaining(['expiresAt', 'item', 'leaseId']));
      for (const k of Object.keys(task)) expect(['leaseId', 'expiresAt', 'item', 'order']).toContain(k);
      for (const k of Object.keys(task.item)) expect(ITEM_KEYS).toContain(k);
      expect(task.item).not.toHaveProperty('gold');
      expect(task.item).not.toHaveProperty('meta');
      expect(task.item).not.toHaveProperty('labels');
      expect(task.item).not.toHaveProperty('reference'); // show_reference is off for humans
      expect(task.item.persona).toBe('a pirate');
      expect(JSON.stringify(task)).not.toMatch(/SECRET|REFERENCE-TEXT|expert|gpt/);
      const submitted = await ok(human, 'label:submit', { leaseId: task.leaseId, value: 'A', certainty: 50, clientLabelId: `c-${task.item.id}` });
      expect(JSON.stringify(submitted)).not.toMatch(/SECRET|expert|gpt/);
    }
    expect(seen.sort()).toEqual(['q1', 'q2', 'q3', 'q4']);

    const judgeReg = await s.api('POST', `/api/projects/${p}/judges`, { model: 'claude', swap: true });
    const judge = await s.connect({ token: judgeReg.body.token });
    for (let i = 0; i < 8; i++) {
      const task = await ok(judge, 'task:next');
      if (task === null) break;
      for (const k of Object.keys(task)) expect(['leaseId', 'expiresAt', 'item', 'order', 'sample']).toContain(k);
      for (const k of Object.keys(task.item)) expect(ITEM_KEYS).toContain(k);
      expect(task.item.reference).toBe('REFERENCE-TEXT'); // judges get the reference
      expect(JSON.stringify(task)).not.toMatch(/SECRET|gold|expert/);
      await ok(judge, 'label:submit', { leaseId: task.leaseId, value: 'A', clientLabelId: `j-${i}` });
    }
    human.disconnect();
    judge.disconnect();
  });

  test('an annotator cannot submit, keep alive or release another annotator’s lease, and the owner still can', async () => {
    const p = await makeProject(s, { name: 'Leases' }, pairwiseItems(2));
    const token = await invite(s, p);
    const alice = await s.connect({ token, worker: 'alice' });
    const mallory = await s.connect({ token, worker: 'mallory' });
    const judge = await s.connect({ token: (await s.api('POST', `/api/projects/${p}/judges`, { model: 'm' })).body.token });
    const task = await ok(alice, 'task:next');

    for (const thief of [mallory, judge]) {
      const submit = await call(thief, 'label:submit', { leaseId: task.leaseId, value: 'B', clientLabelId: 'steal' });
      expect(submit).toEqual({ ok: false, error: expect.objectContaining({ code: 'lease-expired' }) });
      const beat = await call(thief, 'task:heartbeat', { leaseId: task.leaseId });
      expect(beat).toEqual({ ok: false, error: expect.objectContaining({ code: 'lease-expired' }) });
      const release = await call(thief, 'task:release', { leaseId: task.leaseId });
      expect(release).toEqual({ ok: false, error: expect.objectContaining({ code: 'lease-expired' }) });
    }

    const beat = await ok(alice, 'task:heartbeat', { leaseId: task.leaseId });
    expect(beat.expiresAt).toBeGreaterThanOrEqual(task.expiresAt);
    const done = await ok(alice, 'label:submit', { leaseId: task.leaseId, value: 'A', clientLabelId: 'mine' });
    expect(done.duplicate).toBe(false);
    const progress = (await s.api('GET', `/api/projects/${p}/progress`)).body;
    expect(progress.labels).toEqual({ human: 1, llm: 0 });
    expect(progress.annotators.find((a: any) => a.name === 'alice').labels).toBe(1);
    // Mallory never labelled, so she is no annotator at all (issue 8: worker ids become annotators at their first label).
    expect(progress.annotators.find((a: any) => a.name === 'mallory')).toBeUndefined();
    for (const c of [alice, mallory, judge]) c.disconnect();
  });

  test('an annotator of one project never gets another project’s tasks or leases', async () => {
    const a = await makeProject(s, { name: 'A', redundancy: 1 }, pairwiseItems(3, (i) => ({ id: `a${i}` })));
    const b = await makeProject(s, { name: 'B', redundancy: 1 }, pairwiseItems(3, (i) => ({ id: `b${i}` })));
    const inA = await s.connect({ token: await invite(s, a), worker: 'same-person' });
    const inB = await s.connect({ token: await invite(s, b), worker: 'same-person' });
    const judgeA = await s.connect({ token: (await s.api('POST', `/api/projects/${a}/judges`, { model: 'm' })).body.token });

    const bTask = await ok(inB, 'task:next');
    expect(bTask.item.id).toMatch(/^b/);
    const steal = await call(inA, 'label:submit', { leaseId: bTask.leaseId, value: 'A', clientLabelId: 'x' });
    expect(steal).toEqual({ ok: false, error: expect.objectContaining({ code: 'lease-expired' }) });
    expect((await call(inA, 'task:release', { leaseId: bTask.leaseId })).ok).toBe(false);

    const ids: string[] = [];
    for (;;) {
      const t = await ok(inA, 'task:next');
      if (t === null) break;
      ids.push(t.item.id);
      await ok(inA, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: t.item.id });
    }
    expect(ids.sort()).toEqual(['a0', 'a1', 'a2']);
    for (let i = 0; i < 3; i++) {
      const t = await ok(judgeA, 'task:next');
      expect(t.item.id).toMatch(/^a/);
    }
    expect((await ok(inA, 'session:get')).project.title).toBe('A');
    expect((await s.api('GET', `/api/projects/${b}/progress`)).body.labels).toEqual({ human: 0, llm: 0 });
    for (const c of [inA, inB, judgeA]) c.disconnect();
  });
});

describe('malformed socket input', () => {
  let c: Client;
  let p: number;
  beforeAll(async () => {
    p = await makeProject(s, { name: 'Fuzz' }, pairwiseItems(5));
    c = await s.connect({ token: await invite(s, p), worker: 'fuzzer' });
  });
  afterAll(() => {
    c.disconnect();
  });

  const invalid = expect.objectContaining({ ok: false, error: expect.objectContaining({ code: 'invalid-input', message: expect.any(String) }) });

  test('label:submit with missing fields, wrong types, extra keys or huge strings gets invalid-input', async () => {
    const task = await ok(c, 'task:next');
    const L = task.leaseId;
    const payloads: unknown[] = [
      {},
      { leaseId: L },
      { leaseId: L, value: 'A' },
      { value: 'A', clientLabelId: 'c' },
      { leaseId: 42, value: 'A', clientLabelId: 'c' },
      { leaseId: L, value: { A: true }, clientLabelId: 'c' },
      { leaseId: L, value: ['A'], clientLabelId: 'c' },
      { leaseId: L, value: 'A', clientLabelId: 7 },
      { leaseId: L, value: 'A', clientLabelId: '' },
      { leaseId: L, value: 'A', clientLabelId: 'c', certainty: 'very' },
      { leaseId: L, value: 'A', clientLabelId: 'c', rationale: 12 },
      { leaseId: L, value: 'A', clientLabelId: 'c', admin: true },
      JSON.parse(`{"leaseId":"${L}","value":"A","clientLabelId":"c","__proto__":{"polluted":true}}`),
      { leaseId: L, value: 'A', clientLabelId: 'c'.repeat(10_000) },
      { leaseId: 'l'.repeat(10_000), value: 'A', clientLabelId: 'c' },
      { leaseId: L, value: 'A'.repeat(100_000), clientLabelId: 'c' },
      { leaseId: L, value: 'A', clientLabelId: 'c', rationale: 'r'.repeat(200_000) },
      { leaseId: L, value: 'C', clientLabelId: 'c' },
      null,
      'A',
      12,
      ['A'],
      true,
    ];
    for (const input of payloads) {
      const r = await call(c, 'label:submit', input);
      expect({ input: JSON.stringify(input)?.slice(0, 80), r }).toEqual({ input: JSON.stringify(input)?.slice(0, 80), r: invalid });
      expect(JSON.stringify(r)).not.toMatch(/\.ts:\d+|node_modules|stack/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // None of that spent the lease: the real answer still goes in.
    const done = await ok(c, 'label:submit', { leaseId: L, value: 'A', clientLabelId: 'real' });
    expect(done.duplicate).toBe(false);
  });

  test('the other commands refuse bad payloads with invalid-input', async () => {
    for (const [event, input] of [
      ['task:next', { give: 'me everything' }],
      ['task:next', 'all'],
      ['session:get', { projectId: otherPid }],
      ['task:release', {}],
      ['task:release', { leaseId: 5 }],
      ['task:release', { leaseId: 'x', extra: 1 }],
      ['task:heartbeat', null],
      ['task:heartbeat', { leaseId: '' }],
      ['task:heartbeat', { leaseId: 'x'.repeat(1000) }],
    ] as const) {
      const r = await call(c, event, input);
      expect({ event, input, r }).toEqual({ event, input, r: invalid });
    }
  });

  test('commands without an ack, unknown events and extra arguments do not crash the server', async () => {
    const raw = c as unknown as { emit: (...a: unknown[]) => void };
    raw.emit('task:next');
    raw.emit('task:next', {});
    raw.emit('label:submit', { leaseId: 'x', value: 'A', clientLabelId: 'c' });
    raw.emit('label:submit');
    raw.emit('task:release', 'not an object');
    raw.emit('no:such:event', { a: 1 }, () => undefined);
    raw.emit('project:watch', { projectId: p });
    const extra = await new Promise<any>((resolve) => raw.emit('task:heartbeat', { leaseId: 'x' }, 'surplus', resolve));
    expect(extra.ok).toBe(false);

    // The same connection and the server still work.
    expect((await s.api('GET', '/health')).body).toEqual({ ok: true });
    const t = await ok(c, 'task:next');
    expect(t === null || typeof t.leaseId === 'string').toBe(true);
    if (t) await ok(c, 'task:release', { leaseId: t.leaseId });
  });

  test('a message over the size limit drops only that connection; the server keeps serving', async () => {
    const big = await s.connect({ token: await invite(s, p), worker: 'big-sender' });
    const gone = dropped(big);
    (big as unknown as { emit: (...a: unknown[]) => void }).emit('label:submit', { leaseId: 'x', value: 'A', clientLabelId: 'c', rationale: 'x'.repeat(2_000_000) }, () => undefined);
    expect(await gone).toMatch(/transport close|transport error|server disconnect/);
    expect((await s.api('GET', '/health')).status).toBe(200);
    expect((await call(c, 'session:get')).ok).toBe(true);
    const fresh = await s.connect({ token: await invite(s, p), worker: 'after-big' });
    expect((await call(fresh, 'session:get')).ok).toBe(true);
    fresh.disconnect();
  });
});

describe('revoking a join link', () => {
  test('disconnects its connected annotators and refuses new connections with it, leaving other links working', async () => {
    const p = await makeProject(s, { name: 'Revocable' }, pairwiseItems(3));
    const doomed = await s.api('POST', `/api/projects/${p}/invites`, { label: 'prolific batch 1' });
    const kept = await s.api('POST', `/api/projects/${p}/invites`, { label: 'batch 2' });
    const w1 = await s.connect({ token: doomed.body.token, worker: 'w1' });
    const w2 = await s.connect({ token: doomed.body.token, worker: 'w2' });
    const other = await s.connect({ token: kept.body.token, worker: 'w3' });
    const task = await ok(w1, 'task:next');
    expect(task).not.toBeNull();

    const gone1 = dropped(w1);
    const gone2 = dropped(w2);
    const r = await s.api('DELETE', `/api/projects/${p}/invites/${doomed.body.id}`);
    expect(r.status).toBe(200);
    expect(r.body.revoked_at).toEqual(expect.any(String));
    expect(await gone1).toBe('io server disconnect');
    expect(await gone2).toBe('io server disconnect');

    for (const worker of ['w1', 'someone-new']) {
      const e = await refusedConnection({ token: doomed.body.token, worker });
      expect(e.message).toMatch(/revoked/i);
      expect(e.data?.code).toBe('forbidden');
    }
    expect(other.connected).toBe(true);
    expect((await call(other, 'session:get')).ok).toBe(true);

    const listed = (await s.api('GET', `/api/projects/${p}/invites`)).body.invites;
    expect(listed.find((i: any) => i.id === doomed.body.id).revoked_at).not.toBeNull();
    expect(listed.find((i: any) => i.id === kept.body.id).revoked_at).toBeNull();
    other.disconnect();
  });

  test('a link can only be revoked through its own project', async () => {
    const p1 = await makeProject(s, { name: 'P1' }, []);
    const p2 = await makeProject(s, { name: 'P2' }, []);
    const inv = await s.api('POST', `/api/projects/${p1}/invites`, {});
    const wrong = await s.api('DELETE', `/api/projects/${p2}/invites/${inv.body.id}`);
    expect(wrong.status).toBe(404);
    expectErrorBody(wrong.body, 'not-found');
    const c = await s.connect({ token: inv.body.token, worker: 'still-fine' });
    expect(c.connected).toBe(true);
    c.disconnect();
  });
});
