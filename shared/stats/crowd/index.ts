/**
 * Crowd aggregation (issue 10): one consensus class per item, with each annotator's competence, from one vote per
 * annotator and item. Three methods: the plurality vote (`majority`), Dawid & Skene (1979) confusion-matrix EM
 * (`dawid-skene`) and MACE (Hovy et al. 2013, `mace`). Pure functions over typed arrays.
 */
import { dawidSkene } from './dawid-skene';
import { mace } from './mace';
import { majority } from './majority';
import type { AggregationMethod, CrowdFit, CrowdInput, CrowdOptions } from './types';

export { crowdVotes } from './votes';
export { dawidSkene } from './dawid-skene';
export { mace } from './mace';
export { majority } from './majority';

/** Fits `method` to `input`; `options` are MACE's (seed, restarts, iterations, α, β) and ignored by the others. */
export function fitCrowd(method: AggregationMethod, input: CrowdInput, options: CrowdOptions = {}): CrowdFit {
  switch (method) {
    case 'majority':
      return majority(input);
    case 'dawid-skene':
      return dawidSkene(input);
    case 'mace':
      return mace(input, options);
  }
}
