/**
 * ECharts options for the report's plots, built from the report JSON (shared/stats/report/json.ts). Colours: the
 * Okabe–Ito palette for series (distinguishable with the common colour-vision deficiencies), a blue–orange
 * diverging scale for kappa and a single-hue blue scale for counts; humans are solid lines, judges dashed.
 */
import type { ComparisonJson, LengthBiasJson, ReportJson } from '../../../../shared/stats/report/json';

/**
 * ECharts puts a string tooltip into the page as HTML. Annotator names and categories come from worker ids and
 * imported files, so they are untrusted: escape them before they reach a tooltip.
 */
export const esc = (v: unknown): string =>
  String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export const OKABE_ITO = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
const DIVERGING = ['#b35806', '#f1a340', '#fee0b6', '#f7f7f7', '#d8daeb', '#998ec3', '#542788'];
export const SEQUENTIAL = ['#f7fbff', '#c6dbef', '#6baed6', '#2171b5', '#08306b'];
export const pct = (v: number | null | undefined) => (v === null || v === undefined ? '—' : `${Math.round(v * 100)}%`);
export const base = { textStyle: { fontFamily: 'system-ui, sans-serif' }, color: OKABE_ITO };

/** The narrowest plot a chart gets (a 30rem grid column less its axes), in px: layouts are sized for it. */
const PLOT_WIDTH = 380;
/** Width of a label in ECharts' default 12 px system-ui: about 0.6 em a character (digits and lower case). */
const textWidth = (text: string, px = 12) => text.length * px * 0.6;

/**
 * The labels of a category axis of bars: every one shown (left to itself ECharts hides every other label when
 * they would collide), side by side when they fit, else turned 30° and cut at 150 px. The tooltip names each bar
 * in full. `height` is the room the labels take below the axis.
 */
export function barAxisLabel(names: string[], plotWidth = PLOT_WIDTH): { axisLabel: Record<string, unknown>; height: number } {
  const slot = plotWidth / Math.max(1, names.length);
  const longest = Math.max(0, ...names.map((n) => textWidth(n)));
  if (longest <= slot - 8) return { axisLabel: { interval: 0, width: Math.floor(slot - 4), overflow: 'truncate' }, height: 24 };
  const width = Math.min(150, Math.ceil(longest));
  return { axisLabel: { interval: 0, rotate: 30, width, overflow: 'truncate' }, height: Math.ceil(width * 0.5 + 12 * 0.87) + 10 };
}

/**
 * A legend under the plot: up to twelve series listed in full, wrapping onto more rows (`rows`) as they need;
 * past twelve it pages.
 */
export function legendBelow(names: string[], width = PLOT_WIDTH + 60): { legend: Record<string, unknown>; rows: number } {
  if (names.length > 12) return { legend: { type: 'scroll', bottom: 0 }, rows: 1 };
  let rows = 1;
  let used = 0;
  for (const n of names) {
    const w = 25 + 5 + textWidth(n) + 10; // icon, gap, text, gap to the next item
    if (used > 0 && used + w > width) {
      rows++;
      used = 0;
    }
    used += w;
  }
  return { legend: { type: 'plain', bottom: 0 }, rows };
}

/** The chart height that leaves `plot` px for the plot itself, whatever its grid needs around it. */
export function plotHeight(option: { grid: { top: number; bottom: number } }, plot = 235): number {
  return option.grid.top + option.grid.bottom + plot;
}

const hex = (c: string): [number, number, number] => {
  const h = c.length === 4 ? [...c.slice(1)].map((x) => x + x).join('') : c.slice(1);
  return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
};

/** The colour at `t` (0–1) along evenly spaced stops, mixed in RGB as ECharts' visualMap does. */
export function rampColour(stops: readonly string[], t: number): string {
  const x = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)) * (stops.length - 1);
  const i = Math.min(stops.length - 2, Math.floor(x));
  const [a, b] = [hex(stops[i]!), hex(stops[i + 1]!)];
  return `#${a.map((v, k) => Math.round(v + (b[k]! - v) * (x - i)).toString(16).padStart(2, '0')).join('')}`;
}

