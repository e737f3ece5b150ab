/**
 * Every statistic's published worked example, imported through the public import API and read back from
 * GET /api/projects/:id/report (the values and their sources are in test/fixtures/published.ts).
 */
import type { ReportJson } from '../../shared/stats/report/json';
import {
  anxietyRater2,
  anxietyRater3,
  fleiss1971,
  gwetRaw4raters,
  gwetRaw5observers,
  krippendorff2011,
  sklearnPred,
  sklearnTrue,
  wikipediaAlpha,
  wikipediaFleiss,
} from '../fixtures/published';
import { jsonl, startServer, type TestServer } from '../helpers/server';

type Cell = string | number | null;

let s: TestServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

/** A project whose items are the units and whose human annotators are the raters of a units × raters matrix. */
async function reportOf(project: Record<string, unknown>, units: Cell[][], extra: { judge?: Cell[]; gold?: Cell[] } = {}): Promise<ReportJson> {
  const p = await s.api('POST', '/api/projects', { name: 'reference data', ...project });
  expect(p.status).toBe(201);
  const content = project.type === 'rating' ? { question: 'q', answer: 'a' } : { question: 'q' };
  const items = units.map((_, u) => ({ id: `u${u + 1}`, ...content, ...(extra.gold ? { gold: extra.gold[u] } : {}) }));
  expect((await s.api('POST', `/api/projects/${p.body.id}/items`, jsonl(items), { type: 'application/x-ndjson' })).status).toBe(200);
  const labels = units.flatMap((row, u) => row.flatMap((v, r) => (v === null ? [] : [{ item: `u${u + 1}`, annotator: `r${r + 1}`, value: v }])));
  if (extra.judge) extra.judge.forEach((v, u) => labels.push({ item: `u${u + 1}`, annotator: 'judge', kind: 'llm', value: v } as (typeof labels)[number]));
  const imported = await s.api('POST', `/api/projects/${p.body.id}/labels`, jsonl(labels), { type: 'application/x-ndjson' });
  expect(imported.body).toEqual({ imported: labels.length });
  const r = await s.api('GET', `/api/projects/${p.body.id}/report`);
  expect(r.status).toBe(200);
  return r.body as ReportJson;
}

const transpose = (m: Cell[][]) => m[0]!.map((_, u) => m.map((row) => row[u] ?? null));
const d = (x: number | null | undefined, digits: number) => x!.toFixed(digits);

test("Krippendorff (2011): alpha nominal 0.743, ordinal 0.815, interval 0.849, ratio 0.797", async () => {
  const r = await reportOf({ type: 'rating', scale: { min: 1, max: 5 } }, transpose(krippendorff2011));
  const a = r.humans.krippendorff_alpha;
  expect([d(a.nominal, 3), d(a.ordinal, 3), d(a.interval, 3), d(a.ratio, 3)]).toEqual(['0.743', '0.815', '0.849', '0.797']);
});

test("Wikipedia's Krippendorff example: nominal 0.691358, interval 0.810845", async () => {
  const r = await reportOf({ type: 'rating', scale: { min: 1, max: 4 } }, transpose(wikipediaAlpha));
  expect([d(r.humans.krippendorff_alpha.nominal, 6), d(r.humans.krippendorff_alpha.interval, 6)]).toEqual(['0.691358', '0.810845']);
});

test("Wikipedia's Fleiss' kappa example: 0.210", async () => {
  const options = ['c1', 'c2', 'c3', 'c4', 'c5'];
  const units = wikipediaFleiss.map((row) => row.flatMap((n, c) => Array<Cell>(n).fill(options[c]!)));
  const r = await reportOf({ type: 'choice', options }, units);
  expect(d(r.humans.fleiss_kappa, 3)).toBe('0.210');
});

test("Fleiss (1971)'s diagnoses: kappa 0.4302445 (R irr kappam.fleiss)", async () => {
  const r = await reportOf({ type: 'choice', options: ['1', '2', '3', '4', '5'] }, fleiss1971.map((row) => row.map((v) => (v === null ? null : String(v)))));
  expect(r.humans.fleiss_kappa).toBeCloseTo(0.4302445, 7);
});

test("Gwet's handbook raw4raters: AC1 0.775, Fleiss' kappa 0.761 (irrCAC); raw5observers: AC1 0.497, Fleiss 0.458", async () => {
  const four = await reportOf({ type: 'rating', scale: { min: 1, max: 5 } }, gwetRaw4raters);
  expect([d(four.humans.gwet_ac1, 3), d(four.humans.fleiss_kappa, 3)]).toEqual(['0.775', '0.761']);
  const five = await reportOf({ type: 'rating', scale: { min: 0, max: 3 } }, gwetRaw5observers);
  expect([d(five.humans.gwet_ac1, 3), d(five.humans.fleiss_kappa, 3)]).toEqual(['0.497', '0.458']);
});

test("R irr's kappa2 on the anxiety data (raters 2 and 3): -0.006289308, linear 0.1459075, quadratic 0.2520325", async () => {
  const r = await reportOf({ type: 'rating', scale: { min: 1, max: 6 } }, anxietyRater2.map((v, i) => [v, anxietyRater3[i]!]));
  const p = r.humans.pairs[0]!;
  expect(p.n).toBe(20);
  expect(p.cohen_kappa).toBeCloseTo(-0.006289308, 8);
  expect(p.weighted_kappa!.linear).toBeCloseTo(0.1459075, 7);
  expect(p.weighted_kappa!.quadratic).toBeCloseTo(0.2520325, 7);
});

test("scikit-learn's macro precision/recall/F1 example: a judge against gold scores 0.22 / 0.33 / 0.27", async () => {
  const r = await reportOf({ type: 'choice', options: ['cat', 'dog', 'pig'] }, sklearnTrue.map(() => []), { judge: sklearnPred, gold: sklearnTrue });
  const g = r.judges[0]!.vs_gold!;
  expect(g.macro_precision).toBeCloseTo(0.2222222222222222, 15);
  expect(g.macro_recall).toBeCloseTo(0.3333333333333333, 15);
  expect(g.macro_f1).toBeCloseTo(0.26666666666666666, 15);
  expect(r.judges[0]!.vs_majority.n).toBe(0);
});
