/**
 * A large items import, through REST and through `concord import`: all or nothing whatever the line of the bad
 * record (the rows of a good file are staged on disk between the checks and the one transaction), upserts and the
 * CLI's output without a terminal (no progress bar, --json that parses).
 */
import fs from 'node:fs';
import path from 'node:path';
import { runConcord } from '../helpers/cli';
import { jsonl, pairwiseItems, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const N = 30_000;
const count = (project: number) => (s.db.prepare('SELECT count(*) FROM items WHERE project_id = ?').pluck().get(project) as number);
const newProject = async (name: string) => (await s.api('POST', '/api/projects', { name, type: 'pairwise' })).body.id as number;

describe('a large items import', () => {
  test('a bad record on the last of 30,000 lines imports nothing and names its line and field; the file fixed imports all', async () => {
    const project = await newProject('Bulk');
    const items: Array<Record<string, unknown>> = pairwiseItems(N);
    items[N - 1] = { ...items[N - 1], colour: 'blue' };
    const bad = await s.api('POST', `/api/projects/${project}/items`, jsonl(items), { type: 'application/x-ndjson' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details).toEqual([expect.objectContaining({ line: N, field: 'colour' })]);
    expect(count(project)).toBe(0);

    items[N - 1] = pairwiseItems(N)[N - 1]!;
    const good = await s.api('POST', `/api/projects/${project}/items`, jsonl(items), { type: 'application/x-ndjson' });
    expect(good.body).toEqual({ imported: N });
    expect(count(project)).toBe(N);
    // Rows keep the file's order and content (they went through the stage): the first, a middle and the last.
    const rows = s.db.prepare('SELECT external_id, content FROM items WHERE project_id = ? ORDER BY id').all(project) as Array<{ external_id: string; content: string }>;
    for (const k of [0, 12_345, N - 1]) {
      expect(rows[k]!.external_id).toBe(`q${k + 1}`);
      expect(JSON.parse(rows[k]!.content)).toEqual({ question: `Question ${k + 1}?`, answer_a: `first answer ${k + 1}`, answer_b: `second answer ${k + 1}` });
    }

    // The same ids again: refused without upsert (nothing changes), replaced with it.
    const again = await s.api('POST', `/api/projects/${project}/items`, jsonl(items.slice(0, 3)), { type: 'application/x-ndjson' });
    expect(again.status).toBe(400);
    const changed = items.slice(0, 3).map((it) => ({ ...it, question: 'changed?' }));
    expect((await s.api('POST', `/api/projects/${project}/items?upsert=1`, jsonl(changed), { type: 'application/x-ndjson' })).body).toEqual({ imported: 3 });
    expect(count(project)).toBe(N);
    expect(JSON.parse((s.db.prepare("SELECT content FROM items WHERE project_id = ? AND external_id = 'q2'").pluck().get(project) as string)).question).toBe('changed?');
  }, 120_000);

  test('concord import without a terminal prints no progress bar; --json prints one JSON object and nothing else', async () => {
    const file = path.join(s.dir, 'bulk.jsonl');
    fs.writeFileSync(file, jsonl(pairwiseItems(5_000)));
    const plain = await runConcord(s, 'import', file, '--create', 'CLI bulk', '--type', 'pairwise');
    expect(plain.code).toBe(0);
    expect(plain.stdout).toMatch(/^Created project (\d+) \(pairwise\)\nImported 5000 items into project \1\n$/);
    // No bar, no cursor or escape sequence on either stream: output that goes to a pipe stays plain text.
    expect(plain.stderr).toBe('');
    expect(plain.stdout).not.toMatch(/[\x1b░█]/);

    const json = await runConcord(s, 'import', file, '--create', 'CLI bulk JSON', '--type', 'pairwise', '--json');
    expect(json.code).toBe(0);
    const r = JSON.parse(json.stdout);
    expect(r).toEqual({ project: expect.any(Number), imported: 5_000 });
    expect(count(r.project)).toBe(5_000);
    expect(json.stderr).toBe('');

    // A refused file still exits 1 with its line, the CSV path included.
    const csv = path.join(s.dir, 'bulk.csv');
    fs.writeFileSync(csv, `id,question,answer_a,answer_b\n${pairwiseItems(4_000).map((it, i) => [it.id, it.question, it.answer_a, i === 3_999 ? '' : it.answer_b].join(',')).join('\n')}\n`);
    const refused = await runConcord(s, 'import', csv, '--project', String(r.project), '--upsert', '--quiet');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/line 4001\s+answer_b/);
    expect(count(r.project)).toBe(5_000);
  }, 120_000);
});
