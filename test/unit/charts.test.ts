/**
 * The report's plot options (client/src/dashboard/charts/options.ts) are pure: built here from report JSON and
 * checked for what a researcher would see in the drawn chart.
 */
import type { ComparisonJson, ReportJson } from '../../shared/stats/report/json';
import { certaintySources, confusionHeatmap, coverageCurve, kappaHeatmap, lengthBias, positionBias, reliability } from '../../client/src/dashboard/charts/options';

// Cast: only the fields the plots read are filled in, so the report's other fields may grow without this file.
const comparison = (matrix: number[][], classes: string[] = ['A', 'B', 'tie']): ComparisonJson => ({
  n: matrix.flat().reduce((a, b) => a + b, 0),
  accuracy: 0.5,
  accuracy_without_ties: 0.5,
  cohen_kappa: 0.2,
  macro_precision: 0.5,
  macro_recall: 0.5,
  macro_f1: 0.5,
  confusion: { classes, matrix },
  ci95: { accuracy: [0.4, 0.6], cohen_kappa: [0.1, 0.3] },
}) as unknown as ComparisonJson;

const certainty = (k: number) => ({
  thresholds: [0, 50, 90].map((min, i) => ({ min, n: 10 - i, coverage: 1 - i * 0.3, accuracy: 0.6 + k * 0.01 + i * 0.1 })),
  bins: [{ min: 0, max: 0.5, n: 4, confidence: 0.3, accuracy: 0.4 }, { min: 0.5, max: 1, n: 6, confidence: 0.8, accuracy: 0.7 }],
  ece: 0.1,
  brier: 0.2,
});

function makeReport(judgeNames: string[], humans = ['h1', 'h2']): ReportJson {
  return ({
    project: { id: '1', type: 'pairwise', items: 10, labels: { human: 20, llm: 20 } },
    humans: {
      annotators: humans.length,
      percent_agreement: 0.7,
      fleiss_kappa: 0.4,
      krippendorff_alpha: { nominal: 0.4 },
      gwet_ac1: 0.5,
      pairs: humans.flatMap((a, i) => humans.slice(i + 1).map((b) => ({ a, b, n: 10, percent_agreement: 0.7, cohen_kappa: 0.4 }))),
      majority: { items: 10, tied: 0, counts: [] },
      length_bias: { n: 10, prefer_longer: 0.6 },
    },
    judges: judgeNames.map((annotator, i) => ({
      annotator,
      vs_majority: comparison([[5, 1, 0], [1, 3, 0], [0, 0, 0]]),
      vs_gold: null,
      swap: { items: 10, consistency: 0.8 - i * 0.05, first_position_rate: 0.55, net: { accuracy: 0.7 }, strict: { accuracy: 0.6 } },
      certainty: certainty(i),
      length_bias: { n: 10, prefer_longer: 0.7 },
      invalid: 0,
    })),
    annotators: [...humans, ...judgeNames].map((annotator, i) => ({
      annotator,
      kind: humans.includes(annotator) ? ('human' as const) : ('llm' as const),
      labels: 10,
      gold_accuracy: null,
      majority_agreement: 0.7,
      median_seconds: 3,
      certainty: certainty(i),
    })),
  }) as unknown as ReportJson;
}

/** WCAG 2 contrast ratio of two #rgb or #rrggbb colours. */
function contrast(a: string, b: string): number {
  const lum = (short: string) => {
    const hex = short.length === 4 ? `#${[...short.slice(1)].map((c) => c + c).join('')}` : short;
    const [r, g, bl] = [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16) / 255).map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4));
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p);
  return (x! + 0.05) / (y! + 0.05);
}

const JUDGES = ['gpt-4o-2024-08-06', 'claude-3-5-sonnet-20241022', 'llama-3.1-70b-instruct', 'mistral-large-2411', 'qwen2.5-72b-instruct', 'gemini-1.5-pro-002'];

