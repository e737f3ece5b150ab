import type { SessionInfo, TaskItem } from '../../../shared/protocol';
import { parseStructured, parseText } from '../../../judge-worker/parse';
import { parseListwise, parseScores, rankByScores } from '../../../judge-worker/parse-ranking';
import { rankingBaseline } from '../../../judge-worker/baseline-ranking';
import { BUILT_IN_TEMPLATES, chooseTemplate, renderTask, responseSchema } from '../../../judge-worker/templates';

const project: SessionInfo['project'] = { id: 1, title: 'p', type: 'ranking', instructions: '', options: null, scale: null, certainty: null, rationale: 'off', completion_code: null, redirect_url: null };
const byName = (name: string) => BUILT_IN_TEMPLATES.find((t) => t.name === name)!;
const text = (m: { content: unknown }) => m.content as string;
const item = (answers: string[], reference?: string): TaskItem => ({ id: 'r', question: 'Name a prime number.', answers, ...(reference ? { reference } : {}) });

/*
 * JudgeLM's own prompts, built by its code (baaivision/JudgeLM 00c4516, judgelm/llm_judge/common.py with torch and
 * transformers stubbed, as gen_model_judgement_multi.py builds `data_sample`):
 *   conv = conv_judge_multi.copy(n)  (conv_judge_multi_w_reference for the second)
 *   answer_more = "".join(conv.answer_format.format(answer_id=i+3, answer=answers[i+2]) for i in range(n-2))
 *   conv.system + '\n' + conv.prompt_template.format(question=…, [reference=…,] answer_1=…, answer_2=…,
 *     answer_more=answer_more, prompt=conv.prompt) + conv.appendix
 * JudgeLM sends that to a completion model; a chat endpoint gets the system line as the system message and the rest,
 * without the trailing "\n\n### Response:", as the user message.
 */
const JUDGELM_3 =
  "You are a helpful and precise assistant for checking the quality of the answer.\n[Question]\nName a prime number.\n\n[The Start of Assistant 1's Answer]\n7\n\n[The End of Assistant 1's Answer]\n\n[The Start of Assistant 2's Answer]\n9\n\n[The End of Assistant 2's Answer]\n\n[The Start of Assistant 3's Answer]\n2 is prime.\n\n[The End of Assistant 3's Answer]\n\n[System]\nWe would like to request your feedback on the performance of three AI assistants in response to the user question displayed above.\nPlease rate the helpfulness, relevance, accuracy, level of details of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance.\nPlease first output a single line containing only three values indicating the scores for Assistant 1, 2 and 3, respectively. The three scores are separated by a space. In the subsequent line, please provide a comprehensive explanation of your evaluation, avoiding any potential bias and ensuring that the order in which the responses were presented does not affect your judgment.\n\n### Response:";
const JUDGELM_4_REFERENCE =
  "You are a helpful and precise assistant for checking the quality of the answer.\n[Question]\nName a prime number.\n\n[Reference Answer]\n2, 3, 5 or 7\n\n[The Start of Assistant 1's Answer]\n7\n\n[The End of Assistant 1's Answer]\n\n[The Start of Assistant 2's Answer]\n9\n\n[The End of Assistant 2's Answer]\n\n[The Start of Assistant 3's Answer]\n2 is prime.\n\n[The End of Assistant 3's Answer]\n\n[The Start of Assistant 4's Answer]\n4\n\n[The End of Assistant 4's Answer]\n\n[System]\nWe would like to request your feedback on the performance of four AI assistants in response to the user question displayed above.\nPlease rate the helpfulness, relevance, accuracy, level of details of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance.\nPlease first output a single line containing only four values indicating the scores for Assistant 1, 2, 3 and 4, respectively. The four scores are separated by a space. In the subsequent line, please provide a comprehensive explanation of your evaluation, avoiding any potential bias and ensuring that the order in which the responses were presented does not affect your judgment.\n\n### Response:";

const asJudgeLMSees = (messages: Array<{ content: unknown }>) => `${text(messages[0]!)}\n${text(messages[1]!)}\n\n### Response:`;

describe('ranking templates', () => {
  test("a ranking task gets JudgeLM's multi-answer prompt by default, word for word for 3 answers and for 4 with a reference", () => {
    const t = chooseTemplate('ranking', {});
    expect(t.name).toBe('ranking-judgelm');
    expect(asJudgeLMSees(renderTask(t, item(['7', '9', '2 is prime.']), project, false).messages)).toBe(JUDGELM_3);
    expect(asJudgeLMSees(renderTask(t, item(['7', '9', '2 is prime.', '4'], '2, 3, 5 or 7'), project, false).messages)).toBe(JUDGELM_4_REFERENCE);
  });

  test("the listwise template, by name, numbers the answers [1]…[n] and asks for RankGPT's [] > [] order", () => {
    const t = chooseTemplate('ranking', { template: 'ranking-listwise' });
    const { messages } = renderTask(t, item(['7', '9', '2 is prime.']), project, false);
    const user = text(messages[1]!);
    expect(user).toContain('I will provide you with 3 answers, each indicated by number identifier []. \nRank the answers based on their quality as responses to the question: Name a prime number.\n\n');
    expect(user).toContain('[1] 7\n\n[2] 9\n\n[3] 2 is prime.\n\nQuestion: Name a prime number.\nRank the 3 answers above');
    expect(user).toContain('The output format should be [] > [], e.g., [1] > [2]. Only response the ranking results, do not say any word or explain.');
    expect(user).not.toContain('=');
    const tied = renderTask({ ...t, tie: true }, item(['a', 'b']), project, false).messages[1]!;
    expect(text(tied)).toContain('joined with =, e.g., [2] = [1] > [3]');
  });

  test('structured output asks for one score per answer, or the identifiers best first', () => {
    expect(responseSchema(byName('ranking-judgelm'), null, 0, 3).properties).toMatchObject({ scores: { type: 'array', minItems: 3, maxItems: 3 } });
    expect(responseSchema(byName('ranking-listwise'), null, 0, 3).properties).toMatchObject({ ranking: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 3 } } });
  });
});

