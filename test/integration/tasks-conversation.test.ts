/**
 * The task protocol on conversation items (issue 11): a task carries the conversations up to the end of the judged
 * turn (later turns are not context), in display order for a pair (BA swaps them, as it swaps the answers), with
 * the judged turn named; tool calls and results pass through as they are.
 */
import type { Task } from '../../shared/protocol';
import type { ChatTurn } from '../../shared/conversation';
import { turnAnswer, turnQuestion } from '../../shared/conversation';
import type { ItemContent } from '../../shared/views';
import { mulberry32 } from '../../shared/stats/random';
import { ItemsRepo } from '../../server/items/items.repo';
import { invite, makeProject, ok, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeEach(async () => {
  s = await startServer({}, { random: mulberry32(11) });
});
afterEach(async () => {
  await s.close();
});

/** Three turns of MT-Bench's shape; model `m`'s replies, one of them calling a tool. */
const chat = (m: string): ChatTurn[] => [
  { role: 'system', content: 'You are helpful.' },
  { role: 'user', content: 'Write a haiku.' },
  { role: 'assistant', content: `${m}: a haiku` },
  { role: 'user', content: 'Now check the weather.' },
  { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'weather', arguments: '{"city":"Oslo"}' } }] },
  { role: 'tool', content: '{"sky":"grey"}', tool_call_id: 'c1' },
  { role: 'assistant', content: `${m}: it is grey` },
  { role: 'user', content: 'Thanks, and a limerick?' },
  { role: 'assistant', content: `${m}: a limerick` },
];

/** A pair of conversations judged at `turn`, stored as the import stores it (question and answers the turn's). */
function pairContent(turn: number): ItemContent {
  const a = chat('alpha');
  const b = chat('beta');
  return { question: turnQuestion(a, turn), answer_a: turnAnswer(a, turn), answer_b: turnAnswer(b, turn), conversation_a: a, conversation_b: b, turn };
}

function writeItem(pid: number, externalId: string, content: ItemContent): void {
  s.db.transaction(() => new ItemsRepo(s.db).write(pid, [{ externalId, content, gold: null, meta: null }], false, s.clock.now))();
  s.app.tasks.reload(pid);
}

describe('conversation tasks: pairs', () => {
  test('a pair judged at turn 2 is cut after turn 2, and order BA swaps the conversations with the answers', async () => {
    const pid = await makeProject(s, { redundancy: 40 }, []);
    writeItem(pid, 'c1', pairContent(2));
    const seen = new Map<string, Task>();
    for (let k = 0; k < 40 && seen.size < 2; k++) {
      const c = await s.connect({ token: await invite(s, pid), worker: `w${k}` });
      const t = (await ok<Task>(c, 'task:next'))!;
      seen.set(t.order!, t);
    }
    const ab = seen.get('AB')!;
    const ba = seen.get('BA')!;
    // Messages 0–6: the system message, turn 1, and turn 2 with its tool call and result; turn 3 is not sent.
    expect(ab.item.conversation_a).toEqual(chat('alpha').slice(0, 7));
    expect(ab.item.conversation_b).toEqual(chat('beta').slice(0, 7));
    expect(ab.item).toMatchObject({ turn: 2, question: 'Now check the weather.', answer_a: 'alpha: it is grey', answer_b: 'beta: it is grey' });
    expect(ba.item.conversation_a).toEqual(chat('beta').slice(0, 7));
    expect(ba.item.conversation_b).toEqual(chat('alpha').slice(0, 7));
    expect(ba.item).toMatchObject({ turn: 2, answer_a: 'beta: it is grey', answer_b: 'alpha: it is grey' });
    for (const t of [ab, ba]) {
      expect(JSON.stringify(t)).not.toContain('limerick');
      expect(t.item.conversation).toBeUndefined();
    }
  });

  test('a verdict on the conversation shown first under BA is stored as the item’s B', async () => {
    const pid = await makeProject(s, { redundancy: 40 }, []);
    writeItem(pid, 'c1', pairContent(3));
    for (let k = 0; k < 40; k++) {
      const c = await s.connect({ token: await invite(s, pid), worker: `w${k}` });
      const t = (await ok<Task>(c, 'task:next'))!;
      expect(t.item.conversation_a).toHaveLength(9);
      if (t.order !== 'BA') continue;
      expect(t.item.conversation_a![8]!.content).toBe('beta: a limerick');
      await ok(c, 'label:submit', { leaseId: t.leaseId, value: 'A', clientLabelId: 'ba' });
      break;
    }
    expect(s.db.prepare('SELECT value, shown_order FROM labels').all()).toEqual([{ value: 'B', shown_order: 'BA' }]);
  });

  test('a judge gets the same cut, with tool calls as they are', async () => {
    const pid = await makeProject(s, {}, []);
    writeItem(pid, 'c1', pairContent(2));
    const judge = await s.api('POST', `/api/projects/${pid}/judges`, { model: 'm', swap: true });
    const j = await s.connect({ token: judge.body.token });
    const t = (await ok<Task>(j, 'task:next'))!;
    expect(t.item.conversation_a).toHaveLength(7);
    const flip = t.order === 'BA';
    expect(t.item.conversation_a![4]).toEqual(chat(flip ? 'beta' : 'alpha')[4]);
    expect(t.item.conversation_a![5]).toEqual({ role: 'tool', content: '{"sky":"grey"}', tool_call_id: 'c1' });
  });
});

describe('conversation tasks: rating', () => {
  test('a rated conversation is cut at its judged turn and says which turn it is', async () => {
    const pid = await makeProject(s, { type: 'rating' }, []);
    const c1 = chat('alpha');
    writeItem(pid, 'r1', { question: turnQuestion(c1, 1), answer: turnAnswer(c1, 1), conversation: c1, turn: 1 });
    const c = await s.connect({ token: await invite(s, pid), worker: 'rater' });
    const t = (await ok<Task>(c, 'task:next'))!;
    expect(t.item).toMatchObject({ id: 'r1', question: 'Write a haiku.', answer: 'alpha: a haiku', turn: 1 });
    expect(t.item.conversation).toEqual(c1.slice(0, 3));
    expect(t.item.conversation_a).toBeUndefined();
    expect(t.order).toBeUndefined();
  });

  test('plain items carry no conversation and no turn', async () => {
    const pid = await makeProject(s, { type: 'rating' }, []);
    writeItem(pid, 'p1', { question: 'Q?', answer: 'A.' });
    const c = await s.connect({ token: await invite(s, pid), worker: 'plain' });
    const t = (await ok<Task>(c, 'task:next'))!;
    expect(t.item).toEqual({ id: 'p1', question: 'Q?', answer: 'A.' });
  });
});
