/**
 * The report tab's trust sections (issue 10) in the browser app: the request the controls make
 * (client/src/dashboard/report/query.ts), how the numbers read and the tables built from the report JSON
 * (report/format.ts), and the plots' options (charts/trust.ts). Pure, so checked here without a browser.
 */
import type { ComparisonJson, ComparisonTestJson, ReportJson, SelectiveJson, SliceGroupJson } from '../../shared/stats/report/json';
import { certifiedCurve, competenceBars, SPAMMER_COLOUR, sliceHeatmap } from '../../client/src/dashboard/charts/trust';
import { competenceRows, formatP, points, significant, sliceLabel, sliceMatrix } from '../../client/src/dashboard/report/format';
import { debounce, defaultControls, reportPath } from '../../client/src/dashboard/report/query';

// Casts: only the fields the sections read are filled in.
const cmp = (accuracy: number | null, n: number) => ({ accuracy, n }) as ComparisonJson;
const judge = (annotator: string, majority: ComparisonJson, gold: ComparisonJson | null = null) => ({ annotator, vs_majority: majority, vs_gold: gold });
const group = (value: SliceGroupJson['value'], judges: ReturnType<typeof judge>[]): SliceGroupJson =>
  ({ value, items: 5, humans: { annotators: 3, percent_agreement: 0.8, krippendorff_alpha: { nominal: 0.6 } }, judges, annotators: [] }) as unknown as SliceGroupJson;

describe('report controls as a request', () => {
  test('the report opens with the project method and the test defaults, no slicing', () => {
    expect(reportPath(7, defaultControls('mace'))).toBe('/api/projects/7/report?method=mace&epsilon=0.2&target=0.9&delta=0.1&min_items=30');
  });

  test('a slicing key is sent encoded, and an emptied number input is left to the server default', () => {
    const c = { ...defaultControls('majority'), by: 'topic & sub', target: null, delta: Number.NaN };
    const url = new URL(reportPath(1, c), 'http://x');
    expect(url.searchParams.get('by')).toBe('topic & sub');
    expect(url.searchParams.has('target')).toBe(false);
    expect(url.searchParams.has('delta')).toBe(false);
    expect(url.searchParams.get('epsilon')).toBe('0.2');
  });

  test('typing several characters in quick succession makes one request, and a cancelled one makes none', () => {
    jest.useFakeTimers();
    try {
      const fn = jest.fn();
      const d = debounce(fn, 300);
      d();
      jest.advanceTimersByTime(200);
      d();
      jest.advanceTimersByTime(200);
      expect(fn).not.toHaveBeenCalled();
      jest.advanceTimersByTime(100);
      expect(fn).toHaveBeenCalledTimes(1);
      d();
      d.cancel();
      jest.advanceTimersByTime(1000);
      expect(fn).toHaveBeenCalledTimes(1);
    } finally {
      jest.useRealTimers();
    }
  });
});

describe('report numbers as text', () => {
  test('p-values: three decimals, scientific below 0.001, a dash when undefined', () => {
    expect(formatP(0.0123)).toBe('0.012');
    expect(formatP(1)).toBe('1.000');
    expect(formatP(0.0000234)).toBe('2.3e−5');
    expect(formatP(0)).toBe('0.000');
    expect(formatP(null)).toBe('—');
  });

  test('a difference in percentage points carries its sign, and a rounded zero is not negative', () => {
    expect(points(-0.034)).toBe('−3.4');
    expect(points(0.125)).toBe('+12.5');
    expect(points(-0.0001)).toBe('+0.0');
    expect(points(null)).toBe('—');
  });

  test('a comparison is significant strictly below 0.05, never when p is undefined', () => {
    const c = (p: number | null) => ({ mcnemar_p: p }) as ComparisonTestJson;
    expect(significant(c(0.0499))).toBe(true);
    expect(significant(c(0.05))).toBe(false);
    expect(significant(c(null))).toBe(false);
  });
});

