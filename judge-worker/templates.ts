/**
 * Judge prompt templates: the built-in ones, loading a template of one's own from a file, rendering a task into
 * chat messages, and the version hash stored on every label (a change to a template's text is a new version).
 *
 * Besides the fields {@link JudgeTemplate} names, a template may use a conversation's (`conversation_a`,
 * `conversation_b`, `conversation`: MT-Bench-style transcripts up to the judged turn; `turn_ordinal`: `second` for
 * turn 2; see transcript.ts), a ranking's (`answers`: JudgeLM's answer blocks, `answer_list`: `[1] …` lines,
 * `answer_count`, `answer_count_word`, `assistant_numbers`: "1, 2 and 3"; see templates-ranking.ts), and `ties`
 * (present when the template's `tie` is true). The MT-Bench multi-turn templates are in templates-mt-bench.ts.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { SessionInfo, TaskItem } from '../shared/protocol';
import { DEFAULT_SCALE } from '../shared/constants';
import { JudgeTemplate, type Range, type TaskType } from '../shared/schemas';
import { MT_BENCH_TEMPLATES, PAIRWISE_MULTI_TURN, PAIRWISE_MULTI_TURN_REFERENCE, RATING_MULTI_TURN, RATING_MULTI_TURN_REFERENCE } from './templates-mt-bench';
import { RANKING_JUDGELM, RANKING_TEMPLATES, rankingFields } from './templates-ranking';
import { conversationFields, ImageList, isConversation, type ContentPart } from './transcript';

/** A chat message: the user's may carry images as content parts (text first, then each image with its caption). */
export type Message = { role: 'system'; content: string } | { role: 'user'; content: string | ContentPart[] } | { role: 'assistant'; content: string };

/** The text of a message, its image parts left out. */
export const messageText = (m: Message): string =>
  typeof m.content === 'string' ? m.content : m.content.map((p) => (p.type === 'text' ? p.text : '')).join('\n');

/** MT-Bench's pairwise judge (Zheng et al. 2023, `pair-v2`), with its reference-guided block when the item has one. */
const PAIRWISE: JudgeTemplate = JudgeTemplate.parse({
  name: 'pairwise',
  type: 'pairwise',
  description: "MT-Bench's pairwise judge: explanation, then [[A]], [[B]] or [[C]] (tie); uses the reference answer when the item has one",
  system:
    "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user question displayed below. You should choose the assistant that follows the user's instructions and answers the user's question better. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of their responses.{{#reference}} Your evaluation should compare both assistants' answers with the reference answer and identify their mistakes.{{/reference}} Begin your evaluation by comparing the two responses and provide a short explanation. Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision. Do not allow the length of the responses to influence your evaluation. Do not favor certain names of the assistants. Be as objective as possible.{{#instructions}}\n\nThe task's instructions: {{instructions}}{{/instructions}}\n\n{{format}}",
  user: "[User Question]\n{{question}}\n\n{{#reference}}[The Start of Reference Answer]\n{{reference}}\n[The End of Reference Answer]\n\n{{/reference}}[The Start of Assistant A's Answer]\n{{answer_a}}\n[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n{{answer_b}}\n[The End of Assistant B's Answer]",
  parser: 'verdict',
  text_format:
    'After providing your explanation, output your final verdict by strictly following this format: "[[A]]" if assistant A is better, "[[B]]" if assistant B is better, and "[[C]]" for a tie.{{#certainty}} Then, on a last line, give your certainty that the verdict is right from {{certainty_min}} to {{certainty_max}} in this format: "Certainty: [[n]]".{{/certainty}}',
});

/** JudgeLM's pairwise judge (Zhu et al. 2023) with its reference support: two scores on the first line, then the reasons. */
const PAIRWISE_REFERENCE: JudgeTemplate = JudgeTemplate.parse({
  name: 'pairwise-reference',
  type: 'pairwise',
  description: "JudgeLM's judge: a first line with the two answers' scores (1–10), then the explanation; the reference answer is given when the item has one",
  system: 'You are a helpful and precise assistant for checking the quality of the answer.',
  user: "[Question]\n{{question}}\n\n{{#reference}}[The Start of Reference Answer]\n{{reference}}\n[The End of Reference Answer]\n\n{{/reference}}[The Start of Assistant 1's Answer]\n{{answer_a}}\n[The End of Assistant 1's Answer]\n\n[The Start of Assistant 2's Answer]\n{{answer_b}}\n[The End of Assistant 2's Answer]\n\n[System]\nWe would like to request your feedback on the performance of two AI assistants in response to the user question displayed above.{{#reference}} The reference answer is given as a correct answer to compare with.{{/reference}}\nPlease rate the helpfulness, relevance, accuracy, level of details of their responses. Each assistant receives an overall score on a scale of 1 to 10, where a higher score indicates better overall performance.{{#instructions}}\nThe task's instructions: {{instructions}}{{/instructions}}\n{{format}}",
  parser: 'judgelm',
  text_format:
    'Please first output a single line containing only two values indicating the scores for Assistant 1 and 2, respectively. The two scores are separated by a space. In the subsequent line, please provide a comprehensive explanation of your evaluation, avoiding any potential bias and ensuring that the order in which the responses were presented does not affect your judgment.{{#certainty}} On a last line, give your certainty that the better-scored assistant is really better, from {{certainty_min}} to {{certainty_max}}, as "Certainty: [[n]]".{{/certainty}}',
});

