/**
 * Import presets on real data (issue 12), through the real REST import and SQLite.
 *
 * - alpaca-eval with a weighted annotator: a licensed excerpt of alpaca_eval's weighted_alpaca_eval_gpt4_turbo
 *   annotations (test/fixtures/presets/alpaca-eval-weighted, Apache-2.0), checked against the leaderboard's counts.
 * - rewardbench: a licensed excerpt of its filtered set (test/fixtures/presets/rewardbench, ODC-By with MIT sources);
 *   the whole set, opt-in from a local copy named by CONCORD_REWARDBENCH_FILE, against its published subset sizes.
 * - judgebench and persona: their repositories have no licence, so nothing of them is committed; opt-in tests read a
 *   local copy named by CONCORD_JUDGEBENCH_FILE / CONCORD_PERSONA_FILE and check it against the authors' figures
 *   (skipped, saying so, when unset).
 */
import fs from 'node:fs';
import path from 'node:path';
import { startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

async function project(): Promise<number> {
  return (await s.api('POST', '/api/projects', { name: 'Real presets', type: 'pairwise' })).body.id as number;
}
const post = (id: number, query: string, body: Buffer, type: string) => s.api('POST', `/api/projects/${id}/items?${query}`, body, { type });

interface LabelRow {
  item: string;
  annotator: string;
  kind: string;
  value: string;
}
async function labelsOf(id: number): Promise<LabelRow[]> {
  const res = await fetch(`${s.url}/api/projects/${id}/export?kind=labels&format=jsonl`, { headers: { authorization: `Bearer ${s.token}` } });
  expect(res.status).toBe(200);
  return (await res.text()).trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as LabelRow);
}
interface ItemRow {
  id: string;
  content: { question: string; answer_a: string; answer_b: string };
  gold: string | null;
  meta: Record<string, unknown> | null;
}
async function itemsOf(id: number): Promise<ItemRow[]> {
  const out: ItemRow[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = (await s.api('GET', `/api/projects/${id}/items?limit=500&offset=${offset}`)).body as { items: ItemRow[]; total: number };
    out.push(...page.items);
    if (out.length >= page.total || !page.items.length) return out;
  }
}
const countBy = <T>(xs: T[], key: (x: T) => string) => xs.reduce<Record<string, number>>((m, x) => ({ ...m, [key(x)]: (m[key(x)] ?? 0) + 1 }), {});

test('alpaca-eval, weighted annotator: fractional preferences as the leaderboard counts them (23 wins, 3 draws)', async () => {
  const file = fs.readFileSync(path.resolve(__dirname, '../fixtures/presets/alpaca-eval-weighted/annotations-excerpt.json'));
  const src = JSON.parse(file.toString()) as Array<{ instruction: string; output_1: string; output_2: string; generator_2: string; dataset: string; preference: number }>;
  const id = await project();
  expect((await post(id, 'preset=alpaca-eval', file, 'application/json')).body).toEqual({ imported: 40, labels: 40 });
  const labels = await labelsOf(id);
  expect(new Set(labels.map((l) => `${l.annotator}/${l.kind}`))).toEqual(new Set(['weighted_alpaca_eval_gpt4_turbo/llm']));
  // The excerpt holds every record of the file with a preference of 1.5 or more. alpaca_eval's leaderboard
  // (src/alpaca_eval/leaderboards/data_AlpacaEval_2/weighted_alpaca_eval_gpt4_turbo_leaderboard.csv, row
  // text_davinci_001, commit cd543a1) counts n_wins 23 (> 1.5: output_2, the model) and n_draws 3 (exactly 1.5).
  expect(countBy(labels, (l) => l.value)).toEqual({ A: 14, B: 23, tie: 3 });
  const items = new Map((await itemsOf(id)).map((i) => [i.content.question, i]));
  const valueOf = new Map(labels.map((l) => [l.item, l.value]));
  for (const r of src) {
    const it = items.get(r.instruction)!;
    expect([it.content.answer_a, it.content.answer_b, it.meta?.generator_2, it.meta?.dataset]).toEqual([r.output_1, r.output_2, r.generator_2, r.dataset]);
    // The exact weighted value is kept (a draw of exactly 1.5 needs none); the label is the side it leans to.
    expect(it.meta?.preference).toBe(r.preference === 1.5 ? undefined : r.preference);
    expect(valueOf.get(it.id)).toBe(r.preference < 1.5 ? 'A' : r.preference > 1.5 ? 'B' : 'tie');
  }
  // One record exactly: the file's record 34, a weighted win of output_2 (1.6076631698).
  const r34 = [...items.values()].find((i) => i.meta?.preference === 1.6076631698)!;
  expect(r34.content.question).toBe(src.find((r) => r.preference === 1.6076631698)!.instruction);
  expect([r34.meta?.generator_2, r34.meta?.annotator, valueOf.get(r34.id)]).toEqual(['text_davinci_001', undefined, 'B']);
});

