/**
 * MT-Bench's multi-turn judges (Zheng et al. 2023, "Judging LLM-as-a-Judge with MT-Bench and Chatbot Arena"), the
 * texts of lm-sys/FastChat `fastchat/llm_judge/data/judge_prompts.jsonl` at commit 0e6d3e4 (Apache-2.0):
 * `pair-v2-multi-turn`, `pair-math-v1-multi-turn`, `single-v1-multi-turn` and `single-math-v1-multi-turn`.
 *
 * Kept word for word, with four changes that leave the text exact for MT-Bench's own case (a two-turn
 * conversation judged at turn 2, text output, no certainty, no instructions):
 * - "the second user question" names the judged turn (`{{turn_ordinal}}`: `second` for turn 2, `third` for 3…);
 * - the transcripts are `{{conversation_a}}`, `{{conversation_b}}`, `{{conversation}}` (judge-worker/transcript.ts),
 *   every turn up to the judged one, where FastChat's has exactly two;
 * - the reference block holds the judged turn's question and the item's one reference answer (FastChat's has a
 *   reference for each of its two turns; a Concord item has one reference, the judged turn's);
 * - the answer-format sentence is `{{format}}` (so structured output and a certainty line can replace or extend
 *   it), the task's instructions go before it, and the rating scale is the project's (1 to 10 by default). The
 *   single-answer prompts' trailing blank line is dropped (every rendered prompt is trimmed).
 */
import { JudgeTemplate } from '../shared/schemas';

const INSTRUCTIONS_THEN_FORMAT = "{{#instructions}}\n\nThe task's instructions: {{instructions}}\n\n{{/instructions}}{{^instructions}} {{/instructions}}{{format}}";

const PAIR_FORMAT =
  'After providing your explanation, output your final verdict by strictly following this format: "[[A]]" if assistant A is better, "[[B]]" if assistant B is better, and "[[C]]" for a tie.{{#certainty}} Then, on a last line, give your certainty that the verdict is right from {{certainty_min}} to {{certainty_max}} in this format: "Certainty: [[n]]".{{/certainty}}';

const SINGLE_FORMAT =
  'After providing your explanation, you must rate the response on a scale of {{scale_min}} to {{scale_max}} by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".{{#certainty}} Then, on a last line, give your certainty that the rating is right from {{certainty_min}} to {{certainty_max}}: "Certainty: [[n]]".{{/certainty}}';

const REFERENCE_BLOCK =
  '{{#reference}}<|The Start of Reference Answer|>\n\n### User:\n{{question}}\n\n### Reference answer:\n{{reference}}\n\n<|The End of Reference Answer|>\n\n\n{{/reference}}';

const PAIR_CONVERSATIONS =
  "<|The Start of Assistant A's Conversation with User|>\n\n{{conversation_a}}\n\n<|The End of Assistant A's Conversation with User|>\n\n\n<|The Start of Assistant B's Conversation with User|>\n\n{{conversation_b}}\n\n<|The End of Assistant B's Conversation with User|>";

const SINGLE_CONVERSATION =
  "<|The Start of Assistant A's Conversation with User|>\n\n{{conversation}}\n\n<|The End of Assistant A's Conversation with User|>{{#rubric}}\n\n[Rubric]\n{{rubric}}{{/rubric}}";

/** `pair-v2-multi-turn`: which assistant answered the judged turn better, in the context of the earlier turns. */
export const PAIRWISE_MULTI_TURN: JudgeTemplate = JudgeTemplate.parse({
  name: 'pairwise-multi-turn',
  type: 'pairwise',
  description: "MT-Bench's multi-turn pairwise judge (pair-v2-multi-turn): both conversations up to the judged turn, then [[A]], [[B]] or [[C]]; the default for pairwise conversations",
  system:
    "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user questions. You should choose the assistant that follows the user's instructions and answers the user's questions better. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of their responses. You should focus on who provides a better answer to the {{turn_ordinal}} user question. Begin your evaluation by comparing the responses of the two assistants and provide a short explanation. Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision. Do not allow the length of the responses to influence your evaluation. Do not favor certain names of the assistants. Be as objective as possible." +
    INSTRUCTIONS_THEN_FORMAT,
  user: PAIR_CONVERSATIONS,
  parser: 'verdict',
  text_format: PAIR_FORMAT,
});

/** `pair-math-v1-multi-turn`: the same with the reference answer (MT-Bench's math, reasoning and coding questions). */
export const PAIRWISE_MULTI_TURN_REFERENCE: JudgeTemplate = JudgeTemplate.parse({
  name: 'pairwise-multi-turn-reference',
  type: 'pairwise',
  description: "MT-Bench's reference-guided multi-turn pairwise judge (pair-math-v1-multi-turn); the default for pairwise conversations with a reference",
  system:
    "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user questions. Your evaluation should consider correctness and helpfulness. You will be given reference answers, the assistant A's answers, the assistant B's answers. Your job is to determine which assistant provides correct and helpful answers to the {{turn_ordinal}} user question. Begin your evaluation by comparing both assistants' answers with the reference answers. Identify and correct any mistakes. Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision. Do not allow the length of the responses to influence your evaluation. Do not favor certain names of the assistants. Be as objective as possible." +
    INSTRUCTIONS_THEN_FORMAT,
  user: REFERENCE_BLOCK + PAIR_CONVERSATIONS,
  parser: 'verdict',
  text_format: PAIR_FORMAT,
});

/** `single-v1-multi-turn`: a rating of the judged turn's answer, in the context of the earlier turns. */
export const RATING_MULTI_TURN: JudgeTemplate = JudgeTemplate.parse({
  name: 'rating-multi-turn',
  type: 'rating',
  description: "MT-Bench's multi-turn single-answer grading (single-v1-multi-turn): the conversation up to the judged turn, then \"Rating: [[n]]\"; the default for rated conversations",
  system:
    "Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. You evaluation should focus on the assistant's answer to the {{turn_ordinal}} user question. Begin your evaluation by providing a short explanation. Be as objective as possible." +
    INSTRUCTIONS_THEN_FORMAT,
  user: SINGLE_CONVERSATION,
  parser: 'rating',
  text_format: SINGLE_FORMAT,
});

/** `single-math-v1-multi-turn`: the same against the reference answer. */
export const RATING_MULTI_TURN_REFERENCE: JudgeTemplate = JudgeTemplate.parse({
  name: 'rating-multi-turn-reference',
  type: 'rating',
  description: "MT-Bench's reference-guided multi-turn grading (single-math-v1-multi-turn); the default for rated conversations with a reference",
  system:
    "Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question. Your evaluation should consider correctness and helpfulness. You will be given a reference answer and the assistant's answer. You evaluation should focus on the assistant's answer to the {{turn_ordinal}} question. Begin your evaluation by comparing the assistant's answer with the reference answer. Identify and correct any mistakes. Be as objective as possible." +
    INSTRUCTIONS_THEN_FORMAT,
  user: REFERENCE_BLOCK + SINGLE_CONVERSATION,
  parser: 'rating',
  text_format: SINGLE_FORMAT,
});

export const MT_BENCH_TEMPLATES: readonly JudgeTemplate[] = [PAIRWISE_MULTI_TURN, PAIRWISE_MULTI_TURN_REFERENCE, RATING_MULTI_TURN, RATING_MULTI_TURN_REFERENCE];
