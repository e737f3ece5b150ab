/**
 * How the report's numbers read on the page, and the tables the trust sections (issue 10) draw from the report
 * JSON (shared/stats/report/json.ts). Pure: the e2e test formats the JSON's numbers with these same functions to
 * find them on the page.
 */
import type { AggregationMethod } from '../../../../shared/stats/crowd/types';
import type { ComparisonJson, ComparisonTestJson, N, ReportJson, SliceGroupJson } from '../../../../shared/stats/report/json';

/** A number with `digits` decimals, or a dash where the statistic is undefined. */
export const fixed = (v: N | undefined, digits = 2): string => (v === null || v === undefined ? '—' : v.toFixed(digits));

/** A fraction as a percentage with one decimal. */
export const percent = (v: N | undefined): string => (v === null || v === undefined ? '—' : `${(v * 100).toFixed(1)}%`);

/** A signed difference of two fractions in percentage points (U+2212 for minus, as in print). */
export const points = (v: N | undefined): string => {
  if (v === null || v === undefined) return '—';
  const s = (Math.abs(v) * 100).toFixed(1);
  return `${v < 0 && s !== '0.0' ? '−' : '+'}${s}`;
};

/** A p-value: three decimals, or two significant digits in scientific notation below 0.001. */
export function formatP(p: N | undefined): string {
  if (p === null || p === undefined) return '—';
  if (p > 0 && p < 0.001) return p.toExponential(1).replace('-', '−');
  return p.toFixed(3);
}

/** The conventional significance level of the comparisons table. */
export const ALPHA = 0.05;
export const significant = (c: ComparisonTestJson): boolean => c.mcnemar_p !== null && c.mcnemar_p < ALPHA;

/** A slice's meta value as a column heading; items without the key form their own slice. */
export const sliceLabel = (v: SliceGroupJson['value']): string => (v === null ? '(no value)' : String(v));

/** A human's competence under the report's model, for the bar chart: humans only, most competent first. */
export interface CompetenceRow {
  annotator: string;
  competence: number;
  spammer: boolean;
}

export function competenceRows(r: ReportJson): CompetenceRow[] {
  return r.annotators
    .filter((a) => a.kind === 'human' && a.competence !== null)
    .map((a) => ({ annotator: a.annotator, competence: a.competence!, spammer: a.spammer === true }))
    .sort((a, b) => b.competence - a.competence || a.annotator.localeCompare(b.annotator));
}

/** One judge's accuracy in one slice: against gold where the slice has gold labels, else the human majority. */
export interface SliceCell {
  accuracy: N;
  n: number;
  reference: 'gold' | 'majority';
}

const cellOf = (c: { vs_majority: ComparisonJson; vs_gold: ComparisonJson | null }): SliceCell => {
  const ref = c.vs_gold && c.vs_gold.n > 0 ? c.vs_gold : c.vs_majority;
  return { accuracy: ref.accuracy, n: ref.n, reference: ref === c.vs_majority ? 'majority' : 'gold' };
};

/** Judges × slices, with the humans' agreement in each slice: what the slices table and heatmap show. */
export interface SliceMatrix {
  by: string;
  columns: { label: string; items: number }[];
  judges: { annotator: string; cells: (SliceCell | null)[] }[];
  /** `w`: Kendall's W among the humans in the slice (ranking projects only). */
  humans: { agreement: N; alpha: N; annotators: number; w?: N }[];
}

export function sliceMatrix(r: ReportJson): SliceMatrix | null {
  if (!r.slices) return null;
  const groups = r.slices.groups;
  // Judges in the report's order; a judge that labelled nothing in a slice has no cell there.
  const names = [...new Set([...r.judges.map((j) => j.annotator), ...groups.flatMap((g) => g.judges.map((j) => j.annotator))])];
  return {
    by: r.slices.by,
    columns: groups.map((g) => ({ label: sliceLabel(g.value), items: g.items })),
    judges: names.map((annotator) => ({
      annotator,
      cells: groups.map((g) => {
        const j = g.judges.find((x) => x.annotator === annotator);
        return j ? cellOf(j) : null;
      }),
    })),
    humans: groups.map((g) => ({
      agreement: g.humans.percent_agreement,
      alpha: g.humans.krippendorff_alpha.nominal,
      annotators: g.humans.annotators,
      ...(g.humans.kendall_w !== undefined ? { w: g.humans.kendall_w } : {}),
    })),
  };
}

/** What the comparisons table calls the second side: another judge, or the humans pooled. */
export const comparedWith = (c: ComparisonTestJson): string => (c.b_kind === 'humans' ? 'humans (pooled)' : c.b);

/** The consensus methods' names as the page writes them. */
export const METHOD_NAMES: Record<AggregationMethod, string> = { majority: 'majority vote', 'dawid-skene': 'Dawid–Skene', mace: 'MACE' };

/** A certainty on the project's scale: as given, without a float's trailing noise. */
export const certaintyValue = (v: number): string => String(Number(v.toPrecision(6)));

/** One judge's row of the ranking table (ranking projects): the report's `judges[].ranking`, flattened. */
export interface RankingRow {
  annotator: string;
  rankings: number;
  items: number;
  tau: N;
  top1: N;
  gold: { tau: N; top1: N; items: number } | null;
  firstRate: N;
  firstExpected: N;
}

export function rankingRows(r: ReportJson): RankingRow[] {
  return r.judges.flatMap((j) => {
    const k = j.ranking;
    if (!k) return [];
    const gold = k.gold ? { tau: k.gold.kendall_tau_b, top1: k.gold.top1_accuracy, items: k.gold.items } : null;
    return [{ annotator: j.annotator, rankings: k.rankings, items: k.items, tau: k.kendall_tau_b, top1: k.top1_accuracy, gold, firstRate: k.first_position_rate, firstExpected: k.first_position_expected }];
  });
}

/** Whether the report is a ranking project's (it has the fields only they carry). */
export const isRankingReport = (r: ReportJson): boolean => r.project.type === 'ranking' || r.humans.kendall_w !== undefined || r.project.answer_pairs !== undefined;