describe('bar charts of judges (position bias, length bias)', () => {
  test.each([
    ['position bias', () => positionBias(makeReport(JUDGES))],
    ['length bias', () => lengthBias(makeReport(JUDGES))],
  ])('%s labels every bar (none hidden), fitted by rotating or wrapping, and the tooltip names the judge in full', (_, build) => {
    const o = build() as any;
    expect(o.xAxis.axisLabel.interval).toBe(0);
    expect(o.xAxis.axisLabel.rotate || o.xAxis.axisLabel.overflow === 'break').toBeTruthy();
    expect(o.xAxis.axisLabel.width).toBeGreaterThan(0);
    const long = JUDGES[1]!;
    const html = o.tooltip.formatter([{ axisValue: long, name: long, seriesName: 'consistency under swap', value: 0.75, marker: '' }]);
    expect(html).toContain(long);
    expect(html).toContain('75%');
  });

  test('the tooltip of a bar escapes a judge name that holds HTML', () => {
    const evil = '<img src=x onerror=alert(1)>';
    const o = positionBias(makeReport([evil])) as any;
    const html = o.tooltip.formatter([{ axisValue: evil, name: evil, seriesName: 'first-position rate', value: 0.5, marker: '' }]);
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img');
  });

  test('two short names sit side by side unrotated', () => {
    const o = positionBias(makeReport(['j1', 'j2'])) as any;
    expect(o.xAxis.axisLabel.interval).toBe(0);
    expect(o.xAxis.axisLabel.rotate ?? 0).toBe(0);
  });

  test('length bias leaves out a source with no decided labels instead of drawing an empty bar', () => {
    const r = makeReport(['j1']);
    r.humans.length_bias = { n: 0, prefer_longer: null };
    expect((lengthBias(r) as any).xAxis.data).toEqual(['j1']);
  });
});

describe('kappa heatmap', () => {
  test('the colour scale names each end once (no duplicated 1 and −1)', () => {
    const v = (kappaHeatmap(makeReport([], ['h1', 'h2', 'h3'])) as any).visualMap;
    const endLabels = [...(v.calculable ? ['handle max', 'handle min'] : []), ...((v.text as string[] | undefined) ?? [])];
    expect(endLabels).toHaveLength(2);
    expect(endLabels.join(' ')).toMatch(/κ/);
  });

  test('every annotator is named on both axes, none skipped', () => {
    const names = Array.from({ length: 14 }, (_, i) => `annotator-${String(i).padStart(2, '0')}`);
    const o = kappaHeatmap(makeReport([], names)) as any;
    expect(o.xAxis.axisLabel.interval).toBe(0);
    expect(o.yAxis.axisLabel.interval).toBe(0);
  });
});

describe('confusion heatmap', () => {
  test('the count on the darkest cell is drawn in a colour readable on it, and on the palest cell too', () => {
    const o = confusionHeatmap(comparison([[40, 1, 0], [2, 30, 0], [0, 0, 0]]), 'judge') as any;
    const series = o.series[0];
    const colourOf = (d: any) => d.label?.color ?? series.label.color;
    const cell = (x: number, y: number) => series.data.find((d: any) => (d.value ?? d)[0] === x && (d.value ?? d)[1] === y);
    const ramp: string[] = o.visualMap.inRange.color;
    expect(contrast(colourOf(cell(0, 0)), ramp[ramp.length - 1]!)).toBeGreaterThanOrEqual(4.5); // 40 of 40: the darkest colour
    expect(contrast(colourOf(cell(2, 2)), ramp[0]!)).toBeGreaterThanOrEqual(4.5); // 0: the palest
  });
});

describe('legends of the certainty plots', () => {
  test.each([
    ['coverage curve', coverageCurve],
    ['reliability diagram', reliability],
  ])('%s lists a few series in full and pages only past twelve', (_, build) => {
    const few = build(certaintySources(makeReport(['j1', 'j2', 'j3'], ['h1', 'h2']))) as any;
    expect(few.legend.type ?? 'plain').toBe('plain');
    const many = build(certaintySources(makeReport(Array.from({ length: 12 }, (_, i) => `judge-${i}`), ['h1', 'h2']))) as any;
    expect(many.legend.type).toBe('scroll');
  });

  test('a legend that wraps to more rows gets room below the plot', () => {
    const one = coverageCurve(certaintySources(makeReport(['j1'], ['h1']))) as any;
    const longNames = Array.from({ length: 8 }, (_, i) => `a-rather-long-judge-name-${i}`);
    const several = coverageCurve(certaintySources(makeReport(longNames, ['h1']))) as any;
    expect(several.grid.bottom).toBeGreaterThan(one.grid.bottom);
  });
});
