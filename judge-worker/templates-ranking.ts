/**
 * Judges of several answers at once (ranking projects).
 *
 * - `ranking-judgelm`: JudgeLM's multi-answer judge (Zhu et al. 2023, "JudgeLM: Fine-tuned Large Language Models
 *   are Scalable Judges"), baaivision/JudgeLM at commit 00c4516 (Apache-2.0): `conv_judge_multi` and
 *   `conv_judge_multi_w_reference` in judgelm/llm_judge/common.py, with `Conversation.copy(answer_num)`'s rewrite
 *   of the pairwise prompt for N answers ("two" → the number's word, "for Assistant 1 and 2" → "for Assistant 1, 2
 *   and 3"), answers laid out by its `answer_format`. JudgeLM sends `system + "\n" + prompt + "### Response:"` to a
 *   completion model; a chat endpoint gets the system line as the system message and the rest as the user message.
 *   The answer: the first line holds one score per assistant, then the explanation.
 * - `ranking-listwise`: a listwise ranking in the format of RankGPT (Sun et al. 2023, "Is ChatGPT Good at Search?
 *   Investigating Large Language Models as Re-Ranking Agents", sunnweiwei/RankGPT rank_gpt.py at commit 0d62bc3:
 *   `get_prefix_prompt`, `get_post_prompt`), its passages turned into answers and relevance to a query into quality
 *   as an answer to the question, its per-passage chat turns folded into one user message, and no full stop
 *   added after the question (RankGPT's queries have none of their own; a question does). The answer: `[2] > [1] >
 *   [3]`; a template with `tie: true` also allows `=` between answers of equal quality (RankGPT's own does not).
 */
import { JudgeTemplate } from '../shared/schemas';

/** JudgeLM's `num2words` (judgelm/llm_judge/common.py), which it uses to name the number of assistants. */
const NUM_WORDS = ['zero', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten'];

/** The fields of a template for `answers` in display order: JudgeLM's blocks, RankGPT's `[i] …` list, the counts. */
export function rankingFields(answers: readonly string[]): Record<string, string> {
  const n = answers.length;
  // JudgeLM's `copy(answer_num)`: "1" then ", 2", ", 3"… and " and N".
  const numbers = n < 2 ? '1' : `1${Array.from({ length: n - 2 }, (_, i) => `, ${i + 2}`).join('')} and ${n}`;
  return {
    answers: answers.map((a, i) => `[The Start of Assistant ${i + 1}'s Answer]\n${a}\n\n[The End of Assistant ${i + 1}'s Answer]\n\n`).join(''),
    answer_list: answers.map((a, i) => `[${i + 1}] ${a}`).join('\n\n'),
    answer_count: String(n),
    answer_count_word: NUM_WORDS[n] ?? String(n),
    assistant_numbers: numbers,
  };
}

export const RANKING_JUDGELM: JudgeTemplate = JudgeTemplate.parse({
  name: 'ranking-judgelm',
  type: 'ranking',
  description: "JudgeLM's multi-answer judge: a first line with every answer's score (1–10), then the explanation; the ranking follows the scores (equal scores tie); uses the reference answer when the item has one. The default for rankings",
  system: 'You are a helpful and precise assistant for checking the quality of the answer.',
  user: "[Question]\n{{question}}\n\n{{#reference}}[Reference Answer]\n{{reference}}\n\n{{/reference}}{{answers}}[System]\nWe would like to request your feedback on the performance of {{answer_count_word}} AI assistants in response to the user question displayed above.\nPlease rate the helpfulness, relevance, accuracy, level of details of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance.{{#instructions}}\nThe task's instructions: {{instructions}}{{/instructions}}\n{{format}}",
  parser: 'scores',
  text_format:
    'Please first output a single line containing only {{answer_count_word}} values indicating the scores for Assistant {{assistant_numbers}}, respectively. The {{answer_count_word}} scores are separated by a space. In the subsequent line, please provide a comprehensive explanation of your evaluation, avoiding any potential bias and ensuring that the order in which the responses were presented does not affect your judgment.{{#certainty}} On a last line, give your certainty that your scores order the assistants rightly, from {{certainty_min}} to {{certainty_max}}, as "Certainty: [[n]]".{{/certainty}}',
});

export const RANKING_LISTWISE: JudgeTemplate = JudgeTemplate.parse({
  name: 'ranking-listwise',
  type: 'ranking',
  description: 'Listwise ranking in the format of RankGPT (Sun et al. 2023): the answers numbered [1]…[n], the answer a full order such as "[2] > [1] > [3]"',
  system: 'You are an intelligent assistant that can rank answers based on their quality as responses to the question.',
  user: "I will provide you with {{answer_count}} answers, each indicated by number identifier []. \nRank the answers based on their quality as responses to the question: {{question}}\n\n{{#reference}}[Reference Answer]\n{{reference}}\n\n{{/reference}}{{answer_list}}\n\nQuestion: {{question}}\nRank the {{answer_count}} answers above based on their helpfulness, relevance, accuracy and level of detail as responses to the question.{{#instructions}}\nThe task's instructions: {{instructions}}{{/instructions}} {{format}}",
  parser: 'ranking',
  tie: false,
  text_format:
    'The answers should be listed in descending order using identifiers. The best answers should be listed first. The output format should be [] > [], e.g., [1] > [2].{{#ties}} Answers of equal quality may be joined with =, e.g., [2] = [1] > [3].{{/ties}} Only response the ranking results, do not say any word or explain.{{#certainty}} Then, on a last line, give your certainty that the ranking is right from {{certainty_min}} to {{certainty_max}}: "Certainty: [[n]]".{{/certainty}}',
});

export const RANKING_TEMPLATES: readonly JudgeTemplate[] = [RANKING_JUDGELM, RANKING_LISTWISE];
