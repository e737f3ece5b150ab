/**
 * The report of a ranking project (issue 11): the pairwise report of its decomposition into answer pairs
 * (./ranking-pairs.ts), with the counts a person reads as rankings put back (`project.items` and `labels`, each
 * annotator's `labels`, a judge's `invalid` count rankings, not pairs), `project.answer_pairs`, and the statistics of
 * whole rankings (./ranking-stats.ts): `humans.kendall_w` / `kendall_w_items` and each judge's `ranking`, on the
 * whole project and on each slice.
 */
import { RANKING_STRIDE, NO_PERMUTATION, type RankingColumns, type ReportColumns } from './input';
import type { ReportJson } from './json';
import { decompose, ranksFor } from './ranking-pairs';
import { rankingInput, rankingStats, type RankingInput, type RankingStats } from './ranking-stats';

/** The report of a ranking project; `build` is the report of pairwise columns (./index.ts). */
export function rankingReport(input: ReportColumns, build: (columns: ReportColumns) => ReportJson): ReportJson {
  const ranking = input.ranking ?? noAnswers(input);
  const d = decompose(input, ranking);
  const report = build(d.columns);
  const r = rankingInput(input, ranking, d.codes);
  const slice = input.items.slice;
  const nGroups = slice && report.slices ? slice.values.length : 1;
  const nAnn = input.annotators.length;
  const whole = realCounts(r, null, 1);
  const counts = slice && report.slices ? realCounts(r, slice.group, nGroups) : whole;
  let human = 0;
  for (let a = 0; a < nAnn; a++) if (input.annotators[a]!.kind === 'human') human += whole.labels[a]!;
  const out: ReportJson = {
    ...report,
    project: { ...report.project, type: input.project.type, items: input.items.n, labels: { human, llm: input.labels.n - human }, answer_pairs: d.columns.items.n },
    ...withRankings(report, rankingStats(r, null), whole, 0, nAnn),
  };
  if (report.slices && slice) {
    const itemsOf = groupItems(slice.group, input.items.n, nGroups);
    out.slices = {
      by: report.slices.by,
      groups: report.slices.groups.map((g) => {
        const k = slice.values.indexOf(g.value);
        return { ...g, items: itemsOf[k]!.length, ...withRankings(g, rankingStats(r, itemsOf[k]!), counts, k, nAnn) };
      }),
    };
  }
  return out;
}

/** The ranking columns of a project whose columns came without them: no item has a known answer count. */
function noAnswers(input: ReportColumns): RankingColumns {
  const permutation = new Uint8Array(input.labels.n * RANKING_STRIDE);
  for (let l = 0; l < input.labels.n; l++) permutation[l * RANKING_STRIDE] = NO_PERMUTATION;
  return { answers: new Uint8Array(input.items.n), lengths: null, permutation };
}

/** Per group and annotator (at [g * annotators + a]): its ranking labels, and those that are no ranking of the item. */
interface RealCounts {
  labels: Int32Array;
  invalid: Int32Array;
}

function realCounts(r: RankingInput, group: Int32Array | null, nGroups: number): RealCounts {
  const L = r.columns.labels;
  const nAnn = r.columns.annotators.length;
  const labels = new Int32Array(nGroups * nAnn);
  const invalid = new Int32Array(nGroups * nAnn);
  for (let l = 0; l < L.n; l++) {
    const u = L.item[l]!;
    const at = (group ? group[u]! : 0) * nAnn + L.annotator[l]!;
    labels[at]!++;
    if (!ranksFor(r.codes, L.code[l]!, r.ranking.answers[u]!)) invalid[at]!++;
  }
  return { labels, invalid };
}

/** The items of each group, in item order. */
function groupItems(group: Int32Array, nItems: number, nGroups: number): Int32Array[] {
  const size = new Int32Array(nGroups);
  for (let u = 0; u < nItems; u++) size[group[u]!]!++;
  const out = Array.from({ length: nGroups }, (_, g) => new Int32Array(size[g]!));
  const fill = new Int32Array(nGroups);
  for (let u = 0; u < nItems; u++) out[group[u]!]![fill[group[u]!]!++] = u;
  return out;
}

type Sections = Pick<ReportJson, 'humans' | 'judges' | 'annotators'>;

/**
 * The humans, judges and annotators sections with the ranking statistics added and the counts of group `g` put back
 * in rankings. Judges and annotators are matched by name (the report names each annotator once).
 */
function withRankings(s: Sections, stats: RankingStats, counts: RealCounts, g: number, nAnn: number): Sections {
  const index = new Map<string, number>();
  // Annotator ids are unique in a report (label-columns.ts adds the kind to a name a human and a judge share).
  s.annotators.forEach((a, k) => index.set(a.annotator, k));
  const at = (name: string): number => g * nAnn + (index.get(name) ?? 0);
  return {
    humans: { ...s.humans, kendall_w: stats.kendallW, kendall_w_items: stats.kendallWItems },
    judges: s.judges.map((j) => {
      const a = index.get(j.annotator);
      const ranking = a === undefined ? undefined : stats.judges[a];
      return { ...j, invalid: counts.invalid[at(j.annotator)]!, ...(ranking ? { ranking } : {}) };
    }),
    annotators: s.annotators.map((a) => ({ ...a, labels: counts.labels[at(a.annotator)]! })),
  };
}