/** Single-answer grading with a rubric, the rationale before the score (Prometheus and the self-rationalising judges). */
const RATING: JudgeTemplate = JudgeTemplate.parse({
  name: 'rating',
  type: 'rating',
  description: 'Rating on the project scale against a rubric: the rationale first, then "Rating: [[n]]"',
  system:
    'Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below, using the rubric. First write a short rationale that applies the rubric to the response, then give the score. Be as objective as possible.{{#instructions}}\n\nThe task\'s instructions: {{instructions}}{{/instructions}}\n\n{{format}}',
  user: "[User Question]\n{{question}}\n\n{{#reference}}[The Start of Reference Answer]\n{{reference}}\n[The End of Reference Answer]\n\n{{/reference}}[The Start of Assistant's Answer]\n{{answer}}\n[The End of Assistant's Answer]\n\n[Rubric]\n{{#rubric}}{{rubric}}{{/rubric}}{{^rubric}}Helpfulness, relevance, accuracy, depth and level of detail.{{/rubric}}\n[Scale]\nFrom {{scale_min}} (worst) to {{scale_max}} (best).",
  parser: 'rating',
  text_format:
    'After your rationale, rate the response on the scale from {{scale_min}} to {{scale_max}} by strictly following this format: "Rating: [[n]]", for example: "Rating: [[{{scale_max}}]]".{{#certainty}} Then, on a last line, give your certainty that the rating is right from {{certainty_min}} to {{certainty_max}}: "Certainty: [[n]]".{{/certainty}}',
});

/**
 * Persona: which answer the person described would prefer, with a certainty from 1 to 100 in the bands of
 * "Can LLM be a Personalized Judge?" (Dong, Hu and Collier 2024), whose prompt this follows.
 */
const PERSONA: JudgeTemplate = JudgeTemplate.parse({
  name: 'persona',
  type: 'pairwise',
  description: 'Predict which answer the person with the persona prefers, with a certainty from 1 to 100 in the published bands (Dong et al. 2024)',
  system: '',
  user: "Given the user profile provided below, select the response from AI assistant A or B that the user would most likely prefer. {{format}}\n\n[User Profile]\n{{#persona}}{{persona}}{{/persona}}{{^persona}}(no profile given){{/persona}}\n\n[User Question]\n{{question}}\n\n[The Start of Assistant A's Answer]\n{{answer_a}}\n[The End of Assistant A's Answer]\n\n[The Start of Assistant B's Answer]\n{{answer_b}}\n[The End of Assistant B's Answer]",
  parser: 'verdict',
  tie: false,
  certainty_scale: { min: 1, max: 100 },
  text_format:
    'Declare your choice by using the format: "[[A]]" if you believe assistant A\'s response is more suitable, or "[[B]]" if assistant B\'s response is better suited. Additionally, assess your confidence in this decision by assigning a certainty level from 1 to 100, written as "Certainty: [[n]]". Use the following guidelines to assign the certainty level:\n\n1--20 (Uncertain): The user profile provides insufficient or minimal evidence; the decision is largely based on weak or indirect hints.\n21--40 (Moderately Confident): There is noticeable evidence supporting a preference, though it is not comprehensive, and other interpretations are possible.\n41--60 (Quite Confident): You find clear and convincing evidence that supports your prediction, though it is not entirely decisive.\n61--80 (Confident): The user profile contains strong evidence that clearly supports your prediction, with very little ambiguity.\n81--100 (Highly Confident): The user profile provides direct and explicit evidence that decisively supports your prediction.',
});

