/**
 * ECharts options for the report's plots, built from the report JSON (shared/stats/report.ts). Colours: the
 * Okabe–Ito palette for series (distinguishable with the common colour-vision deficiencies), a blue–orange
 * diverging scale for kappa and a single-hue blue scale for counts; humans are solid lines, judges dashed.
 */
import type { ComparisonJson, ReportJson } from '../../../../shared/stats/report';

/**
 * ECharts puts a string tooltip into the page as HTML. Annotator names and categories come from worker ids and
 * imported files, so they are untrusted: escape them before they reach a tooltip.
 */
const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
const DIVERGING = ['#b35806', '#f1a340', '#fee0b6', '#f7f7f7', '#d8daeb', '#998ec3', '#542788'];
const SEQUENTIAL = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'];
const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v * 100)}%`);
const base = { textStyle: { fontFamily: 'system-ui, sans-serif' }, color: OKABE_ITO };

/** Annotator × annotator Cohen's kappa, humans only (the diagonal is 1 by definition). */
export function kappaHeatmap(r: ReportJson) {
  const names = [...new Set(r.humans.pairs.flatMap((p) => [p.a, p.b]))].sort();
  const idx = new Map(names.map((n, i) => [n, i]));
  const data: Array<[number, number, number | null]> = names.map((_, i) => [i, i, 1]);
  for (const p of r.humans.pairs) {
    const a = idx.get(p.a)!;
    const b = idx.get(p.b)!;
    const k = p.cohen_kappa === null ? null : Math.round(p.cohen_kappa * 100) / 100;
    data.push([a, b, k], [b, a, k]);
  }
  return {
    ...base,
    tooltip: { formatter: (x: { value: [number, number, number | null] }) => `${esc(names[x.value[0]])} × ${esc(names[x.value[1]])}: κ = ${x.value[2] ?? 'undefined'}` },
    grid: { left: 110, right: 80, top: 10, bottom: 90 },
    xAxis: { type: 'category', data: names, axisLabel: { rotate: 40, width: 90, overflow: 'truncate' }, splitArea: { show: true } },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 100, overflow: 'truncate' }, splitArea: { show: true } },
    visualMap: { min: -1, max: 1, calculable: true, orient: 'vertical', right: 0, top: 'middle', inRange: { color: DIVERGING }, text: ['κ 1', '−1'] },
    series: [{ type: 'heatmap', data: data.map(([x, y, v]) => [x, y, v ?? '-']), label: { show: names.length <= 12, formatter: (x: { value: [number, number, number | string] }) => String(x.value[2]) } }],
  };
}

/** One judge's confusion matrix: rows the human majority, columns the judge. */
export function confusionHeatmap(c: ComparisonJson, judge: string) {
  const classes = c.confusion.classes.map(String);
  const data: Array<[number, number, number]> = [];
  let max = 0;
  c.confusion.matrix.forEach((row, i) =>
    row.forEach((v, j) => {
      data.push([j, i, v]);
      max = Math.max(max, v);
    }),
  );
  return {
    ...base,
    tooltip: { formatter: (x: { value: [number, number, number] }) => `majority ${esc(classes[x.value[1]])}, ${esc(judge)} ${esc(classes[x.value[0]])}: ${x.value[2]}` },
    grid: { left: 80, right: 20, top: 10, bottom: 60 },
    xAxis: { type: 'category', data: classes, name: judge, nameLocation: 'middle', nameGap: 30 },
    yAxis: { type: 'category', data: classes, name: 'human majority', nameLocation: 'middle', nameGap: 55, inverse: true },
    visualMap: { show: false, min: 0, max: Math.max(1, max), inRange: { color: SEQUENTIAL } },
    series: [{ type: 'heatmap', data, label: { show: true, color: '#111', textBorderColor: '#fff', textBorderWidth: 3, fontWeight: 'bold' } }],
  };
}

type Source = { name: string; kind: 'human' | 'llm'; certainty: NonNullable<ReportJson['annotators'][number]['certainty']> };

export function certaintySources(r: ReportJson): Source[] {
  return r.annotators.filter((a) => a.certainty && a.certainty.thresholds.length > 0).map((a) => ({ name: a.annotator, kind: a.kind, certainty: a.certainty! }));
}

/** Accuracy of the labels at or above each certainty threshold, against the share of labels kept (coverage). */
export function coverageCurve(sources: Source[]) {
  return {
    ...base,
    tooltip: { trigger: 'item', formatter: (x: { seriesName: string; value: [number, number] }) => `${esc(x.seriesName)}: ${pct(x.value[1])} accurate keeping ${pct(x.value[0])}` },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 55, right: 20, top: 15, bottom: 70 },
    xAxis: { type: 'value', name: 'coverage (share of labels kept)', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
    yAxis: { type: 'value', name: 'accuracy', min: 0, max: 1 },
    series: sources.map((s) => ({
      name: `${s.name}${s.kind === 'llm' ? ' (judge)' : ''}`,
      type: 'line',
      symbol: s.kind === 'llm' ? 'triangle' : 'circle',
      lineStyle: { type: s.kind === 'llm' ? 'dashed' : 'solid', width: 2 },
      data: s.certainty.thresholds.filter((t) => t.accuracy !== null).map((t) => [t.coverage, t.accuracy]),
    })),
  };
}

/** Reliability diagram: accuracy per certainty bin against the bin's mean certainty (0–1); the diagonal is perfect. */
export function reliability(sources: Source[]) {
  return {
    ...base,
    tooltip: { trigger: 'item', formatter: (x: { seriesName: string; value: [number, number, number] }) => `${esc(x.seriesName)}: said ${pct(x.value[0])}, right ${pct(x.value[1])} (${x.value[2]} labels)` },
    legend: { type: 'scroll', bottom: 0 },
    grid: { left: 55, right: 20, top: 15, bottom: 70 },
    xAxis: { type: 'value', name: 'certainty (scaled 0–1)', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
    yAxis: { type: 'value', name: 'accuracy', min: 0, max: 1 },
    series: [
      { name: 'perfectly calibrated', type: 'line', data: [[0, 0], [1, 1]], symbol: 'none', lineStyle: { color: '#999', type: 'dotted' }, color: '#999' },
      ...sources.map((s) => ({
        name: `${s.name}${s.kind === 'llm' ? ' (judge)' : ''}`,
        type: 'line',
        symbol: s.kind === 'llm' ? 'triangle' : 'circle',
        symbolSize: 8,
        lineStyle: { type: s.kind === 'llm' ? 'dashed' : 'solid' },
        data: s.certainty.bins.filter((b) => b.n > 0 && b.confidence !== null && b.accuracy !== null).map((b) => [b.confidence, b.accuracy, b.n]),
      })),
    ],
  };
}

/** Per judge: how often its verdict survives swapping the answers, and how often it picks the first position. */
export function positionBias(r: ReportJson) {
  const js = r.judges.filter((j) => j.swap);
  return {
    ...base,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => pct(v) },
    legend: { bottom: 0 },
    grid: { left: 55, right: 20, top: 15, bottom: 60 },
    xAxis: { type: 'category', data: js.map((j) => j.annotator) },
    yAxis: { type: 'value', min: 0, max: 1, axisLabel: { formatter: (v: number) => pct(v) } },
    series: [
      { name: 'consistency under swap', type: 'bar', data: js.map((j) => j.swap!.consistency) },
      {
        name: 'first-position rate',
        type: 'bar',
        data: js.map((j) => j.swap!.first_position_rate),
        markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0.5, name: 'no bias' }], lineStyle: { color: '#555', type: 'dashed' }, label: { formatter: 'no bias', position: 'insideEndTop' } },
      },
    ],
  };
}

/** Share of decided labels that prefer the longer answer (0.5 = no length bias), humans and each judge. */
export function lengthBias(r: ReportJson) {
  const rows = [
    ...(r.humans.length_bias ? [{ name: 'humans', v: r.humans.length_bias.prefer_longer, n: r.humans.length_bias.n }] : []),
    ...r.judges.filter((j) => j.length_bias).map((j) => ({ name: j.annotator, v: j.length_bias!.prefer_longer, n: j.length_bias!.n })),
  ];
  return {
    ...base,
    tooltip: { trigger: 'axis', valueFormatter: (v: number) => pct(v) },
    grid: { left: 55, right: 20, top: 15, bottom: 40 },
    xAxis: { type: 'category', data: rows.map((x) => x.name) },
    yAxis: { type: 'value', min: 0, max: 1, name: 'prefers the longer answer', axisLabel: { formatter: (v: number) => pct(v) } },
    series: [
      {
        type: 'bar',
        data: rows.map((x, i) => ({ value: x.v, itemStyle: { color: i === 0 && r.humans.length_bias ? OKABE_ITO[0] : OKABE_ITO[1] } })),
        markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0.5 }], lineStyle: { color: '#555', type: 'dashed' }, label: { formatter: 'no bias', position: 'insideEndTop' } },
      },
    ],
  };
}