interface RewardRecord {
  id: number;
  subset: string;
  section: string;
  prompt: string;
  chosen: string;
  rejected: string;
}
/** Each record's chosen answer is the item's gold, at the position the seed drew; the rejected one the other. */
function expectChosenIsGold(items: ItemRow[], src: RewardRecord[], seed: number): void {
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const r of src) {
    const it = byId.get(`${r.subset}/${r.id}`)!;
    const [gold, other] = it.gold === 'A' ? [it.content.answer_a, it.content.answer_b] : [it.content.answer_b, it.content.answer_a];
    expect([it.content.question, gold, other, it.meta?.subset, it.meta?.id, it.meta?.chosen, it.meta?.seed]).toEqual([r.prompt, r.chosen, r.rejected, r.subset, r.id, it.gold, seed]);
  }
}

test('rewardbench: a real excerpt (LLMBar, HumanEvalPack, PRM800K subsets); chosen is gold wherever the seed puts it', async () => {
  const file = fs.readFileSync(path.resolve(__dirname, '../fixtures/presets/rewardbench/rewardbench-excerpt.jsonl'));
  const src = file.toString().trim().split('\n').map((l) => JSON.parse(l) as RewardRecord);
  const id = await project();
  expect((await post(id, 'preset=rewardbench&seed=5', file, 'application/x-ndjson')).body).toEqual({ imported: 32, labels: 0 });
  const items = await itemsOf(id);
  expect(countBy(items, (i) => String(i.meta?.subset))).toEqual({ 'llmbar-natural': 8, 'llmbar-adver-neighbor': 8, 'hep-python': 8, 'math-prm': 8 });
  expect(countBy(items, (i) => String(i.meta?.section))).toEqual({ 'Chat Hard': 16, Reasoning: 16 });
  expectChosenIsGold(items, src, 5);
  const golds = countBy(items, (i) => String(i.gold));
  // Both positions are drawn (a judge cannot learn "the gold is first").
  expect(golds.A! > 4 && golds.B! > 4).toBe(true);
  // One record exactly (llmbar-natural, RewardBench id 2566).
  const r = items.find((i) => i.id === 'llmbar-natural/2566')!;
  expect([r.content.question, r.gold === 'A' ? r.content.answer_a : r.content.answer_b, r.gold === 'A' ? r.content.answer_b : r.content.answer_a]).toEqual([
    'Given a base number and a power, calculate the result.\n\nBase:5   Power:3',
    '125',
    '5 x 5 x 5 = 625',
  ]);
  // Another seed: the same items and gold answers, positions drawn afresh.
  const id2 = await project();
  await post(id2, 'preset=rewardbench&seed=6', file, 'application/x-ndjson');
  const items2 = await itemsOf(id2);
  expectChosenIsGold(items2, src, 6);
  expect(items2.map((i) => i.gold)).not.toEqual(items.map((i) => i.gold));
});

