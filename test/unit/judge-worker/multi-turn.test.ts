import type { SessionInfo, TaskItem } from '../../../shared/protocol';
import { BUILT_IN_TEMPLATES, chooseTemplate, renderTask, templateVersion } from '../../../judge-worker/templates';
import { ordinal } from '../../../judge-worker/transcript';

const project: SessionInfo['project'] = { id: 1, title: 'p', type: 'pairwise', instructions: '', options: null, scale: null, certainty: null, rationale: 'off', completion_code: null, redirect_url: null };
const byName = (name: string) => BUILT_IN_TEMPLATES.find((t) => t.name === name)!;
const text = (m: { content: unknown }) => m.content as string;

// A two-turn MT-Bench item, as the server sends it for turn 2 (conversations cut at the judged turn, display order).
const q1 = 'Write a haiku about rain.';
const q2 = 'Now rewrite it for a child.';
const item: TaskItem = {
  id: 'mt-1',
  question: q2,
  answer_a: 'Drip drop, puddles pop!',
  answer_b: 'Splash! The rain says hi.',
  turn: 2,
  conversation_a: [
    { role: 'user', content: q1 },
    { role: 'assistant', content: 'Grey clouds hum softly' },
    { role: 'user', content: q2 },
    { role: 'assistant', content: 'Drip drop, puddles pop!' },
  ],
  conversation_b: [
    { role: 'user', content: q1 },
    { role: 'assistant', content: 'Rain on the window' },
    { role: 'user', content: q2 },
    { role: 'assistant', content: 'Splash! The rain says hi.' },
  ],
};

/*
 * The expected texts are FastChat's own, produced by its template and Python's str.format:
 *   git show 0e6d3e4:fastchat/llm_judge/data/judge_prompts.jsonl > jp.jsonl   (lm-sys/FastChat)
 *   python3 -c "import json; P={json.loads(l)['name']:json.loads(l) for l in open('jp.jsonl')}; p=P['pair-v2-multi-turn'];
 *     print(json.dumps(p['system_prompt'])); print(json.dumps(p['prompt_template'].format(question_1=…, question_2=…,
 *     answer_a_1=…, answer_a_2=…, answer_b_1=…, answer_b_2=…)))"   (the values above; single-v1-multi-turn likewise)
 */
const FASTCHAT_PAIR_SYSTEM =
  "Please act as an impartial judge and evaluate the quality of the responses provided by two AI assistants to the user questions. You should choose the assistant that follows the user's instructions and answers the user's questions better. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of their responses. You should focus on who provides a better answer to the second user question. Begin your evaluation by comparing the responses of the two assistants and provide a short explanation. Avoid any position biases and ensure that the order in which the responses were presented does not influence your decision. Do not allow the length of the responses to influence your evaluation. Do not favor certain names of the assistants. Be as objective as possible. After providing your explanation, output your final verdict by strictly following this format: \"[[A]]\" if assistant A is better, \"[[B]]\" if assistant B is better, and \"[[C]]\" for a tie.";
const FASTCHAT_PAIR_USER =
  "<|The Start of Assistant A's Conversation with User|>\n\n### User:\nWrite a haiku about rain.\n\n### Assistant A:\nGrey clouds hum softly\n\n### User:\nNow rewrite it for a child.\n\n### Assistant A:\nDrip drop, puddles pop!\n\n<|The End of Assistant A's Conversation with User|>\n\n\n<|The Start of Assistant B's Conversation with User|>\n\n### User:\nWrite a haiku about rain.\n\n### Assistant B:\nRain on the window\n\n### User:\nNow rewrite it for a child.\n\n### Assistant B:\nSplash! The rain says hi.\n\n<|The End of Assistant B's Conversation with User|>";
const FASTCHAT_SINGLE_SYSTEM =
  'Please act as an impartial judge and evaluate the quality of the response provided by an AI assistant to the user question displayed below. Your evaluation should consider factors such as the helpfulness, relevance, accuracy, depth, creativity, and level of detail of the response. You evaluation should focus on the assistant\'s answer to the second user question. Begin your evaluation by providing a short explanation. Be as objective as possible. After providing your explanation, you must rate the response on a scale of 1 to 10 by strictly following this format: "[[rating]]", for example: "Rating: [[5]]".\n\n';
const FASTCHAT_SINGLE_USER =
  "<|The Start of Assistant A's Conversation with User|>\n\n### User:\nWrite a haiku about rain.\n\n### Assistant A:\nGrey clouds hum softly\n\n### User:\nNow rewrite it for a child.\n\n### Assistant A:\nDrip drop, puddles pop!\n\n<|The End of Assistant A's Conversation with User|>";