describe('competence and slices from the report JSON', () => {
  const annotators = [
    { annotator: 'h2', kind: 'human', competence: 0.9, spammer: false },
    { annotator: 'careless', kind: 'human', competence: 0.2, spammer: true },
    { annotator: 'h1', kind: 'human', competence: 0.95, spammer: false },
    { annotator: 'judge', kind: 'llm', competence: null, spammer: null },
  ];

  test('the competence bars list humans only, most competent first, spammers flagged', () => {
    const rows = competenceRows({ annotators } as unknown as ReportJson);
    expect(rows.map((r) => [r.annotator, r.spammer])).toEqual([['h1', false], ['h2', false], ['careless', true]]);
  });

  test("a spammer's bar is vermillion and labelled in words; only MACE draws its 0.5 line", () => {
    const rows = competenceRows({ annotators } as unknown as ReportJson);
    const mace = competenceBars(rows, 'mace') as any;
    const bar = mace.series[0].data[2];
    expect(bar.itemStyle.color).toBe(SPAMMER_COLOUR);
    expect(bar.label).toMatchObject({ show: true, formatter: 'spammer' });
    expect(mace.series[0].data[0].label.show).toBe(false);
    expect(mace.series[0].markLine.data).toEqual([{ yAxis: 0.5 }]);
    expect((competenceBars(rows, 'dawid-skene') as any).series[0].markLine).toBeUndefined();
  });

  test('a slice cell is against gold where the slice has gold, else the majority; a judge absent from a slice has no cell', () => {
    const r = {
      judges: [{ annotator: 'j1' }, { annotator: 'j2' }],
      slices: {
        by: 'category',
        groups: [
          group('math', [judge('j1', cmp(0.5, 10), cmp(0.75, 8)), judge('j2', cmp(0.6, 10))]),
          group(null, [judge('j1', cmp(0.4, 5), cmp(null, 0))]),
        ],
      },
    } as unknown as ReportJson;
    const m = sliceMatrix(r)!;
    expect(m.columns.map((c) => c.label)).toEqual(['math', '(no value)']);
    expect(m.judges[0]!.cells).toEqual([{ accuracy: 0.75, n: 8, reference: 'gold' }, { accuracy: 0.4, n: 5, reference: 'majority' }]);
    expect(m.judges[1]!.cells).toEqual([{ accuracy: 0.6, n: 10, reference: 'majority' }, null]);
    expect(m.humans[0]).toEqual({ agreement: 0.8, alpha: 0.6, annotators: 3 });
    expect(sliceMatrix({ ...r, slices: null })).toBeNull();
    expect(sliceLabel(false)).toBe('false');
  });

  test('heatmap labels read on their cells (white on dark blue, near-black on pale) and tooltips escape names', () => {
    const r = {
      judges: [{ annotator: '<img src=x>' }],
      slices: { by: 'cat', groups: [group('a', [judge('<img src=x>', cmp(1, 4))]), group('b', [judge('<img src=x>', cmp(0.05, 4))])] },
    } as unknown as ReportJson;
    const o = sliceHeatmap(sliceMatrix(r)!) as any;
    const [dark, pale] = o.series[0].data;
    expect(dark.label.color).toBe('#ffffff');
    expect(pale.label.color).toBe('#111111');
    expect(o.series[0].label.formatter({ value: dark.value, data: dark })).toBe('100%\nn 4');
    const tip = o.tooltip.formatter({ value: [0, 0, 1], data: { n: 4 } });
    expect(tip).not.toContain('<img');
    expect(tip).toContain('&lt;img');
  });
});

describe('certified threshold on the coverage curve', () => {
  const certainty = { thresholds: [{ min: 90, n: 40, coverage: 0.4, accuracy: 0.97 }, { min: 50, n: 100, coverage: 1, accuracy: 0.8 }], bins: [], ece: 0.1, brier: 0.1 };
  const selective = (threshold: number | null, coverage: number | null): SelectiveJson => ({ target: 0.9, delta: 0.1, min_items: 30, threshold, calibration_items: 100, coverage, agreement: coverage === null ? null : 0.95, steps: [] });

  test('a certified judge gets a vertical line and a dot at its coverage, and the target as a horizontal line', () => {
    const o = certifiedCurve('j', certainty, selective(90, 0.4)) as any;
    expect(o.series[0].data).toEqual([[0.4, 0.97], [1, 0.8]]);
    expect(o.series[0].markLine.data.map((d: any) => d.yAxis ?? `x${d.xAxis}`)).toEqual([0.9, 'x0.4']);
    expect(o.series[1].data).toEqual([[0.4, 0.95]]);
  });

  test('with none certified only the target is drawn', () => {
    const o = certifiedCurve('j', certainty, selective(null, null)) as any;
    expect(o.series).toHaveLength(1);
    expect(o.series[0].markLine.data).toEqual([expect.objectContaining({ yAxis: 0.9 })]);
  });
});
