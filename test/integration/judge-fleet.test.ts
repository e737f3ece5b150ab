/**
 * Judge fleets (issue 14, part 3), with real `concord judge` processes against the mock OpenAI endpoint:
 * - several workers run one judge's token, as a judge spread over machines would, beside another judge's worker;
 *   one is killed with SIGKILL mid-task: what the server acknowledged stays, its leases lapse (the test server's
 *   clock is moved past the judges' lease) and the other workers finish its items, so every item ends with exactly
 *   one label per judge and order;
 * - the server (`concord serve`, its own process) is restarted under a running worker, on the same database file
 *   and port: the worker reconnects and finishes the run, nothing lost or stored twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import Database from 'better-sqlite3';
import { CONCORD_BIN } from '../helpers/cli';
import { closedPort, startJudgeProcess, until } from '../helpers/judges';
import { startMockOpenAI, type MockOpenAI } from '../helpers/mock-openai';
import { jsonl, makeProject, pairwiseItems, serversPerTest } from '../helpers/server';

const servers = serversPerTest();
let mock: MockOpenAI;

beforeEach(async () => {
  // Slow enough that a worker always has tasks in flight: it is killed holding leases.
  mock = await startMockOpenAI(() => ({ content: JSON.stringify({ rationale: 'Assistant A answers the question.', verdict: 'A' }), delayMs: 60 }));
});
afterEach(async () => {
  await mock.close();
});

/** What the tests read of a worker's `--json` summary (judge-worker/summary.ts). */
interface Summary {
  state: string;
  labels: number;
  errors: number;
  lapsed: number;
  resubmits: number;
}

interface WorkerProcess {
  child: ChildProcess;
  /** Resolves at its first progress line: it is connected and has stored a label. */
  judging: Promise<void>;
  /** Resolves when it exits, with its exit code and the summary it printed (`--json`), if any. */
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; summary: Summary | null; stderr: string }>;
}

/** `concord judge --token … --base-url … --json`, as an operator starts it on a machine next to a model server. */
function startWorker(server: string, token: string, concurrency: number): WorkerProcess {
  const run = startJudgeProcess(['--server', server, '--token', token, '--base-url', mock.url, '--concurrency', String(concurrency), '--max-tries', '2', '--json']);
  const done = run.done.then(({ code, signal, stdout, stderr }) => {
    let summary = null;
    try {
      summary = JSON.parse(stdout) as Summary;
    } catch {
      // Killed: it printed nothing.
    }
    return { code, signal, summary, stderr };
  });
  return { child: run.child, judging: run.judging, done };
}

/** A judge's labels as stored: (item, slot) → label id and value. */
function labelsOf(file: string, judgeId: number): Map<string, { id: number; value: unknown }> {
  const db = new Database(file, { readonly: true });
  try {
    const rows = db.prepare('SELECT id, item_id, slot, value FROM labels WHERE annotator_id = ?').all(judgeId) as Array<{ id: number; item_id: number; slot: string; value: unknown }>;
    return new Map(rows.map((r) => [`${r.item_id}|${r.slot}`, { id: r.id, value: r.value }]));
  } finally {
    db.close();
  }
}

describe('a judge fleet when a worker process is killed', () => {
  test('nothing acknowledged is lost, its tasks go to the other workers, and every item ends with one label per judge and order', async () => {
    const s = await servers.server();
    const items = 300;
    const projectId = await makeProject(s, {}, pairwiseItems(items));
    const register = async (name: string, swap: boolean) => (await s.api('POST', `/api/projects/${projectId}/judges`, { name, model: 'fleet-model', base_url: mock.url, concurrency: 12, swap })).body as { id: number; token: string };
    const fleet = await register('fleet judge', true);
    const other = await register('other judge', false);
    const [doomed, ...survivors] = [0, 1, 2].map(() => startWorker(s.url, fleet.token, 4));
    const bystander = startWorker(s.url, other.token, 4);
    await doomed!.judging;
    const progress = async () => (await s.api('GET', `/api/projects/${projectId}/progress`)).body as { leases: { llm: number }; labels: { llm: number } };
    // Mid-run: leases are held (the endpoint takes 60 ms a request) and most of the work is still to do.
    await until(progress, (p) => p.labels.llm >= 40 && p.leases.llm > 0);
    doomed!.child.kill('SIGKILL');
    const killed = await doomed!.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(killed.summary).toBeNull();
    const dbFile = path.join(s.dir, 'concord.db');
    const atKill = labelsOf(dbFile, fleet.id);
    expect(atKill.size).toBeLessThan(2 * items);

    // Past the judges' lease: whatever the killed worker held lapses at the server's next sweep.
    const lease = (await s.api('GET', `/api/projects/${projectId}`)).body.lease_seconds.llm as number;
    s.clock.advance((lease + 1) * 1000);

    const finished = await Promise.all([...survivors, bystander].map((w) => w.done));
    for (const f of finished) {
      expect(f.signal).toBeNull();
      expect(f.summary).not.toBeNull();
    }
    const fleetLabels = labelsOf(dbFile, fleet.id);
    // Every item in both orders, once each (the UNIQUE (item, annotator, slot) key makes "once" a count).
    expect(fleetLabels.size).toBe(2 * items);
    expect(new Set([...fleetLabels.keys()].map((k) => k.split('|')[1])).size).toBe(2);
    expect(labelsOf(dbFile, other.id).size).toBe(items);
    // Every label stored before the kill is still there, unchanged.
    for (const [slot, label] of atKill) expect(fleetLabels.get(slot)).toEqual(label);
    const end = await progress();
    expect(end.leases.llm).toBe(0);
    expect(end.labels.llm).toBe(3 * items);
  }, 180_000);
});

