/**
 * Judging conversations (issue 11) through a real server, the judge worker and the mock endpoint: MT-Bench items
 * imported as conversations are judged with MT-Bench's multi-turn prompts, and the verdicts stored in the item's frame.
 */
import { JudgeWorker } from '../../judge-worker/worker';
import { closeServerAndModel, startServerAndModel } from '../helpers/judges';
import { promptText, verdict, type MockOpenAI, type MockRequest } from '../helpers/mock-openai';
import { makeProject, type TestServer } from '../helpers/server';

let s: TestServer;
let mock: MockOpenAI;
beforeEach(async () => ({ server: s, mock } = await startServerAndModel()));
afterEach(() => closeServerAndModel(s, mock));

const labels = (pid: number) =>
  s.db
    .prepare(`SELECT i.external_id AS item, l.value, l.shown_order, l.meta FROM labels l JOIN items i ON i.id = l.item_id JOIN annotators a ON a.id = l.annotator_id WHERE l.project_id = ? AND a.kind = 'llm' ORDER BY l.id`)
    .all(pid) as Array<{ item: string; value: string | number | null; shown_order: string | null; meta: string }>;

async function register(pid: number, body: Record<string, unknown>): Promise<string> {
  const r = await s.api('POST', `/api/projects/${pid}/judges`, body);
  if (r.status !== 201) throw new Error(JSON.stringify(r.body));
  return r.body.token as string;
}

const run = (token: string) => new JudgeWorker({ server: s.url, token, baseUrl: mock.url, statusEveryMs: 50 }).run();

/** An MT-Bench-shaped pair: the same two questions, `good` answering turn 2 well in conversation_a or _b. */
function mtBenchItem(i: number, good: 'a' | 'b') {
  const conv = (who: string, second: string) => [
    { role: 'user', content: `Question one of item ${i}.` },
    { role: 'assistant', content: `${who} first reply ${i}` },
    { role: 'user', content: `Follow-up of item ${i}.` },
    { role: 'assistant', content: second },
  ];
  return {
    id: `mt${i}`,
    conversation_a: conv('alpha', good === 'a' ? `GOOD follow-up ${i}` : `poor follow-up ${i}`),
    conversation_b: conv('beta', good === 'b' ? `GOOD follow-up ${i}` : `poor follow-up ${i}`),
    turn: 2,
  };
}

/** Assistant A's last answer in MT-Bench's multi-turn layout. */
const lastOfA = (req: MockRequest) => {
  const a = /<\|The Start of Assistant A's Conversation with User\|>([\s\S]*?)<\|The End of Assistant A's Conversation with User\|>/.exec(promptText(req))?.[1] ?? '';
  return a.split('### Assistant A:\n').pop()!;
};

describe('judging conversations', () => {
  test("a pairwise conversation project is judged with MT-Bench's multi-turn prompt, the verdicts stored in the item's frame", async () => {
    const pid = await makeProject(s, { redundancy: 1 }, [mtBenchItem(1, 'a'), mtBenchItem(2, 'b'), mtBenchItem(3, 'a')]);
    const token = await register(pid, { model: 'judge-model', swap: true, structured: false });
    mock.rule = (req) => verdict(req, lastOfA(req).startsWith('GOOD') ? 'A' : 'B');
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'done', labels: 6, invalid: 0, errors: 0, template: { name: 'pairwise-multi-turn' } });

    const req = mock.requests[0]!;
    const [system, user] = req.body.messages;
    expect(system!.role).toBe('system');
    expect(system!.content).toContain('You should focus on who provides a better answer to the second user question. Begin your evaluation');
    expect(system!.content).toMatch(/Be as objective as possible\. After providing your explanation, output your final verdict by strictly following this format: "\[\[A\]\]" if assistant A is better, "\[\[B\]\]" if assistant B is better, and "\[\[C\]\]" for a tie\.$/);
    expect(user!.content).toMatch(
      /^<\|The Start of Assistant A's Conversation with User\|>\n\n### User:\nQuestion one of item \d\.\n\n### Assistant A:\n(alpha|beta) first reply \d\n\n### User:\nFollow-up of item \d\.\n\n### Assistant A:\n.*\n\n<\|The End of Assistant A's Conversation with User\|>\n\n\n<\|The Start of Assistant B's Conversation with User\|>\n\n### User:\nQuestion one/,
    );

    const stored = labels(pid);
    expect(stored).toHaveLength(6);
    // Stored canonically: the item's conversation with the GOOD follow-up wins whichever side it was shown on.
    const want: Record<string, string> = { mt1: 'A', mt2: 'B', mt3: 'A' };
    for (const l of stored) expect(l.value).toBe(want[l.item]);
    expect(new Set(stored.map((l) => l.shown_order))).toEqual(new Set(['AB', 'BA']));
    expect(JSON.parse(stored[0]!.meta)).toMatchObject({ template: 'pairwise-multi-turn', template_version: expect.stringMatching(/^[0-9a-f]{12}$/) });
  });

  test('a rated agent trajectory with a reference gets the reference-guided multi-turn prompt with its tool calls and results', async () => {
    const call = { id: 'call_7', type: 'function', function: { name: 'calc', arguments: '{"expr":"6*7"}' } };
    const item = {
      id: 'agent1',
      reference: '42',
      conversation: [
        { role: 'system', content: 'Use the calculator.' },
        { role: 'user', content: 'What is 6 times 7?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: 'call_7', content: '42' },
        { role: 'assistant', content: 'It is 42.' },
      ],
    };
    const pid = await makeProject(s, { type: 'rating', redundancy: 1 }, [item]);
    const token = await register(pid, { model: 'judge-model' });
    mock.rule = (req) => (req.body.response_format ? { content: JSON.stringify({ rationale: 'Right.', score: 9 }) } : { content: 'Right.\nRating: [[9]]' });
    const summary = await run(token);
    expect(summary).toMatchObject({ state: 'done', labels: 1, invalid: 0 });
    const text = promptText(mock.requests[0]!);
    expect(text).toContain("You evaluation should focus on the assistant's answer to the first question.");
    expect(text).toContain('<|The Start of Reference Answer|>\n\n### User:\nWhat is 6 times 7?\n\n### Reference answer:\n42\n\n<|The End of Reference Answer|>');
    expect(text).toContain(`### System:\nUse the calculator.\n\n### User:\nWhat is 6 times 7?\n\n### Assistant A:\n[Tool calls]\n${JSON.stringify([call])}\n\n### Tool result (tool_call_id: call_7):\n42\n\n### Assistant A:\nIt is 42.`);
    const [l] = labels(pid);
    expect(l!.value).toBe(9);
    expect(JSON.parse(l!.meta)).toMatchObject({ template: 'rating-multi-turn-reference', structured: true });
  });
});