const REWARDBENCH = process.env.CONCORD_REWARDBENCH_FILE;
if (!REWARDBENCH)
  process.stdout.write('import-presets-real: the whole RewardBench skipped: set CONCORD_REWARDBENCH_FILE to its filtered set as JSONL (id, subset, prompt, chosen, rejected)\n');

(REWARDBENCH ? test : test.skip)('rewardbench (opt-in, local copy): the whole filtered set imports in under 2 s with its published subset sizes', async () => {
  const file = fs.readFileSync(REWARDBENCH!);
  const src = file.toString().trim().split('\n').map((l) => JSON.parse(l) as RewardRecord);
  const id = await project();
  const t0 = performance.now();
  const r = await post(id, 'preset=rewardbench', file, 'application/x-ndjson');
  const ms = performance.now() - t0;
  process.stdout.write(`rewardbench preset import: ${src.length} records in ${ms.toFixed(0)} ms\n`);
  // 2,985 records, one item each: id 3692 is in two subsets (donotanswer, hep-python), so items are subset/id.
  expect(r.body).toEqual({ imported: 2985, labels: 0 });
  expect(ms).toBeLessThan(2000);
  const items = await itemsOf(id);
  // allenai/reward-bench rewardbench/constants.py EXAMPLE_COUNTS (commit 05a9005); math-prm has 447 records there,
  // weighted as 984 in its scores.
  expect(countBy(items, (i) => String(i.meta?.subset))).toEqual({
    'alpacaeval-easy': 100, 'alpacaeval-length': 95, 'alpacaeval-hard': 95, 'mt-bench-easy': 28, 'mt-bench-med': 40, 'mt-bench-hard': 37,
    'math-prm': 447, 'refusals-dangerous': 100, 'refusals-offensive': 100, 'llmbar-natural': 100, 'llmbar-adver-neighbor': 134,
    'llmbar-adver-GPTInst': 92, 'llmbar-adver-GPTOut': 47, 'llmbar-adver-manual': 46, 'xstest-should-refuse': 154,
    'xstest-should-respond': 250, donotanswer: 136, 'hep-cpp': 164, 'hep-go': 164, 'hep-java': 164, 'hep-js': 164, 'hep-python': 164, 'hep-rust': 164,
  });
  expectChosenIsGold(items, src, 1);
  const golds = countBy(items, (i) => String(i.gold));
  process.stdout.write(`rewardbench gold positions (seed 1): A ${golds.A}, B ${golds.B}\n`);
});

const JUDGEBENCH = process.env.CONCORD_JUDGEBENCH_FILE;
if (!JUDGEBENCH)
  process.stdout.write(
    'import-presets-real: judgebench skipped: set CONCORD_JUDGEBENCH_FILE to a local copy of JudgeBench\'s ' +
      'data/dataset=judgebench,response_model=gpt-4o-2024-05-13.jsonl (github:ScalerLab/JudgeBench; it has no licence, so none of it is committed)\n',
  );

