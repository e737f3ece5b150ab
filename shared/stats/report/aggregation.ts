/**
 * The report's `aggregation` and each human's `competence` and `spammer`: the consensus model the report was asked
 * for (the project's `aggregation`, or `?method=`), fitted by ../crowd on the humans' votes alone (one vote per
 * human and item; gold items as controls, as MACE's `--controls`). Judges take no part: the report measures them
 * against the humans, so they must not shape the humans' consensus. Every other section keeps the plurality
 * (`humans.majority`, `vs_majority`): scripts read them with that meaning.
 */
import { DEFAULT_AGGREGATION } from '../../constants';
import { fitCrowd } from '../crowd';
import type { AggregationMethod, CrowdFit } from '../crowd/types';
import { crowdVotes } from '../crowd/votes';
import type { ReportColumns } from './input';
import { num, type N, type ReportJson } from './json';

/** What the annotators section reads of the fit: per annotator index, competence (null: none) and spammer flag. */
export interface Competences {
  competence: N[];
  spammer: (boolean | null)[];
}

/**
 * The fit of `options.method` (default majority) on the columns' human votes, with the report's summary of it.
 * Majority has no model to fit: its items are those with an untied plurality, which the report has already counted
 * (`humans.majority.items`, passed as `majorityItems`), and nobody has a competence (saves ~0.2 s on 1M votes).
 */
export function aggregationFor(input: ReportColumns, majorityItems: number): { json: ReportJson['aggregation']; competences: Competences } {
  const method: AggregationMethod = input.options?.method ?? DEFAULT_AGGREGATION;
  if (method === 'majority') {
    const none = input.annotators.map(() => null);
    return { json: { method, items: majorityItems, spammers: 0 }, competences: { competence: none, spammer: none } };
  }
  const fit = fitCrowd(method, crowdVotes(input, { includeLlm: false }), input.options?.seed === undefined ? {} : { seed: input.options.seed });
  let items = 0;
  for (let u = 0; u < fit.label.length; u++) if (fit.label[u]! >= 0) items++;
  const competences = competencesOf(input, fit, method);
  let spammers = 0;
  for (const s of competences.spammer) if (s) spammers++;
  return { json: { method, items, spammers }, competences };
}

/**
 * A human's competence and spammer flag under the fit; null under majority (which has no model of the annotator),
 * for a judge (not in the fit) and for a human with no vote (NaN competence).
 */
function competencesOf(input: ReportColumns, fit: CrowdFit, method: AggregationMethod): Competences {
  const competence: N[] = [];
  const spammer: (boolean | null)[] = [];
  input.annotators.forEach((an, a) => {
    const value = method === 'majority' || an.kind !== 'human' ? null : num(fit.competence[a]!);
    competence.push(value);
    spammer.push(value === null ? null : fit.spammer[a] === 1);
  });
  return { competence, spammer };
}