describe('ranking parsers', () => {
  test("JudgeLM's first line of n scores ranks the display positions by score, equal scores tied", () => {
    expect(parseScores('8 6 9\nAssistant 3 is the most precise.', 3)).toEqual({ value: [[2], [0], [1]], scores: [8, 6, 9], rationale: 'Assistant 3 is the most precise.' });
    expect(parseScores('7, 9, 7, 3\nTwo equal.', 4)).toMatchObject({ value: [[1], [0, 2], [3]], scores: [7, 9, 7, 3] });
    expect(parseScores('**8.5 8.5**\nSame.', 2).value).toEqual([[0, 1]]);
    expect(rankByScores([1, 1, 1])).toEqual([[0, 1, 2]]);
  });

  test('a first line with too few or too many scores, or words, is no ranking (an invalid label with the raw text)', () => {
    expect(parseScores('8 6\nOnly two.', 3).value).toBeNull();
    expect(parseScores('8 6 9 1\nFour.', 3).value).toBeNull();
    expect(parseScores('Assistant 1: 8, Assistant 2: 6, Assistant 3: 9', 3)).toMatchObject({ value: null, rationale: 'Assistant 1: 8, Assistant 2: 6, Assistant 3: 9' });
    expect(parseText('8 6 9\nok\nCertainty: [[70]]', byName('ranking-judgelm'), [], 3)).toMatchObject({ value: [[2], [0], [1]], certainty: 70, rationale: 'ok' });
  });

  test('a listwise order reads display positions best first; the last chain wins; ties only where the template allows them', () => {
    expect(parseListwise('[2] > [3] > [1]', 3, false).value).toEqual([[1], [2], [0]]);
    expect(parseListwise('The format is [1] > [2].\nMy ranking: [3]>[1]>[2]', 3, false)).toEqual({ value: [[2], [0], [1]], rationale: 'The format is [1] > [2].\nMy ranking:' });
    expect(parseListwise('[2] = [1] > [3]', 3, true).value).toEqual([[0, 1], [2]]);
    expect(parseListwise('[2] = [1] > [3]', 3, false).value).toBeNull();
  });

  test('an incomplete, repeated or out-of-range listwise order is invalid, not filled in as RankGPT does', () => {
    expect(parseListwise('[2] > [1]', 3, false).value).toBeNull();
    expect(parseListwise('[2] > [1] > [2] > [3]', 3, false).value).toBeNull();
    expect(parseListwise('[4] > [1] > [2] > [3]', 3, false).value).toBeNull();
    expect(parseListwise('I cannot rank these.', 3, false).value).toBeNull();
  });

  test('structured answers: scores and rankings are checked the same way', () => {
    const judgelm = byName('ranking-judgelm');
    const listwise = byName('ranking-listwise');
    expect(parseStructured(JSON.stringify({ rationale: 'r', scores: [3, 9, 3] }), judgelm, [], 3)).toMatchObject({ value: [[1], [0, 2]], scores: [3, 9, 3] });
    expect(parseStructured(JSON.stringify({ rationale: 'r', scores: [3, 9] }), judgelm, [], 3)).toBeNull();
    expect(parseStructured(JSON.stringify({ rationale: 'r', ranking: [3, 1, 2] }), listwise, [], 3)).toMatchObject({ value: [[2], [0], [1]] });
    expect(parseStructured(JSON.stringify({ rationale: 'r', ranking: [3, 1] }), listwise, [], 3)).toBeNull();
    expect(parseStructured(JSON.stringify({ rationale: 'r', ranking: [[3, 1], [2]] }), listwise, [], 3)).toBeNull();
    expect(parseStructured(JSON.stringify({ rationale: 'r', ranking: [[3, 1], [2]] }), { ...listwise, tie: true }, [], 3)).toMatchObject({ value: [[0, 2], [1]] });
  });
});

describe('ranking baselines', () => {
  test('first ranks in the order shown, longest by length (ties grouped), random is a full order seeded per task', () => {
    expect(rankingBaseline('first', ['a', 'bb', 'c'], 0.3)).toEqual([[0], [1], [2]]);
    expect(rankingBaseline('longest', ['a', 'bbb', 'c'], 0.3)).toEqual([[1], [0, 2]]);
    const r = rankingBaseline('random', ['a', 'b', 'c', 'd'], 0.3);
    expect(r.flat().sort()).toEqual([0, 1, 2, 3]);
    expect(rankingBaseline('random', ['a', 'b', 'c', 'd'], 0.3)).toEqual(r);
  });
});
