/**
 * Ranking items and ranking labels imported over real HTTP: items with 2 to 10 answers and a gold ranking (flat or
 * with ties), labels as rankings in the item's frame with the order they were shown in and a score per answer. What
 * is stored is read back through the items list and the labels table; each refusal names its line and field.
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

const newProject = (type = 'ranking') => makeProject(s, { type }, []);
const postItems = (pid: number, body: string, type = 'application/x-ndjson') => s.api('POST', `/api/projects/${pid}/items`, body, { type });
const postLabels = (pid: number, body: string, type = 'application/x-ndjson', query = '') => s.api('POST', `/api/projects/${pid}/labels${query}`, body, { type });
const items = async (pid: number) => (await s.api('GET', `/api/projects/${pid}/items?limit=1000`)).body.items as any[];
function refusal(r: { status: number; body: any }): Detail[] {
  expect(r.status).toBe(400);
  expect(r.body.error.code).toBe('invalid-input');
  return r.body.error.details as Detail[];
}
/** The stored label columns, as the report and exports read them. */
const storedLabels = (pid: number) =>
  s.db
    .prepare(
      `SELECT i.external_id AS item, a.key AS annotator, l.value, l.permutation, l.scores, l.sample, l.slot
       FROM labels l JOIN items i ON i.id = l.item_id JOIN annotators a ON a.id = l.annotator_id WHERE l.project_id = ? ORDER BY l.id`,
    )
    .all(pid) as Array<Record<string, unknown>>;

const three = { question: 'Which summary is best?', answers: ['Short.', 'Medium length.', 'A much longer summary.'] };

describe('ranking items', () => {
  test('answers are kept in their order; gold is stored as its canonical ranking text, flat or tied', async () => {
    const pid = await newProject();
    const r = await postItems(
      pid,
      jsonl([
        { id: 'flat', ...three, gold: [2, 0, 1] },
        { id: 'tied', ...three, gold: [[2], [1, 0]] },
        { id: 'mixed', ...three, gold: [2, [1, 0]], reference: 'ref', persona: 'an editor', meta: { source: 'judgelm' } },
        { id: 'none', question: 'Two?', answers: ['x', ''] },
      ]),
    );
    expect(r.body).toEqual({ imported: 4 });
    const got = await items(pid);
    expect(got.map((i) => [i.id, i.gold])).toEqual([
      ['flat', '[[2],[0],[1]]'],
      ['tied', '[[2],[0,1]]'],
      ['mixed', '[[2],[0,1]]'],
      ['none', null],
    ]);
    expect(got[2].content).toEqual({ ...three, reference: 'ref', persona: 'an editor' });
    expect(got[3].content.answers).toEqual(['x', '']);
  });

  test('an upsert may change a ranking item\'s answers but not how many there are (labels and tasks name them by position)', async () => {
    const pid = await newProject();
    expect((await postItems(pid, jsonl([{ id: 'r1', ...three }]))).body).toEqual({ imported: 1 });
    const same = await s.api('POST', `/api/projects/${pid}/items?upsert=1`, jsonl([{ id: 'r1', question: 'Edited?', answers: ['a', 'b', 'c'] }]), { type: 'application/x-ndjson' });
    expect(same.body).toEqual({ imported: 1 });
    const more = await s.api('POST', `/api/projects/${pid}/items?upsert=1`, jsonl([{ id: 'r2', ...three }, { id: 'r1', question: 'Four?', answers: ['a', 'b', 'c', 'd'] }]), { type: 'application/x-ndjson' });
    expect(refusal(more)).toEqual([{ line: 2, field: 'answers', message: expect.stringContaining('item "r1" has 3 answers in the project') }]);
    expect((await items(pid)).map((i) => [i.id, i.content.answers])).toEqual([['r1', ['a', 'b', 'c']]]);
  });

  test('bad gold and bad answer lists are refused naming the line and field', async () => {
    const pid = await newProject();
    const details = refusal(
      await postItems(
        pid,
        jsonl([
          { id: 'a', ...three, gold: [2, 0] },
          { id: 'b', ...three, gold: [2, 0, 0, 1] },
          { id: 'c', ...three, gold: [3, 0, 1, 2] },
          { id: 'd', ...three, gold: [[], 0, 1, 2] },
          { id: 'e', ...three, gold: 'A' },
          { id: 'f', question: 'q', answers: ['only one'] },
          { id: 'g', question: 'q', answers: Array.from({ length: 11 }, (_, i) => `a${i}`) },
          { id: 'h', question: 'q', answer_a: 'x', answer_b: 'y' },
        ]),
      ),
    );
    expect(details.map((d) => `${d.line}:${d.field}`)).toEqual(['1:gold', '2:gold', '3:gold', '4:gold', '5:gold', '6:answers', '7:answers', '8:answers', '8:answer_a', '8:answer_b']);
    expect(details[0]!.message).toBe('gold every answer must be ranked: 1 is missing');
    expect(details[1]!.message).toBe('gold answer 0 appears twice');
    expect(details[2]!.message).toBe('gold 3 is not an answer index (0 to 2)');
    expect(details[3]!.message).toBe('gold a group of tied answers cannot be empty');
    expect(details[4]!.message).toBe('gold is a ranking: answer indexes best first, e.g. [2, 0, 1] (ties as groups: [[2], [0, 1]])');
    expect(details[5]!.message).toBe('give at least 2 answers');
    expect(details[6]!.message).toBe('give at most 10 answers');
    expect(details[7]!.message).toBe('answers is required');
    expect(details[8]!.message).toBe('unknown field "answer_a" (a record here has id, reference, persona, meta, images, question, answers, gold)');
    expect((await items(pid)).length).toBe(0);
  });

  test('CSV: answers and gold are JSON text in their cells', async () => {
    const pid = await newProject();
    const csv = 'id,question,answers,gold\nq1,Pick,"[""one"",""two"",""three""]","[[1],[0,2]]"\nq2,Pick,one|two,\n';
    const details = refusal(await postItems(pid, csv, 'text/csv'));
    expect(details).toEqual([{ line: 3, field: 'answers', message: expect.stringContaining('answers must be JSON text in a CSV cell') }]);
    expect((await postItems(pid, csv.split('\n').slice(0, 2).join('\n') + '\n', 'text/csv')).status).toBe(200);
    const [q1] = await items(pid);
    expect(q1.content.answers).toEqual(['one', 'two', 'three']);
    expect(q1.gold).toBe('[[1],[0,2]]');
  });
});