describe('MT-Bench multi-turn templates', () => {
  test("a two-turn MT-Bench item judged at turn 2 gets FastChat's pair-v2-multi-turn prompt word for word", () => {
    const t = chooseTemplate('pairwise', {}, item);
    expect(t.name).toBe('pairwise-multi-turn');
    const { messages } = renderTask(t, item, project, false);
    expect(messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(text(messages[0]!)).toBe(FASTCHAT_PAIR_SYSTEM);
    expect(text(messages[1]!)).toBe(FASTCHAT_PAIR_USER);
  });

  test("a rated two-turn conversation gets single-v1-multi-turn (its trailing blank line trimmed)", () => {
    const rated: TaskItem = { id: 'mt-1', question: q2, answer: 'Drip drop, puddles pop!', turn: 2, conversation: item.conversation_a! };
    const t = chooseTemplate('rating', {}, rated);
    expect(t.name).toBe('rating-multi-turn');
    const { messages } = renderTask(t, rated, { ...project, type: 'rating' }, false);
    expect(text(messages[0]!)).toBe(FASTCHAT_SINGLE_SYSTEM.trim());
    expect(text(messages[1]!)).toBe(FASTCHAT_SINGLE_USER);
  });

  test('an item with a reference gets the reference-guided template, which shows the judged turn and its reference', () => {
    const withRef = { ...item, reference: 'Pitter patter, rain is here.' };
    const t = chooseTemplate('pairwise', {}, withRef);
    expect(t.name).toBe('pairwise-multi-turn-reference');
    const { messages } = renderTask(t, withRef, project, false);
    expect(text(messages[0]!)).toContain('Your job is to determine which assistant provides correct and helpful answers to the second user question.');
    expect(text(messages[1]!)).toBe(
      "<|The Start of Reference Answer|>\n\n### User:\nNow rewrite it for a child.\n\n### Reference answer:\nPitter patter, rain is here.\n\n<|The End of Reference Answer|>\n\n\n" + FASTCHAT_PAIR_USER,
    );
    expect(chooseTemplate('rating', {}, { ...withRef, conversation: item.conversation_a!, conversation_a: undefined }).name).toBe('rating-multi-turn-reference');
  });

  test('another turn is named in the same words, and the judge may name another template', () => {
    expect([1, 2, 3, 10, 11, 12, 13, 21, 22, 23, 101].map(ordinal)).toEqual(['first', 'second', 'third', 'tenth', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st']);
    const turn1: TaskItem = { ...item, turn: 1, question: q1, conversation_a: item.conversation_a!.slice(0, 2), conversation_b: item.conversation_b!.slice(0, 2) };
    const system = text(renderTask(chooseTemplate('pairwise', {}, turn1), turn1, project, false).messages[0]!);
    expect(system).toContain('a better answer to the first user question.');
    expect(chooseTemplate('pairwise', { template: 'pairwise' }, item).name).toBe('pairwise');
    expect(chooseTemplate('pairwise', {}, { id: 'x', question: 'q', answer_a: 'a', answer_b: 'b' }).name).toBe('pairwise');
  });

  test('system messages, tool calls (as their JSON) and tool results are in the transcript, labelled', () => {
    const call = { id: 'call_1', type: 'function' as const, function: { name: 'weather', arguments: '{"city":"Oslo"}' } };
    const agent: TaskItem = {
      id: 'agent',
      question: 'Weather in Oslo?',
      answer: 'It is 3 °C.',
      turn: 1,
      conversation: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', content: '{"temp":3}', tool_call_id: 'call_1', name: 'weather' },
        { role: 'assistant', content: 'It is 3 °C.' },
      ],
    };
    const user = text(renderTask(chooseTemplate('rating', {}, agent), agent, { ...project, type: 'rating' }, false).messages[1]!);
    expect(user).toBe(
      "<|The Start of Assistant A's Conversation with User|>\n\n### System:\nYou are terse.\n\n### User:\nWeather in Oslo?\n\n### Assistant A:\n[Tool calls]\n" +
        JSON.stringify([call]) +
        "\n\n### Tool result (tool_call_id: call_1, name: weather):\n{\"temp\":3}\n\n### Assistant A:\nIt is 3 °C.\n\n<|The End of Assistant A's Conversation with User|>",
    );
  });

  test('the version hash covers the text: each template has its own, and a changed word is a new version', () => {
    const names = ['pairwise-multi-turn', 'pairwise-multi-turn-reference', 'rating-multi-turn', 'rating-multi-turn-reference', 'ranking-judgelm', 'ranking-listwise'];
    const versions = names.map((n) => templateVersion(byName(n)));
    expect(new Set(versions).size).toBe(names.length);
    const t = byName('pairwise-multi-turn');
    expect(templateVersion({ ...t, system: t.system.replace('impartial', 'fair') })).not.toBe(templateVersion(t));
  });
});
