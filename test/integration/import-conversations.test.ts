/**
 * Conversation items imported over real HTTP: MT-Bench's multi-turn pairs (the second turn judged), a rated
 * conversation, an agent trajectory in OpenAI's message shape (system, tool calls, tool results), and OpenAI content
 * parts. Each is read back through the items list; each refusal names its line and field in plain words.
 */
import { jsonl, makeProject, startServer, type TestServer } from '../helpers/server';

type Detail = { line?: number; field?: string; message: string };

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const newProject = (type: string) => makeProject(s, { type }, []);
const post = (pid: number, body: string, type = 'application/x-ndjson') => s.api('POST', `/api/projects/${pid}/items`, body, { type });
const items = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/items?limit=1000`)).body.items as any[];
function refusal(r: { status: number; body: any }): Detail[] {
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('invalid-input');
  return r.body.error.details as Detail[];
}

/** Shaped as MT-Bench's human judgments (lmsys/mt_bench_human_judgments): two models' two-turn conversations. */
const user1 = 'Compose an engaging travel blog post about a recent trip to Hawaii.';
const user2 = 'Rewrite your previous response. Start every sentence with the letter A.';
const mtBench = {
  id: '81-turn2',
  conversation_a: [
    { role: 'user', content: user1 },
    { role: 'assistant', content: 'Aloha! Hawaii was a dream.' },
    { role: 'user', content: user2 },
    { role: 'assistant', content: 'Aloha! A dream, Hawaii was.' },
  ],
  conversation_b: [
    { role: 'user', content: user1 },
    { role: 'assistant', content: 'I went to Hawaii.' },
    { role: 'user', content: user2 },
    { role: 'assistant', content: 'I went to Hawaii again.' },
  ],
  turn: 2,
  gold: 'A',
  meta: { category: 'writing' },
};

describe('conversation items', () => {
  test('an MT-Bench pair judged at turn 2: every message kept, the question and answers are the second turn’s', async () => {
    const pid = await newProject('pairwise');
    expect((await post(pid, jsonl([mtBench, { ...mtBench, id: '81-turn1', turn: 1 }]))).body).toEqual({ imported: 2 });
    const [t2, t1] = await items(pid);
    expect(t2.content).toEqual({
      question: user2,
      answer_a: 'Aloha! A dream, Hawaii was.',
      answer_b: 'I went to Hawaii again.',
      conversation_a: mtBench.conversation_a,
      conversation_b: mtBench.conversation_b,
      turn: 2,
    });
    expect(t2.gold).toBe('A');
    expect(t1.content).toMatchObject({ question: user1, answer_a: 'Aloha! Hawaii was a dream.', answer_b: 'I went to Hawaii.', turn: 1 });
  });

  test('a rated conversation without a turn is judged at its last turn', async () => {
    const pid = await newProject('rating');
    const rec = {
      id: 'r1',
      conversation: [
        { role: 'user', content: 'What is 2+2?' },
        { role: 'assistant', content: '4' },
        { role: 'user', content: 'And times 3?' },
        { role: 'assistant', content: '12' },
      ],
      rubric: 'Correctness',
      gold: 9,
    };
    expect((await post(pid, jsonl([rec]))).status).toBe(200);
    const [r1] = await items(pid);
    expect(r1.content).toMatchObject({ question: 'And times 3?', answer: '12', turn: 2, rubric: 'Correctness' });
    expect(r1.content.conversation).toHaveLength(4);
    expect(r1.gold).toBe(9);
  });

  test('an agent trajectory: system prompt, tool calls with no content, tool results; the answer is the last reply with text', async () => {
    const pid = await newProject('rating');
    const call = { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } };
    const conversation = [
      { role: 'system', content: 'You are a weather assistant.' },
      { role: 'user', content: 'Weather in Paris?' },
      { role: 'assistant', content: null, tool_calls: [call] },
      { role: 'tool', tool_call_id: 'call_1', name: 'get_weather', content: '{"temp":18}' },
      { role: 'assistant', content: 'It is 18 °C in Paris.' },
    ];
    // A tool call without `type` (some logs omit it) is read as a function call.
    const loose = conversation.map((m) => (m.tool_calls ? { ...m, tool_calls: [{ id: call.id, function: call.function }] } : m));
    expect((await post(pid, jsonl([{ id: 'agent', conversation: loose }]))).status).toBe(200);
    const [a] = await items(pid);
    expect(a.content.conversation).toEqual(conversation);
    expect(a.content).toMatchObject({ question: 'Weather in Paris?', answer: 'It is 18 °C in Paris.', turn: 1 });
  });

  test('OpenAI content parts: text parts joined by a newline, image_url parts become the message’s images', async () => {
    const pid = await newProject('rating');
    const rec = {
      id: 'vision',
      conversation: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Describe this picture.' },
            { type: 'image_url', image_url: { url: 'https://example.org/cat.png', detail: 'low' } },
            { type: 'text', text: 'Be brief.' },
          ],
        },
        { role: 'assistant', content: 'A cat.' },
      ],
    };
    expect((await post(pid, jsonl([rec]))).status).toBe(200);
    const [v] = await items(pid);
    expect(v.content.conversation[0]).toEqual({ role: 'user', content: 'Describe this picture.\nBe brief.', images: [{ src: 'https://example.org/cat.png' }] });
    expect(v.content.question).toBe('Describe this picture.\nBe brief.');
  });

  test('a pair whose user turns differ is refused naming the turn and where it is', async () => {
    const pid = await newProject('pairwise');
    const bad = { ...mtBench, conversation_b: mtBench.conversation_b.map((m, i) => (i === 2 ? { ...m, content: 'Something else.' } : m)) };
    const picture = (url: string) => ({ role: 'user', content: 'What is shown?', images: [url] });
    const otherPicture = {
      id: 'pics',
      conversation_a: [picture('https://example.org/a.png'), { role: 'assistant', content: 'A.' }],
      conversation_b: [picture('https://example.org/b.png'), { role: 'assistant', content: 'B.' }],
    };
    const details = refusal(await post(pid, jsonl([mtBench, bad, otherPicture])));
    const message = "differs from conversation_a's (its text or its images): both answers must answer the same user turns";
    expect(details).toEqual([
      { line: 2, field: 'conversation_b.2', message: `user turn 2 ${message}` },
      { line: 3, field: 'conversation_b.0', message: `user turn 1 ${message}` },
    ]);
    expect((await items(pid)).length).toBe(0);
  });

  test('bad conversations are refused with the field inside the list named', async () => {
    const pid = await newProject('pairwise');
    const conv = mtBench.conversation_a;
    const details = refusal(
      await post(
        pid,
        jsonl([
          { ...mtBench, id: 'a', turn: 3 },
          { ...mtBench, id: 'b', conversation_a: [{ role: 'bot', content: 'hi' }, ...conv.slice(1)] },
          { ...mtBench, id: 'c', conversation_a: [{ ...conv[0], colour: 'red' }, ...conv.slice(1)] },
          { ...mtBench, id: 'd', conversation_a: [conv[0], { role: 'assistant', content: 42 }, ...conv.slice(2)] },
          { ...mtBench, id: 'e', question: 'also a question?' },
          { id: 'f', conversation_a: conv },
          { id: 'g', conversation_a: [conv[0]], conversation_b: [conv[0]] },
          { id: 'h', question: 'q', answer_a: 'a', answer_b: 'b', turn: 1 },
          { id: 'i', question: 'q', answer_a: 'a' },
        ]),
      ),
    );
    // One problem per record.
    expect(details.map((d) => d.line)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const byLine = new Map(details.map((d) => [d.line, d]));
    expect(byLine.get(1)).toEqual({ line: 1, field: 'turn', message: 'turn 3 is not in conversation_a, which has 2 user turns (turn counts user messages from 1)' });
    expect(byLine.get(2)).toMatchObject({ field: 'conversation_a.0.role' });
    expect(byLine.get(3)).toEqual({ line: 3, field: 'conversation_a.0.colour', message: 'unknown field "colour" in conversation_a.0' });
    expect(byLine.get(4)).toMatchObject({ field: 'conversation_a.1.content', message: expect.stringContaining('content is a string') });
    expect(byLine.get(5)).toMatchObject({ field: 'question', message: expect.stringContaining('cannot be given with conversations') });
    expect(byLine.get(6)).toEqual({ line: 6, field: 'conversation_b', message: 'a pair of conversations needs both conversation_a and conversation_b' });
    expect(byLine.get(7)).toMatchObject({ field: 'conversation_a.0', message: 'turn 1 of conversation_a has no assistant reply to judge' });
    expect(byLine.get(8)).toEqual({ line: 8, field: 'turn', message: 'turn applies only to conversations' });
    expect(byLine.get(9)).toEqual({ line: 9, field: 'answer_b', message: 'answer_b is required (or give conversation_a and conversation_b)' });
  });

  test('each problem of a rated conversation is said once, on its own field', async () => {
    const pid = await newProject('rating');
    const conv = [
      { role: 'user', content: 'Hi' },
      { role: 'assistant', content: 'Hello' },
    ];
    const details = refusal(
      await post(
        pid,
        jsonl([
          { id: 'a', conversation: conv, turn: 0 },
          { id: 'b', conversation: [] },
          { id: 'c', conversation: [conv[0], { role: 'assistant', content: null }] },
          { id: 'd', conversation: conv, question: 'q' },
        ]),
      ),
    );
    expect(details).toEqual([
      { line: 1, field: 'turn', message: 'turn must be a whole number (the judged user turn, from 1)' },
      { line: 2, field: 'conversation', message: 'a conversation needs at least one message' },
      { line: 3, field: 'conversation.1.content', message: 'an assistant message needs content (only an assistant message that calls tools may have none)' },
      { line: 4, field: 'question', message: "question cannot be given with a conversation (they are the judged turn's)" },
    ]);
  });

  test('CSV: a conversation is JSON text in its cell; anything else there is refused in words', async () => {
    const pid = await newProject('rating');
    const cell = (v: unknown) => `"${JSON.stringify(v).replace(/"/g, '""')}"`;
    const conv = [
      { role: 'user', content: 'Hi, "friend"' },
      { role: 'assistant', content: 'Hello.' },
    ];
    const csv = `id,conversation,turn\nc1,${cell(conv)},1\nc2,just text,\n`;
    const details = refusal(await post(pid, csv, 'text/csv'));
    expect(details).toEqual([{ line: 3, field: 'conversation', message: expect.stringContaining('conversation must be JSON text in a CSV cell') }]);
    expect((await post(pid, `id,conversation,turn\nc1,${cell(conv)},1\n`, 'text/csv')).status).toBe(200);
    expect((await items(pid))[0].content).toMatchObject({ question: 'Hi, "friend"', answer: 'Hello.', turn: 1 });
  });
});
