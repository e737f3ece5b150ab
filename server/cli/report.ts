import Table from 'cli-table3';
import type { ComparisonJson, ReportJson } from '../../shared/stats/report/json';

const f = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? '–' : v.toFixed(digits));
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '–' : `${(v * 100).toFixed(2)}%`);
const ci = (c: [number | null, number | null] | undefined, asPct = false) =>
  c && c[0] !== null && c[1] !== null ? `[${asPct ? pct(c[0]) : f(c[0])}, ${asPct ? pct(c[1]) : f(c[1])}]` : '–';

function table(head: string[], rows: Array<Array<string | number>>): string {
  const t = new Table({ head, style: { head: [], border: [] } });
  t.push(...rows.map((r) => r.map(String)));
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
      out.push(`${name}: ECE ${f(c!.ece)}, Brier ${f(c!.brier)}`);
      out.push(table(['certainty ≥', 'labels', 'accuracy'], c!.thresholds.map((t) => [t.min, t.n, pct(t.accuracy)])));
    }
  }
  out.push('', 'Annotators');
  out.push(
    table(
      ['annotator', 'kind', 'labels', 'gold accuracy', 'agrees with majority of others', 'median seconds'],
      r.annotators.map((a) => [a.annotator, a.kind, a.labels, pct(a.gold_accuracy), pct(a.majority_agreement), f(a.median_seconds, 1)]),
    ),
  );
  return out.join('\n');
}