const ADMIN_TOKEN = 'judge-fleet-restart-admin-token';

/** `concord serve` on a given port and database file, in its own process; resolves once it says it is running. */
function serve(port: number, dbFile: string): Promise<ChildProcess> {
  const env = { ...process.env, CONCORD_ADMIN_TOKEN: ADMIN_TOKEN, LOG_LEVEL: 'silent' };
  const child = spawn(process.execPath, [CONCORD_BIN, 'serve', '--port', String(port), '--host', '127.0.0.1', '--db', dbFile], { stdio: ['ignore', 'pipe', 'pipe'], env });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      if (out.includes('Concord is running')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d));
    child.once('exit', (code) => reject(new Error(`concord serve exited (${code}): ${out}`)));
  });
}

const exited = (c: ChildProcess) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('exit', () => resolve())));

describe('a judge worker when its server restarts', () => {
  const running: ChildProcess[] = [];
  afterEach(async () => {
    for (const c of running.splice(0)) {
      if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
      await exited(c);
    }
  });

  test.each(['SIGTERM', 'SIGKILL'] as const)('after a %s of the server, it reconnects to the new one on the same port and database and finishes the run: every item labelled once', async (signal) => {
    const dbFile = path.join(servers.folder('concord-fleet-restart-'), 'concord.db');
    const port = await closedPort();
    const url = `http://127.0.0.1:${port}`;
    running.push(await serve(port, dbFile));
    const api = async (method: string, route: string, body?: string, type = 'application/json') => {
      const r = await fetch(url + route, { method, headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': type }, body });
      if (!r.ok) throw new Error(`${method} ${route}: ${r.status} ${await r.text()}`);
      return r.json() as Promise<Record<string, any>>;
    };
    const items = 300;
    const project = await api('POST', '/api/projects', JSON.stringify({ name: 'restart', type: 'pairwise' }));
    await api('POST', `/api/projects/${project.id}/items`, jsonl(pairwiseItems(items)), 'application/x-ndjson');
    const judge = await api('POST', `/api/projects/${project.id}/judges`, JSON.stringify({ name: 'restarted', model: 'fleet-model', base_url: mock.url, concurrency: 8 }));
    const worker = startWorker(url, judge.token as string, 8);
    running.push(worker.child);
    await worker.judging;
    await until(() => api('GET', `/api/projects/${project.id}/progress`), (p) => p.labels.llm >= 60);

    running[0]!.kill(signal);
    await exited(running[0]!);
    const atStop = labelsOf(dbFile, judge.id as number);
    expect(atStop.size).toBeLessThan(items);
    running.push(await serve(port, dbFile));

    const finished = await worker.done;
    if (finished.code !== 0) console.log(finished.stderr.slice(-3000), JSON.stringify(finished.summary));
    expect(finished.stderr).not.toMatch(/Lost the connection/);
    expect(finished.code).toBe(0);
    expect(finished.summary!.state).toBe('done');
    const labels = labelsOf(dbFile, judge.id as number);
    expect(labels.size).toBe(items);
    for (const [slot, label] of atStop) expect(labels.get(slot)).toEqual(label);
    // One worker process made every label, each counted once (a label whose ack the restart lost is acknowledged
    // again as a duplicate when resent, not stored again).
    expect(finished.summary!.labels).toBe(items);
    expect(finished.summary!.errors).toBe(0);
    const progress = await api('GET', `/api/projects/${project.id}/progress`);
    expect(progress.leases.llm).toBe(0);
  }, 180_000);
});
