/**
 * The Parquet exports (issue 12 part 3, ADR 0009), read back with DuckDB, a reader independent of the writer
 * (hyparquet-writer): the PandaLM human-annotated test set (test/fixtures/pandalm, README and licence there)
 * imported by its preset gives in Parquet the same records as in JSONL, with typed columns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { runConcord } from '../helpers/cli';
import { pandalmProject } from '../helpers/pandalm';
import { startServer, tempDir, jsonl, type TestServer } from '../helpers/server';

let s: TestServer;
let pid: number;
let duck: DuckDBConnection;
const dir = tempDir('concord-parquet-');

type Row = Record<string, unknown>;
async function get(route: string): Promise<Response> {
  return fetch(s.url + route, { headers: { authorization: `Bearer ${s.token}` } });
}
const jsonlOf = async (q: string): Promise<Row[]> => (await (await get(`/api/projects/${pid}/export?${q}`)).text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
/** Downloads a Parquet export to a file and returns its path. */
async function parquet(q: string, project = pid): Promise<string> {
  const res = await get(`/api/projects/${project}/export?${q}&format=parquet`);
  expect(res.status).toBe(200);
  const file = path.join(dir, `${q.replace(/[^a-z0-9]+/g, '-')}-${project}.parquet`);
  fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
  return file;
}
const sql = async (q: string): Promise<Row[]> => (await duck.runAndReadAll(q)).getRowObjectsJson() as Row[];
/** Column name → DuckDB type, as DESCRIBE reads the file's schema. */
const types = async (file: string) => Object.fromEntries((await sql(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).map((r) => [r.column_name, r.column_type]));
/** The file's rows in file order, BIGINTs (JSON text in DuckDB's JSON form) as numbers. */
async function rows(file: string): Promise<Row[]> {
  const t = await types(file);
  const big = Object.keys(t).filter((c) => t[c] === 'BIGINT');
  return (await sql(`SELECT * FROM read_parquet('${file}')`)).map((r) => ({ ...r, ...Object.fromEntries(big.map((c) => [c, r[c] === null ? null : Number(r[c])])) }));
}

beforeAll(async () => {
  s = await startServer();
  duck = await (await DuckDBInstance.create(':memory:')).connect();
  pid = await pandalmProject(s);
}, 60_000);

afterAll(async () => {
  duck.closeSync();
  await s.close();
});

describe('Parquet export', () => {
  test('sft: the same 999 examples as JSONL (1998 with swap=1), messages a list of (role, content) structs', async () => {
    for (const [q, n] of [['kind=sft', 999], ['kind=sft&swap=1', 1998]] as const) {
      const file = await parquet(q);
      const expected = await jsonlOf(q);
      expect(expected).toHaveLength(n);
      expect(await rows(file)).toEqual(expected);
    }
    expect(await types(await parquet('kind=sft'))).toEqual({
      id: 'VARCHAR', order: 'VARCHAR', verdict: 'VARCHAR', label: 'VARCHAR', source: 'VARCHAR', rationale: 'VARCHAR', rationale_from: 'VARCHAR',
      rationale_swapped: 'BOOLEAN', question_id: 'VARCHAR', question_body: 'VARCHAR', answer1_body: 'VARCHAR', answer2_body: 'VARCHAR',
      score: 'DOUBLE[]', text: 'VARCHAR', reference_answer: 'VARCHAR', messages: 'STRUCT("role" VARCHAR, "content" VARCHAR)[]',
    });
    // A user's check: the last message is the reference verdict as the assistant's answer; no rationale is a SQL NULL.
    const file = await parquet('kind=sft');
    const [c] = await sql(`SELECT count(*) AS n, count(rationale) AS with_rationale, count_if(messages[-1].role = 'assistant' AND messages[-1].content = text) AS answered FROM read_parquet('${file}')`);
    expect(c).toEqual({ n: '999', with_rationale: '0', answered: '999' });
  });

  test('preference: the 894 untied items, agreement a DOUBLE and n a BIGINT; unicode text survives', async () => {
    const file = await parquet('kind=preference');
    const expected = await jsonlOf('kind=preference');
    expect(expected).toHaveLength(894);
    const got = await rows(file);
    expect(got).toEqual(expected);
    expect(await types(file)).toEqual({ id: 'VARCHAR', prompt: 'VARCHAR', chosen: 'VARCHAR', rejected: 'VARCHAR', label: 'VARCHAR', agreement: 'DOUBLE', n: 'BIGINT', source: 'VARCHAR' });
    // PandaLM's test set holds non-ASCII text (accents, CJK, emoji): compared above byte for byte; here counted, so the
    // comparison cannot pass on ASCII alone.
    expect(got.filter((r) => /[^\u0000-\u007f]/.test(`${r.prompt}${r.chosen}${r.rejected}`)).length).toBeGreaterThan(0);
    const [{ mean }] = (await sql(`SELECT round(avg(agreement), 6) AS mean FROM read_parquet('${file}')`)) as [{ mean: number }];
    expect(mean).toBeCloseTo(expected.reduce((a, r) => a + (r.agreement as number), 0) / expected.length, 6);
  });

  test('gold: labels a list of structs, meta JSON text, nulls are nulls', async () => {
    const file = await parquet('kind=gold');
    const expected = await jsonlOf('kind=gold');
    expect(expected).toHaveLength(999);
    const got = await rows(file);
    expect(got.map((r) => ({ ...r, meta: r.meta === null ? null : JSON.parse(r.meta as string) }))).toEqual(expected);
    const t = await types(file);
    expect(t).toMatchObject({ label: 'VARCHAR', agreement: 'DOUBLE', n: 'BIGINT', posterior: 'DOUBLE', meta: 'VARCHAR', reference: 'VARCHAR' });
    expect(t.labels).toBe('STRUCT(annotator VARCHAR, kind VARCHAR, "value" VARCHAR, certainty DOUBLE, rationale VARCHAR)[]');
    const [c] = await sql(`SELECT count(*) FILTER (WHERE reference IS NULL) AS no_reference, sum(len(labels)) AS votes FROM read_parquet('${file}')`);
    expect(c).toEqual({ no_reference: '999', votes: '2997' });
  });

  test('labels: the same 2997 records as JSONL, excluded a BOOLEAN, sample a BIGINT', async () => {
    const file = await parquet('kind=labels');
    expect(await rows(file)).toEqual(await jsonlOf('kind=labels'));
    expect(await types(file)).toMatchObject({ value: 'VARCHAR', certainty: 'DOUBLE', sample: 'BIGINT', excluded: 'BOOLEAN', invite_id: 'BIGINT', latency_ms: 'DOUBLE' });
  });

  test('row groups end at 5000 records or 2 MB of their JSON text, whichever comes first', async () => {
    const groupsOf = (file: string) => sql(`SELECT row_group_id, any_value(row_group_num_rows) AS n FROM parquet_metadata('${file}') GROUP BY ALL ORDER BY 1`);
    /** The sizes the rule gives, from the JSONL export's lines (each the record's JSON text). */
    const expected = async (q: string) => {
      const sizes: number[] = [];
      let n = 0;
      let bytes = 0;
      for (const line of (await (await get(`/api/projects/${pid}/export?${q}`)).text()).split('\n').filter(Boolean)) {
        n++;
        bytes += line.length;
        if (n >= 5000 || bytes >= 2_000_000) (sizes.push(n), (n = 0), (bytes = 0));
      }
      if (n > 0) sizes.push(n);
      return sizes.map((size, i) => ({ row_group_id: String(i), n: String(size) }));
    };
    // 2997 short labels: one group. 1998 sft examples with their prompts (~3 kB each): several.
    expect(await groupsOf(await parquet('kind=labels'))).toEqual([{ row_group_id: '0', n: '2997' }]);
    const sft = await expected('kind=sft&swap=1');
    expect(sft.length).toBeGreaterThan(1);
    expect(await groupsOf(await parquet('kind=sft&swap=1'))).toEqual(sft);
  });

  test('the download names a .parquet file of the Parquet media type; an export with no record is a file with its columns', async () => {
    const res = await get(`/api/projects/${pid}/export?kind=dpo&format=parquet`);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="project-${pid}-dpo.parquet"`);
    // No judge sampled twice: no DPO pair.
    const file = await parquet('kind=dpo');
    expect(await sql(`SELECT count(*) AS n FROM read_parquet('${file}')`)).toEqual([{ n: '0' }]);
    expect((await types(file)).chosen).toBe('STRUCT("role" VARCHAR, "content" VARCHAR)[]');
  });

  test('a rating project: the gold label and the label values are DOUBLEs', async () => {
    const id = (await s.api('POST', '/api/projects', { name: 'Rating', type: 'rating', scale: { min: 1, max: 5 } })).body.id as number;
    const items = [{ id: 'r1', question: 'Q1 ☃', answer: 'A1' }, { id: 'r2', question: 'Q2', answer: 'A2', meta: { topic: 'x' } }];
    expect((await s.api('POST', `/api/projects/${id}/items`, jsonl(items), { type: 'application/x-ndjson' })).body).toEqual({ imported: 2 });
    const labels = [{ item: 'r1', annotator: 'h1', value: 4 }, { item: 'r1', annotator: 'h2', value: 4 }, { item: 'r2', annotator: 'h1', value: 2 }];
    expect((await s.api('POST', `/api/projects/${id}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).body).toEqual({ imported: 3 });
    const gold = await parquet('kind=gold', id);
    expect(await types(gold)).toMatchObject({ label: 'DOUBLE', answer: 'VARCHAR', rubric: 'VARCHAR' });
    expect(await sql(`SELECT id, question, label, meta FROM read_parquet('${gold}') ORDER BY id`)).toEqual([
      { id: 'r1', question: 'Q1 ☃', label: 4, meta: null },
      { id: 'r2', question: 'Q2', label: 2, meta: '{"topic":"x"}' },
    ]);
    expect(await sql(`SELECT value FROM read_parquet('${await parquet('kind=labels', id)}') ORDER BY value`)).toEqual([{ value: 2 }, { value: 4 }, { value: 4 }]);
  });

  test('a ranking project: answers a list of text, permutation a list of BIGINTs, scores of DOUBLEs, the same records as JSONL', async () => {
    const id = (await s.api('POST', '/api/projects', { name: 'Ranking', type: 'ranking' })).body.id as number;
    const items = [{ id: 'q1', question: 'Which is best?', answers: ['a', 'bb', '=ccc'] }, { id: 'q2', question: 'And here?', answers: ['x', 'y', 'z'], gold: [2, 1, 0] }];
    expect((await s.api('POST', `/api/projects/${id}/items`, jsonl(items), { type: 'application/x-ndjson' })).body).toEqual({ imported: 2 });
    const labels = [
      { item: 'q1', annotator: 'h1', value: [0, 1, 2], permutation: [1, 2, 0] },
      { item: 'q1', annotator: 'judge', kind: 'llm', value: [0, 1, 2], permutation: [2, 0, 1], sample: 0, scores: [9, 6, 2.5] },
      { item: 'q1', annotator: 'judge', kind: 'llm', value: null, permutation: [0, 1, 2], sample: 1 },
    ];
    expect((await s.api('POST', `/api/projects/${id}/labels`, jsonl(labels), { type: 'application/x-ndjson' })).body).toEqual({ imported: 3 });
    const rowsOf = async (kind: string) => {
      const res = await get(`/api/projects/${id}/export?kind=${kind}`);
      return (await res.text()).split('\n').filter(Boolean).map((l) => JSON.parse(l) as Row);
    };
    const gold = await parquet('kind=gold', id);
    expect(await types(gold)).toMatchObject({ answers: 'VARCHAR[]', label: 'VARCHAR' });
    expect((await rows(gold)).map((r) => ({ ...r, meta: r.meta === null ? null : JSON.parse(r.meta as string) }))).toEqual(await rowsOf('gold'));
    const file = await parquet('kind=labels', id);
    expect(await types(file)).toMatchObject({ permutation: 'BIGINT[]', scores: 'DOUBLE[]', value: 'VARCHAR' });
    // DuckDB's JSON form gives a BIGINT list's numbers as text.
    const got: Row[] = (await rows(file)).map((r) => ({ ...r, permutation: (r.permutation as string[] | null)?.map(Number) ?? null }));
    expect(got).toEqual(await rowsOf('labels'));
    expect(got.map((r) => r.scores)).toEqual([null, [9, 6, 2.5], null]);
  });

  test('concord export --format parquet -o writes the file the server sends', async () => {
    const out = path.join(dir, 'cli-preference.parquet');
    const r = await runConcord(s, 'export', String(pid), '--kind', 'preference', '--format', 'parquet', '-o', out);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(await rows(out)).toEqual(await jsonlOf('kind=preference'));
  });
});
