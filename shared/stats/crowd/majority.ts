/**
 * Majority vote over the crowd input: each item's plurality class, by the house rule of shared/stats/votes.ts
 * ({@link Plurality}): a top count shared by two classes or more is no label (-1), as MT-Bench and PandaLM leave
 * such items out. The posterior is the winner's share of the item's votes; there is no competence model.
 */
import { Plurality } from '../votes';
import type { CrowdFit, CrowdInput } from './types';
import { emptyFit, groupVotes } from './votes';

/** The plurality label per item (-1 on a shared top count or no vote), its vote share, competence NaN, no spammer. */
export function majority(input: CrowdInput): CrowdFit {
  const g = groupVotes(input);
  const fit = emptyFit('majority', input.nItems, input.nWorkers);
  const counts = new Int32Array(g.k);
  const plurality = new Plurality<number>();
  for (let i = 0; i < g.nItems; i++) {
    const from = g.start[i]!;
    const to = g.start[i + 1]!;
    if (from === to) continue;
    plurality.reset();
    for (let v = from; v < to; v++) plurality.see(g.code[v]!, ++counts[g.code[v]!]!);
    for (let v = from; v < to; v++) counts[g.code[v]!] = 0;
    const winner = plurality.winner;
    if (winner === null) continue;
    fit.label[i] = g.classOf[winner]!;
    fit.posterior[i] = plurality.top / (to - from);
  }
  return fit;
}
