/**
 * The seven import presets of issue 12, each read from its authors' published data/code (sources cited per
 * preset). Every one makes pairwise items; labels are in the item's frame: A = the first answer, B = the second.
 */
import { createHash } from 'node:crypto';
import { asText, contentId, type CarriedLabel, type Preset, type RuleResult } from './mapping';

const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(asText(v)));
/** An instruction with its optional input, joined as PandaLM and alpaca_eval's prompts show them. */
const withInput = (instruction: unknown, input: unknown): string => (str(input) ? `${str(instruction)}\n\n${str(input)}` : str(instruction));
const bad = (field: string, message: string): RuleResult => ({ problem: { field, message } });

/** PandaLM (github:WeOpenML/PandaLM data/testset-v1.json): annotator1..3 are 0 = tie, 1 = response1, 2 = response2. */
const PANDALM_VALUES: Record<string, string> = { '0': 'tie', '1': 'A', '2': 'B' };
const pandalm: Preset = {
  name: 'pandalm',
  description: 'PandaLM test set: idx, instruction, input, response1, response2, annotator1..3 (0 tie, 1, 2)',
  fields: { id: 'idx', answer_a: 'response1', answer_b: 'response2' },
  consumed: ['instruction', 'input', 'annotator1', 'annotator2', 'annotator3'],
  rule: (s) => {
    const labels: CarriedLabel[] = [];
    for (const a of ['annotator1', 'annotator2', 'annotator3']) {
      if (s[a] === undefined || s[a] === null) continue;
      const v = PANDALM_VALUES[String(s[a])];
      if (!v) return bad(a, `${a} is ${JSON.stringify(s[a])}: PandaLM labels are 0 (tie), 1 (response1) or 2 (response2)`);
      labels.push({ annotator: a, kind: 'human', value: v });
    }
    if (typeof s.instruction !== 'string') return bad('instruction', 'instruction is missing (the pandalm preset reads it as the question)');
    return { item: { question: withInput(s.instruction, s.input) }, labels };
  },
};

/**
 * JudgeBench's four tasks by source, as its run_judge.py groups its scores (prefixes mmlu-pro, livebench-reasoning,
 * livebench-math, livecodebench); the paper's 350 GPT-4o pairs are 154 knowledge, 98 reasoning, 56 math, 42 coding.
 */
const JUDGEBENCH_TASKS: ReadonlyArray<[string, string]> = [['mmlu-pro', 'knowledge'], ['livebench-reasoning', 'reasoning'], ['livebench-math', 'math'], ['livecodebench', 'coding']];

/**
 * JudgeBench (github:ScalerLab/JudgeBench data/*.jsonl): label "A>B" or "B>A" is the gold; source (e.g.
 * "mmlu-pro-law") is the category, and its task (knowledge, reasoning, math, coding) goes in meta.task.
 */
const judgebench: Preset = {
  name: 'judgebench',
  description: 'JudgeBench: pair_id, question, response_A, response_B, label (A>B / B>A), source (meta.category; meta.task: knowledge, reasoning, math or coding)',
  fields: { id: 'pair_id', question: 'question', answer_a: 'response_A', answer_b: 'response_B' },
  consumed: ['label', 'source'],
  rule: (s) => {
    const gold = { 'A>B': 'A', 'B>A': 'B', 'A=B': 'tie' }[str(s.label)];
    if (s.label != null && !gold) return bad('label', `label is ${JSON.stringify(s.label)}: JudgeBench labels are "A>B" or "B>A"`);
    if (s.source == null) return { item: { gold: gold ?? null } };
    const task = JUDGEBENCH_TASKS.find(([prefix]) => str(s.source).startsWith(prefix))?.[1];
    return { item: { gold: gold ?? null, meta: { category: s.source, ...(task ? { task } : {}) } } };
  },
};

/**
 * An alpaca_eval preference as its authors count it (src/alpaca_eval/metrics/helpers.py, describe_head2head): 1 to 2,
 * or 0 (the older draw). A weighted annotator's value is fractional (the probability-weighted preference, e.g. 1.3);
 * the leaderboards count a value under 1.5 as a win of output_1, over 1.5 of output_2, and exactly 1.5 (or 0) as a
 * draw, the same side ZeroOneScoringRule's rounding gives. Returns that label, or null when the value is not one.
 */
function alpacaPreference(v: unknown): { value: 'A' | 'B' | 'tie'; exact: number | null } | null {
  const p = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (!(p === 0 || (p >= 1 && p <= 2))) return null;
  const value = p === 0 || p === 1.5 ? 'tie' : p < 1.5 ? 'A' : 'B';
  return { value, exact: p === 0 || p === 1 || p === 1.5 || p === 2 ? null : p };
}

