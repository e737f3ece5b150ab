/**
 * The report worker's cache between reports (shared/stats/report/cache.ts, issue 14): a report through the cache,
 * after judge labels, human labels, a new judge, a new category or another option, is the report computed from
 * scratch on the same columns, byte for byte; and its coded columns are codeColumns' own. On the report worker's
 * real store (ProjectColumns over a real SQLite file, labels added as the live feed adds them).
 */
import type { Db } from '../../../server/db/database';
import { annotatorRow, NOW, projectRow, reportDb } from './report-db';
import { ProjectColumns } from '../../../server/reports/label-columns';
import { buildReportFromColumns } from '../../../shared/stats/report';
import { ReportCache } from '../../../shared/stats/report/cache';
import { codeColumns, type Coded } from '../../../shared/stats/report/coded';
import type { ReportOptions } from '../../../shared/stats/report/input';
import type { ReportJson } from '../../../shared/stats/report/json';
import type { StoredLabel } from '../../../shared/events';
import type { Project } from '../../../shared/views';

const store = reportDb('concord-report-cache-');
let db: Db;
beforeEach(() => (db = store.db()));

const now = NOW;
const makeProject = (type: string, options: string[] | null = null): Project => projectRow(db, type, options, { min: 1, max: 100 });
const annotator = (p: Project, kind: 'human' | 'llm', name: string, excluded = 0) => annotatorRow(db, p, kind, name, excluded);
const item = (p: Project, k: number, gold: string | number | null) =>
  Number(
    db
      .prepare('INSERT INTO items (project_id, external_id, content, gold, meta, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(p.id, `x${k}`, JSON.stringify({ question: 'q', answer_a: 'a'.repeat(k % 50), answer_b: 'b'.repeat(k % 37) }), gold, JSON.stringify({ category: `c${k % 3}` }), now).lastInsertRowid,
  );
function insertLabel(p: Project, itemId: number, annotatorId: number, value: string | number | null, order: 'AB' | 'BA' | null, k: number): void {
  db.prepare(
    "INSERT INTO labels (project_id, item_id, annotator_id, value, certainty, shown_order, sample, slot, duration_ms, created_at, source) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, 0, 'import')",
  ).run(p.id, itemId, annotatorId, value, 1 + (k % 100), order, `s${k}`, 1000 + ((k * 37) % 5000));
}

/** A small deterministic generator, so the data is the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const VARIANTS: ReportOptions[] = [{}, { method: 'mace' }, { method: 'dawid-skene' }, { by: 'category' }, { invalid: 'tie' }, { resamples: 50 }];

/** Caches as the worker uses them: one kept across reports of one variant each, and one shared by the variants the bench alternates. */
interface Caches {
  each: ReportCache[];
  mixed: ReportCache;
}
const newCaches = (): Caches => ({ each: VARIANTS.map(() => new ReportCache()), mixed: new ReportCache() });

/** Every variant through its caches equals the uncached report, and the caches' coded columns equal codeColumns'. */
function expectSame(p: ProjectColumns, project: Project, caches: Caches): void {
  VARIANTS.forEach((options, v) => {
    const fresh = buildReportFromColumns(p.columns(project, options));
    expectSameJson(buildReportFromColumns(p.columns(project, options), caches.each[v]), fresh);
    if (v < 4) expectSameJson(buildReportFromColumns(p.columns(project, options), caches.mixed), fresh);
  });
  const input = p.columns(project, {});
  expectSameCoded(caches.each[0]!.coded(input).coded, codeColumns(input));
}

/** The same JSON text, section by section first (so that a failure names the section). */
function expectSameJson(a: ReportJson, b: ReportJson): void {
  for (const k of Object.keys(b) as Array<keyof ReportJson>) expect([k, JSON.stringify(a[k])]).toEqual([k, JSON.stringify(b[k])]);
  expect(JSON.stringify(a)).toBe(JSON.stringify(b));
}

function expectSameCoded(a: Coded, b: Coded): void {
  for (const k of ['code', 'humanRater', 'humanCode', 'item', 'annotator'] as const) expect(Array.from(a.labels[k])).toEqual(Array.from(b.labels[k]));
  expect([a.labels.n, a.labels.humanLabels, a.labels.llmLabels]).toEqual([b.labels.n, b.labels.humanLabels, b.labels.llmLabels]);
  expect(Array.from(a.annotatorStart)).toEqual(Array.from(b.annotatorStart));
  expect(Array.from(a.byAnnotator)).toEqual(Array.from(b.byAnnotator));
  expect(Array.from(a.reference)).toEqual(Array.from(b.reference));
  expect(Array.from(a.hr.code)).toEqual(Array.from(b.hr.code));
  expect(Array.from(a.hr.rater)).toEqual(Array.from(b.hr.rater));
  expect(Array.from(a.hr.start)).toEqual(Array.from(b.hr.start));
  expect([a.hr.units, a.hr.raters, a.hr.categories]).toEqual([b.hr.units, b.hr.raters, b.hr.categories]);
  expect(Array.from(a.majority.winner)).toEqual(Array.from(b.majority.winner));
  expect([a.majority.tied, a.majority.decided, Array.from(a.majority.counts)]).toEqual([b.majority.tied, b.majority.decided, Array.from(b.majority.counts)]);
  expect(Array.from(a.humanMean, String)).toEqual(Array.from(b.humanMean, String));
  expect(a.categories).toEqual(b.categories);
}

function setup(type: 'pairwise' | 'choice' | 'rating') {
  const project =
    type === 'pairwise' ? makeProject('pairwise') : type === 'choice' ? makeProject('choice', ['x', 'y', 'z']) : { ...makeProject('rating'), scale: { min: 1, max: 5 } };
  const values: Array<string | number> = type === 'pairwise' ? ['A', 'B', 'tie'] : type === 'choice' ? ['x', 'y', 'z'] : [1, 2, 3, 4, 5];
  const humans = [0, 1, 2, 3].map((h) => annotator(project, 'human', `h${h}`));
  const judges = [0, 1].map((j) => annotator(project, 'llm', `j${j}`));
  const r = rng(7);
  const pick = () => values[Math.floor(r() * values.length)]!;
  const items = Array.from({ length: 60 }, (_, k) => item(project, k, k % 5 === 0 ? pick() : null));
  let k = 0;
  items.forEach((it, u) => {
    for (const h of humans) if ((u + h) % 3 !== 0) insertLabel(project, it, h, pick(), null, k++);
    for (const j of judges) {
      insertLabel(project, it, j, r() < 0.05 ? null : pick(), type === 'pairwise' ? 'AB' : null, k++);
      if (type === 'pairwise') insertLabel(project, it, j, pick(), 'BA', k++);
    }
  });
  const p = new ProjectColumns(db, project);
  let nextId = Number(db.prepare('SELECT max(id) FROM labels').pluck().get()) + 1;
  const add = (itemId: number, annotatorId: number, value: string | number | null, order: 'AB' | 'BA' | null = null) => {
    const l: StoredLabel = { id: nextId++, itemId, annotatorId, value, certainty: 1 + (nextId % 100), order, permutation: null, sample: 0, durationMs: 500 + (nextId % 3000) };
    p.add(l);
  };
  return { project, p, items, humans, judges, values, add, pick, order: (x: number): 'AB' | 'BA' | null => (type === 'pairwise' ? (x % 2 ? 'BA' : 'AB') : null) };
}

test.each(['pairwise', 'choice'] as const)('%s: reports through the cache equal reports from scratch after judge labels, human labels and a new judge', (type) => {
  const { project, p, items, humans, judges, values, add, pick, order } = setup(type);
  const cache = newCaches();
  expectSame(p, project, cache);
  // A judge's labels: the humans' sections are kept, the judge's entry is redone.
  add(items[3]!, judges[0]!, pick(), order(0));
  add(items[4]!, judges[1]!, null, order(1));
  expectSame(p, project, cache);
  // A human's label: every section that reads the humans is redone.
  add(items[0]!, humans[0]!, pick());
  expectSame(p, project, cache);
  // A judge that joins after the load (its row committed before its first label), with the name of a human.
  const late = annotator(project, 'llm', 'h1');
  add(items[5]!, late, pick(), order(0));
  add(items[6]!, judges[0]!, pick(), order(1));
  expectSame(p, project, cache);
  for (let x = 0; x < 40; x++) add(items[x % items.length]!, x % 3 === 0 ? humans[x % 4]! : judges[x % 2]!, pick(), order(x));
  expectSame(p, project, cache);
  // Enough labels of one judge on the gold items to turn its votes there (the paired comparisons read them).
  for (let u = 0; u < items.length; u += 5) for (let x = 0; x < 4; x++) add(items[u]!, judges[1]!, values[(u / 5) % 2]!, order(x));
  expectSame(p, project, cache);
});

test('a value outside the domain (a new category) codes the columns afresh, with the same report as from scratch', () => {
  const { project, p, items, judges, humans, add } = setup('choice');
  const cache = newCaches();
  expectSame(p, project, cache);
  add(items[1]!, judges[0]!, 'w');
  expectSame(p, project, cache);
  add(items[2]!, humans[1]!, 'v');
  add(items[2]!, judges[1]!, 'x');
  expectSame(p, project, cache);
});

/** The humans' part of the cached coding (what the judges' reference part reads), copied. */
const references = (p: ProjectColumns, project: Project) => {
  const c = codeColumns(p.columns(project, {}));
  return { winner: Array.from(c.majority.winner), reference: Array.from(c.reference), mean: Array.from(c.humanMean, String) };
};

test.each(['pairwise', 'choice', 'rating'] as const)(
  '%s: a human label that keeps every reference, one that turns a majority, one that moves only the mean rating: each report equals the one from scratch',
  (type) => {
    const { project, p, items, humans, judges, values, add, order } = setup(type);
    const cache = newCaches();
    for (let x = 0; x < 6; x++) add(items[x]!, judges[x % 2]!, values[x % values.length]!, order(x));
    expectSame(p, project, cache);
    // A human's second label on an item: not a rating (the first label is), so no reference moves; the human's own
    // row (its label count, median seconds) does.
    const before = references(p, project);
    add(items[1]!, humans.find((id) => (1 + id) % 3 !== 0)!, values[0]!);
    expect(references(p, project)).toEqual(before);
    expectSame(p, project, cache);
    // A label of a human who has not rated a non-gold item (human id h rates item u when (u + h) % 3 ≠ 0), against
    // its majority, that turns it: the judges' comparisons with the majority, calibration, certified threshold and
    // swap accuracy must follow.
    const u = 7;
    const h = humans.find((id) => (u + id) % 3 === 0)!;
    const old = references(p, project);
    const other = values.find((v) => v !== values[old.winner[u]!] && v !== values[old.reference[u]!])!;
    add(items[u]!, h, other);
    add(items[u]!, judges[0]!, other, order(0));
    expect(references(p, project).reference[u]).not.toBe(old.reference[u]);
    expectSame(p, project, cache);
    // A judge's label after it: the humans' sections kept, the judge's redone.
    add(items[8]!, judges[1]!, values[1]!, order(1));
    expectSame(p, project, cache);
    // One batch: a human's null label then two labels on an item it had not rated (the first non-null one is its
    // rating), and new ratings on an item before and after it (each row grows in place, in label order).
    const w = 11;
    const hw = humans.find((id) => (w + id) % 3 === 0)!;
    add(items[w]!, hw, null);
    add(items[w]!, hw, values[2]!);
    add(items[w]!, hw, values[0]!);
    add(items[w + 1]!, humans.find((id) => (w + 1 + id) % 3 === 0)!, values[1]!);
    add(items[w - 2]!, humans.find((id) => (w - 2 + id) % 3 === 0)!, values[0]!);
    // Two humans' new ratings on one item, in the order of the humans and then against it.
    for (const [v, sort] of [[20, 1], [23, -1]] as const) {
      const two = humans.filter((id) => (v + id) % 3 === 0).sort((a, b) => sort * (a - b));
      expect(two.length).toBeGreaterThan(1);
      two.forEach((id, x) => add(items[v]!, id, values[x % values.length]!));
    }
    expectSame(p, project, cache);
    if (type !== 'rating') return;
    // A rating that keeps the item's majority but moves its mean human rating: a judge's rating correlations (with
    // gold too) read the mean.
    const g = 10; // a gold item (every fifth)
    const r0 = references(p, project);
    const hg = humans.find((id) => (g + id) % 3 === 0)!;
    const keep = r0.winner[g]! >= 0 ? values[r0.winner[g]!]! : values[0]!;
    add(items[g]!, hg, keep === 5 ? 1 : 5);
    const r1 = references(p, project);
    expect(r1.mean[g]).not.toBe(r0.mean[g]);
    expectSame(p, project, cache);
  },
);