/** Choice among options: the reasons, then the number of the option as [[n]]. */
const CHOICE: JudgeTemplate = JudgeTemplate.parse({
  name: 'choice',
  type: 'choice',
  description: 'Pick one of the options: the reasons, then the option number as [[n]]',
  system:
    'Please act as an impartial judge. Read the question and choose the option that answers it best{{#persona}} for the person described{{/persona}}. Explain your reasoning briefly first.{{#instructions}}\n\nThe task\'s instructions: {{instructions}}{{/instructions}}\n\n{{format}}',
  user: '{{#persona}}[Person]\n{{persona}}\n\n{{/persona}}[Question]\n{{question}}\n\n{{#reference}}[Reference]\n{{reference}}\n\n{{/reference}}[Options]\n{{options}}',
  parser: 'choice',
  text_format:
    'After your explanation, give the number of the option you choose in this format: "[[n]]", for example "[[1]]".{{#certainty}} Then, on a last line, give your certainty that it is the right option from {{certainty_min}} to {{certainty_max}}: "Certainty: [[n]]".{{/certainty}}',
});

export const BUILT_IN_TEMPLATES: readonly JudgeTemplate[] = [PAIRWISE, PAIRWISE_REFERENCE, RATING, PERSONA, CHOICE, ...MT_BENCH_TEMPLATES, ...RANKING_TEMPLATES];

/** The version of a template: the first 12 hex digits of the SHA-256 of everything that shapes its prompts. */
export function templateVersion(t: JudgeTemplate): string {
  let v = versions.get(t);
  if (v === undefined) {
    const { name: _name, description: _description, ...content } = t;
    v = createHash('sha256').update(JSON.stringify(content)).digest('hex').slice(0, 12);
    versions.set(t, v);
  }
  return v;
}
const versions = new WeakMap<JudgeTemplate, string>();

