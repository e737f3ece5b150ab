/**
 * The PandaLM human-annotated test set (test/fixtures/pandalm, README there), imported through the public item
 * and label import API, must reproduce the figures published in the PandaLM README (2023-06-09) to the digit
 * they publish.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ReportJson } from '../../shared/stats/report/json';
import { jsonl, startServer, type TestServer } from '../helpers/server';

const DATA = path.resolve(__dirname, '../fixtures/pandalm');
const read = <T>(f: string): T => JSON.parse(fs.readFileSync(path.join(DATA, f), 'utf8')) as T;

interface TestRow {
  idx: number;
  instruction: string;
  input: string;
  response1: unknown;
  response2: unknown;
  annotator1: number;
  annotator2: number;
  annotator3: number;
}

/** PandaLM's labels: 0 = tie, 1 = response1 better, 2 = response2 better; "garbage" is an unparseable output. */
const VERDICTS: Record<string, string> = { '0': 'tie', '1': 'A', '2': 'B', Tie: 'tie' };
const verdict = (v: number | string): string | null => VERDICTS[String(v)] ?? null;

let s: TestServer;
let projectId: number;
let report: ReportJson;

beforeAll(async () => {
  s = await startServer();
  const rows = read<TestRow[]>('testset-v1.json');
  const gpt = read<Array<{ idx: number; gpt_result: string; gpt_reason: string }>>('gpt-3.5-turbo-testset-v1.json');
  const panda = read<Array<{ idx: number; pandalm_result: number; pandalm_reason: string }>>('pandalm-7b-testset-v1.json');
  const p = await s.api('POST', '/api/projects', { name: 'PandaLM test set', type: 'pairwise' });
  projectId = p.body.id;
  // A few responses are JSON booleans in the source file; PandaLM's Python reads them as "True".
  const text = (v: unknown) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
  const items = rows.map((r) => ({ id: String(r.idx), question: r.input ? `${r.instruction}\n\n${r.input}` : r.instruction, answer_a: text(r.response1), answer_b: text(r.response2), meta: { cmp_key: (r as unknown as { cmp_key: string }).cmp_key } }));
  expect((await s.api('POST', `/api/projects/${projectId}/items`, jsonl(items), { type: 'application/x-ndjson' })).body).toEqual({ imported: 999 });
  const labels = [
    ...rows.flatMap((r) => (['annotator1', 'annotator2', 'annotator3'] as const).map((a) => ({ item: String(r.idx), annotator: a, value: verdict(r[a]) }))),
    ...gpt.map((g) => ({ item: String(g.idx), annotator: 'gpt-3.5-turbo', kind: 'llm', value: verdict(g.gpt_result), rationale: g.gpt_reason })),
    ...panda.map((g) => ({ item: String(g.idx), annotator: 'PandaLM-7B', kind: 'llm', value: verdict(g.pandalm_result), rationale: g.pandalm_reason })),
  ];
  const imported = await s.api('POST', `/api/projects/${projectId}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(imported.body).toEqual({ imported: 999 * 5 });
  // PandaLM counts an unparseable output as a tie.
  const r = await s.api('GET', `/api/projects/${projectId}/report?invalid=tie`);
  expect(r.status).toBe(200);
  report = r.body;
}, 60_000);

afterAll(async () => {
  await s.close();
});

const pct2 = (x: number | null) => Number(((x ?? NaN) * 100).toFixed(2));

describe('report on the PandaLM test set', () => {
  test("Cohen's kappa of each annotator pair is 0.85, 0.88, 0.86 as published", () => {
    const kappa = (a: string, b: string) => report.humans.pairs.find((p) => p.a === a && p.b === b)!.cohen_kappa!;
    expect(kappa('annotator1', 'annotator2').toFixed(2)).toBe('0.85');
    expect(kappa('annotator1', 'annotator3').toFixed(2)).toBe('0.88');
    expect(kappa('annotator2', 'annotator3').toFixed(2)).toBe('0.86');
  });

  test('the human majority has 105 ties, 422 for response 1 and 472 for response 2, and no tied majority', () => {
    const majority = (report.humans as unknown as { majority: { items: number; tied: number; counts: Array<{ value: string; items: number }> } }).majority;
    expect(majority.tied).toBe(0);
    expect(Object.fromEntries(majority.counts.map((c) => [c.value, c.items]))).toEqual({ tie: 105, A: 422, B: 472 });
  });

  test('gpt-3.5-turbo against the human majority: accuracy 71.07, precision 58.79, recall 57.36, F1 57.55', () => {
    const j = report.judges.find((x) => x.annotator === 'gpt-3.5-turbo')!;
    expect(j.vs_majority.n).toBe(999);
    expect([pct2(j.vs_majority.accuracy), pct2(j.vs_majority.macro_precision), pct2(j.vs_majority.macro_recall), pct2(j.vs_majority.macro_f1)]).toEqual([71.07, 58.79, 57.36, 57.55]);
    expect(j.invalid).toBeGreaterThan(0);
  });

  test('PandaLM-7B against the human majority: accuracy 66.77, precision 57.38, recall 57.50, F1 57.43', () => {
    const j = report.judges.find((x) => x.annotator === 'PandaLM-7B')!;
    expect([pct2(j.vs_majority.accuracy), pct2(j.vs_majority.macro_precision), pct2(j.vs_majority.macro_recall), pct2(j.vs_majority.macro_f1)]).toEqual([66.77, 57.38, 57.5, 57.43]);
  });

  test('the gold export of the project holds one majority record per item with the labels behind it, and re-imports', async () => {
    const res = await fetch(`${s.url}/api/projects/${projectId}/export?kind=gold`, { headers: { authorization: `Bearer ${s.token}` } });
    expect(res.headers.get('content-type')).toContain('application/x-ndjson');
    const records = (await res.text()).trim().split('\n').map((l) => JSON.parse(l));
    expect(records).toHaveLength(999);
    const counts: Record<string, number> = {};
    for (const r of records) counts[r.label] = (counts[r.label] ?? 0) + 1;
    expect(counts).toEqual({ tie: 105, A: 422, B: 472 });
    expect(records[0]).toMatchObject({ id: '0', n: 3, source: 'unanimous', agreement: 1, label: 'B', meta: { cmp_key: 'bloom-7b_llama-7b' } });
    expect(records[0].labels.map((l: { annotator: string }) => l.annotator)).toEqual(['annotator1', 'annotator2', 'annotator3']);
    // Raw labels export → a new project → the same report.
    const raw = await (await fetch(`${s.url}/api/projects/${projectId}/export?kind=labels`, { headers: { authorization: `Bearer ${s.token}` } })).text();
    const items = await (await fetch(`${s.url}/api/projects/${projectId}/items?limit=1000`, { headers: { authorization: `Bearer ${s.token}` } })).json();
    const copy = (await s.api('POST', '/api/projects', { name: 'copy', type: 'pairwise' })).body.id;
    const itemRecords = (items as { items: Array<{ id: string; content: Record<string, string> }> }).items.map((i) => ({ id: i.id, ...i.content }));
    await s.api('POST', `/api/projects/${copy}/items`, jsonl(itemRecords), { type: 'application/x-ndjson' });
    expect((await s.api('POST', `/api/projects/${copy}/labels`, raw, { type: 'application/x-ndjson' })).body).toEqual({ imported: 4995 });
    const again = (await s.api('GET', `/api/projects/${copy}/report?invalid=tie`)).body as ReportJson;
    expect(again.humans).toEqual(report.humans);
    expect(again.judges).toEqual(report.judges);
  });
});
