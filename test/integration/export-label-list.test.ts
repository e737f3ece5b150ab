import fs from 'node:fs';
import path from 'node:path';
import { migrate, openDatabase, type Db } from '../../server/db/database';
import { ExportsRepo, inItemOrder, type LabelTuple } from '../../server/exports/exports.repo';
import { seed } from '../../bench/report-seed';
import { tempDir } from '../helpers/server';

/**
 * The gold export's labels read as one JSON text a page (ExportsRepo.labelsForItems): the same values, in the same
 * order, as the driver's rows of the same labels, on a real SQLite file whose labels hold every kind of value a
 * column can: certainties that are any double (thirds, tiny, huge, negative zero, integral), values as text, integers,
 * fractions and -0 ('7' and 7 apart), rationales with quotes, backslashes, control characters (NUL too), line
 * separators, emoji and non-ASCII.
 */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
const PIECES = ['a', ' ', '"', '\\', '/', '\n', '\r', '\t', '\b', '\f', '\u0000', '\u0001', '\u001f', '\u007f', '\u2028', '\u2029', 'é', '中', '😀', '</script>', ','];

describe('ExportsRepo.labelsForItems: a page of labels as one JSON text', () => {
  let dir: string;
  let db: Db;
  beforeAll(() => {
    dir = tempDir('concord-label-list-');
    db = openDatabase(path.join(dir, 'c.db'));
    migrate(db);
    seed(db, 'pairwise', 300, 8);
    const rnd = rng(20261203);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const ids = db.prepare('SELECT id FROM labels ORDER BY id').pluck().all() as number[];
    const set = db.prepare('UPDATE labels SET value = ?, certainty = ?, rationale = ? WHERE id = ?');
    db.transaction(() => {
      for (const id of ids) {
        const certainty = pick([() => null, () => rnd() * 100, () => 1 / 3, () => -0, () => 5e-324, () => 1.7976931348623157e308, () => 1e21, () => Math.round(rnd() * 100), () => (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20)])();
        const value = pick([() => 'A', () => 'B', () => 'tie', () => '7', () => '-0', () => 7, () => 0, () => -0, () => 2.5, () => rnd(), () => null, () => 2 ** 53 + 2])();
        const rationale = rnd() < 0.5 ? null : Array.from({ length: Math.floor(rnd() * 10) }, () => pick(PIECES)).join('');
        set.run(value, certainty, rationale, id);
      }
    })();
  });
  afterAll(() => {
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test("every label's values come back as the driver reads them, by item then id, with and without an annotator filter", () => {
    const repo = new ExportsRepo(db);
    const rows = (from: number, to: number, who: string) =>
      db.prepare(`SELECT item_id, id, annotator_id, value, certainty, rationale FROM labels WHERE item_id BETWEEN ? AND ? ${who} ORDER BY item_id, id`).raw().all(from, to);
    const items = db.prepare('SELECT id FROM items ORDER BY id').pluck().all() as number[];
    const some = db.prepare("SELECT id FROM annotators WHERE kind = 'human' ORDER BY id LIMIT 5").pluck().all() as number[];
    let labels = 0;
    for (let i = 0; i < items.length; i += 37) {
      const from = items[i]!;
      const to = items[Math.min(i + 36, items.length - 1)]!;
      const all = repo.labelsForItems(from, to);
      // toEqual tells -0 from 0 (a value's -0 must stay one: a Parquet double keeps its sign).
      expect(all).toEqual(rows(from, to, ''));
      expect(repo.labelsForItems(from, to, some)).toEqual(rows(from, to, `AND annotator_id IN (${some.join(',')})`));
      labels += all.length;
    }
    expect(labels).toBe(db.prepare('SELECT count(*) FROM labels').pluck().get());
    expect(repo.labelsForItems(items.at(-1)! + 1, items.at(-1)! + 10)).toEqual([]);
  });

  test('labels handed over in another order are put back in (item, id) order', () => {
    const a: LabelTuple = [1, 5, 3, 'B', 40, 'x'];
    const b: LabelTuple = [2, 3, 2, 'tie', 1.5, null];
    const c: LabelTuple = [2, 9, 1, 'A', null, null];
    expect(inItemOrder([c, a, b])).toEqual([a, b, c]);
    const ordered = [a, b, c];
    expect(inItemOrder(ordered)).toBe(ordered);
  });
});
