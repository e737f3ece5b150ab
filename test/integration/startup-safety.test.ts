import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { readMigrations } from '../../server/db/database';
import { jsonl, pairwiseItems, tempDir } from '../helpers/server';

const ROOT = path.resolve(__dirname, '../..');
const ADMIN = 'startup-safety-admin-token-0123456789';

interface Started {
  child: ChildProcess;
  url: string;
  out: () => string;
}
interface Refused {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children: ChildProcess[] = [];

/**
 * Runs `concord serve` as its own process. Resolves `{ url }` once it says it is running, or `{ code, stderr }`
 * when it exits first.
 */
function serveProcess(dbFile: string, env: Record<string, string> = {}): Promise<(Started & { exited?: undefined }) | (Refused & { exited: true })> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/concord.js'), 'serve'], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CONCORD_DB: dbFile, CONCORD_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server neither started nor exited: ${stdout}${stderr}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const m = /running on (http:\/\/\S+)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, out: () => stdout + stderr });
      }
    });
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ exited: true, code, stdout, stderr });
    });
  });
}

async function started(dbFile: string, env?: Record<string, string>): Promise<Started> {
  const r = await serveProcess(dbFile, env);
  if (r.exited) throw new Error(`server exited with ${r.code}: ${r.stdout}${r.stderr}`);
  return r;
}

async function refused(dbFile: string, env?: Record<string, string>): Promise<Refused> {
  const r = await serveProcess(dbFile, env);
  if (!r.exited) {
    r.child.kill('SIGKILL');
    throw new Error(`server started when it should have refused: ${r.out()}`);
  }
  return r;
}

function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill(signal);
  });
}

const api = async (url: string, method: string, route: string, body?: string, type = 'application/json') => {
  const res = await fetch(url + route, { method, body, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': type } });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
};

/** A database made by a real server, with a project of `items` items in it, closed cleanly. */
async function filledDatabase(dbFile: string, items = 20): Promise<void> {
  const s = await started(dbFile);
  const p = await api(s.url, 'POST', '/api/projects', JSON.stringify({ name: 'filled', type: 'pairwise' }));
  const r = await api(s.url, 'POST', `/api/projects/${p.body.id}/items`, jsonl(pairwiseItems(items, (i) => ({ meta: { note: `padding ${'x'.repeat(300)} ${i}` } }))), 'application/x-ndjson');
  expect(r.status).toBe(200);
  expect(await stop(s.child)).toBe(0);
}

let dir: string;
beforeEach(() => {
  dir = tempDir('concord-start-');
});
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('one server per database', () => {
  test('a second server on the same database refuses at start with one line naming the first, which keeps serving', async () => {
    const dbFile = path.join(dir, 'concord.db');
    const first = await started(dbFile);
    const second = await refused(dbFile);

    expect(second.code).not.toBe(0);
    const lines = second.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(String(first.child.pid));
    expect(lines[0]).toContain(os.hostname());
    expect(lines[0]).toMatch(/since \d{4}-\d\d-\d\d/);
    expect(lines[0]).toContain(path.resolve(dbFile));

    // The first server was not disturbed: it still answers and writes.
    const p = await api(first.url, 'POST', '/api/projects', JSON.stringify({ name: 'still here', type: 'pairwise' }));
    expect(p.status).toBe(201);
    expect((await api(first.url, 'GET', '/api/projects')).body.projects).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'still here' })]));
  }, 60_000);

  test('a clean stop removes the lock, so the next start needs nothing cleared', async () => {
    const dbFile = path.join(dir, 'concord.db');
    const first = await started(dbFile);
    expect(fs.existsSync(`${dbFile}.lock`)).toBe(true);
    expect(await stop(first.child)).toBe(0);
    expect(fs.existsSync(`${dbFile}.lock`)).toBe(false);
    const again = await started(dbFile);
    expect(await stop(again.child)).toBe(0);
  }, 60_000);

  test('a lock left by a server killed with kill -9 is taken over at the next start', async () => {
    const dbFile = path.join(dir, 'concord.db');
    const first = await started(dbFile);
    await stop(first.child, 'SIGKILL');
    expect(fs.existsSync(`${dbFile}.lock`)).toBe(true);
    const next = await started(dbFile);
    expect(JSON.parse(fs.readFileSync(`${dbFile}.lock`, 'utf8')).pid).toBe(next.child.pid);
    expect(await stop(next.child)).toBe(0);
  }, 60_000);

  test('a lock held from another host is refused with how to clear it', async () => {
    const dbFile = path.join(dir, 'concord.db');
    fs.writeFileSync(`${dbFile}.lock`, JSON.stringify({ pid: 4242, host: 'lab-server-2', startedAt: Date.now() - 3_600_000 }));
    const r = await refused(dbFile);
    expect(r.code).not.toBe(0);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('PID 4242');
    expect(lines[0]).toContain('lab-server-2');
    expect(lines[0]).toContain(`${path.resolve(dbFile)}.lock`);
    expect(lines[0]).toMatch(/delete/i);
  }, 60_000);
});

