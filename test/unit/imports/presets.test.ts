/** The mapping engine of import presets and the CLI's query for them (server/imports/presets, server/cli/import-preset.ts). */
import { applyPreset, asText, mapPreset, type Preset } from '../../../server/imports/presets/mapping';
import { PRESETS } from '../../../server/imports/presets/presets';
import { presetQuery } from '../../../server/cli/import-preset';
import type { ErrorDetail } from '../../../shared/errors';
import { IMPORT_PRESETS } from '../../../shared/constants';

function run(preset: Preset, values: unknown[], seed = 1) {
  const problems: ErrorDetail[] = [];
  const out = applyPreset(preset, values.map((value, i) => ({ line: i + 1, value })), { seed }, (d) => problems.push(d));
  return { ...out, problems };
}
const preset = (name: string) => PRESETS.get(name)!;

test('the dashboard\'s list of presets (shared IMPORT_PRESETS) is exactly the server\'s presets', () => {
  expect(IMPORT_PRESETS.map((p) => p.name).sort()).toEqual([...PRESETS.keys()].sort());
});

test('value rules: numbers and booleans become text (booleans as PandaLM\'s Python reads them)', () => {
  expect([asText(true), asText(false), asText(3), asText(1.5), asText('x'), asText(null)]).toEqual(['True', 'False', '3', '1.5', 'x', null]);
});

test('--map: target=source pairs, unknown targets and malformed pairs named', () => {
  const m = mapPreset('question=instruction, answer_a=output_1,answer_b=output_2');
  // Targets left out are read from the field of their own name (a file's `id` needs no id=id), unless a target takes it.
  const same = { id: 'id', conversation_a: 'conversation_a', conversation_b: 'conversation_b', turn: 'turn', gold: 'gold', reference: 'reference', persona: 'persona', meta: 'meta' };
  expect(typeof m === 'string' ? m : m.fields).toEqual({ question: 'instruction', answer_a: 'output_1', answer_b: 'output_2', ...same });
  const fromId = mapPreset('question=id,answer_a=x,answer_b=y');
  expect(typeof fromId === 'string' ? fromId : fromId.fields.id).toBeUndefined();
  const withId = run(m as Preset, [{ id: 'p1', instruction: 'Q', output_1: 'a', output_2: 'b', extra: 1 }]);
  expect(withId.items).toEqual([{ line: 1, value: { id: 'p1', question: 'Q', answer_a: 'a', answer_b: 'b', meta: { extra: 1 } } }]);
  expect(mapPreset('prompt=instruction')).toBe('"prompt" is not an item field: map to one of id, question, answer_a, answer_b, conversation_a, conversation_b, turn, gold, reference, persona, meta');
  expect(mapPreset('question')).toBe('"question" is not target=source (e.g. question=instruction)');
  expect(mapPreset('question=a,question=b')).toBe('question is mapped twice');
  const r = run(mapPreset('id=k,question=q,answer_a=x,answer_b=y') as Preset, [{ k: 1, q: 'Q', x: false, y: 2, other: { n: 1 } }]);
  expect(r.items).toEqual([{ line: 1, value: { id: '1', question: 'Q', answer_a: 'False', answer_b: '2', meta: { other: { n: 1 } } } }]);
});

test('a missing source field and a bad value name their line and field; a non-object record is named', () => {
  const r = run(preset('pandalm'), [{ idx: 0, instruction: 'i', response1: 'a', response2: 'b', annotator1: 3 }, { idx: 1, instruction: 'i', response1: 'a' }, [1]]);
  expect(r.problems).toEqual([
    { line: 1, field: 'annotator1', message: 'annotator1 is 3: PandaLM labels are 0 (tie), 1 (response1) or 2 (response2)' },
    { line: 2, field: 'response2', message: 'response2 is missing (the pandalm preset reads it as the item\'s answer_b)' },
    { line: 3, message: 'each record must be a JSON object (the pandalm preset reads idx, response1, response2)' },
  ]);
});

