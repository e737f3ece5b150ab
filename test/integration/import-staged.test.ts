/** StagedRows: the checked items of an import, kept on disk between the checks and the transaction, come back as they went in. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StagedRows } from '../../server/imports/items-import';
import type { NewItem } from '../../server/items/items.repo';

let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'concord-staged-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const item = (i: number, text: string, gold: NewItem['gold'], meta: NewItem['meta']): NewItem => ({ externalId: `q${i}`, content: { question: text, answer_a: 'a', answer_b: 'b' }, gold, meta });

describe('StagedRows', () => {
  test('rows of every gold and meta kind, multi-byte text and rows across the read pieces come back in order, unchanged', async () => {
    const staged = await StagedRows.open(dir);
    const sent: NewItem[] = [];
    // ~60 KB rows cross the 4 MiB read pieces many times; one 9 MB row is longer than a piece; the letters are 1-4 bytes.
    for (let i = 0; i < 400; i++) {
      const text = i === 123 ? 'x'.repeat(9_000_000) : `${'é€😀'.repeat(i % 7)}${'word '.repeat(12_000)}line\nbreak "quoted"`;
      const gold = i % 3 === 0 ? null : i % 3 === 1 ? 'A' : i + 0.5;
      sent.push(item(i, text, gold, i % 2 ? { k: i, s: 'ü' } : null));
      staged.add(sent[i]!);
      if (i % 50 === 0) await staged.flush();
    }
    await staged.flush(true);
    const back = [...staged.rows()];
    await staged.dispose();
    expect(staged.count).toBe(400);
    expect(back).toHaveLength(400);
    back.forEach((r, i) => {
      const s = sent[i]!;
      expect(r.externalId).toBe(s.externalId);
      expect(JSON.parse(r.content)).toEqual(s.content);
      expect(r.gold).toBe(s.gold);
      expect(r.meta === null ? null : JSON.parse(r.meta)).toEqual(s.meta);
    });
  });

  test('nothing staged reads back as no rows, and the spool file is gone from the folder at once', async () => {
    const staged = await StagedRows.open(dir);
    expect(fs.readdirSync(dir)).toEqual([]);
    await staged.flush(true);
    expect([...staged.rows()]).toEqual([]);
    await staged.dispose();
  });
});
