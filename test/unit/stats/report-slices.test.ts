import { buildReport } from '../../../shared/stats/report';
import type { ReportInput, ReportItem, ReportLabel } from '../../../shared/stats/report/input';
import { mulberry32 } from '../../../shared/stats/random';

const VERDICTS = ['A', 'B', 'tie'] as const;
const CATEGORY: unknown[] = ['math', 'code', undefined, { k: 1 }, 'math', 7];

/**
 * A pairwise project with everything the sections read: gold on every third item, answers of varied length, three
 * humans (one skips items), a judge run in both orders with certainty and invalid outputs, a judge run once.
 */
function project(): ReportInput {
  const rng = mulberry32(11);
  const pick = () => VERDICTS[Math.floor(rng() * 3)]!;
  const items: ReportItem[] = [];
  const labels: ReportLabel[] = [];
  for (let u = 0; u < 60; u++) {
    const truth = pick();
    const category = CATEGORY[u % CATEGORY.length];
    items.push({
      id: `i${u}`,
      gold: u % 3 === 0 ? truth : null,
      answer_a: 'a'.repeat(20 + ((u * 37) % 90)),
      answer_b: 'b'.repeat(60),
      meta: category === undefined ? { other: 1 } : { category },
    });
    const say = (p: number) => (rng() < p ? truth : pick());
    for (const h of ['h0', 'h1', 'h2']) if (!(h === 'h2' && u % 4 === 1)) labels.push({ item: `i${u}`, annotator: h, value: say(0.7), seconds: 5 + (u % 7) });
    labels.push(
      { item: `i${u}`, annotator: 'swap', value: u % 9 === 4 ? null : say(0.8), order: 'AB', certainty: 50 + (u % 5) * 10 },
      { item: `i${u}`, annotator: 'swap', value: say(0.8), order: 'BA', certainty: 50 + (u % 3) * 20 },
      { item: `i${u}`, annotator: 'once', value: say(0.6) },
    );
  }
  // Another object with the same JSON text falls in the same group.
  items[9]!.meta = { category: { k: 1 } };
  return {
    project: { id: 'p', type: 'pairwise', certainty: { min: 1, max: 100 } },
    items,
    annotators: [
      { id: 'h0', name: 'h0', kind: 'human' },
      { id: 'h1', name: 'h1', kind: 'human' },
      { id: 'h2', name: 'h2', kind: 'human' },
      { id: 'swap', name: 'swap', kind: 'llm' },
      { id: 'once', name: 'once', kind: 'llm' },
    ],
    labels,
  };
}

/** The category value as the report names it. */
const valueOf = (it: ReportItem): string | number | boolean | null => {
  const v = it.meta?.['category'];
  return v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : (v as string | number);
};

describe('report slices', () => {
  const input = project();
  const sliced = buildReport({ ...input, options: { by: 'category', resamples: 200 } });

  it('are null unless asked for', () => {
    expect(buildReport({ ...input, options: { resamples: 0 } }).slices).toBeNull();
  });

  it('make one group per value, in the order values first appear, items without the key last', () => {
    expect(sliced.slices!.by).toBe('category');
    expect(sliced.slices!.groups.map((g) => [g.value, g.items])).toEqual([
      ['math', 20],
      ['code', 10],
      ['{"k":1}', 10],
      [7, 10],
      [null, 10],
    ]);
  });

  it("give each group exactly the sections of a report built from that group's items and labels alone", () => {
    for (const g of sliced.slices!.groups) {
      const items = input.items.filter((it) => valueOf(it) === g.value);
      const ids = new Set(items.map((it) => it.id));
      const alone = buildReport({ ...input, items, labels: input.labels.filter((l) => ids.has(l.item)), options: { resamples: 200 } });
      expect(g.items).toBe(alone.project.items);
      expect(g.humans).toEqual(alone.humans);
      expect(g.judges).toEqual(alone.judges);
      expect(g.annotators).toEqual(alone.annotators);
    }
  });

  it('leave the whole-project sections as they are without slicing', () => {
    const whole = buildReport({ ...input, options: { resamples: 200 } });
    expect({ ...sliced, slices: null }).toEqual(whole);
  });

  it('put every item in the null group when no item has the key', () => {
    expect(buildReport({ ...input, items: input.items.map(({ meta: _m, ...it }) => it), options: { by: 'category', resamples: 0 } }).slices!.groups.map((g) => g.value)).toEqual([null]);
  });
});