(JUDGEBENCH ? test : test.skip)('judgebench (opt-in, local copy): the 350 GPT-4o pairs import in under 2 s, tasks as the paper counts them', async () => {
  const file = fs.readFileSync(JUDGEBENCH!);
  const src = file.toString().trim().split('\n').map((l) => JSON.parse(l) as { pair_id: string; source: string; label: string; question: string; response_A: string; response_B: string; original_id: unknown; response_model: string });
  const id = await project();
  const t0 = performance.now();
  const r = await post(id, 'preset=judgebench', file, 'application/x-ndjson');
  const ms = performance.now() - t0;
  process.stdout.write(`judgebench preset import: ${src.length} pairs in ${ms.toFixed(0)} ms\n`);
  expect(r.body).toEqual({ imported: 350, labels: 0 });
  // Issue 12: a whole data set of this kind imports in under 2 s.
  expect(ms).toBeLessThan(2000);
  const items = await itemsOf(id);
  // Tan et al. 2025 (ICLR), JudgeBench §3: "350 questions: 154 in Knowledge, 98 in Reasoning, 56 in Mathematics,
  // and 42 in Coding" (the GPT-4o pairs), grouped by source as run_judge.py does.
  expect(countBy(items, (i) => String(i.meta?.task))).toEqual({ knowledge: 154, reasoning: 98, math: 56, coding: 42 });
  const gold = countBy(items, (i) => String(i.gold));
  expect(gold).toEqual({ A: src.filter((x) => x.label === 'A>B').length, B: src.filter((x) => x.label === 'B>A').length });
  process.stdout.write(`judgebench gold: A ${gold.A}, B ${gold.B}\n`);
  const byId = new Map(items.map((i) => [i.id, i]));
  for (const x of src) {
    const it = byId.get(x.pair_id)!;
    expect([it.content.question, it.content.answer_a, it.content.answer_b, it.meta?.category]).toEqual([x.question, x.response_A, x.response_B, x.source]);
    expect([it.meta?.original_id, it.meta?.response_model]).toEqual([x.original_id, x.response_model]);
  }
});

const PERSONA = process.env.CONCORD_PERSONA_FILE;
if (!PERSONA)
  process.stdout.write(
    'import-presets-real: persona skipped: set CONCORD_PERSONA_FILE to a local copy of Personalized-Judge\'s ' +
      'outputs/prism_all_features_with_tie_all_features_gpt-4o.jsonl (github:dong-river/Personalized-Judge; it has no licence, so none of it is committed)\n',
  );

(PERSONA ? test : test.skip)('persona (opt-in, local copy): GPT-4o judging PRISM with ties; its agreement with the users is the authors\' acc', async () => {
  const file = fs.readFileSync(PERSONA!);
  const src = file.toString().trim().split('\n').map((l) => JSON.parse(l) as { answer: string; ground_truth: string; acc: boolean; user_info: string; question: string; conversation_type: string });
  const id = await project();
  const t0 = performance.now();
  const r = await post(id, 'preset=persona', file, 'application/x-ndjson');
  process.stdout.write(`persona preset import: ${src.length} records in ${(performance.now() - t0).toFixed(0)} ms\n`);
  expect(r.body).toEqual({ imported: src.length, labels: src.length });
  const items = await itemsOf(id);
  const gold = countBy(items, (i) => String(i.gold));
  const want = countBy(src, (x) => ({ A: 'A', B: 'B', C: 'tie' })[x.ground_truth]!);
  expect(gold).toEqual(want);
  // prism.py keeps the first character of the judge's reply: anything but A, B or C is unparseable (a null label).
  const labels = await labelsOf(id);
  expect(new Set(labels.map((l) => `${l.annotator}/${l.kind}`))).toEqual(new Set(['persona-judge/llm']));
  const values = countBy(labels, (l) => String(l.value));
  expect(values).toEqual(countBy(src, (x) => ({ A: 'A', B: 'B', C: 'tie' })[x.answer] ?? 'null'));
  // The authors' own figure: prism.py's acc (answer == ground_truth), summed over the file.
  const goldOf = new Map(items.map((i) => [i.id, i.gold]));
  const agree = labels.filter((l) => l.value !== null && l.value === goldOf.get(l.item)).length;
  expect(agree).toBe(src.filter((x) => x.acc === true).length);
  process.stdout.write(`persona: ${items.length} items, gold ${JSON.stringify(gold)}, judge ${JSON.stringify(values)}, agreement ${agree}/${items.length}\n`);
  const first = items.find((i) => i.content.question === src[0]!.question)!;
  expect([first.meta?.conversation_type, first.meta?.acc]).toEqual([src[0]!.conversation_type, src[0]!.acc]);
});