test('records of one item gather their labels; a record of the same id with other answers is named', () => {
  const base = { question_id: 1, model_a: 'm1', model_b: 'm2', turn: 1, conversation_a: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'a' }], conversation_b: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'b' }] };
  const r = run(preset('mt-bench-human'), [
    { ...base, judge: 'expert_1', winner: 'model_b' },
    { ...base, judge: 'author_0', winner: 'tie' },
    { ...base, conversation_b: [{ role: 'user', content: 'q' }, { role: 'assistant', content: 'other' }], judge: 'expert_2', winner: 'model_a' },
  ]);
  expect(r.items).toHaveLength(1);
  expect(r.items[0]!.value.meta).toEqual({ question_id: 1, model_a: 'm1', model_b: 'm2' });
  expect(r.labels.map((l) => [l.line, l.label.annotator, l.label.kind, l.label.value])).toEqual([[1, 'expert_1', 'human', 'B'], [2, 'author_0', 'human', 'tie']]);
  expect(r.problems).toEqual([{ line: 3, field: 'id', message: 'item "1:m1:m2:1" differs from the record on line 1 (same id, other question or answers)' }]);
});

test('rewardbench: the chosen answer is gold wherever the seed puts it; the same seed, the same positions', () => {
  const recs = Array.from({ length: 40 }, (_, i) => ({ id: i, prompt: `p${i}`, chosen: `good${i}`, rejected: `bad${i}`, subset: 'math-prm' }));
  const a = run(preset('rewardbench'), recs, 7).items.map((i) => i.value);
  expect(run(preset('rewardbench'), recs, 7).items.map((i) => i.value)).toEqual(a);
  for (const [i, v] of a.entries()) expect(v[v.gold === 'A' ? 'answer_a' : 'answer_b']).toBe(`good${i}`);
  const firsts = a.filter((v) => v.gold === 'A').length;
  // Both positions occur (a fixed position would be a bias the judge could learn); seed 8 gives other positions.
  expect(firsts).toBeGreaterThan(5);
  expect(firsts).toBeLessThan(35);
  expect(run(preset('rewardbench'), recs, 8).items.map((i) => i.value.gold)).not.toEqual(a.map((v) => v.gold));
  expect(a[0]!.meta).toEqual({ subset: 'math-prm', id: 0, seed: 7, chosen: a[0]!.gold });
  // Ids repeat across subsets in RewardBench (3692 is in donotanswer and hep-python): the item id is subset/id.
  const twins = run(preset('rewardbench'), [{ id: 3692, prompt: 'p', chosen: 'c', rejected: 'r', subset: 'donotanswer' }, { id: 3692, prompt: 'q', chosen: 'c2', rejected: 'r2', subset: 'hep-python' }, { id: 5, prompt: 'p', chosen: 'c', rejected: 'r' }, { prompt: 'p', chosen: 'c', rejected: 'r' }]);
  expect(twins.items.map((i) => i.value.id)).toEqual(['donotanswer/3692', 'hep-python/3692', '5']);
  expect(twins.problems).toEqual([{ line: 4, field: 'id', message: 'id is missing (RewardBench records have id, prompt, chosen and rejected)' }]);
});

test('judgelm: the verdict is read from the review\'s score line as the authors parse it; unparseable is null', () => {
  const rec = { question_id: 1, question_body: 'q', answer1_body: 'a', answer2_body: 'b', score: [1, 9] };
  const r = run(preset('judgelm'), [
    { ...rec, text: '7,9\nAssistant 2 is more detailed.' },
    { ...rec, question_id: 2, text: '8 8\nBoth fine.' },
    { ...rec, question_id: 3, text: 'Assistant 1 is better.' },
    // parse_score splits on single spaces: "7, 9" gives three parts and is [-1, -1] there (which their metrics
    // count as a tie; Concord's report does so with ?invalid=tie).
    { ...rec, question_id: 4, text: '7, 9\nAssistant 2.' },
    { ...rec, question_id: 5 },
  ]);
  expect(r.labels.map((l) => l.label.value)).toEqual(['B', 'tie', null, null, 'B']);
  expect(r.labels[0]!.label.rationale).toBe('7,9\nAssistant 2 is more detailed.');
});

