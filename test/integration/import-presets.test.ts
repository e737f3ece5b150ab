/**
 * Import presets (issue 12): `?preset=` and `?map=` on the items import, through real HTTP and SQLite. PandaLM's
 * whole test set (test/fixtures/pandalm, Apache-2.0) is imported with its three annotators' labels and checked
 * against PandaLM's published majority-label counts (README there: tie 105, response1 422, response2 472).
 * alpaca_eval's GPT-4 annotations are tested on a licensed excerpt (test/fixtures/presets/alpaca-eval); the others
 * here on records written in their published shapes. Real data for alpaca-eval (weighted), rewardbench, judgebench and
 * persona: import-presets-real.test.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { jsonl, startServer, type TestServer } from '../helpers/server';

const PANDALM = fs.readFileSync(path.resolve(__dirname, '../fixtures/pandalm/testset-v1.json'));

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

async function project(type = 'pairwise'): Promise<number> {
  return (await s.api('POST', '/api/projects', { name: 'Presets', type })).body.id as number;
}
const post = (id: number, query: string, body: string | Buffer, type = 'application/x-ndjson') => s.api('POST', `/api/projects/${id}/items?${query}`, body, { type });

interface LabelRow {
  item: string;
  annotator: string;
  kind: string;
  value: string;
}
async function exported<T>(id: number, kind: string): Promise<T[]> {
  const res = await fetch(`${s.url}/api/projects/${id}/export?kind=${kind}&format=jsonl`, { headers: { authorization: `Bearer ${s.token}` } });
  expect(res.status).toBe(200);
  return (await res.text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}
const labelsOf = (id: number) => exported<LabelRow>(id, 'labels');

test('pandalm: the whole test set with its 3 annotators; majority counts as PandaLM publishes them', async () => {
  const id = await project();
  const t0 = performance.now();
  const r = await post(id, 'preset=pandalm', PANDALM, 'application/json');
  // Measured for the report (not asserted): the whole set's import time.
  process.stdout.write(`pandalm preset import: ${(performance.now() - t0).toFixed(0)} ms\n`);
  expect(r.body).toEqual({ imported: 999, labels: 2997 });
  const labels = await labelsOf(id);
  expect(labels).toHaveLength(2997);
  const byItem = new Map<string, string[]>();
  for (const l of labels) byItem.set(l.item, [...(byItem.get(l.item) ?? []), l.value]);
  const counts: Record<string, number> = { tie: 0, A: 0, B: 0 };
  for (const vs of byItem.values()) {
    const c = vs.reduce<Record<string, number>>((m, v) => ({ ...m, [v]: (m[v] ?? 0) + 1 }), {});
    const top = Object.entries(c).find(([, n]) => n >= 2)![0];
    counts[top]!++;
  }
  expect(counts).toEqual({ tie: 105, A: 422, B: 472 });
  const item0 = labels.filter((l) => l.item === '0').map((l) => [l.annotator, l.kind, l.value]);
  expect(item0.sort()).toEqual([['annotator1', 'human', 'B'], ['annotator2', 'human', 'B'], ['annotator3', 'human', 'B']]);
});

test('alpaca-eval: a real excerpt of its GPT-4 annotations; preference 1/2/0 (draw), null without a label', async () => {
  const file = fs.readFileSync(path.resolve(__dirname, '../fixtures/presets/alpaca-eval/annotations-excerpt.json'));
  const src = JSON.parse(file.toString()) as Array<{ instruction: string; output_1: string; output_2: string; generator_2: string; preference: number | null }>;
  const id = await project();
  expect((await post(id, 'preset=alpaca-eval', file, 'application/json')).body).toEqual({ imported: 36, labels: 35 });
  const labels = await labelsOf(id);
  expect(labels.map((l) => [l.annotator, l.kind])).toEqual(Array(35).fill(['alpaca_eval_gpt4', 'llm']));
  const counts = labels.reduce<Record<string, number>>((m, l) => ({ ...m, [l.value]: (m[l.value] ?? 0) + 1 }), {});
  expect(counts).toEqual({ A: 28, B: 2, tie: 5 });
  const page = (await s.api('GET', `/api/projects/${id}/items?limit=100`)).body as { items: Array<{ id: string; content: { question: string; answer_a: string; answer_b: string }; meta: Record<string, unknown> }> };
  const byQuestion = new Map(page.items.map((i) => [i.content.question, i]));
  const valueOf = new Map(labels.map((l) => [l.item, l.value]));
  for (const r of src) {
    const it = byQuestion.get(r.instruction)!;
    expect([it.content.answer_a, it.content.answer_b, it.meta.generator_2]).toEqual([r.output_1, r.output_2, r.generator_2]);
    expect(valueOf.get(it.id)).toBe(r.preference === null ? undefined : { 1: 'A', 2: 'B', 0: 'tie' }[r.preference]);
  }
});

test('an unknown preset is named with the known ones; a bad value names line and field; nothing imported', async () => {
  const id = await project();
  const r = await post(id, 'preset=nope', '{}\n');
  expect(r.status).toBe(400);
  expect(r.body.error.message).toBe('Unknown preset "nope": the presets are mt-bench-human, alpaca-eval, judgebench, pandalm, rewardbench, judgelm, persona');
  const bad = [
    { pair_id: 'p1', question: 'q', response_A: 'a', response_B: 'b', label: 'A>B', source: 'mmlu-pro' },
    { pair_id: 'p2', question: 'q', response_A: 'a', response_B: 'b', label: 'A<B', source: 'mmlu-pro' },
  ];
  const r2 = await post(id, 'preset=judgebench', jsonl(bad));
  expect(r2.status).toBe(400);
  expect(r2.body.error.details).toEqual([{ line: 2, field: 'label', message: 'label is "A<B": JudgeBench labels are "A>B" or "B>A"' }]);
  expect((await s.api('GET', `/api/projects/${id}/items`)).body.total).toBe(0);
});

test('--map on a rating project: its own item fields; a field of another type is named with the project\'s', async () => {
  const id = await project('rating');
  const recs = [{ uid: 'r1', prompt: 'Q', response: 'A', score: 4, model: 'm' }];
  expect((await post(id, 'map=id=uid,question=prompt,answer=response,gold=score', jsonl(recs))).body).toEqual({ imported: 1, labels: 0 });
  const item = (await s.api('GET', `/api/projects/${id}/items`)).body.items[0];
  expect([item.id, item.content.answer, item.gold, item.meta]).toEqual(['r1', 'A', 4, { model: 'm' }]);
  const r = await post(id, 'map=question=prompt,answer_a=response', jsonl(recs));
  expect(r.status).toBe(400);
  // The rating item's fields (as shared/item-schemas.ts has them), not the pairwise ones.
  expect(r.body.error.message).toMatch(/^map: "answer_a" is not an item field: map to one of id, .*\bquestion, answer, conversation\b/);
  expect(r.body.error.message).not.toMatch(/answer_b/);
  const p = await post(id, 'preset=pandalm', jsonl(recs));
  expect(p.body.error.message).toBe('The pandalm preset makes pairwise items: this project is rating');
});

test('mt-bench-human: judgments of one pair become one item with human and LLM labels', async () => {
  const id = await project();
  const conv = (a: string) => [
    { role: 'user', content: 'Q1' },
    { role: 'assistant', content: a },
  ];
  const base = { question_id: 81, model_a: 'gpt-4', model_b: 'vicuna-13b', conversation_a: conv('x'), conversation_b: conv('y'), turn: 1 };
  const recs = [
    { ...base, judge: 'expert_0', winner: 'model_a' },
    { ...base, judge: 'author_2', winner: 'tie (bothbad)' },
    { ...base, judge: 'gpt4_pair', winner: 'model_b' },
    { ...base, judge: ['gpt-4', 'pair-v2'], winner: 'tie' },
  ];
  expect((await post(id, 'preset=mt-bench-human', jsonl(recs))).body).toEqual({ imported: 1, labels: 4 });
  const labels = (await labelsOf(id)).map((l) => [l.item, l.annotator, l.kind, l.value]).sort();
  expect(labels).toEqual([
    ['81:gpt-4:vicuna-13b:1', 'author_2', 'human', 'tie'],
    ['81:gpt-4:vicuna-13b:1', 'expert_0', 'human', 'A'],
    ['81:gpt-4:vicuna-13b:1', 'gpt-4/pair-v2', 'llm', 'tie'],
    ['81:gpt-4:vicuna-13b:1', 'gpt4_pair', 'llm', 'B'],
  ]);
});

test('alpaca-eval, judgebench, rewardbench, judgelm, persona, and --map: items, gold, meta and labels', async () => {
  const id = await project();
  const alp = [1, 2, 1.5, 0].map((p, i) => ({ instruction: 'Name a colour.', output_1: 'red', output_2: 'blue', preference: p, annotator_index: i }));
  expect((await post(id, 'preset=alpaca-eval', jsonl(alp))).body).toEqual({ imported: 1, labels: 4 });
  expect((await labelsOf(id)).map((l) => l.value)).toEqual(['A', 'B', 'tie', 'tie']);

  const jb = [{ pair_id: 'jb1', original_id: 'o', question: 'q', response_model: 'm', response_A: 'a', response_B: 'b', label: 'B>A', source: 'livebench-math' }];
  expect((await post(id, 'preset=judgebench', jsonl(jb))).body).toEqual({ imported: 1, labels: 0 });
  const rb = [{ id: 7, prompt: 'p', chosen: 'good', rejected: 'bad', subset: 'hep-python' }];
  expect((await post(id, 'preset=rewardbench&seed=3', jsonl(rb))).body).toEqual({ imported: 1, labels: 0 });
  const jl = [{ question_id: 5, question_body: 'qb', answer1_body: 'a1', answer2_body: 'a2', score: [8, 6], text: '8 6\nAssistant 1 is better.', reference: { text: 'ref' } }];
  expect((await post(id, 'preset=judgelm', jsonl(jl))).body).toEqual({ imported: 1, labels: 1 });
  const pe = [
    { id: 'u1-c1', user_info: { age: '25-34' }, question: 'q', asst_A: 'a', asst_B: 'b', ground_truth: 'A' },
    { user_info: 'Age: 18-24', question: 'q2', asst_A: 'a', asst_B: 'b', ground_truth: 'C', answer: 'B', certainty: 70, conversation_type: 'values guided' },
  ];
  expect((await post(id, 'preset=persona', jsonl(pe))).body).toEqual({ imported: 2, labels: 1 });
  const mp = [{ idx: 'm1', instruction: 'i', output_1: true, output_2: 3, extra: 'kept' }];
  expect((await post(id, 'map=id=idx,question=instruction,answer_a=output_1,answer_b=output_2', jsonl(mp))).body).toEqual({ imported: 1, labels: 0 });

  const page = (await s.api('GET', `/api/projects/${id}/items?limit=1000`)).body as { items: Array<{ id: string; content: object; gold: unknown; meta: unknown }> };
  const items = new Map(page.items.map((r) => [r.id, { ...r.content, gold: r.gold, meta: r.meta } as Record<string, unknown>]));
  expect(items.get('jb1')).toMatchObject({ answer_a: 'a', answer_b: 'b', gold: 'B', meta: { category: 'livebench-math', original_id: 'o', response_model: 'm' } });
  const r7 = items.get('hep-python/7')!;
  const chosen = (r7.meta as { chosen: string }).chosen;
  expect(r7).toMatchObject({ gold: chosen, meta: { id: 7, seed: 3, subset: 'hep-python' } });
  expect(r7[chosen === 'A' ? 'answer_a' : 'answer_b']).toBe('good');
  expect(items.get('5')).toMatchObject({ reference: 'ref', answer_a: 'a1' });
  expect(items.get('u1-c1')).toMatchObject({ persona: '{"age":"25-34"}', gold: 'A' });
  const [tiedId, tied] = [...items.entries()].find(([, i]) => i.question === 'q2')!;
  expect(tied).toMatchObject({ persona: 'Age: 18-24', gold: 'tie', meta: { certainty: 70, conversation_type: 'values guided' } });
  const pj = (await labelsOf(id)).find((l) => l.annotator === 'persona-judge')!;
  expect([pj.item, pj.kind, pj.value]).toEqual([tiedId, 'llm', 'B']);
  expect(items.get('m1')).toMatchObject({ answer_a: 'True', answer_b: '3', meta: { extra: 'kept' } });
  const judge = (await labelsOf(id)).find((l) => l.item === '5')!;
  expect([judge.annotator, judge.kind, judge.value]).toEqual(['gpt-4', 'llm', 'A']);
});
