import Table from 'cli-table3';
import { InvalidArgumentError } from 'commander';
import type { AggregationMethod } from '../../shared/stats/crowd/types';
import { clean } from './api';
import type { ComparisonJson, ComparisonTestJson, ReportJson, SliceGroupJson } from '../../shared/stats/report/json';
import type { RoutingState } from '../../shared/routing';

const f = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '–' : v.toFixed(digits));
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
const ci = (c: [number | null, number | null] | undefined, asPct = false) =>
  c && c[0] !== null && c[1] !== null ? `[${asPct ? pct(c[0]) : f(c[0])}, ${asPct ? pct(c[1]) : f(c[1])}]` : '–';
/** A p-value: three decimals, and "< 0.001" below that, where three decimals would print a misleading 0.000. */
const pValue = (p: number | null | undefined) => (p === null || p === undefined ? '–' : p < 0.001 ? '< 0.001' : p.toFixed(3));


function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head: head.map(clean), style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map((c) => clean(String(c)))));
  return t.toString();
}

function comparisonRows(name: string, c: ComparisonJson | null): Array<Array<string | number>> {
  if (!c) return [];
  return [[name, c.n_labels ?? c.n, c.n_items ?? '–', pct(c.accuracy), ci(c.ci95.accuracy, true), pct(c.accuracy_without_ties), f(c.cohen_kappa), ci(c.ci95.cohen_kappa), pct(c.macro_precision), pct(c.macro_recall), pct(c.macro_f1)]];
}

/** The report as tables a person reads in a terminal (`--json` prints the JSON contract instead). */
export function formatReport(r: ReportJson): string {
  const out: string[] = [];
  const p = r.project;
  out.push(`Project ${p.id} (${p.type}): ${p.items} items, ${p.labels.human} human labels, ${p.labels.llm} LLM labels`);
  const h = r.humans;
  out.push('', 'Agreement among humans');
  const alpha = Object.entries(h.krippendorff_alpha)
    .map(([k, v]) => `${k} ${f(v as number | null)}`)
    .join(', ');
  out.push(
    table(['annotators', 'percent agreement', "Fleiss' kappa", "Krippendorff's alpha", "Gwet's AC1"], [[h.annotators, pct(h.percent_agreement), f(h.fleiss_kappa), alpha || '–', f(h.gwet_ac1)]]),
  );
  if (h.pairs.length > 0) {
    const weighted = h.pairs.some((x) => x.weighted_kappa);
    out.push(
      table(
        ['rater a', 'rater b', 'items', 'agreement', "Cohen's kappa", ...(weighted ? ['linear w.', 'quadratic w.'] : [])],
        h.pairs.map((x) => [x.a, x.b, x.n, pct(x.percent_agreement), f(x.cohen_kappa), ...(weighted ? [f(x.weighted_kappa?.linear), f(x.weighted_kappa?.quadratic)] : [])]),
      ),
    );
  }
  out.push(...rankingSection(r));
  if (r.judges.length > 0) {
    out.push('', 'Judges against the human majority (and gold)');
    const head = ['judge', 'labels', 'items', 'accuracy', '95% CI', 'acc. w/o ties', "Cohen's kappa", '95% CI', 'macro P', 'macro R', 'macro F1'];
    const rows = r.judges.flatMap((j) => [...comparisonRows(`${j.annotator} vs majority`, j.vs_majority), ...comparisonRows(`${j.annotator} vs gold`, j.vs_gold)]);
    out.push(table(head, rows));
    out.push(table(['judge', 'invalid outputs'], r.judges.map((j) => [j.annotator, j.invalid])));
    const swaps = r.judges.filter((j) => j.swap);
    if (swaps.length > 0) {
      out.push('', 'Position bias (judged in both orders)');
      out.push(
        table(
          ['judge', 'AB/BA pairs', 'items', 'consistency', 'prefers first shown', 'net accuracy', 'strict accuracy'],
          swaps.map((j) => [j.annotator, j.swap!.pairs ?? j.swap!.items, j.swap!.n_items ?? '–', pct(j.swap!.consistency), pct(j.swap!.first_position_rate), pct(j.swap!.net.accuracy), pct(j.swap!.strict.accuracy)]),
        ),
      );
    }
    const lb = r.judges.filter((j) => j.length_bias);
    if (lb.length > 0) {
      out.push('', 'Length bias (pairs whose answers differ by more than 30 characters)');
      out.push(table(['judge', 'labels', 'prefers the longer'], lb.map((j) => [j.annotator, j.length_bias!.n, pct(j.length_bias!.prefer_longer)])));
    }
  }
  const certain = [...r.judges.map((j) => ({ name: j.annotator, c: j.certainty })), ...r.annotators.filter((a) => a.kind === 'human').map((a) => ({ name: a.annotator, c: a.certainty }))].filter((x) => x.c);
  if (certain.length > 0) {
    out.push('', 'Accuracy by certainty (certainty ≥ t)');
    for (const { name, c } of certain) {
      out.push(`${clean(name)}: ECE ${f(c!.ece)}, Brier ${f(c!.brier)}`);
      out.push(table(['certainty ≥', 'labels', 'accuracy'], c!.thresholds.map((t) => [t.min, t.n, pct(t.accuracy)])));
    }
  }
  out.push('', 'Annotators', annotatorsTable(r));
  out.push(...testSections(r));
  return out.join('\n');
}

