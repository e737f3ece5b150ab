/** CSV cells that hold JSON text (a conversation, a ranking's answers and gold) or `|`-separated image paths (csv.ts). */
import { Problems, readRecords } from '../../../server/imports/parse';
import { memoryBody } from './memory-body';

const read = async (text: string, json: string[], numeric: string[] = []) => {
  const problems = new Problems();
  const records = await readRecords(memoryBody(text), 'csv', 100_000, problems, new Set(numeric), new Set(json));
  return { records, problems: problems.list };
};

describe('CSV JSON cells', () => {
  test('a JSON column is parsed; images take JSON or |-separated paths', async () => {
    const { records, problems } = await read('id,answers,gold,images\nq1,"[""a"",""b""]","[[1],[0]]",x.png | y/z.gif\nq2,"[""c"",""d""]",,"[{""src"":""a.png"",""alt"":""A""}]"\n', ['answers', 'gold']);
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { line: 2, value: { id: 'q1', answers: ['a', 'b'], gold: [[1], [0]], images: ['x.png', 'y/z.gif'] } },
      { line: 3, value: { id: 'q2', answers: ['c', 'd'], images: [{ src: 'a.png', alt: 'A' }] } },
    ]);
  });

  test('a JSON column that is not JSON is a problem on its line and field, saying what the cell should hold', async () => {
    const { records, problems } = await read('id,conversation,answers\nq1,hello,\nq2,,"[broken"\n', ['conversation', 'answers']);
    expect(records.every((r) => r.failed)).toBe(true);
    expect(problems).toEqual([
      { line: 2, field: 'conversation', message: 'conversation must be JSON text in a CSV cell (e.g. [{"role":"user","content":"…"},{"role":"assistant","content":"…"}])' },
      { line: 3, field: 'answers', message: 'answers is not valid JSON' },
    ]);
  });

  test('a column not named JSON keeps its text', async () => {
    const { records } = await read('id,question\nq1,"[not json]"\n', ['answers']);
    expect(records[0]!.value).toEqual({ id: 'q1', question: '[not json]' });
  });
});
