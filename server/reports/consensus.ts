/**
 * The consensus of every item under a crowd model (Dawid–Skene or MACE), for the gold export: fitted in the report
 * worker on the label columns it already holds, so a gold export of a big project never fits a model on the main
 * thread.
 */
import { fitCrowd } from '../../shared/stats/crowd';
import type { AggregationMethod } from '../../shared/stats/crowd/types';
import { crowdVotes } from '../../shared/stats/crowd/votes';
import type { Category } from '../../shared/stats/ratings';
import type { ReportColumns } from '../../shared/stats/report/input';

/** Which votes take part, as the gold export's `include_llm` and `min_certainty` say. */
export interface ConsensusRequest {
  method: AggregationMethod;
  includeLlm: boolean;
  minCertainty?: number;
}

/** Per item (rows in database id order): its consensus code (-1 none) into `categories`, and the model's probability. */
export interface Consensus {
  method: AggregationMethod;
  itemIds: Float64Array;
  label: Int32Array;
  posterior: Float64Array;
  categories: Category[];
}

/** The typed arrays a consensus holds, to transfer them to the main thread instead of copying. */
export const consensusBuffers = (c: Consensus): ArrayBuffer[] => [c.itemIds.buffer, c.label.buffer, c.posterior.buffer] as ArrayBuffer[];

/**
 * Fits `request.method` to the columns' votes (one per annotator and item; see crowdVotes) with a fixed seed, so the
 * same labels always give the same gold set. `itemIds` are the columns' items' database ids, copied here.
 */
export function computeConsensus(columns: ReportColumns, itemIds: Float64Array, request: ConsensusRequest): Consensus {
  // The columns keep certainty as 32-bit floats: the bar is rounded the same way, so a label stored with exactly the
  // bar's certainty (0.7, say) is kept, as the export's comparison on the database's double keeps it.
  const minCertainty = request.minCertainty === undefined ? undefined : Math.fround(request.minCertainty);
  const input = crowdVotes(columns, { includeLlm: request.includeLlm, minCertainty });
  const fit = fitCrowd(request.method, input, { seed: 1 });
  return {
    method: request.method,
    itemIds: itemIds.slice(0, columns.items.n),
    // The fit's own arrays, made for this fit: transferred to the main thread as they are.
    label: fit.label,
    posterior: fit.posterior,
    categories: [...columns.categories],
  };
}

/** The consensus of the item with database id `itemId` (binary search: ids are ascending), or null if it has none. */
export function consensusOf(c: Consensus, itemId: number): { label: Category; posterior: number } | null {
  let lo = 0;
  let hi = c.itemIds.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const id = c.itemIds[mid]!;
    if (id === itemId) {
      const code = c.label[mid]!;
      return code < 0 ? null : { label: c.categories[code]!, posterior: c.posterior[mid]! };
    }
    if (id < itemId) lo = mid + 1;
    else hi = mid - 1;
  }
  return null;
}