/**
 * Ranking projects (issue 11): Kendall's W among the humans and each judge's rankings against the humans' mean-rank
 * consensus and gold; the pairwise tables that follow are on the answer pairs.
 */
function rankingSection(r: ReportJson): string[] {
  const h = r.humans;
  if (h.kendall_w === undefined && !r.judges.some((j) => j.ranking)) return [];
  const out = ['', 'Rankings'];
  out.push(`Kendall's W among humans: ${f(h.kendall_w)} (mean over ${plural(h.kendall_w_items ?? 0, 'item')} ranked by two or more humans)`);
  if (r.project.answer_pairs !== undefined) out.push(`The pairwise tables below are on ${plural(r.project.answer_pairs, 'answer pair')}: each ranking decomposed into its preference on every pair of answers.`);
  const ranked = r.judges.filter((j) => j.ranking);
  if (ranked.length > 0) {
    out.push(
      table(
        ['judge', 'items', 'τ-b vs consensus', 'top-1 vs consensus', 'gold items', 'τ-b vs gold', 'top-1 vs gold', 'rankings', 'shown first ranked first', 'by chance'],
        ranked.map((j) => {
          const k = j.ranking!;
          return [j.annotator, k.items, f(k.kendall_tau_b), pct(k.top1_accuracy), k.gold ? k.gold.items : '–', f(k.gold?.kendall_tau_b), pct(k.gold?.top1_accuracy), k.rankings, pct(k.first_position_rate), pct(k.first_position_expected)];
        }),
      ),
    );
  }
  return out;
}

/** With a model's consensus (Dawid–Skene, MACE), each human's competence stands beside their gold accuracy. */
function annotatorsTable(r: ReportJson): string {
  const competence = r.annotators.some((a) => a.competence !== null && a.competence !== undefined);
  return table(
    ['annotator', 'kind', 'labels', 'gold accuracy', ...(competence ? ['competence'] : []), 'agrees with majority of others', 'median seconds'],
    r.annotators.map((a) => [
      a.annotator,
      a.kind,
      a.labels,
      pct(a.gold_accuracy),
      ...(competence ? [`${f(a.competence)}${a.spammer ? ' spammer' : ''}`] : []),
      pct(a.majority_agreement),
      f(a.median_seconds, 1),
    ]),
  );
}

const METHOD_NAMES: Record<AggregationMethod, string> = { majority: 'majority vote', 'dawid-skene': 'Dawid–Skene', mace: 'MACE' };
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** Issue 10's sections: the consensus method, judges compared, the alt-test, certified thresholds and slices. */
function testSections(r: ReportJson): string[] {
  const out: string[] = [];
  const a = r.aggregation;
  if (a) {
    const spammers = a.method === 'majority' ? '' : `, ${plural(a.spammers, 'spammer')} flagged`;
    out.push('', `Consensus: ${METHOD_NAMES[a.method] ?? clean(String(a.method))} — ${plural(a.items, 'item')}${spammers}`);
  }
  if (r.comparisons?.length) {
    out.push('', 'Judges compared (accuracy on the items both labelled; * p < 0.05)');
    out.push(comparisonsTable(r.comparisons));
  }
  if (r.judges.length > 0) {
    out.push('', 'Alternative annotator test (may the judge replace a human? Calderon et al. 2025)');
    out.push(altTestTable(r.judges));
    out.push('', 'Certified certainty threshold (agreement ≥ target with probability ≥ 1 − δ; Jung et al. 2025)');
    out.push(selectiveTable(r.judges));
  }
  if (r.slices) out.push('', ...slicesSection(r.slices, r.judges.map((j) => j.annotator)));
  const routing = (r as ReportJson & { routing?: RoutingState | null }).routing;
  if (routing) out.push('', ...routingSection(routing));
  return out;
}

function comparisonsTable(rows: ComparisonTestJson[]): string {
  return table(
    ['a', 'b', 'reference', 'n', 'acc. a', 'acc. b', 'difference', '95% CI', 'McNemar p', ''],
    rows.map((c) => [
      c.a,
      c.b_kind === 'humans' ? `${c.b} (pooled)` : c.b,
      c.reference,
      c.n,
      pct(c.accuracy_a),
      pct(c.accuracy_b),
      pct(c.difference),
      ci(c.ci95, true),
      pValue(c.mcnemar_p),
      c.mcnemar_p !== null && c.mcnemar_p < 0.05 ? '*' : '',
    ]),
  );
}

function altTestTable(judges: ReportJson['judges']): string {
  return table(
    ['judge', 'ε', 'metric', 'annotators', 'items', 'winning rate ω', 'advantage ρ', 'passed'],
    judges.map((j) => {
      const t = j.alt_test;
      if (!t) return [j.annotator, '–', '–', '–', '–', '–', '–', j.alt_test_reason ?? 'not computed'];
      return [j.annotator, t.epsilon, t.metric, t.annotators, t.items, pct(t.winning_rate), pct(t.advantage_probability), t.passed ? 'yes' : 'no'];
    }),
  );
}

