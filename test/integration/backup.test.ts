/**
 * Issue 14 part 2: online backups and a checked restore, end to end with real parts: a real server on a free port,
 * socket.io annotators labelling while `concord backup` runs as a child process, real SQLite files, and the report
 * of a server started on the restored file.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { SessionInfo, SubmitResult, Task } from '../../shared/protocol';
import { runConcord } from '../helpers/cli';
import { integrityOf, invite, makeProject, ok, pairwiseItems, serversPerTest, type Client, type TestServer } from '../helpers/server';

jest.setTimeout(60_000);

interface Acked {
  id: number;
  at: number;
}

/** Labels until `stop()` says so or nothing is left; records each acknowledged label with the time of its ack. */
async function labeller(c: Client, acked: Acked[], stop: () => boolean): Promise<void> {
  for (let n = 0; !stop(); n++) {
    const t = await ok<Task | null>(c, 'task:next');
    if (t === null) {
      if (!(await ok<SessionInfo>(c, 'session:get')).waiting) return;
      await new Promise((r) => setTimeout(r, 5));
      continue;
    }
    const r = await ok<SubmitResult>(c, 'label:submit', { leaseId: t.leaseId, value: n % 3 === 0 ? 'B' : 'A', clientLabelId: `l${n}` });
    acked.push({ id: r.labelId, at: performance.now() });
  }
}

type Row = { id: number; item_id: number; annotator_id: number; value: string };
const labelRows = (db: Database.Database, ids: number[]): Map<number, Row> => {
  const get = db.prepare('SELECT id, item_id, annotator_id, value FROM labels WHERE id = ?');
  return new Map(ids.flatMap((id) => (get.get(id) ? [[id, get.get(id) as Row]] : [])));
};


const { server, folder: tempFolder } = serversPerTest();
const folder = () => tempFolder('concord-backup-');

test('under load: every label acknowledged before `concord backup` started is in the backup, which passes integrity_check', async () => {
  const s = await server();
  // Long answers make a database big enough that the copy takes a while under the labelling.
  const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(3000, () => ({ meta: { note: 'x'.repeat(2000) } })));
  const token = await invite(s, pid);
  const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => s.connect({ token, worker: `w${i}` })));
  const acked: Acked[] = [];
  let done = false;
  const labelling = Promise.all(clients.map((c) => labeller(c, acked, () => done)));
  while (acked.length < 200) await new Promise((r) => setTimeout(r, 10));

  const file = path.join(folder(), 'live.db');
  const started = performance.now();
  const before = acked.filter((a) => a.at < started).map((a) => a.id);
  const r = await runConcord(s, 'backup', file, '--db', path.join(s.dir, 'concord.db'));
  const ended = performance.now();
  const during = acked.filter((a) => a.at > started && a.at < ended).length;
  done = true;
  await labelling;

  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^Backed up .* to .*live\.db: [\d.]+ MB \(\d+ bytes\) in \d+ ms\n$/);
  expect(during).toBeGreaterThan(0); // the annotators kept labelling while the copy was taken
  expect(integrityOf(file)).toBe('ok');
  const copy = new Database(file, { readonly: true });
  const inCopy = labelRows(copy, before);
  copy.close();
  const inSource = labelRows(s.db, before);
  const missing = before.filter((id) => !inCopy.has(id));
  expect(missing).toEqual([]);
  for (const id of before) expect(inCopy.get(id)).toEqual(inSource.get(id));
  // Nothing half-written was left beside it.
  expect(fs.readdirSync(path.dirname(file)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  // A second backup to the same name is refused without --force, and the first is kept as it was.
  const bytes = fs.readFileSync(file);
  const again = await runConcord(s, 'backup', file, '--db', path.join(s.dir, 'concord.db'));
  expect([again.code, again.stderr]).toEqual([1, `concord: ${file} exists: choose another name, or give --force to replace it\n`]);
  expect(fs.readFileSync(file).equals(bytes)).toBe(true);
});

test('restore round trip: a server on the restored file gives the same report as the source at the backup', async () => {
  const s = await server();
  const pid = await makeProject(s, { redundancy: 3 }, pairwiseItems(40));
  const token = await invite(s, pid);
  const clients = await Promise.all(Array.from({ length: 4 }, (_, i) => s.connect({ token, worker: `w${i}` })));
  const acked: Acked[] = [];
  await Promise.all(clients.map((c) => labeller(c, acked, () => false)));
  expect(acked.length).toBe(120);
  for (const c of clients) c.disconnect();
  const source = await s.api('GET', `/api/projects/${pid}/report`);
  expect(source.status).toBe(200);

  const dir = folder();
  const file = path.join(dir, 'quiet.db');
  expect((await runConcord(s, 'backup', file, '--db', path.join(s.dir, 'concord.db'))).code).toBe(0);
  const target = path.join(dir, 'fresh', 'restored.db');
  const restored = await runConcord(s, 'restore', file, '--db', target);
  expect(restored.stderr).toBe('');
  expect(restored.stdout).toMatch(/^Restored .*quiet\.db into .*restored\.db: [\d.]+ MB in \d+ ms\n$/);
  expect(fs.readdirSync(path.dirname(target))).toEqual(['restored.db']);

  const back = await server(target);
  const report = await back.api('GET', `/api/projects/${pid}/report`, undefined, { token: s.token });
  expect(report.status).toBe(200);
  expect(report.body).toEqual(source.body);
});