/**
 * alpaca_eval (github:tatsu-lab/alpaca_eval, its human cross-annotations and annotator outputs): preference 1 = output_1,
 * 2 = output_2, 1.5 a tie (and 0, the older draw convention); null = not annotated; a fractional value (weighted
 * annotators) is the nearer output's label, with the exact value kept in meta.preference. One record per annotation:
 * records of the same instruction and outputs are one item. `annotator_index` names a human; an `annotator` config an LLM.
 */
const alpacaEval: Preset = {
  name: 'alpaca-eval',
  description:
    'alpaca_eval: instruction, input?, output_1, output_2, preference (1, 2, 1.5 or 0 = tie; a weighted value from 1 to 2 is the nearer output, exact value in meta.preference), annotator_index | annotator',
  fields: { question: 'instruction', answer_a: 'output_1', answer_b: 'output_2' },
  consumed: ['input', 'preference', 'annotator_index', 'annotator'],
  rule: (s) => {
    const question = withInput(s.instruction, s.input);
    const item: Record<string, unknown> = { id: contentId(question, str(s.output_1), str(s.output_2)), question };
    if (s.preference === undefined || s.preference === null) return { item };
    const pref = alpacaPreference(s.preference);
    if (!pref) return bad('preference', `preference is ${JSON.stringify(s.preference)}: alpaca_eval preferences are from 1 (output_1) to 2 (output_2), 1.5 or 0 a tie`);
    if (pref.exact !== null) item.meta = { preference: pref.exact };
    const human = s.annotator_index != null;
    const annotator = human ? `annotator-${str(s.annotator_index)}` : str(s.annotator) || 'alpaca-eval-annotator';
    return { item, labels: [{ annotator, kind: human ? 'human' : 'llm', value: pref.value }] };
  },
};

/**
 * RewardBench (github:allenai/reward-bench, the filtered set): prompt, chosen, rejected, subset, id. The chosen answer
 * is the gold; its position is drawn from the seed and the item's id (SHA-256), so the same seed gives the same items.
 * Its ids are unique within a subset, not across subsets (a full copy of the filtered set has id 3692 in donotanswer
 * and in hep-python), so the item's id is subset/id (the record's id alone without a subset); meta.id keeps the id.
 */
const rewardbench: Preset = {
  name: 'rewardbench',
  description: 'RewardBench: id, prompt, chosen, rejected, subset; item id subset/id; chosen is gold, positions shuffled with ?seed=',
  fields: { question: 'prompt' },
  consumed: ['id', 'chosen', 'rejected'],
  rule: (s, { seed }) => {
    for (const f of ['id', 'chosen', 'rejected']) if (s[f] == null) return bad(f, `${f} is missing (RewardBench records have id, prompt, chosen and rejected)`);
    const id = s.subset != null ? `${str(s.subset)}/${str(s.id)}` : str(s.id);
    const first = (createHash('sha256').update(`${seed}:${id}`).digest()[0]! & 1) === 0;
    const [a, b] = first ? [s.chosen, s.rejected] : [s.rejected, s.chosen];
    return { item: { id, answer_a: asText(a), answer_b: asText(b), gold: first ? 'A' : 'B', meta: { id: s.id, seed, chosen: first ? 'A' : 'B' } } };
  },
};

/**
 * JudgeLM's score line, as the authors parse it (judgelm/llm_judge/common.py parse_score): the review's first line,
 * commas as spaces, two numbers; else null (their [-1, -1]).
 */
function judgelmScores(text: string): [number, number] | null {
  const sp = text.split('\n')[0]!.replace(/,/g, ' ').split(' ');
  if (sp.length !== 2) return null;
  const [a, b] = sp.map(Number) as [number, number];
  return Number.isFinite(a) && Number.isFinite(b) && sp[0] !== '' && sp[1] !== '' ? [a, b] : null;
}

/**
 * JudgeLM (github:baaivision/JudgeLM, judgelm_preprocess.py and gen_model_judgement.py): question_body,
 * answer1_body, answer2_body, score [answer1's, answer2's], text (GPT-4's review: the LLM label and its rationale),
 * reference {text} (the with-reference files). The verdict is read from the review's score line as the authors'
 * evaluation does (eval_model_judgement.py; an unparseable one is a null value), else from score.
 */
