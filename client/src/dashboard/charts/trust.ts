/**
 * ECharts options for the report's trust sections (issue 10): the annotators' competence under the consensus model,
 * a judge's coverage curve with its certified threshold, and judges' accuracy per slice. Same palette and habits as
 * ./options.ts: untrusted names escaped in tooltips, cell labels coloured by their cell's luminance, nothing said by
 * colour alone (a spammer's bar is also labelled).
 */
import type { AggregationMethod } from '../../../../shared/stats/crowd/types';
import type { CertaintyJson, SelectiveJson } from '../../../../shared/stats/report/json';
import type { CompetenceRow, SliceMatrix } from '../report/format';
import { barAxisLabel, base, esc, labelColourOn, legendBelow, OKABE_ITO, pct, rampColour, SEQUENTIAL } from './options';

/** Okabe–Ito vermillion: the warning colour for spammers, told apart from the blue by every common deficiency. */
export const SPAMMER_COLOUR = OKABE_ITO[5]!;

/**
 * Each human's competence, most competent first; spammers in vermillion and labelled. Under MACE competence is the
 * probability the annotator is not spamming (Hovy et al. 2013), and 0.5 is where the model flags a spammer.
 */
export function competenceBars(rows: CompetenceRow[], method: AggregationMethod) {
  const names = rows.map((r) => r.annotator);
  const { axisLabel, height } = barAxisLabel(names);
  const line = method === 'mace' ? { markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0.5 }], lineStyle: { color: '#555', type: 'dashed' }, label: { formatter: '0.5', position: 'insideEndTop' } } } : {};
  return {
    ...base,
    tooltip: {
      trigger: 'item',
      formatter: (x: { dataIndex: number }) => {
        const r = rows[x.dataIndex]!;
        return `<strong>${esc(r.annotator)}</strong><br>competence ${r.competence.toFixed(2)}${r.spammer ? '<br>flagged as a spammer' : ''}`;
      },
    },
    grid: { left: 55, right: 20, top: 30, bottom: height + 16 },
    xAxis: { type: 'category', data: names, axisLabel },
    yAxis: { type: 'value', min: 0, max: 1, name: 'competence' },
    series: [
      {
        name: 'competence',
        type: 'bar',
        data: rows.map((r) => ({
          value: r.competence,
          itemStyle: { color: r.spammer ? SPAMMER_COLOUR : OKABE_ITO[0] },
          label: r.spammer ? { show: true, position: 'top', formatter: 'spammer', color: '#111111' } : { show: false },
        })),
        ...line,
      },
    ],
  };
}

const markStyle = { silent: true, symbol: 'none', lineStyle: { color: '#555', type: 'dashed' } };

/**
 * One judge's accuracy against coverage (its labels at or above each certainty, from `certainty.thresholds`), with
 * the certified threshold's coverage as a vertical line and point, and the target agreement as a horizontal line.
 */
export function certifiedCurve(judge: string, certainty: CertaintyJson, s: SelectiveJson) {
  const certified = s.threshold !== null && s.coverage !== null;
  const names = [judge, ...(certified ? ['certified threshold'] : [])];
  const { legend, rows } = legendBelow(names);
  const marks: Record<string, unknown>[] = [{ yAxis: s.target, label: { formatter: `target ${pct(s.target)}`, position: 'insideStartTop' } }];
  if (certified) marks.push({ xAxis: s.coverage, label: { formatter: `keeps ${pct(s.coverage)}`, position: 'end' } });
  return {
    ...base,
    tooltip: { trigger: 'item', formatter: (x: { seriesName: string; value: [number, number] }) => `${esc(x.seriesName)}: ${pct(x.value[1])} accurate keeping ${pct(x.value[0])}` },
    legend,
    grid: { left: 55, right: 30, top: 30, bottom: 48 + 22 * rows },
    xAxis: { type: 'value', name: 'coverage (share of labels kept)', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
    yAxis: { type: 'value', name: 'accuracy', min: 0, max: 1 },
    series: [
      {
        name: judge,
        type: 'line',
        symbol: 'triangle',
        lineStyle: { type: 'dashed', width: 2 },
        data: certainty.thresholds.filter((t) => t.accuracy !== null).map((t) => [t.coverage, t.accuracy]),
        markLine: { ...markStyle, data: marks },
      },
      ...(certified ? [{ name: 'certified threshold', type: 'scatter', symbolSize: 12, color: OKABE_ITO[7], data: [[s.coverage, s.agreement]] }] : []),
    ],
  };
}

/** The text of one slice cell: the accuracy and, below it, how many labels it is over. */
const cellText = (v: number | null, n: number) => `${v === null ? '—' : pct(v)}\nn ${n}`;

/** Judges × slices: each judge's accuracy in each slice (single-hue blue, darker is more accurate), labelled. */
export function sliceHeatmap(m: SliceMatrix) {
  const columns = m.columns.map((c) => c.label);
  const judges = m.judges.map((j) => j.annotator);
  const { axisLabel, height } = barAxisLabel(columns);
  const data = m.judges.flatMap((j, y) =>
    j.cells.flatMap((c, x) => {
      if (!c) return [];
      if (c.accuracy === null) return [{ value: [x, y, '-'], n: c.n, label: { color: '#111111' } }];
      return [{ value: [x, y, c.accuracy], n: c.n, label: { color: labelColourOn(rampColour(SEQUENTIAL, c.accuracy)) } }];
    }),
  );
  type Cell = { value: [number, number, number | string]; data: { n: number } };
  return {
    ...base,
    tooltip: { formatter: (x: Cell) => `${esc(judges[x.value[1]])}, ${esc(m.by)} = ${esc(columns[x.value[0]])}: ${typeof x.value[2] === 'number' ? pct(x.value[2]) : '—'} of ${x.data.n} labels` },
    grid: { left: 110, right: 20, top: 10, bottom: height + 30 },
    xAxis: { type: 'category', data: columns, axisLabel, name: m.by, nameLocation: 'middle', nameGap: height + 8, splitArea: { show: true } },
    yAxis: { type: 'category', data: judges, inverse: true, axisLabel: { interval: 0, width: 100, overflow: 'truncate' }, splitArea: { show: true } },
    visualMap: { show: false, min: 0, max: 1, inRange: { color: SEQUENTIAL } },
    series: [
      {
        type: 'heatmap',
        data,
        label: { show: true, fontWeight: 'bold', lineHeight: 16, formatter: (x: Cell) => cellText(typeof x.value[2] === 'number' ? x.value[2] : null, x.data.n) },
      },
    ],
  };
}

/** The slices heatmap's height: room for its axis labels and 52 px a judge (two lines of label in each cell). */
export const sliceHeatmapHeight = (o: { grid: { top: number; bottom: number } }, judges: number) => o.grid.top + o.grid.bottom + 52 * Math.max(1, judges);