test('judgebench and alpaca-eval values; persona ties', () => {
  const jb = run(preset('judgebench'), [{ pair_id: 'x', question: 'q', response_A: 'a', response_B: 'b', label: 'B>A', source: 'livebench-math' }]);
  expect(jb.items[0]!.value).toMatchObject({ id: 'x', gold: 'B', meta: { category: 'livebench-math', task: 'math' } });
  // JudgeBench's tasks by source prefix, as its run_judge.py groups scores; an unknown source has no task.
  const tasks = ['mmlu-pro-computer science', 'livebench-reasoning', 'livecodebench', 'other'].map((source, i) => ({ pair_id: `t${i}`, question: 'q', response_A: 'a', response_B: 'b', label: 'A>B', source }));
  expect(run(preset('judgebench'), tasks).items.map((i) => (i.value.meta as { task?: string }).task)).toEqual(['knowledge', 'reasoning', 'coding', undefined]);
  const alp = run(preset('alpaca-eval'), [1, 2, 1.5, 0, null, 3, '1.5', true, ''].map((p, i) => ({ instruction: `i${i}`, output_1: 'a', output_2: 'b', preference: p, annotator: 'alpaca_eval_gpt4' })));
  expect(alp.labels.map((l) => l.label.value)).toEqual(['A', 'B', 'tie', 'tie', 'tie']);
  expect(alp.items.map((i) => i.value.meta)).toEqual([undefined, undefined, undefined, undefined, undefined, undefined]);
  const range = 'alpaca_eval preferences are from 1 (output_1) to 2 (output_2), 1.5 or 0 a tie';
  expect(alp.problems).toEqual([
    { line: 6, field: 'preference', message: `preference is 3: ${range}` },
    { line: 8, field: 'preference', message: `preference is true: ${range}` },
    { line: 9, field: 'preference', message: `preference is "": ${range}` },
  ]);
});

test('alpaca-eval weighted preferences: the side alpaca_eval counts (< 1.5 output_1, > 1.5 output_2), exact value in meta', () => {
  // helpers.py describe_head2head: n_wins = preference - 1 > 0.5, n_wins_base < 0.5, a draw exactly 1.5.
  const prefs = [1.0000001108, 1.4610167793, 1.5, 1.5234203489, 1.9999944924, '1.3'];
  const r = run(preset('alpaca-eval'), prefs.map((p, i) => ({ instruction: `w${i}`, output_1: 'a', output_2: 'b', preference: p, annotator: 'weighted_alpaca_eval_gpt4_turbo' })));
  expect(r.problems).toEqual([]);
  expect(r.labels.map((l) => [l.label.kind, l.label.value])).toEqual([['llm', 'A'], ['llm', 'A'], ['llm', 'tie'], ['llm', 'B'], ['llm', 'B'], ['llm', 'A']]);
  expect(r.items.map((i) => i.value.meta)).toEqual([{ preference: 1.0000001108 }, { preference: 1.4610167793 }, undefined, { preference: 1.5234203489 }, { preference: 1.9999944924 }, { preference: 1.3 }]);
  const pe = run(preset('persona'), [{ user_info: 'u', question: 'q', asst_A: 'a', asst_B: 'b', ground_truth: 'C', answer: '[' }]);
  expect(pe.items[0]!.value).toMatchObject({ persona: 'u', gold: 'tie' });
  expect(pe.labels[0]!.label).toEqual({ annotator: 'persona-judge', kind: 'llm', value: null });
});

test('the CLI\'s query: preset with its seed, a map, or the problem before anything is sent', () => {
  expect(presetQuery({})).toEqual({ query: '' });
  expect(presetQuery({ preset: 'rewardbench', seed: '3' })).toEqual({ query: 'preset=rewardbench&seed=3' });
  expect(presetQuery({ map: 'question=instruction,answer_a=o1' })).toEqual({ query: 'map=question%3Dinstruction%2Canswer_a%3Do1' });
  expect(presetQuery({ preset: 'pandalm', map: 'x=y' })).toEqual({ error: 'Give either --preset or --map, not both' });
  expect(presetQuery({ preset: 'pandalm', labels: true })).toEqual({ error: '--preset and --map read an items file (with the labels it carries): drop --labels' });
  // The CLI knows no project type: it accepts any type's item field and names them all.
  expect(presetQuery({ map: 'answer=x' })).toEqual({ query: 'map=answer%3Dx' });
  const bad = presetQuery({ map: 'prompt=x' });
  expect('error' in bad && bad.error).toMatch(/^--map: "prompt" is not an item field: map to one of id, .*\banswer_a, answer_b\b.*\banswer\b/);
  expect(presetQuery({ preset: 'x' })).toEqual({ error: 'Unknown preset "x": the presets are mt-bench-human, alpaca-eval, judgebench, pandalm, rewardbench, judgelm, persona' });
  expect(presetQuery({ preset: 'pandalm', seed: '-1' })).toEqual({ error: '--seed must be a whole number from 0, not "-1"' });
});
