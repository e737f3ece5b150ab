/**
 * The domain of a label value for each task type, shared by the import validator, the server's submit handler
 * and the annotator page. Each check returns a sentence naming the problem, or null when the value is fine.
 */
import { DEFAULT_SCALE, PAIRWISE_VALUES } from './constants';
import { parseRanking, type Ranking } from './ranking';
import type { Order, PairwiseValue, RatingScale, Range, TaskType } from './schemas';

interface ProjectDomain {
  type: TaskType;
  options: string[] | null;
  scale: RatingScale | null;
  certainty: Range | null;
}

/**
 * Whether `value` is a label value in this project. `itemOptions`: a choice item's own options (else the
 * project's). `nAnswers`: a ranking item's number of answers (a ranking must order every one of them).
 */
export function checkValue(project: ProjectDomain, value: unknown, itemOptions: string[] | null, nAnswers?: number | null): string | null {
  switch (project.type) {
    case 'pairwise':
      return typeof value === 'string' && (PAIRWISE_VALUES as readonly string[]).includes(value) ? null : `must be "A", "B" or "tie", not ${JSON.stringify(value)}`;
    case 'rating': {
      const s = project.scale ?? DEFAULT_SCALE;
      if (typeof value !== 'number' || !Number.isFinite(value)) return `must be a number on the ${s.min}–${s.max} scale, not ${JSON.stringify(value)}`;
      if (value < s.min || value > s.max) return `${value} is outside the ${s.min}–${s.max} scale`;
      const step = s.step ?? 1;
      const k = (value - s.min) / step;
      if (Math.abs(k - Math.round(k)) > 1e-9) return `${value} is not on the scale's steps of ${step} from ${s.min}`;
      return null;
    }
    case 'choice': {
      const options = itemOptions ?? project.options ?? [];
      return typeof value === 'string' && options.includes(value) ? null : `must be one of the options (${options.map((o) => JSON.stringify(o)).join(', ')}), not ${JSON.stringify(value)}`;
    }
    case 'ranking': {
      const r = rankingValue(value, nAnswers);
      return typeof r === 'string' ? r : null;
    }
  }
}

/**
 * A ranking value of `n` answers, canonical (each tied group sorted), or a sentence naming the problem. A string is
 * read as the ranking's JSON text (how `value` and gold columns, CSV cells and exports hold it: '[[2],[0,1]]').
 */
export function rankingValue(value: unknown, n: number | null | undefined): Ranking | string {
  if (n == null) return 'this item has no answers to rank';
  let v = value;
  if (typeof value === 'string') {
    try {
      v = JSON.parse(value);
    } catch {
      // Not JSON: parseRanking names the string itself as what is not a list.
    }
  }
  return parseRanking(v, n);
}

export function checkCertainty(project: ProjectDomain, certainty: number): string | null {
  const c = project.certainty;
  if (!c) return 'this project does not collect certainty (turn it on in the project settings first)';
  if (!Number.isFinite(certainty) || certainty < c.min || certainty > c.max) return `certainty ${certainty} is outside the ${c.min}–${c.max} scale`;
  return null;
}

/**
 * Pairwise values name display positions on the wire (`A` = shown first) and the canonical answers in storage
 * (`A` = the item's answer_a). Shown in order `BA`, the first answer is answer_b, so A and B trade places.
 */
export function toCanonical(value: PairwiseValue, order: Order | null): PairwiseValue {
  if (order !== 'BA' || value === 'tie') return value;
  return value === 'A' ? 'B' : 'A';
}
