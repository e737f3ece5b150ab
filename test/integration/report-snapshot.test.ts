/**
 * Issue 14: the report worker's column snapshot (server/reports/column-snapshot.ts). After a restart the first report
 * starts from the snapshot and the labels added since, and must be the report a fresh server gives on a copy of the
 * database without it. Every change the snapshot cannot follow (items imported or upserted, labels upserted,
 * annotators excluded, archived, restored, renamed or deleted with their labels, the project's settings, labels
 * deleted behind the server's back, a damaged file) must make it read the database instead, and rewrite the file.
 * Real SQLite files, real servers restarted on the same file, real HTTP.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fingerprintOf, openSnapshot, snapshotPolicy } from '../../server/reports/column-snapshot';
import { runConcord } from '../helpers/cli';
import type { Task } from '../../shared/protocol';
import { jsonl, makeProject, ok, pairwiseItems, serversPerTest, type TestServer } from '../helpers/server';

jest.setTimeout(60_000);

const { server, folder } = serversPerTest();

/** Stops a server as a crash-free restart would and starts another on the same database file. */
async function restart(s: TestServer): Promise<TestServer> {
  const file = s.db.name;
  await s.app.close();
  s.db.close();
  return server(file);
}
const policy = { ...snapshotPolicy };
beforeAll(() => Object.assign(snapshotPolicy, { minLabels: 0, rewriteFraction: 1 / 8 }));
afterAll(() => Object.assign(snapshotPolicy, policy));

const snapshotPath = (s: TestServer, pid: number) => path.join(`${s.db.name}.report-snapshots`, `project-${pid}.bin`);
const report = async (s: TestServer, pid: number, query = '?resamples=0') => {
  const r = await s.api('GET', `/api/projects/${pid}/report${query}`);
  expect(r.status).toBe(200);
  return r.body as Record<string, unknown>;
};

/** The snapshot's inode once the worker has (re)written it after `since` (another inode than `since`'s). */
async function written(s: TestServer, pid: number, since: number | null = null): Promise<number> {
  const file = snapshotPath(s, pid);
  for (let i = 0; i < 200; i++) {
    const ino = fs.existsSync(file) ? fs.statSync(file).ino : null;
    if (ino !== null && ino !== since) return ino;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`no snapshot written at ${file}`);
}

/** The report of a fresh server on a copy of the database (no snapshot beside it). */
async function fresh(s: TestServer, pid: number, query?: string): Promise<Record<string, unknown>> {
  const copy = path.join(folder('concord-snapshot-copy-'), 'copy.db');
  s.db.prepare('VACUUM INTO ?').run(copy);
  const f = await server(copy);
  return report(f, pid, query);
}

const importLabels = async (s: TestServer, pid: number, labels: unknown[], upsert = false) => {
  const r = await s.api('POST', `/api/projects/${pid}/labels${upsert ? '?upsert=1' : ''}`, jsonl(labels), { type: 'application/x-ndjson' });
  if (r.status !== 200) throw new Error(JSON.stringify(r.body).slice(0, 600));
};

const VALUES = ['A', 'B', 'tie'];
/** 24 items, 4 humans and 2 judges (registered, so they can be renamed, archived and deleted) with mixed verdicts. */
async function seeded(s: TestServer): Promise<{ pid: number; judges: Array<{ id: number; name: string }> }> {
  const pid = await makeProject(s, { redundancy: 4, certainty: { min: 0, max: 1 } }, pairwiseItems(24, (i) => (i % 3 === 0 ? { gold: VALUES[i % 2] } : {})));
  const judges: Array<{ id: number; name: string }> = [];
  for (const model of ['judge-a', 'judge-b']) {
    const r = await s.api('POST', `/api/projects/${pid}/judges`, { model, name: model });
    expect(r.status).toBe(201);
    judges.push({ id: r.body.id, name: r.body.name });
  }
  const labels = [];
  for (let i = 0; i < 24; i++) {
    for (let h = 0; h < 4; h++) labels.push({ item: `q${i + 1}`, annotator: `h${h}`, value: VALUES[(i * 7 + h * (i % 4)) % 3], seconds: 1 + i * 0.37 + h });
    for (const [k, j] of judges.entries()) labels.push({ item: `q${i + 1}`, annotator: j.name, kind: 'llm', value: VALUES[(i + k * (i % 5)) % 3], certainty: ((i * 13 + k) % 10) / 10, order: i % 2 ? 'AB' : 'BA' });
  }
  await importLabels(s, pid, labels);
  return { pid, judges };
}

