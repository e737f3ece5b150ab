import fs from 'node:fs';
import path from 'node:path';
import { jsonl, pairwiseItems, startServer, type TestServer } from '../helpers/server';
import { runConcord } from '../helpers/cli';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

/** Runs `concord …` as a user would; resolves with its exit code and output. */
const concord = (...args: string[]) => runConcord(s, ...args);

describe('the concord CLI', () => {
  test('--help lists the commands, and each command has its own help', async () => {
    const top = await concord('--help');
    for (const c of ['serve', 'import', 'report', 'export']) expect(top.stdout).toContain(c);
    const imp = await concord('import', '--help');
    expect(imp.stdout).toContain('--labels');
    expect(imp.stdout).toContain('--upsert');
  }, 30_000);

  test('import creates a project, rejects a bad file naming its lines, then report and export read it back', async () => {
    const dir = s.dir;
    const items = path.join(dir, 'items.jsonl');
    fs.writeFileSync(items, jsonl(pairwiseItems(4)));
    const created = await concord('import', items, '--create', 'From the CLI', '--type', 'pairwise');
    expect(created.code).toBe(0);
    const id = /Created project (\d+)/.exec(created.stdout)![1]!;
    expect(created.stdout).toContain(`Imported 4 items into project ${id}`);

    const bad = path.join(dir, 'labels.jsonl');
    fs.writeFileSync(bad, jsonl([{ item: 'q1', annotator: 'h1', value: 'A' }, { item: 'q9', annotator: 'h1', value: 'A' }, { item: 'q2', annotator: 'h1', value: 'C' }]));
    const rejected = await concord('import', bad, '--labels', '--project', id);
    expect(rejected.code).toBe(1);
    expect(rejected.stderr).toContain('Nothing was imported: 2 problems');
    expect(rejected.stderr).toMatch(/line 2\s+item: no item with id "q9"/);
    expect(rejected.stderr).toMatch(/line 3\s+value: must be "A", "B" or "tie"/);

    const labels = ['h1', 'h2', 'h3'].flatMap((h, i) => ['q1', 'q2', 'q3', 'q4'].map((q, j) => ({ item: q, annotator: h, value: (i + j) % 3 === 0 ? 'B' : 'A' })));
    fs.writeFileSync(bad, jsonl(labels));
    expect((await concord('import', bad, '--labels', '--project', id)).stdout).toContain('Imported 12 labels');

    const report = await concord('report', id);
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('Agreement among humans');
    expect(report.stdout).toMatch(/h1\s+│ h2/);
    const json = JSON.parse((await concord('report', id, '--json')).stdout);
    expect(json.project).toMatchObject({ items: 4, labels: { human: 12, llm: 0 } });

    const out = path.join(dir, 'gold.jsonl');
    expect((await concord('export', id, '--kind', 'gold', '--out', out)).code).toBe(0);
    const gold = fs.readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(gold.map((g) => g.id)).toEqual(['q1', 'q2', 'q3', 'q4']);
    const csv = await concord('export', id, '--kind', 'labels', '--format', 'csv');
    expect(csv.stdout.split('\n')[0]).toBe(
      'item,annotator,kind,value,certainty,rationale,order,sample,seconds,created_at,excluded,model,template,template_version,raw_output,prompt_tokens,completion_tokens,latency_ms,invite_id,study_id,session_id',
    );

    // Judge-training data: the humans' consensus as reward-model pairs, and SFT examples in both orders.
    const preference = (await concord('export', id, '--kind', 'preference')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    const decided = gold.filter((g) => g.label !== 'tie');
    expect(preference.map((r) => [r.id, r.label, r.chosen, r.rejected])).toEqual(
      decided.map((g) => [g.id, g.label, g.label === 'A' ? g.answer_a : g.answer_b, g.label === 'A' ? g.answer_b : g.answer_a]),
    );
    const sft = (await concord('export', id, '--kind', 'sft', '--swap')).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(sft.length).toBe(2 * gold.length);
    const noReference = await concord('export', id, '--kind', 'sft', '--no-reference-answer', '--template', 'no-such-template');
    expect(noReference.code).toBe(1);
    expect(noReference.stderr).toContain('template');
  }, 60_000);

  test('--preset reads a published data set with the labels it carries; a wrong preset or a preset with --labels is refused before anything is sent', async () => {
    const pandalm = path.resolve(__dirname, '../fixtures/pandalm/testset-v1.json');
    const ok = await concord('import', pandalm, '--create', 'PandaLM', '--type', 'pairwise', '--preset', 'pandalm');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/Imported 999 items and 2997 labels into project \d+/);
    const unknown = await concord('import', pandalm, '--create', 'never made', '--type', 'pairwise', '--map', 'colour=instruction');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--map');
    const both = await concord('import', pandalm, '--project', '1', '--preset', 'pandalm', '--labels');
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('drop --labels');
    const projects = (await s.api('GET', '/api/projects')).body.projects.map((p: { name: string }) => p.name);
    expect(projects).not.toContain('never made');
  }, 60_000);

  test('a wrong token or an unreachable server is said in words', async () => {
    const wrong = await concord('report', '1', '--token', 'not-a-real-token-at-all');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('This token is not valid for this server');
    const away = await concord('report', '1', '--server', 'http://127.0.0.1:9');
    expect(away.stderr).toContain('Cannot reach the Concord server at http://127.0.0.1:9');
  }, 30_000);
});