/** Reads a template file (JSON, the shape of {@link JudgeTemplate}); throws naming what is wrong. */
export function loadTemplateFile(file: string): JudgeTemplate {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new Error(`Cannot read the template ${file}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const r = JudgeTemplate.safeParse(raw);
  if (!r.success) throw new Error(`The template ${file} is not valid: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}

/**
 * The template a judge uses for a task: its own (`prompt`), a built-in one by name, or the type's default. The
 * defaults: a conversation gets MT-Bench's multi-turn template (its reference-guided one when the item has a
 * reference), a pairwise item with a persona the persona template, a ranking JudgeLM's multi-answer template.
 */
export function chooseTemplate(type: TaskType, config: { template?: string | undefined; prompt?: JudgeTemplate | undefined }, item?: TaskItem): JudgeTemplate {
  if (config.prompt) return config.prompt;
  if (config.template) {
    const t = BUILT_IN_TEMPLATES.find((b) => b.name === config.template);
    if (!t) throw new Error(`No built-in template "${config.template}" (known: ${BUILT_IN_TEMPLATES.map((b) => b.name).join(', ')}); give a file's path for your own`);
    return t;
  }
  const reference = !!item?.reference;
  switch (type) {
    case 'pairwise':
      if (isConversation(item)) return reference ? PAIRWISE_MULTI_TURN_REFERENCE : PAIRWISE_MULTI_TURN;
      return item?.persona ? PERSONA : PAIRWISE;
    case 'rating':
      if (isConversation(item)) return reference ? RATING_MULTI_TURN_REFERENCE : RATING_MULTI_TURN;
      return RATING;
    case 'choice':
      return CHOICE;
    case 'ranking':
      return RANKING_JUDGELM;
  }
}

/** The certainty scale a template asks on for a project: its own, or the project's, or none. */
export function askedCertainty(t: JudgeTemplate, project: SessionInfo['project']): Range | null {
  return t.certainty_scale ?? project.certainty;
}

const SECTION = /\{\{([#^])([a-z_]+)\}\}([\s\S]*?)\{\{\/\2\}\}/g;
const FIELD = /\{\{([a-z_]+)\}\}/g;

/** Mustache-like rendering: sections first, then one pass of substitution (inserted text is never re-read). */
export function render(text: string, fields: Record<string, string | undefined>): string {
  let out = text;
  for (let i = 0; i < 4; i++) {
    const next = out.replace(SECTION, (_m, kind: string, name: string, body: string) => {
      const present = fields[name] !== undefined && fields[name] !== '';
      return (kind === '#') === present ? body : '';
    });
    if (next === out) break;
    out = next;
  }
  return out.replace(FIELD, (_m, name: string) => fields[name] ?? '');
}

/** The JSON instruction that replaces `text_format` when the request uses structured output. */
function jsonFormat(t: JudgeTemplate, certainty: Range | null, options: number, answers: number): string {
  let answer: string;
  if (t.parser === 'rating') answer = '"score" (a number on the scale from {{scale_min}} to {{scale_max}})';
  else if (t.parser === 'choice') answer = `"choice" (the number of the option you choose, 1 to ${options})`;
  else if (t.parser === 'scores') answer = `"scores" (a list of ${answers} numbers from 1 to 10, the scores of Assistant 1 to ${answers} in order)`;
  else if (t.parser === 'ranking')
    answer = t.tie
      ? `"ranking" (the identifiers 1 to ${answers} of all the answers, best first, as a list of groups; answers of equal quality share a group, e.g. [[2], [1, 3]])`
      : `"ranking" (the identifiers 1 to ${answers} of all the answers, best first, e.g. [2, 1, 3])`;
  else answer = t.tie ? '"verdict" ("A" if assistant A is better, "B" if assistant B is better, "C" for a tie)' : '"verdict" ("A" or "B")';
  const c = certainty ? `, then "certainty" (an integer from ${certainty.min} to ${certainty.max}: how sure you are)` : '';
  return `Answer with a JSON object only: first "rationale" (your explanation), then ${answer}${c}.`;
}

export interface Rendered {
  messages: Message[];
  certainty: Range | null;
  /** The answer-format instruction as rendered (what a repair request repeats). */
  format: string;
}

/**
 * The chat messages for one task. Images (the item's, then its conversations' in order) follow the user message's
 * text as `image_url` content parts, each after a short text part naming it; without images the content is a string.
 */
export function renderTask(t: JudgeTemplate, item: TaskItem, project: SessionInfo['project'], structured: boolean): Rendered {
  const certainty = askedCertainty(t, project);
  const scale = project.scale ?? DEFAULT_SCALE;
  const options = item.options ?? project.options ?? [];
  const answers = item.answers ?? [];
  const images = new ImageList();
  const fields: Record<string, string | undefined> = {
    question: item.question,
    answer_a: item.answer_a,
    answer_b: item.answer_b,
    answer: item.answer,
    options: options.map((o, i) => `${i + 1}. ${o}`).join('\n'),
    ...conversationFields(item, images),
    ...rankingFields(answers),
    reference: item.reference ?? undefined,
    persona: item.persona ?? undefined,
    rubric: item.rubric ?? undefined,
    instructions: project.instructions || undefined,
    scale_min: String(scale.min),
    scale_max: String(scale.max),
    ties: t.tie ? 'yes' : undefined,
    certainty: certainty ? 'yes' : undefined,
    certainty_min: certainty ? String(certainty.min) : undefined,
    certainty_max: certainty ? String(certainty.max) : undefined,
  };
  fields.format = render(structured ? jsonFormat(t, certainty, options.length, answers.length) : t.text_format, fields);
  const hasFormat = t.system.includes('{{format}}') || t.user.includes('{{format}}');
  const system = render(t.system, fields).trim();
  let user = render(t.user, fields).trim();
  if (!hasFormat && fields.format) user += `\n\n${fields.format}`;
  const messages: Message[] = [];
  if (system) messages.push({ role: 'system', content: system });
  const parts = images.parts();
  messages.push({ role: 'user', content: parts.length ? [{ type: 'text', text: user }, ...parts] : user });
  return { messages, certainty, format: fields.format };
}

/** The JSON schema sent as `response_format` for structured output (`answers`: a ranking's number of answers). */
export function responseSchema(t: JudgeTemplate, certainty: Range | null, options: number, answers = 0): Record<string, unknown> {
  const properties: Record<string, unknown> = { rationale: { type: 'string' } };
  const id = { type: 'integer', minimum: 1, maximum: Math.max(1, answers) };
  if (t.parser === 'rating') properties.score = { type: 'number' };
  else if (t.parser === 'choice') properties.choice = { type: 'integer', minimum: 1, maximum: Math.max(1, options) };
  else if (t.parser === 'scores') properties.scores = { type: 'array', items: { type: 'number' }, minItems: answers, maxItems: answers };
  else if (t.parser === 'ranking') properties.ranking = { type: 'array', items: t.tie ? { type: 'array', items: id, minItems: 1 } : id, minItems: 1, maxItems: answers };
  else properties.verdict = { type: 'string', enum: t.tie ? ['A', 'B', 'C'] : ['A', 'B'] };
  if (certainty) properties.certainty = { type: 'integer', minimum: certainty.min, maximum: certainty.max };
  return { type: 'object', properties, required: Object.keys(properties), additionalProperties: false };
}
