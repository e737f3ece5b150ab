/**
 * Issue 14 part 2: a project moves between servers as one archive. Two real servers on free ports with their own
 * SQLite files: PandaLM's 999 pairwise items with its 3 human annotators' labels (test/fixtures/pandalm), two
 * registered judges with labels in both orders, an adjudication, a blocked human and escalation settings, archived
 * on one and imported on the other, by the REST API and by the CLI; the report and the gold export agree but for ids.
 */
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { runConcord } from '../helpers/cli';
import { pandalmProject } from '../helpers/pandalm';
import { jsonl, makeProject, pairwiseItems, startServer, type TestServer } from '../helpers/server';

let a: TestServer;
let b: TestServer;
let pid: number;
let archive: Buffer;
let judgeToken: string;

/** A deterministic verdict for item i, judge j and order o (no two judges alike, the orders sometimes apart). */
const verdict = (i: number, j: number, o: number) => ['A', 'B', 'tie', null][(i * 7 + j * 3 + o * (i % 5 === 0 ? 1 : 0)) % 4]!;

async function download(s: TestServer, project: number, token = s.token): Promise<{ status: number; body: Buffer }> {
  const res = await fetch(`${s.url}/api/projects/${project}/archive`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: Buffer.from(await res.arrayBuffer()) };
}

const upload = (s: TestServer, body: Buffer) => s.api('POST', '/api/projects/archive', body, { type: 'application/gzip' });

/** The report or gold records with every database id taken out (the project's, items', annotators'). */
function withoutIds(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutIds);
  if (v === null || typeof v !== 'object') return v;
  return Object.fromEntries(Object.entries(v).filter(([k]) => !/(^|_)ids?$/.test(k) || k === 'external_id').map(([k, x]) => [k, withoutIds(x)]));
}

async function goldOf(s: TestServer, project: number): Promise<unknown[]> {
  const res = await fetch(`${s.url}/api/projects/${project}/export?kind=gold&format=jsonl&include_llm=1`, { headers: { authorization: `Bearer ${s.token}` } });
  expect(res.status).toBe(200);
  return (await res.text()).trim().split('\n').map((l) => withoutIds(JSON.parse(l)));
}

/**
 * The report without ids. Escalation's calibration share is drawn by a hash of the project's and the item's database
 * ids (shared/routing.ts inCalibration), so a moved project draws other calibration items: the routing section's
 * counts that follow from the draw are left out here (reported to the lead: drawing by the item's external id
 * would keep the draw across a move). Every other figure must be the same.
 */
const reportOf = async (s: TestServer, project: number) => {
  const r = await s.api('GET', `/api/projects/${project}/report?resamples=200`);
  expect(r.status).toBe(200);
  const routing = r.body.routing;
  expect(routing).toBeTruthy();
  delete routing.calibration_items;
  for (const j of routing.judges) for (const k of ['calibration_points', 'escalated']) delete j[k];
  return withoutIds(r.body);
};

/** The archive's lines, changed by `edit`, gzip'd again. */
function edited(edit: (lines: string[]) => void): Buffer {
  const lines = zlib.gunzipSync(archive).toString('utf8').split('\n');
  edit(lines);
  return zlib.gzipSync(lines.join('\n'));
}

beforeAll(async () => {
  a = await startServer();
  b = await startServer();
  // Server b already holds a project, so the imported one's ids differ from the source's.
  await makeProject(b, {}, pairwiseItems(5));
  pid = await pandalmProject(a);
  expect((await a.api('PATCH', `/api/projects/${pid}`, { certainty: { min: 1, max: 100 }, redundancy: 3 })).status).toBe(200);
  const judges = [];
  for (const name of ['judge-one', 'judge-two']) judges.push((await a.api('POST', `/api/projects/${pid}/judges`, { name, model: `m-${name}`, api_key_env: 'OPENAI_API_KEY' })).body);
  judgeToken = judges[0].token;
  const labels = [];
  for (let i = 0; i < 300; i++)
    for (const [j, judge] of ['judge-one', 'judge-two'].entries())
      for (const [o, order] of ['AB', 'BA'].entries())
        labels.push({ item: String(i), annotator: judge, kind: 'llm', value: verdict(i, j, o), order, certainty: 40 + ((i * 13 + j + o) % 60), rationale: `r${i}` });
  expect((await a.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).body).toEqual({ imported: 1200 });
  expect((await a.api('PUT', `/api/projects/${pid}/items/7/adjudication`, { label: 'B', note: 'read both' })).status).toBe(200);
  const settings = { routing: { mode: 'escalate', judges: [judges[1].id, judges[0].id], calibration: 0.2 } };
  expect((await a.api('PATCH', `/api/projects/${pid}`, settings)).status).toBe(200);
  const got = await download(a, pid);
  expect(got.status).toBe(200);
  archive = got.body;
}, 120_000);

afterAll(async () => {
  await a?.close();
  await b?.close();
});