/** WCAG 2 relative luminance of a #rgb or #rrggbb colour. */
const luminance = (c: string) => {
  const [r, g, b] = hex(c).map((v) => v / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
};

/** The text colour readable on a cell of colour `bg`: white on dark cells, near-black on light ones. */
export function labelColourOn(bg: string): '#ffffff' | '#111111' {
  const l = luminance(bg);
  return 1.05 / (l + 0.05) > (l + 0.05) / (luminance('#111111') + 0.05) ? '#ffffff' : '#111111';
}

type AxisParam = { axisValue?: string; name?: string; seriesName?: string; value: unknown; marker?: string };
/** Tooltip of bars by category: the category's full name, then each series' share (names escaped). */
const barTooltip = (params: AxisParam | AxisParam[]) => {
  const list = Array.isArray(params) ? params : [params];
  const head = `<strong>${esc(list[0]?.axisValue ?? list[0]?.name)}</strong>`;
  return [head, ...list.map((x) => `${x.marker ?? ''}${esc(x.seriesName)}: ${pct(typeof x.value === 'number' ? x.value : null)}`)].join('<br>');
};

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
  const cell = ([x, y, v]: [number, number, number | null]) =>
    v === null ? { value: [x, y, '-'] } : { value: [x, y, v], label: { color: labelColourOn(rampColour(DIVERGING, (v + 1) / 2)) } };
  return {
    ...base,
    tooltip: { formatter: (x: { value: [number, number, number | null] }) => `${esc(names[x.value[0]])} × ${esc(names[x.value[1]])}: κ = ${x.value[2] ?? 'undefined'}` },
    grid: { left: 110, right: 80, top: 10, bottom: 90 },
    xAxis: { type: 'category', data: names, axisLabel: { interval: 0, rotate: 40, width: 90, overflow: 'truncate' }, splitArea: { show: true } },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { interval: 0, width: 100, overflow: 'truncate' }, splitArea: { show: true } },
    // Each end named once: a draggable (calculable) scale would print its ends again beside its handles.
    visualMap: { min: -1, max: 1, calculable: false, orient: 'vertical', right: 0, top: 'middle', itemHeight: 120, inRange: { color: DIVERGING }, text: ['κ = 1', 'κ = −1'] },
    series: [{ type: 'heatmap', data: data.map(cell), label: { show: names.length <= 12, formatter: (x: { value: [number, number, number | string] }) => String(x.value[2]) } }],
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
    // Each count in the colour that reads on its own cell (the darkest blues need white).
    series: [{ type: 'heatmap', data: data.map((value) => ({ value, label: { color: labelColourOn(rampColour(SEQUENTIAL, value[2] / Math.max(1, max))) } })), label: { show: true, fontWeight: 'bold' } }],
  };
}

type Source = { name: string; kind: 'human' | 'llm'; certainty: NonNullable<ReportJson['annotators'][number]['certainty']> };

export function certaintySources(r: ReportJson): Source[] {
  return r.annotators.filter((a) => a.certainty && a.certainty.thresholds.length > 0).map((a) => ({ name: a.annotator, kind: a.kind, certainty: a.certainty! }));
}

/** Accuracy of the labels at or above each certainty threshold, against the share of labels kept (coverage). */
const seriesName = (s: Source) => `${s.name}${s.kind === 'llm' ? ' (judge)' : ''}`;

