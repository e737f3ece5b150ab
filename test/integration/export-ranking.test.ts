/**
 * Gold and labels exports of ranking projects, and of conversation items, over the real server.
 */
import { parse } from 'csv-parse/sync';
import { jsonl, makeProject, startServer, type TestServer } from '../helpers/server';

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const get = async (route: string) => {
  const res = await fetch(s.url + route, { headers: { authorization: `Bearer ${s.token}` } });
  expect(res.status).toBe(200);
  return res.text();
};
const lines = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l));
const importLabels = async (pid: number, labels: unknown[]) => {
  const r = await s.api('POST', `/api/projects/${pid}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(r.body).toEqual({ imported: labels.length });
};

const rankingItems = [
  { id: 'q1', question: 'Which is best?', answers: ['a', 'bb', '=ccc'] },
  { id: 'q2', question: 'And here?', answers: ['x', 'y', 'z'], gold: [2, 1, 0] },
  { id: '=q3', question: 'Nobody ranked this', answers: ['p', 'q'] },
];
const rankingLabels = [
  { item: 'q1', annotator: 'h1', value: [0, 1, 2], permutation: [1, 2, 0] },
  { item: 'q1', annotator: 'h2', value: [1, 0, 2], permutation: [0, 1, 2] },
  { item: 'q1', annotator: 'judge', kind: 'llm', value: [0, 1, 2], permutation: [2, 0, 1], sample: 0, scores: [9, 6, 2] },
  { item: 'q1', annotator: 'judge', kind: 'llm', value: null, permutation: [0, 1, 2], sample: 1 },
  { item: 'q2', annotator: 'h1', value: [2, 0, 1], permutation: [2, 1, 0] },
];

describe('gold export of a ranking project', () => {
  let pid: number;
  beforeAll(async () => {
    pid = await makeProject(s, { type: 'ranking' }, rankingItems);
    await importLabels(pid, rankingLabels);
  });

  test('the consensus by mean rank over the human votes, with the answers; item gold wins', async () => {
    const recs = lines(await get(`/api/projects/${pid}/export?kind=gold`));
    // q1: h1 ranks (1,2,3), h2 (2,1,3): means (1.5,1.5,3), answers 0 and 1 tied first. Each vote keeps 2 of the 3 pair
    // preferences of that consensus (it breaks the tie): agreement 2/3.
    expect(recs[0]).toEqual({
      id: 'q1',
      question: 'Which is best?',
      answers: ['a', 'bb', '=ccc'],
      reference: null,
      persona: null,
      label: '[[0,1],[2]]',
      agreement: expect.closeTo(2 / 3, 12),
      n: 2,
      source: 'mean-rank',
      labels: [
        { annotator: 'h1', kind: 'human', value: '[[0],[1],[2]]', certainty: null, rationale: null },
        { annotator: 'h2', kind: 'human', value: '[[1],[0],[2]]', certainty: null, rationale: null },
      ],
      meta: null,
      posterior: null,
    });
    // q2: its gold; h1's (2,3,1) keeps the gold's preference on (0,2) and (1,2), not on (0,1).
    expect(recs[1]).toMatchObject({ id: 'q2', label: '[[2],[1],[0]]', source: 'gold', n: 1, agreement: expect.closeTo(2 / 3, 12), posterior: null });
    expect(recs).toHaveLength(2);
  });

  test("a judge's labels are one vote (its invalid output none), and the bars count votes and pair agreement", async () => {
    const recs = lines(await get(`/api/projects/${pid}/export?kind=gold&include_llm=1`));
    // Votes (1,2,3), (2,1,3), (1,2,3): means (4/3, 5/3, 3). Agreement: 1, 2/3, 1.
    expect(recs[0]).toMatchObject({ label: '[[0],[1],[2]]', n: 3, agreement: expect.closeTo(8 / 9, 12), source: 'mean-rank' });
    expect(recs[0].labels).toHaveLength(3);
    expect(lines(await get(`/api/projects/${pid}/export?kind=gold&min_labels=3`)).map((r) => r.id)).toEqual(['q2']);
    expect(lines(await get(`/api/projects/${pid}/export?kind=gold&min_agreement=0.7`)).map((r) => r.id)).toEqual(['q2']);
    // No crowd model ranks answers: a model's method still gives the mean rank.
    expect(lines(await get(`/api/projects/${pid}/export?kind=gold&method=dawid-skene`))[0]).toMatchObject({ label: '[[0,1],[2]]', source: 'mean-rank' });
  });

  test('CSV: the answers as JSON text in the content column', async () => {
    const text = await get(`/api/projects/${pid}/export?kind=gold&format=csv`);
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual(['id', 'question', 'answers', 'reference', 'persona', 'label', 'agreement', 'n', 'source', 'labels', 'meta', 'posterior']);
    expect(JSON.parse(rows[0]!.answers!)).toEqual(['a', 'bb', '=ccc']);
    expect(rows[0]!.label).toBe('[[0,1],[2]]');
  });
});

describe('labels export of a ranking project', () => {
  test('permutation and scores last: lists in JSONL (the label import takes them back), stored JSON text in CSV', async () => {
    const pid = await makeProject(s, { type: 'ranking' }, rankingItems);
    await importLabels(pid, rankingLabels);
    const recs = lines(await get(`/api/projects/${pid}/export?kind=labels`));
    expect(recs.map((r) => [r.item, r.value, r.permutation, r.scores])).toEqual([
      ['q1', '[[0],[1],[2]]', [1, 2, 0], null],
      ['q1', '[[1],[0],[2]]', [0, 1, 2], null],
      ['q1', '[[0],[1],[2]]', [2, 0, 1], [9, 6, 2]],
      ['q1', null, [0, 1, 2], null],
      ['q2', '[[2],[0],[1]]', [2, 1, 0], null],
    ]);
    expect(Object.keys(recs[0]).slice(-2)).toEqual(['permutation', 'scores']);
    // The export re-imports into a new project as it was.
    const copy = await makeProject(s, { type: 'ranking' }, rankingItems);
    await importLabels(copy, recs);
    expect(lines(await get(`/api/projects/${copy}/export?kind=labels`)).map((r) => [r.value, r.permutation, r.scores])).toEqual(recs.map((r) => [r.value, r.permutation, r.scores]));

    const rows = parse(await get(`/api/projects/${pid}/export?kind=labels&format=csv`), { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!).slice(-3)).toEqual(['session_id', 'permutation', 'scores']);
    expect(rows.map((r) => [r.permutation, r.scores])[2]).toEqual(['[2,0,1]', '[9,6,2]']);
  });
});

describe('gold export of conversation items', () => {
  const conversation = (who: string) => [
    { role: 'user', content: 'Hi' },
    { role: 'assistant', content: `${who}1` },
    { role: 'user', content: 'More?' },
    { role: 'assistant', content: `-${who}2` },
  ];
  test("the judged turn's question and answers as before, then the turn and the whole conversations", async () => {
    const pid = await makeProject(s, {}, [
      { id: 'c1', conversation_a: conversation('A'), conversation_b: conversation('B'), turn: 1 },
      { id: 'c2', conversation_a: conversation('A'), conversation_b: conversation('B') },
      { id: 'plain', question: 'Q', answer_a: 'a', answer_b: 'b' },
    ]);
    await importLabels(pid, ['c1', 'c2', 'plain'].map((item) => ({ item, annotator: 'h1', value: 'A' })));
    const recs = lines(await get(`/api/projects/${pid}/export?kind=gold`));
    expect(recs[0]).toMatchObject({ id: 'c1', question: 'Hi', answer_a: 'A1', answer_b: 'B1', label: 'A', turn: 1, conversation_a: conversation('A'), conversation_b: conversation('B') });
    expect(Object.keys(recs[0]).slice(-4)).toEqual(['posterior', 'turn', 'conversation_a', 'conversation_b']);
    expect(recs[1]).toMatchObject({ id: 'c2', question: 'More?', answer_a: '-A2', turn: 2 });
    // A plain item's record is as it always was.
    expect(Object.keys(recs[2])).toEqual(['id', 'question', 'answer_a', 'answer_b', 'reference', 'persona', 'label', 'agreement', 'n', 'source', 'labels', 'meta', 'posterior']);

    const text = await get(`/api/projects/${pid}/export?kind=gold&format=csv`);
    const rows = parse(text, { columns: true }) as Array<Record<string, string>>;
    expect(Object.keys(rows[0]!)).toEqual([
      'id', 'question', 'answer_a', 'answer_b', 'reference', 'persona', 'label', 'agreement', 'n', 'source', 'labels', 'meta', 'posterior',
      'turn', 'conversation_a', 'conversation_b',
    ]);
    expect(JSON.parse(rows[0]!.conversation_b!)).toEqual(conversation('B'));
    // A cell that would start a formula is neutralised: c2's judged answer "-A2".
    expect(rows[1]!.answer_a).toBe("'-A2");
    expect([rows[2]!.turn, rows[2]!.conversation_a]).toEqual(['', '']);
  });
});