function selectiveTable(judges: ReportJson['judges']): string {
  return table(
    ['judge', 'target', 'δ', 'threshold', 'coverage', 'agreement', 'calibration items'],
    judges.map((j) => {
      const s = j.selective;
      if (!s) return [j.annotator, '–', '–', 'no certainty on items with a reference', '–', '–', '–'];
      return [j.annotator, s.target, s.delta, s.threshold === null ? 'none certified' : `certainty ≥ ${s.threshold}`, pct(s.coverage), pct(s.agreement), s.calibration_items];
    }),
  );
}

/**
 * Escalate routing (issue 13 part 2): who decided the items, and per judge of the cascade the guarantee its
 * threshold was certified at beside the agreement it reached on the calibration share.
 */
export function routingSection(g: RoutingState): string[] {
  const share = (x: number) => `${Number((x * 100).toFixed(1))}%`;
  const i = g.items;
  return [
    `Routing: judges first, humans where the judge is unsure (target ${share(g.target)} agreement with the humans, with probability ≥ ${share(1 - g.delta)})`,
    `${plural(i.judges, 'item')} decided by judges, ${i.humans} by the humans (${g.calibration_items} in the ${share(g.calibration)} calibration share), ${i.pending} waiting for a judge`,
    table(
      ['stage', 'judge', 'threshold', 'calibration items', 'agreement', 'coverage', 'accepted', 'escalated', 'pending'],
      g.judges.map((j) => [j.stage + 1, j.name, j.threshold === null ? 'not certified yet' : `certainty ≥ ${Number(j.threshold.toPrecision(6))}`, j.calibration_points, pct(j.agreement), pct(j.coverage), j.accepted, j.escalated, j.pending]),
    ),
  ];
}

/** Beyond this many slice values the table turns (slices as rows) so it still fits a terminal. */
const MAX_SLICE_COLUMNS = 8;

const sliceLabel = (by: string, v: SliceGroupJson['value']) => (v === null ? `(no ${by})` : String(v));

/** One judge's cell: accuracy against gold where the slice has it, else against the human majority, with n. */
function judgeCell(g: SliceGroupJson, name: string): string {
  const j = g.judges.find((x) => x.annotator === name);
  if (!j) return '–';
  const gold = j.vs_gold !== null && j.vs_gold.n > 0;
  const c = gold ? j.vs_gold! : j.vs_majority;
  return `${pct(c.accuracy)} (n ${c.n}${gold ? ', gold' : ''})`;
}

function slicesSection(s: NonNullable<ReportJson['slices']>, judges: string[]): string[] {
  const names = ['items', "humans' agreement", "humans' Krippendorff α", ...judges];
  const columns = s.groups.map((g) => [
    String(g.items),
    pct(g.humans.percent_agreement),
    f(g.humans.krippendorff_alpha.nominal),
    ...judges.map((name) => judgeCell(g, name)),
  ]);
  const labels = s.groups.map((g) => sliceLabel(s.by, g.value));
  const t =
    s.groups.length <= MAX_SLICE_COLUMNS
      ? table([`by ${s.by}`, ...labels], names.map((n, i) => [n, ...columns.map((c) => c[i]!)]))
      : table([s.by, ...names], labels.map((l, k) => [l, ...columns[k]!]));
  return [
    `By ${clean(s.by)} (judges: accuracy against gold where the slice has gold, else against the human majority; n labels)`,
    t,
  ];
}

/**
 * Number options, checked as the server's report query checks them (server/reports/report-query.ts), so a mistake is
 * named before any request; commander prints the message with the option's name and exits with 1.
 */
export const fractionOption = (name: string) => (value: string): number => {
  const x = Number(value);
  if (value.trim() === '' || !(x > 0 && x < 1)) throw new InvalidArgumentError(`${name} must be a number above 0 and below 1.`);
  return x;
};

export const countOption = (name: string) => (value: string): number => {
  const x = Number(value);
  if (value.trim() === '' || !Number.isSafeInteger(x) || x < 1) throw new InvalidArgumentError(`${name} must be a whole number, 1 or more.`);
  return x;
};

export interface ReportCliOptions {
  invalid: string;
  resamples: string;
  method?: AggregationMethod;
  by?: string;
  epsilon?: number;
  target?: number;
  delta?: number;
  minItems?: number;
}

/** The report route's query (`GET /api/projects/:id/report`): options left out take the server's defaults. */
export function reportQuery(o: ReportCliOptions): URLSearchParams {
  const q = new URLSearchParams({ invalid: o.invalid, resamples: o.resamples });
  if (o.method) q.set('method', o.method);
  if (o.by !== undefined) q.set('by', o.by);
  if (o.epsilon !== undefined) q.set('epsilon', String(o.epsilon));
  if (o.target !== undefined) q.set('target', String(o.target));
  if (o.delta !== undefined) q.set('delta', String(o.delta));
  if (o.minItems !== undefined) q.set('min_items', String(o.minItems));
  return q;
}