const judgelm: Preset = {
  name: 'judgelm',
  description: 'JudgeLM: question_id, question_body, answer1_body, answer2_body, score [s1, s2], text, reference',
  fields: { id: 'question_id', question: 'question_body', answer_a: 'answer1_body', answer_b: 'answer2_body' },
  consumed: ['text', 'reference'],
  rule: (s) => {
    const ref = s.reference && typeof s.reference === 'object' ? (s.reference as Record<string, unknown>).text : s.reference;
    const item: Record<string, unknown> = ref != null ? { reference: asText(ref) } : {};
    const text = typeof s.text === 'string' ? s.text : null;
    let sc: number[] | null = text !== null ? judgelmScores(text) : null;
    if (text === null) {
      if (s.score == null) return { item };
      sc = Array.isArray(s.score) ? s.score.map(Number) : [];
      if (sc.length !== 2 || sc.some((x) => !Number.isFinite(x))) return bad('score', `score is ${JSON.stringify(s.score)}: JudgeLM scores are a pair [answer1, answer2] of numbers`);
    }
    const value = sc === null ? null : sc[0]! > sc[1]! ? 'A' : sc[0]! < sc[1]! ? 'B' : 'tie';
    return { item, labels: [{ annotator: 'gpt-4', kind: 'llm', value, ...(text !== null ? { rationale: text } : {}) }] };
  },
};

/**
 * MT-Bench human judgments (lm-sys/FastChat fastchat/llm_judge/compute_agreement.py reads them): one record per
 * judgment; winner model_a / model_b / tie / "tie (bothbad)". judge: "expert_N" / "author_N" (humans), GPT-4 as
 * ["gpt-4", "pair-v2"] in FastChat's files or "gpt4_pair" in the released data set (an LLM).
 */
const MT_WINNER: Record<string, string> = { model_a: 'A', model_b: 'B', tie: 'tie', 'tie (bothbad)': 'tie' };
const mtBenchHuman: Preset = {
  name: 'mt-bench-human',
  description: 'MT-Bench human judgments: question_id, model_a, model_b, winner, judge, conversation_a, conversation_b, turn',
  fields: { conversation_a: 'conversation_a', conversation_b: 'conversation_b', turn: 'turn' },
  consumed: ['winner', 'judge'],
  rule: (s) => {
    const value = MT_WINNER[str(s.winner)];
    if (!value) return bad('winner', `winner is ${JSON.stringify(s.winner)}: MT-Bench winners are model_a, model_b, tie or "tie (bothbad)"`);
    const judge = Array.isArray(s.judge) ? s.judge.map(str).join('/') : str(s.judge);
    if (!judge) return bad('judge', 'judge is missing (who judged: expert_N, author_N, or GPT-4)');
    const llm = Array.isArray(s.judge) || /^gpt-?4/.test(judge);
    return {
      item: { id: `${str(s.question_id)}:${str(s.model_a)}:${str(s.model_b)}:${str(s.turn)}` },
      labels: [{ annotator: judge, kind: llm ? 'llm' : 'human', value }],
    };
  },
};

/**
 * Personalized-Judge's PRISM format (github:dong-river/Personalized-Judge prism.py; Dong et al. 2024, "Can LLM be a
 * Personalized Judge?"): user_info is the persona; ground_truth "A" / "B" the answer the user scored higher, "C" a tie
 * (the with_tie prompts: scores within 10). Its output files add `answer` (the judge's A / B / C, an LLM label).
 */
const PERSONA_VALUES: Record<string, string> = { A: 'A', B: 'B', C: 'tie', TIE: 'tie' };
const persona: Preset = {
  name: 'persona',
  description: 'Personalized-Judge PRISM: user_info, question, asst_A, asst_B, ground_truth (A / B / C = tie), answer?',
  fields: { question: 'question', answer_a: 'asst_A', answer_b: 'asst_B' },
  consumed: ['user_info', 'ground_truth', 'id', 'answer'],
  rule: (s) => {
    const info = typeof s.user_info === 'string' ? s.user_info : s.user_info == null ? null : JSON.stringify(s.user_info);
    if (info === null) return bad('user_info', 'user_info is missing (the persona the answers are judged for)');
    const gold = PERSONA_VALUES[str(s.ground_truth).trim().toUpperCase()] ?? null;
    if (s.ground_truth != null && !gold) return bad('ground_truth', `ground_truth is ${JSON.stringify(s.ground_truth)}: give A, B or C (a tie)`);
    const item = { id: s.id != null ? str(s.id) : contentId(info, s.question, s.asst_A, s.asst_B), persona: info, gold };
    // The judge's answer is the first character of its output (prism.py): anything but A/B/C is unparseable.
    const labels: CarriedLabel[] = s.answer == null ? [] : [{ annotator: 'persona-judge', kind: 'llm', value: PERSONA_VALUES[str(s.answer).trim().toUpperCase()] ?? null }];
    return { item, labels };
  },
};

export const PRESETS: ReadonlyMap<string, Preset> = new Map([mtBenchHuman, alpacaEval, judgebench, pandalm, rewardbench, judgelm, persona].map((p) => [p.name, p]));