describe('database checks at start', () => {
  test('the start banner says how long the integrity check took', async () => {
    const s = await started(path.join(dir, 'concord.db'));
    expect(s.out()).toMatch(/integrity check \d+ ms/);
    await stop(s.child);
  }, 60_000);

  test('a damaged database is refused at start, naming the file and how to restore it', async () => {
    const dbFile = path.join(dir, 'concord.db');
    await filledDatabase(dbFile, 400);
    expect(fs.existsSync(`${dbFile}-wal`) && fs.statSync(`${dbFile}-wal`).size > 0).toBe(false);
    // Overwrite pages in the middle of the file, as a failing disk or a bad copy would.
    const size = fs.statSync(dbFile).size;
    expect(size).toBeGreaterThan(100_000);
    const fd = fs.openSync(dbFile, 'r+');
    const junk = Buffer.alloc(4096 * 4);
    for (let i = 0; i < junk.length; i++) junk[i] = (i * 131 + 7) % 251;
    fs.writeSync(fd, junk, 0, junk.length, Math.floor(size / 2 / 4096) * 4096);
    fs.closeSync(fd);

    const r = await refused(dbFile);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(path.resolve(dbFile));
    expect(r.stderr).toMatch(/damaged/);
    expect(r.stderr).toMatch(/last good copy/);
    expect(r.stderr).toMatch(/move it aside/);
    expect(r.stdout).not.toMatch(/running on/);
  }, 90_000);

  test('a database written by a newer Concord gets a version message, not a migration run', async () => {
    const dbFile = path.join(dir, 'concord.db');
    await filledDatabase(dbFile);
    const known = Math.max(...readMigrations().map((m) => m.version));
    const db = new Database(dbFile);
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(known + 4, `${String(known + 4).padStart(4, '0')}_future`, Date.now());
    db.exec('CREATE TABLE future_things (id INTEGER PRIMARY KEY)');
    db.close();

    const r = await refused(dbFile);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain(`written by a newer Concord: schema ${known + 4}, this Concord knows up to ${known}; upgrade Concord`);
  }, 60_000);
});

describe('server logs', () => {
  test('a server whose output is not a terminal writes JSON log lines', async () => {
    const s = await started(path.join(dir, 'concord.db'), { LOG_LEVEL: 'info' });
    // Ask for a route that logs nothing special; the start line is enough.
    await new Promise((r) => setTimeout(r, 200));
    await stop(s.child);
    const logs = s
      .out()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string });
    expect(logs).toEqual(expect.arrayContaining([expect.objectContaining({ level: 30, msg: expect.stringMatching(/started/) })]));
    // The admin token is a secret: it is in the banner for the person starting the server, never in a log line.
    expect(s.out().split('\n').filter((l) => l.startsWith('{')).join('\n')).not.toContain(ADMIN);
  }, 60_000);

  const hasScript = fs.existsSync('/usr/bin/script');
  (hasScript ? test : test.skip)('a server on a terminal writes readable log lines, not JSON', async () => {
    const dbFile = path.join(dir, 'concord.db');
    const command = `${process.execPath} ${path.join(ROOT, 'bin/concord.js')} serve`;
    // `script` gives the server a pseudo-terminal as its stdout, as a person running it in a shell has.
    const child = spawn('script', ['-qec', command, '/dev/null'], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', CONCORD_DB: dbFile, CONCORD_ADMIN_TOKEN: ADMIN, LOG_LEVEL: 'info', NO_COLOR: '1' },
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    const deadline = Date.now() + 30_000;
    while (!/started/.test(out) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    // Stop `script` and the server under it: they are one process group of their own.
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(-child.pid!, 'SIGTERM');
    await exited;
    const line = out.split(/\r?\n/).find((l) => /started/.test(l));
    expect(line).toBeDefined();
    expect(line!.trimStart().startsWith('{')).toBe(false);
    expect(line).toMatch(/INFO/);
  }, 60_000);
});
