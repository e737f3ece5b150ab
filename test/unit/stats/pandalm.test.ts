/**
 * The PandaLM human-annotated test set (test/fixtures/pandalm, README there), imported through the generic item
 * and label shapes and read back from the report. Published figures (PandaLM README, 2023-06-09): Cohen's kappa
 * per annotator pair 0.85 / 0.88 / 0.86; against the human majority with unparseable outputs counted as ties,
 * gpt-3.5-turbo accuracy/precision/recall/F1 71.07/58.79/57.36/57.55 and PandaLM-7B 66.77/57.38/57.50/57.43;
 * majority counts tie 105, response1 422, response2 472.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildReport } from '../../../shared/stats/report';
import type { ReportInput, ReportLabel } from '../../../shared/stats/report/input';

const dir = join(__dirname, '../../fixtures/pandalm');
const read = <T>(file: string): T => JSON.parse(readFileSync(join(dir, file), 'utf8')) as T;

interface Row { idx: number; response1: string; response2: string; annotator1: number; annotator2: number; annotator3: number }
const testset = read<Row[]>('testset-v1.json');
const gpt = read<{ idx: number; gpt_result: string }[]>('gpt-3.5-turbo-testset-v1.json');
const pandalm = read<{ idx: number; pandalm_result: number }[]>('pandalm-7b-testset-v1.json');

const fromCode = (c: number): 'A' | 'B' | 'tie' => (c === 1 ? 'A' : c === 2 ? 'B' : 'tie');
const fromGpt = (s: string): 'A' | 'B' | 'tie' | null => (s === '1' ? 'A' : s === '2' ? 'B' : s === 'Tie' ? 'tie' : null);

function pandalmInput(invalid: 'tie' | 'exclude'): ReportInput {
  const labels: ReportLabel[] = [];
  for (const r of testset) {
    for (const a of ['annotator1', 'annotator2', 'annotator3'] as const) {
      labels.push({ item: String(r.idx), annotator: a, value: fromCode(r[a]), sample: 0 });
    }
  }
  for (const g of gpt) labels.push({ item: String(g.idx), annotator: 'gpt-3.5-turbo', value: fromGpt(g.gpt_result), sample: 0 });
  for (const p of pandalm) labels.push({ item: String(p.idx), annotator: 'pandalm-7b', value: fromCode(p.pandalm_result), sample: 0 });
  return {
    project: { id: 'pandalm', type: 'pairwise' },
    items: testset.map((r) => ({ id: String(r.idx), answer_a: r.response1, answer_b: r.response2 })),
    annotators: [
      { id: 'annotator1', name: 'annotator1', kind: 'human' },
      { id: 'annotator2', name: 'annotator2', kind: 'human' },
      { id: 'annotator3', name: 'annotator3', kind: 'human' },
      { id: 'gpt-3.5-turbo', name: 'gpt-3.5-turbo', kind: 'llm' },
      { id: 'pandalm-7b', name: 'PandaLM-7B', kind: 'llm' },
    ],
    labels,
    options: { invalid, resamples: 200 },
  };
}

const pct = (x: number | null): string => (x === null ? 'null' : (x * 100).toFixed(2));

describe('buildReport on the PandaLM test set', () => {
  const report = buildReport(pandalmInput('tie'));

  it('shows the published pairwise Cohen kappas of the three annotators (0.85, 0.88, 0.86)', () => {
    const kappa = Object.fromEntries(report.humans.pairs.map((p) => [`${p.a}-${p.b}`, p.cohen_kappa!.toFixed(2)]));
    expect(kappa).toEqual({ 'annotator1-annotator2': '0.85', 'annotator1-annotator3': '0.88', 'annotator2-annotator3': '0.86' });
  });

  it('finds the published majority counts: tie 105, response1 422, response2 472, none tied', () => {
    expect(report.humans.majority.tied).toBe(0);
    expect(report.humans.majority.counts).toEqual([
      { value: 'A', items: 422 },
      { value: 'B', items: 472 },
      { value: 'tie', items: 105 },
    ]);
  });

  it('reproduces gpt-3.5-turbo 71.07/58.79/57.36/57.55 against the majority, garbage as tie', () => {
    const j = report.judges.find((x) => x.annotator === 'gpt-3.5-turbo')!;
    const v = j.vs_majority;
    expect([pct(v.accuracy), pct(v.macro_precision), pct(v.macro_recall), pct(v.macro_f1)]).toEqual(['71.07', '58.79', '57.36', '57.55']);
    expect(v.n).toBe(999);
    expect(j.invalid).toBe(25);
  });

  it('reproduces PandaLM-7B 66.77/57.38/57.50/57.43 against the majority', () => {
    const v = report.judges.find((x) => x.annotator === 'pandalm-7b')!.vs_majority;
    expect([pct(v.accuracy), pct(v.macro_precision), pct(v.macro_recall), pct(v.macro_f1)]).toEqual(['66.77', '57.38', '57.50', '57.43']);
  });

  it('leaves unparseable outputs out under the other convention, still counting them', () => {
    const j = buildReport(pandalmInput('exclude')).judges.find((x) => x.annotator === 'gpt-3.5-turbo')!;
    expect(j.vs_majority.n).toBe(999 - 25);
    expect(j.invalid).toBe(25);
  });

  it('gives a bootstrap interval around the accuracy, the same on every run', () => {
    const v = report.judges[0]!.vs_majority;
    const [lo, hi] = v.ci95.accuracy;
    expect(lo!).toBeLessThan(v.accuracy!);
    expect(hi!).toBeGreaterThan(v.accuracy!);
    expect(buildReport(pandalmInput('tie')).judges[0]!.vs_majority.ci95).toEqual(v.ci95);
  });

  it('reports length bias for the judges and for the humans', () => {
    // No published figure to check against: only that it is computed over the pairs it should be.
    for (const lb of [report.humans.length_bias, ...report.judges.map((j) => j.length_bias)]) {
      expect(lb!.n).toBeGreaterThan(0);
      expect(lb!.prefer_longer!).toBeGreaterThanOrEqual(0);
      expect(lb!.prefer_longer!).toBeLessThanOrEqual(1);
    }
  });
});