export function coverageCurve(sources: Source[]) {
  const { legend, rows } = legendBelow(sources.map(seriesName));
  return {
    ...base,
    tooltip: { trigger: 'item', formatter: (x: { seriesName: string; value: [number, number] }) => `${esc(x.seriesName)}: ${pct(x.value[1])} accurate keeping ${pct(x.value[0])}` },
    legend,
    grid: { left: 55, right: 20, top: 15, bottom: 48 + 22 * rows },
    xAxis: { type: 'value', name: 'coverage (share of labels kept)', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
    yAxis: { type: 'value', name: 'accuracy', min: 0, max: 1 },
    series: sources.map((s) => ({
      name: seriesName(s),
      type: 'line',
      symbol: s.kind === 'llm' ? 'triangle' : 'circle',
      lineStyle: { type: s.kind === 'llm' ? 'dashed' : 'solid', width: 2 },
      data: s.certainty.thresholds.filter((t) => t.accuracy !== null).map((t) => [t.coverage, t.accuracy]),
    })),
  };
}

/** Reliability diagram: accuracy per certainty bin against the bin's mean certainty (0–1); the diagonal is perfect. */
export function reliability(sources: Source[]) {
  const { legend, rows } = legendBelow(['perfectly calibrated', ...sources.map(seriesName)]);
  return {
    ...base,
    tooltip: { trigger: 'item', formatter: (x: { seriesName: string; value: [number, number, number] }) => `${esc(x.seriesName)}: said ${pct(x.value[0])}, right ${pct(x.value[1])} (${x.value[2]} labels)` },
    legend,
    grid: { left: 55, right: 20, top: 15, bottom: 48 + 22 * rows },
    xAxis: { type: 'value', name: 'certainty (scaled 0–1)', nameLocation: 'middle', nameGap: 28, min: 0, max: 1 },
    yAxis: { type: 'value', name: 'accuracy', min: 0, max: 1 },
    series: [
      { name: 'perfectly calibrated', type: 'line', data: [[0, 0], [1, 1]], symbol: 'none', lineStyle: { color: '#999', type: 'dotted' }, color: '#999' },
      ...sources.map((s) => ({
        name: seriesName(s),
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
  const names = js.map((j) => j.annotator);
  const { axisLabel, height } = barAxisLabel(names);
  return {
    ...base,
    tooltip: { trigger: 'axis', formatter: barTooltip },
    legend: { bottom: 0 },
    grid: { left: 55, right: 20, top: 15, bottom: height + 36 },
    xAxis: { type: 'category', data: names, axisLabel },
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
/** The sources with decided labels to show length bias for: the humans first, then each judge. */
export function lengthBiasRows(r: ReportJson): Array<{ name: string; human: boolean; v: number; n: number }> {
  const of = (name: string, human: boolean, b: LengthBiasJson | null) => (b && b.n > 0 && b.prefer_longer !== null ? [{ name, human, v: b.prefer_longer, n: b.n }] : []);
  return [...of('humans', true, r.humans.length_bias), ...r.judges.flatMap((j) => of(j.annotator, false, j.length_bias))];
}

export function lengthBias(r: ReportJson) {
  const rows = lengthBiasRows(r);
  const { axisLabel, height } = barAxisLabel(rows.map((x) => x.name));
  return {
    ...base,
    tooltip: { trigger: 'axis', formatter: barTooltip },
    grid: { left: 55, right: 20, top: 30, bottom: height + 16 },
    xAxis: { type: 'category', data: rows.map((x) => x.name), axisLabel },
    yAxis: { type: 'value', min: 0, max: 1, name: 'prefers the longer answer', axisLabel: { formatter: (v: number) => pct(v) } },
    series: [
      {
        name: 'prefers the longer answer',
        type: 'bar',
        data: rows.map((x) => ({ value: x.v, itemStyle: { color: x.human ? OKABE_ITO[0] : OKABE_ITO[1] } })),
        markLine: { silent: true, symbol: 'none', data: [{ yAxis: 0.5 }], lineStyle: { color: '#555', type: 'dashed' }, label: { formatter: 'no bias', position: 'insideEndTop' } },
      },
    ],
  };
}

/**
 * Which plots the report has something to draw in: a plot with no data is left out rather than drawn empty, and
 * when none is left the page says when they will appear.
 */
export function plotsToShow(r: ReportJson) {
  const shown = {
    kappa: r.humans.pairs.length > 0,
    confusion: r.judges.filter((j) => j.vs_majority.n > 0).map((j) => j.annotator),
    certainty: certaintySources(r).length > 0,
    position: r.judges.some((j) => j.swap && j.swap.items > 0),
    length: lengthBiasRows(r).length > 0,
  };
  return { ...shown, any: shown.kappa || shown.confusion.length > 0 || shown.certainty || shown.position || shown.length };
}