describe('project archive', () => {
  test('imported on another server: the same settings, report and gold export but for ids', async () => {
    const r = await upload(b, archive);
    expect(r.status).toBe(201);
    expect(r.body.counts).toEqual({ files: 0, items: 999, annotators: 5, labels: 2997 + 1200, adjudications: 1 });
    const moved = r.body.project_id as number;
    expect(moved).not.toBe(pid);
    const src = (await a.api('GET', `/api/projects/${pid}`)).body;
    const dst = (await b.api('GET', `/api/projects/${moved}`)).body;
    const bJudges = (await b.api('GET', `/api/projects/${moved}/judges`)).body.judges as Array<{ id: number; name: string; config: { model: string; api_key_env: string } }>;
    // routing.judges names the same judges, in the same cascade order, by their new ids.
    expect(dst.routing.judges.map((id: number) => bJudges.find((j) => j.id === id)?.name)).toEqual(['judge-two', 'judge-one']);
    expect(bJudges.map((j) => [j.name, j.config.model, j.config.api_key_env])).toEqual([['judge-one', 'm-judge-one', 'OPENAI_API_KEY'], ['judge-two', 'm-judge-two', 'OPENAI_API_KEY']]);
    const strip = (p: Record<string, any>) => ({ ...p, id: 0, created_at: 0, updated_at: 0, routing: { ...p.routing, judges: [] } });
    expect(strip(dst)).toEqual(strip(src));
    expect(await reportOf(b, moved)).toEqual(await reportOf(a, pid));
    const gold = await goldOf(a, pid);
    expect(gold.length).toBeGreaterThan(900); // items without a consensus have no record
    expect(await goldOf(b, moved)).toEqual(gold);
  }, 120_000);

  test('the CLI moves it too: concord export --kind project, concord import --project-archive', async () => {
    const file = path.join(a.dir, 'project.concord');
    const out = await runConcord(a, 'export', String(pid), '--kind', 'project', '-o', file);
    expect(out.stderr).toBe('');
    expect(out.code).toBe(0);
    expect(zlib.gunzipSync(fs.readFileSync(file)).toString('utf8')).toBe(zlib.gunzipSync(archive).toString('utf8'));
    const before = (await b.api('GET', '/api/projects')).body.projects.length;
    const imp = await runConcord(b, 'import', '--project-archive', file);
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/Created project \d+ from .*: 999 items, 5 annotators, 4197 labels, 1 adjudications, 0 files/);
    expect((await b.api('GET', '/api/projects')).body.projects.length).toBe(before + 1);
  }, 120_000);

  test('a corrupt archive is refused naming its line, and leaves no project behind', async () => {
    const before = (await b.api('GET', '/api/projects')).body.projects.length;
    const lines = zlib.gunzipSync(archive).toString('utf8').split('\n');
    const firstLabel = lines.findIndex((l) => l.startsWith('{"type":"label"'));
    expect(firstLabel).toBeGreaterThan(0);
    const badJson = await upload(b, edited((ls) => (ls[500] = '{"type":"item",')));
    expect(badJson.status).toBe(400);
    expect(badJson.body.error.details[0]).toMatchObject({ line: 501 });
    expect(badJson.body.error.message).toMatch(/line 501/);
    const unknownItem = await upload(b, edited((ls) => (ls[firstLabel + 10] = ls[firstLabel + 10]!.replace(/"item":"[^"]*"/, '"item":"no-such-item"'))));
    expect(unknownItem.status).toBe(400);
    expect(unknownItem.body.error.details[0]).toMatchObject({ line: firstLabel + 11, field: 'item' });
    expect(unknownItem.body.error.details[0].message).toMatch(/no-such-item/);
    const badField = await upload(b, edited((ls) => (ls[firstLabel] = ls[firstLabel]!.replace('"shown_order":"AB"', '"shown_order":"CD"').replace('"shown_order":null', '"shown_order":"CD"'))));
    expect(badField.status).toBe(400);
    expect(badField.body.error.details[0]).toMatchObject({ line: firstLabel + 1, field: 'shown_order' });
    const cut = await upload(b, edited((ls) => ls.splice(ls.length - 40)));
    expect(cut.status).toBe(400);
    expect(cut.body.error.details[0]).toMatchObject({ line: 1, field: 'counts.labels' });
    const badSetting = await upload(b, edited((ls) => (ls[0] = ls[0]!.replace('"redundancy":3', '"redundancy":-3'))));
    expect(badSetting.status).toBe(400);
    expect(badSetting.body.error.details[0]).toMatchObject({ line: 1, field: 'project.config.redundancy' });
    expect((await upload(b, Buffer.from('not gzip at all'))).status).toBe(400);
    expect((await b.api('GET', '/api/projects')).body.projects.length).toBe(before);
  }, 120_000);

  test('an annotator token cannot download or upload an archive', async () => {
    expect((await download(a, pid, judgeToken)).status).toBe(403);
    expect((await download(a, pid, 'not-a-token')).status).toBe(401);
    expect((await a.api('POST', '/api/projects/archive', archive, { type: 'application/gzip', token: judgeToken })).status).toBe(403);
    expect((await download(a, 9999)).status).toBe(404);
  });
});