describe('ranking labels', () => {
  test('a ranking as a list or as JSON text, with its permutation and scores, is stored in the item frame as canonical text', async () => {
    const pid = await newProject();
    await postItems(pid, jsonl([{ id: 'q1', ...three }, { id: 'q2', question: 'Two?', answers: ['x', 'y'] }]));
    const r = await postLabels(
      pid,
      jsonl([
        { item: 'q1', annotator: 'h1', value: [2, 0, 1], permutation: [1, 2, 0], scores: [6, 2, 9.5] },
        { item: 'q1', annotator: 'h2', value: '[[2],[1,0]]' },
        { item: 'q2', annotator: 'judge', kind: 'llm', value: [[0, 1]], sample: 3, permutation: [1, 0] },
        { item: 'q2', annotator: 'judge', kind: 'llm', value: null, sample: 4 },
      ]),
    );
    expect(r.body).toEqual({ imported: 4 });
    expect(storedLabels(pid)).toEqual([
      { item: 'q1', annotator: 'h1', value: '[[2],[0],[1]]', permutation: '[1,2,0]', scores: '[6,2,9.5]', sample: 0, slot: '' },
      { item: 'q1', annotator: 'h2', value: '[[2],[0,1]]', permutation: null, scores: null, sample: 0, slot: '' },
      { item: 'q2', annotator: 'judge', value: '[[0,1]]', permutation: '[1,0]', scores: null, sample: 3, slot: '-#3' },
      { item: 'q2', annotator: 'judge', value: null, permutation: null, scores: null, sample: 4, slot: '-#4' },
    ]);
  });

  test('CSV labels: the value as JSON text, permutation and scores as JSON cells', async () => {
    const pid = await newProject();
    await postItems(pid, jsonl([{ id: 'q1', ...three }]));
    const csv = 'item,annotator,value,permutation,scores\nq1,h1,"[1,[0,2]]","[0,1,2]","[1,2,3]"\n';
    expect((await postLabels(pid, csv, 'text/csv')).status).toBe(200);
    expect(storedLabels(pid)[0]).toMatchObject({ value: '[[1],[0,2]]', permutation: '[0,1,2]', scores: '[1,2,3]' });
  });

  test('bad rankings, permutations, scores and a pairwise order are refused naming line and field', async () => {
    const pid = await newProject();
    await postItems(pid, jsonl([{ id: 'q1', ...three }]));
    const details = refusal(
      await postLabels(
        pid,
        jsonl([
          { item: 'q1', annotator: 'a', value: [2, 0] },
          { item: 'q1', annotator: 'b', value: 'B' },
          { item: 'q1', annotator: 'c', value: [2, 0, 1], permutation: [0, 0, 1] },
          { item: 'q1', annotator: 'd', value: [2, 0, 1], permutation: [0, 1] },
          { item: 'q1', annotator: 'e', value: [2, 0, 1], scores: [1, 2] },
          { item: 'q1', annotator: 'f', kind: 'llm', value: [2, 0, 1], order: 'AB' },
        ]),
      ),
    );
    expect(details.map((d) => `${d.line}:${d.field}`)).toEqual(['1:value', '2:value', '3:permutation', '4:permutation', '5:scores', '6:order']);
    expect(details[0]!.message).toBe('every answer must be ranked: 1 is missing');
    expect(details[2]!.message).toContain("must list each of the item's 3 answers once");
    expect(details[4]!.message).toBe("has 2 scores: give one per answer (3), in the item's order");
    expect(details[5]!.message).toBe('order applies only to pairwise projects');
    expect(storedLabels(pid)).toEqual([]);
  });

  test('permutation and scores are refused on a project that is not a ranking one', async () => {
    const pid = await makeProject(s, { type: 'pairwise' }, [{ id: 'p1', question: 'q', answer_a: 'a', answer_b: 'b' }]);
    const details = refusal(await postLabels(pid, jsonl([{ item: 'p1', annotator: 'h', value: 'A', permutation: [0, 1] }, { item: 'p1', annotator: 'i', value: 'A', scores: [1, 2] }])));
    expect(details).toEqual([
      { line: 1, field: 'permutation', message: 'permutation applies only to ranking projects' },
      { line: 2, field: 'scores', message: 'scores applies only to ranking projects' },
    ]);
  });
});
