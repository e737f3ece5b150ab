/**
 * The report worker's first read of a project (server/reports/label-load.ts, issue 14) against the plain reading it
 * replaced: every label of the project in id order, each coded on arrival. Same columns, same categories in the same
 * order (the crowd models' class count and the report's category order read them), on a real SQLite file.
 */
import type { Db } from '../../../server/db/database';
import { annotatorRow, NOW, projectRow, reportDb } from './report-db';
import { ProjectColumns } from '../../../server/reports/label-columns';
import { readPermutation } from '../../../server/reports/label-load';
import { startHelper } from '../../../server/reports/label-scan';
import { RANKING_STRIDE, NO_PERMUTATION } from '../../../shared/stats/report/input';
import type { Category } from '../../../shared/stats/ratings';
import type { Project } from '../../../shared/views';

const store = reportDb('concord-report-load-');
let db: Db;
beforeEach(() => (db = store.db()));

const now = NOW;
const makeProject = (type: string, options: string[] | null = null): Project => projectRow(db, type, options, null);
const annotator = (p: Project, kind: 'human' | 'llm', name: string, excluded = 0) => annotatorRow(db, p, kind, name, excluded);
const item = (p: Project, k: number, gold: Category | null, content: object = { question: 'q', answer_a: 'a'.repeat(k % 7), answer_b: 'bb' }) =>
  Number(db.prepare('INSERT INTO items (project_id, external_id, content, gold, meta, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(p.id, `x${k}`, JSON.stringify(content), gold, '{}', now).lastInsertRowid);
const insLabel = () =>
  db.prepare<[number, number, number, Category | null, number | null, string | null, number, string, number | null, string | null]>(
    "INSERT INTO labels (project_id, item_id, annotator_id, value, certainty, shown_order, sample, slot, duration_ms, created_at, source, permutation) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 0, 'import', ?)",
  );

/** The reading issue 14 replaced: the project's labels by index, sorted by id, each coded as it comes. */
function plainReading(p: Project) {
  const categories: Category[] = [];
  const codeOf = (v: Category | null) => {
    if (v === null) return -1;
    if (!categories.includes(v)) categories.push(v);
    return categories.indexOf(v);
  };
  const items = db.prepare('SELECT id, gold FROM items WHERE project_id = ? ORDER BY id').raw().all(p.id) as Array<[number, Category | null]>;
  const gold = items.map(([, g]) => codeOf(g));
  const itemRow = new Map(items.map(([id], i) => [id, i]));
  const anns = db.prepare('SELECT id FROM annotators WHERE project_id = ? AND excluded = 0 AND archived_at IS NULL ORDER BY id').pluck().all(p.id) as number[];
  const annRow = new Map(anns.map((id, i) => [id, i]));
  const rows = db
    .prepare('SELECT item_id, annotator_id, value, certainty, shown_order, sample, duration_ms, permutation FROM labels WHERE project_id = ? ORDER BY id')
    .raw()
    .all(p.id) as Array<[number, number, Category | null, number | null, string | null, number, number | null, string | null]>;
  const kept = rows.filter(([, a]) => annRow.has(a));
  const permutation = kept.flatMap((r) => {
    const perm = r[7] === null ? null : readPermutation(r[7]);
    return Array.from({ length: RANKING_STRIDE }, (_, k) => (perm && perm.length <= RANKING_STRIDE ? (perm[k] ?? 0) : k === 0 ? NO_PERMUTATION : 0));
  });
  return {
    gold,
    labels: {
      item: kept.map((r) => itemRow.get(r[0])!),
      annotator: kept.map((r) => annRow.get(r[1])!),
      code: kept.map((r) => codeOf(r[2])),
      certainty: kept.map((r) => Math.fround(r[3] ?? NaN)),
      order: kept.map((r) => (r[4] === 'AB' ? 1 : r[4] === 'BA' ? 2 : 0)),
      sample: kept.map((r) => r[5]),
      seconds: kept.map((r) => Math.fround(r[6] === null ? NaN : r[6] / 1000)),
    },
    categories,
    permutation,
  };
}

function expectSameAsPlain(p: Project, helperMinLabels?: number) {
  const want = plainReading(p);
  const got = new ProjectColumns(db, p, helperMinLabels).columns(p, {});
  expect(got.categories).toEqual(want.categories);
  expect(Array.from(got.items.gold)).toEqual(want.gold);
  for (const k of ['item', 'annotator', 'code', 'certainty', 'order', 'sample', 'seconds'] as const) expect([k, Array.from(got.labels[k])]).toEqual([k, want.labels[k]]);
  if (p.type === 'ranking') expect(Array.from(got.ranking!.permutation)).toEqual(want.permutation);
  return got;
}

describe('the report worker loading a project', () => {
  it('gives the columns and categories of a plain reading, with odd values, left-out annotators and another project between its labels', () => {
    const p = makeProject('pairwise');
    const other = makeProject('pairwise');
    const h1 = annotator(p, 'human', 'h1');
    const out = annotator(p, 'human', 'out', 1);
    const j = annotator(p, 'llm', 'j');
    const o1 = annotator(other, 'human', 'o1');
    // Gold 'B' comes first: its code must precede the labels' 'tie' and 'A'.
    const its = [item(p, 0, 'B'), item(other, 1, 'A'), item(p, 2, null), item(p, 3, 7)];
    const values: Array<Category | null> = ['tie', 'A', null, 'C', 7, '7', 'B', 'A', 'C', 'tie'];
    const ins = insLabel();
    values.forEach((v, k) => {
      const u = its[[0, 2, 3][k % 3]!]!;
      ins.run(p.id, u, h1, v, k % 2 ? 55.5 : null, k % 2 ? 'AB' : 'BA', 0, `h${k}`, k % 4 ? 1234 : null, null);
      ins.run(p.id, u, out, k % 2 ? 'left out' : v, null, null, 0, `o${k}`, null, null);
      ins.run(other.id, its[1]!, o1, 'A', null, null, 0, `x${k}`, null, null);
      ins.run(p.id, u, j, v === null ? 'D' : v, 0.1 * k, 'BA', k % 2, `j${k}`, 800, null);
    });
    const got = expectSameAsPlain(p);
    expect(got.categories).toEqual(['B', 7, 'tie', 'A', 'D', 'C', '7']);
    expect(got.labels.n).toBe(20);
  });

  it('gives the same columns when a helper thread reads the upper half of the labels', () => {
    const p = makeProject('pairwise');
    const h = annotator(p, 'human', 'h');
    const out = annotator(p, 'human', 'out', 1);
    const j = annotator(p, 'llm', 'j');
    const its = [item(p, 0, null), item(p, 1, 'tie'), item(p, 2, null)];
    const ins = insLabel();
    const values: Array<Category | null> = ['A', null, 'B', 'odd', 'tie', 3, 'A', 'B', 'odd', 'another', null, 'tie'];
    db.transaction(() => {
      for (let k = 0; k < 600; k++) {
        const v = values[k % values.length]!;
        ins.run(p.id, its[k % 3]!, [h, out, j][k % 3]!, v, k % 5 ? 0.5 + k : null, k % 2 ? 'AB' : 'BA', k % 3, `s${k}`, k % 7 ? 100 + k : null, null);
      }
    })();
    const got = expectSameAsPlain(p, 100);
    expect(got.labels.n).toBe(400);
    // The helper itself reads its range (the load above would fall back to one thread if it could not).
    const [lo, hi] = db.prepare('SELECT min(id), max(id) FROM labels WHERE project_id = ?').raw().get(p.id) as [number, number];
    const rows = startHelper(db.name, p, ['A', 'B', 'tie'], lo, hi).wait();
    expect(rows?.n).toBe(600);
    expect(Array.from(rows!.seconds.subarray(0, 2))).toEqual([NaN, Math.fround(0.101)]);
  });

  it('reads a project whose labels are spread thinly over many of another project by its index, with sparse item ids', () => {
    const p = makeProject('choice', ['yes', 'no']);
    const big = makeProject('choice', ['yes', 'no']);
    const h = annotator(p, 'human', 'h');
    const b = annotator(big, 'human', 'b');
    const ins = insLabel();
    const first = item(p, 0, 'no');
    const bigItem = item(big, 1, null);
    db.transaction(() => {
      for (let k = 0; k < 1000; k++) item(big, k + 2, null);
    })();
    const last = item(p, 3, null);
    ins.run(p.id, first, h, 'yes', null, null, 0, 'a', null, null);
    db.transaction(() => {
      for (let k = 0; k < 120_000; k++) ins.run(big.id, bigItem, b, 'no', null, null, 0, `b${k}`, null, null);
    })();
    ins.run(p.id, last, h, 'maybe', null, null, 0, 'b', null, null);
    ins.run(p.id, first, h, 'no', null, null, 0, 'c', null, null);
    const got = expectSameAsPlain(p);
    expect(got.categories).toEqual(['no', 'yes', 'maybe']);
  });

  it('reads ratings and rankings, which SQLite does not code, value by value', () => {
    const r = makeProject('rating');
    const h = annotator(r, 'human', 'h');
    const ins = insLabel();
    const u = item(r, 0, 3);
    [5, 3, null, 4.5, '2'].forEach((v, k) => ins.run(r.id, u, h, v, null, null, 0, `r${k}`, 100 * k, null));
    expectSameAsPlain(r);

    const k = makeProject('ranking');
    const j = annotator(k, 'llm', 'j');
    const v = item(k, 0, null, { question: 'q', answers: ['a', 'bb', 'ccc'] });
    ['[[0],[1],[2]]', null, '[[2],[0,1]]'].forEach((value, s) => ins.run(k.id, v, j, value, null, null, s, `-#${s}`, 1500, s === 1 ? null : '[2,0,1]'));
    expectSameAsPlain(k);
  });

  it('takes live labels after the load and ignores those it already read', () => {
    const p = makeProject('pairwise');
    const h = annotator(p, 'human', 'h');
    const u = item(p, 0, null);
    const id = Number(insLabel().run(p.id, u, h, 'A', null, 'AB', 0, '', 2000, null).lastInsertRowid);
    const cols = new ProjectColumns(db, p);
    cols.add({ id, itemId: u, annotatorId: h, value: 'A', certainty: null, order: 'AB', permutation: null, sample: 0, durationMs: 2000 });
    cols.add({ id: id + 1, itemId: u, annotatorId: h, value: 'B', certainty: 9, order: 'BA', permutation: null, sample: 1, durationMs: null });
    const got = cols.columns(p, {});
    expect(got.labels.n).toBe(2);
    expect(Array.from(got.labels.code)).toEqual([0, 1]);
    expect(got.categories).toEqual(['A', 'B']);
  });
});
