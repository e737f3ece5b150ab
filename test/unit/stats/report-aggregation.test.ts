import { AGGREGATION_METHODS } from '../../../shared/constants';
import { buildReport } from '../../../shared/stats/report';
import { fitCrowd } from '../../../shared/stats/crowd';
import { crowdVotes } from '../../../shared/stats/crowd/votes';
import { toColumns, type ReportInput, type ReportLabel } from '../../../shared/stats/report/input';
import { mulberry32 } from '../../../shared/stats/random';

/**
 * A careful annotator (always right) and two careless ones (uniformly random, independently) on 90 items of three
 * classes, a third of them gold. Where the careless two happen to agree against the careful one, the plurality
 * sides with them; a model of each annotator's reliability, told the gold answers, sides with the careful one.
 */
function crowd(withJudge = false): { input: ReportInput; truth: string[]; careless: string[][] } {
  const rng = mulberry32(3);
  const classes = ['a', 'b', 'c'];
  const pick = () => classes[Math.floor(rng() * 3)]!;
  const truth = Array.from({ length: 90 }, pick);
  const careless = [truth.map(pick), truth.map(pick)];
  const labels: ReportLabel[] = truth.flatMap((t, u) => [
    { item: `i${u}`, annotator: 'careful', value: t },
    { item: `i${u}`, annotator: 'x', value: careless[0]![u]! },
    { item: `i${u}`, annotator: 'y', value: careless[1]![u]! },
    ...(withJudge ? [{ item: `i${u}`, annotator: 'judge', value: careless[0]![u]! }] : []),
  ]);
  const input: ReportInput = {
    project: { id: 'p', type: 'choice', options: classes },
    items: truth.map((t, u) => ({ id: `i${u}`, gold: u % 3 === 0 ? t : null })),
    annotators: [
      { id: 'careful', name: 'careful', kind: 'human' },
      { id: 'x', name: 'x', kind: 'human' },
      { id: 'y', name: 'y', kind: 'human' },
      ...(withJudge ? [{ id: 'judge', name: 'judge', kind: 'llm' as const }] : []),
    ],
    labels,
  };
  return { input, truth, careless };
}

describe('report aggregation', () => {
  const { input, truth, careless } = crowd();
  const outvoted = truth.map((_, u) => u).filter((u) => careless[0]![u] === careless[1]![u] && careless[0]![u] !== truth[u]);
  const consensus = (method: (typeof AGGREGATION_METHODS)[number]): (string | number | null)[] => {
    const columns = toColumns({ ...input, options: { method } });
    // The fit the report makes: the human votes alone, gold items as controls.
    const fit = fitCrowd(method, crowdVotes(columns, { includeLlm: false }));
    return Array.from(fit.label, (k) => (k < 0 ? null : columns.categories[k]!));
  };

  it('lets the two careless annotators outvote the careful one under majority', () => {
    expect(outvoted.length).toBeGreaterThan(5);
    const labels = consensus('majority');
    for (const u of outvoted) expect(labels[u]).toBe(careless[0]![u]);
  });

  it.each(['dawid-skene', 'mace'] as const)('sides with the careful annotator everywhere under %s', (method) => {
    expect(consensus(method)).toEqual(truth);
  });

  it('reports the method, the items with a consensus and the spammers', () => {
    const majority = buildReport({ ...input, options: { resamples: 0 } });
    // Majority: an item whose three labels all differ has no consensus.
    const allDiffer = truth.filter((t, u) => t !== careless[0]![u] && t !== careless[1]![u] && careless[0]![u] !== careless[1]![u]).length;
    expect(majority.aggregation).toEqual({ method: 'majority', items: 90 - allDiffer, spammers: 0 });
    for (const method of ['dawid-skene', 'mace'] as const) {
      const r = buildReport({ ...input, options: { method, resamples: 0 } });
      expect(r.aggregation).toEqual({ method, items: 90, spammers: 2 });
    }
  });

  it("gives each human the model's competence and spammer flag, none under majority", () => {
    const majority = buildReport({ ...input, options: { resamples: 0 } });
    expect(majority.annotators.map((a) => [a.competence, a.spammer])).toEqual([[null, null], [null, null], [null, null]]);
    for (const method of ['dawid-skene', 'mace'] as const) {
      const [careful, x, y] = buildReport({ ...input, options: { method, resamples: 0 } }).annotators;
      expect(careful!.competence!).toBeGreaterThan(0.9);
      expect(x!.competence!).toBeLessThan(0.5);
      expect(y!.competence!).toBeLessThan(0.5);
      expect([careful!.spammer, x!.spammer, y!.spammer]).toEqual([false, true, true]);
    }
  });

  it('leaves judges out of the fit: a judge that sides with the careless does not change it', () => {
    const withJudge = crowd(true).input;
    for (const method of AGGREGATION_METHODS) {
      const without = buildReport({ ...input, options: { method, resamples: 0 } });
      const r = buildReport({ ...withJudge, options: { method, resamples: 0 } });
      expect(r.aggregation).toEqual(without.aggregation);
      // Equal up to MACE's random restarts, whose starting draws run over every annotator index, the judge's too.
      const round = (x: number | null) => (x === null ? null : x.toFixed(4));
      expect(r.annotators.slice(0, 3).map((a) => round(a.competence))).toEqual(without.annotators.map((a) => round(a.competence)));
      expect(r.annotators[3]).toMatchObject({ kind: 'llm', competence: null, spammer: null });
    }
  });

  it("keeps the plurality's meaning in humans.majority and vs_majority under every method", () => {
    const base = buildReport({ ...crowd(true).input, options: { resamples: 0 } });
    for (const method of ['dawid-skene', 'mace'] as const) {
      const r = buildReport({ ...crowd(true).input, options: { method, resamples: 0 } });
      expect(r.humans).toEqual(base.humans);
      expect(r.judges).toEqual(base.judges);
    }
  });

  it("carries the whole project's competence into every slice", () => {
    const sliced = { ...input, items: input.items.map((it, u) => ({ ...it, meta: { half: u < 45 ? 'first' : 'second' } })) };
    const r = buildReport({ ...sliced, options: { method: 'mace', by: 'half', resamples: 0 } });
    for (const g of r.slices!.groups) expect(g.annotators.map((a) => a.competence)).toEqual(r.annotators.map((a) => a.competence));
  });
});