/** A server with a seeded project whose snapshot is written; returns its inode. */
async function withSnapshot() {
  const s = await server();
  const { pid, judges } = await seeded(s);
  const before = await report(s, pid);
  const ino = await written(s, pid);
  return { s, pid, judges, before, ino };
}

/**
 * Restarts `s`, reports, and checks the report is a fresh server's; `used` says whether the snapshot must have been
 * used (the file kept) or refused (read afresh and the file rewritten).
 */
async function afterRestart(s: TestServer, pid: number, ino: number, used: boolean, query?: string) {
  const r = await restart(s);
  const got = await report(r, pid, query);
  expect(got).toEqual(await fresh(r, pid, query));
  if (used) {
    await new Promise((res) => setTimeout(res, 200));
    expect(fs.statSync(snapshotPath(r, pid)).ino).toBe(ino);
  } else expect(await written(r, pid, ino)).not.toBe(ino);
  return got;
}

describe('the report column snapshot', () => {
  test('is used after a restart, with the labels added since, and gives the report a fresh server gives', async () => {
    const { s, pid, before, ino } = await withSnapshot();
    // New labels since the snapshot: a new human (a new annotator) and more of an existing one.
    await importLabels(s, pid, [
      { item: 'q1', annotator: 'late', value: 'B' },
      { item: 'q2', annotator: 'late', value: 'tie' },
      { item: 'q3', annotator: 'late2', value: 'A' },
    ]);
    const got = await afterRestart(s, pid, ino, true);
    expect(got).not.toEqual(before);
    await afterRestart(s, pid, ino, true);
  });

  test("judges registered after the snapshot, labelling live in another order than their ids, give a fresh load's report after a restart", async () => {
    Object.assign(snapshotPolicy, { rewriteFraction: 0 });
    try {
      const { s, pid, ino } = await withSnapshot();
      const tokens: string[] = [];
      for (const model of ['judge-x', 'judge-y']) tokens.push((await s.api('POST', `/api/projects/${pid}/judges`, { model, name: model })).body.token);
      // judge-y (the higher id) labels first; the snapshot is rewritten after the next report (fraction 0).
      for (const token of tokens.reverse()) {
        const judge = await s.connect({ token });
        for (let k = 0; k < 3; k++) {
          const t = await ok<Task | null>(judge, 'task:next');
          if (!t) break;
          await ok(judge, 'label:submit', { leaseId: t.leaseId, value: k % 2 ? 'A' : 'tie', certainty: 0.5, clientLabelId: t.leaseId });
        }
        judge.disconnect();
      }
      await report(s, pid);
      const rewritten = await written(s, pid, ino);
      await afterRestart(s, pid, rewritten, true);
    } finally {
      Object.assign(snapshotPolicy, { rewriteFraction: 1 / 8 });
    }
  });

  test('a ranking project (display permutations, answer lengths) and a rating project (numeric categories) alike', async () => {
    const s = await server();
    const ranking = await makeProject(s, { type: 'ranking' }, [
      { id: 'q1', question: 'Which is best?', answers: ['a', 'bb', 'ccc'] },
      { id: 'q2', question: 'And here?', answers: ['x'.repeat(10), 'y'.repeat(50), 'z'.repeat(100)], gold: [2, 1, 0] },
    ]);
    await importLabels(s, ranking, [
      { item: 'q1', annotator: 'h1', value: [0, 1, 2], permutation: [1, 2, 0], seconds: 10 },
      { item: 'q1', annotator: 'h2', value: '[[1],[0],[2]]', permutation: [0, 1, 2], seconds: 20 },
      { item: 'q2', annotator: 'h1', value: [2, 0, 1], permutation: [2, 1, 0], seconds: 30 },
      { item: 'q1', annotator: 'judge', kind: 'llm', value: [[0], [1], [2]], permutation: [2, 0, 1], sample: 0 },
    ]);
    const rating = await makeProject(s, { type: 'rating', scale: { min: 1, max: 5 } }, [1, 2, 3, 4].map((i) => ({ id: `r${i}`, question: `Q${i}`, answer: `answer ${i}`, ...(i % 2 ? { gold: i } : {}) })));
    await importLabels(s, rating, [1, 2, 3, 4].flatMap((i) => ['h1', 'h2', 'h3'].map((h, k) => ({ item: `r${i}`, annotator: h, value: ((i + k) % 5) + 1 }))));
    const inos: number[] = [];
    for (const pid of [ranking, rating]) {
      await report(s, pid);
      inos.push(await written(s, pid));
    }
    await importLabels(s, ranking, [{ item: 'q2', annotator: 'h2', value: [0, 2, 1], permutation: [1, 0, 2], seconds: 5 }]);
    await importLabels(s, rating, [{ item: 'r1', annotator: 'h4', value: 5 }]);
    // Rewritten only once doubled: one label more must leave the file as it was, so its inode shows it was used.
    Object.assign(snapshotPolicy, { rewriteFraction: 1 });
    try {
      const r = await restart(s);
      for (const [k, pid] of [ranking, rating].entries()) {
        expect(await report(r, pid)).toEqual(await fresh(r, pid));
        await new Promise((res) => setTimeout(res, 200));
        expect(fs.statSync(snapshotPath(r, pid)).ino).toBe(inos[k]);
      }
    } finally {
      Object.assign(snapshotPolicy, { rewriteFraction: 1 / 8 });
    }
  });

  test('a graceful close writes the labels committed since the last snapshot into it, and the restart reads it alone', async () => {
    const { s, pid, ino } = await withSnapshot();
    const { token } = (await s.api('POST', `/api/projects/${pid}/judges`, { model: 'judge-z', name: 'judge-z' })).body;
    const judge = await s.connect({ token });
    for (let k = 0; k < 3; k++) {
      const t = (await ok<Task | null>(judge, 'task:next'))!;
      await ok(judge, 'label:submit', { leaseId: t.leaseId, value: k % 2 ? 'B' : 'A', certainty: 0.25, clientLabelId: t.leaseId });
    }
    judge.disconnect();
    // Three labels are far below the rewrite fraction: only the close writes them.
    const r = await restart(s);
    const file = snapshotPath(r, pid);
    expect(fs.statSync(file).ino).not.toBe(ino);
    const opened = openSnapshot(file, fingerprintOf(r.db, pid)!)!;
    opened.close();
    expect(opened.header.labels.n).toBe(r.db.prepare('SELECT count(*) FROM labels WHERE project_id = ?').pluck().get(pid));
    const rewritten = fs.statSync(file).ino;
    expect(await report(r, pid)).toEqual(await fresh(r, pid));
    await new Promise((res) => setTimeout(res, 200));
    expect(fs.statSync(file).ino).toBe(rewritten);
  });

  test('a restart with nothing new gives the same report', async () => {
    const { s, pid, before, ino } = await withSnapshot();
    expect(await afterRestart(s, pid, ino, true)).toEqual(before);
  });

  test('is refused after items are upserted (a gold changed in place)', async () => {
    const { s, pid, before, ino } = await withSnapshot();
    const r = await s.api('POST', `/api/projects/${pid}/items?upsert=1`, jsonl(pairwiseItems(1, () => ({ gold: 'tie' }))), { type: 'application/x-ndjson' });
    expect(r.status).toBe(200);
    expect(await afterRestart(s, pid, ino, false)).not.toEqual(before);
  });

  test('is refused after items are added', async () => {
    const { s, pid, ino } = await withSnapshot();
    const r = await s.api('POST', `/api/projects/${pid}/items`, jsonl([{ id: 'new', question: '?', answer_a: 'x', answer_b: 'yy', gold: 'A' }]), { type: 'application/x-ndjson' });
    expect(r.status).toBe(200);
    await afterRestart(s, pid, ino, false);
  });

  test('is refused after labels are upserted (a value changed in place)', async () => {
    const { s, pid, before, ino } = await withSnapshot();
    await importLabels(s, pid, [{ item: 'q2', annotator: 'h1', value: 'tie' }, { item: 'q5', annotator: 'h2', value: 'B' }], true);
    expect(await afterRestart(s, pid, ino, false)).not.toEqual(before);
  });

  test('is refused after a human is excluded, and again after they are let back in', async () => {
    const { s, pid, before, ino } = await withSnapshot();
    const list = (await s.api('GET', `/api/projects/${pid}/annotators`)).body.annotators as Array<{ id: number; name: string }>;
    const h1 = list.find((a) => a.name === 'h1')!;
    expect((await s.api('PATCH', `/api/projects/${pid}/annotators/${h1.id}`, { excluded: true })).status).toBe(200);
    const r = await restart(s);
    const excluded = await report(r, pid);
    expect(excluded).toEqual(await fresh(r, pid));
    expect(excluded).not.toEqual(before);
    const ino2 = await written(r, pid, ino);
    expect((await r.api('PATCH', `/api/projects/${pid}/annotators/${h1.id}`, { excluded: false })).status).toBe(200);
    expect(await afterRestart(r, pid, ino2, false)).toEqual(before);
  });

  test('is refused after a judge is archived, restored, renamed or deleted with its labels', async () => {
    let { s, pid, judges, before, ino } = await withSnapshot();
    const steps: Array<[string, unknown]> = [
      ['PATCH', { archived: true }],
      ['PATCH', { archived: false }],
      ['PATCH', { name: 'judge-renamed' }],
      ['DELETE', undefined],
    ];
    for (const [method, body] of steps) {
      const r = await s.api(method, `/api/projects/${pid}/judges/${judges[0]!.id}${method === 'DELETE' ? '?labels=delete' : ''}`, body);
      expect(r.status).toBe(200);
      s = await restart(s);
      const got = await report(s, pid);
      expect(got).toEqual(await fresh(s, pid));
      if (method === 'DELETE') expect(got).not.toEqual(before);
      ino = await written(s, pid, ino);
    }
  });

  test("is refused after the project's settings change", async () => {
    const { s, pid, ino } = await withSnapshot();
    expect((await s.api('PATCH', `/api/projects/${pid}`, { instructions: 'new' })).status).toBe(200);
    await afterRestart(s, pid, ino, false);
  });

  test('is refused when labels were deleted behind the server, or the file is damaged or cut short', async () => {
    const { s, pid, ino } = await withSnapshot();
    s.db.prepare('DELETE FROM labels WHERE id = (SELECT min(id) FROM labels WHERE project_id = ?)').run(pid);
    const r = await restart(s);
    expect(await report(r, pid)).toEqual(await fresh(r, pid));
    await written(r, pid, ino);
    let cur = r;
    // A bit flipped in the last label column, the file cut short, a bit flipped in the header.
    const damages = [(b: Buffer) => (b.writeUInt8(b.readUInt8(b.length - 9) ^ 1, b.length - 9), b), (b: Buffer) => b.subarray(0, b.length - 8), (b: Buffer) => (b.writeUInt8(b.readUInt8(40) ^ 4, 40), b)];
    for (const damage of damages) {
      const file = snapshotPath(cur, pid);
      fs.writeFileSync(file, damage(Buffer.from(fs.readFileSync(file))));
      const damaged = fs.statSync(file).ino;
      cur = await restart(cur);
      expect(await report(cur, pid)).toEqual(await fresh(cur, pid));
      await written(cur, pid, damaged);
    }
  });

  test("goes with its project, and restore removes the replaced database's snapshots", async () => {
    const { s, pid } = await withSnapshot();
    const file = snapshotPath(s, pid);
    expect((await s.api('DELETE', `/api/projects/${pid}`)).status).toBe(204);
    for (let i = 0; i < 40 && fs.existsSync(file); i++) await new Promise((r) => setTimeout(r, 25));
    expect(fs.existsSync(file)).toBe(false);

    const other = await seeded(s);
    await report(s, other.pid);
    await written(s, other.pid);
    const backup = path.join(folder(), 'b.db');
    expect((await runConcord(s, 'backup', backup, '--db', path.join(s.dir, 'concord.db'))).code).toBe(0);
    expect(fs.readdirSync(path.dirname(backup))).toEqual(['b.db']);
    const dbFile = path.join(s.dir, 'concord.db');
    await s.app.close();
    s.db.close();
    const r = await runConcord(s, 'restore', backup, '--db', dbFile, '--force');
    expect(r.code).toBe(0);
    expect(fs.existsSync(`${dbFile}.report-snapshots`)).toBe(false);
  });
});
