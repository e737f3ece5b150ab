/**
 * The crowd model snapshot adaptive redundancy's `stop: "posterior"` reads (issue 13): the project's aggregation
 * (majority, Dawid–Skene or MACE) fitted in the report worker on the human votes it already holds, exactly as the
 * gold export's consensus fits it (crowdVotes, fitCrowd with seed 1), and reduced to the parameters an item's
 * posterior needs (shared/stats/crowd/posterior.ts). Judges' labels take no part: the rule counts human labels.
 */
import { fitCrowd } from '../../shared/stats/crowd';
import { modelOf, type PosteriorModelData } from '../../shared/stats/crowd/posterior';
import { crowdVotes } from '../../shared/stats/crowd/votes';
import type { Project } from '../../shared/views';
import type { ReportColumns } from '../../shared/stats/report/input';

/** `annotatorIds[a]`: the database id of the columns' annotator a. */
export function computePosteriorModel(project: Project, columns: ReportColumns, annotatorIds: readonly number[]): PosteriorModelData {
  const input = crowdVotes(columns, { includeLlm: false });
  const fit = fitCrowd(project.aggregation, input, { seed: 1 });
  return modelOf(fit, input, columns.categories, annotatorIds);
}
