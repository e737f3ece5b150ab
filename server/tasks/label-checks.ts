/**
 * What a submitted label may hold in its project, checked before anything is written: the value on the project's
 * scale (a pairwise one turned from display to canonical order, a ranking from display positions to the item's
 * answers), a certainty where one is asked, a rationale where one is required, and a judge's meta within its size.
 * Pure: the project, the lease and the input only.
 */
import type { CommandPayload } from '../../shared/protocol';
import type { AnnotatorKind, Order, PairwiseValue } from '../../shared/schemas';
import type { Project } from '../../shared/views';
import { checkCertainty, checkValue, rankingValue, toCanonical } from '../../shared/values';
import { checkCertaintyStep } from '../../shared/certainty';
import { rankingText, scoresToItemFrame, toItemFrame } from '../../shared/ranking';
import { AppError } from '../errors';

const META_MAX_BYTES = 256 * 1024;

type LabelSubmit = CommandPayload<'label:submit'>;

/** A label's fields as they are stored. */
export interface CheckedLabel {
  /** Canonical: a pairwise verdict on the item's own A and B, a ranking's rankingText on the item's own answers. */
  value: string | number | null;
  certainty: number | null;
  rationale: string | null;
  /** A judge's meta as JSON; null for humans (theirs is ignored). */
  meta: string | null;
  /** Ranking: the order shown, as JSON text (the lease's permutation); null for other types. */
  permutation: string | null;
  /** Ranking: the scores given, in the item's own order, as JSON text; null when none were given. */
  scores: string | null;
}

/**
 * What the task being labelled adds: a choice item's options (its own or the project's), the pairwise order shown,
 * a ranking's order shown (`permutation[p]` = the item's answer at display position p).
 */
export interface LabelledItem {
  options: string[] | null;
  order: Order | null;
  permutation?: number[] | null;
}

const invalid = (field: string, message: string, what = field) => new AppError('invalid-input', `Invalid ${what}: ${message}`, [{ field, message }]);

/** Checks a label against its project; throws `invalid-input` naming the field, or returns the fields to store. */
export function checkLabel(project: Project, kind: AnnotatorKind, item: LabelledItem, input: LabelSubmit): CheckedLabel {
  const value = checkedValue(project, kind, item, input.value);
  const certainty = checkedCertainty(project, kind, value, input.certainty ?? null);
  // With rationale `off` none is collected: one sent anyway (by a script or a judge) is dropped, not stored.
  const rationale = project.rationale !== 'off' && input.rationale?.trim() ? input.rationale : null;
  if (project.rationale === 'required' && rationale === null && value !== null)
    throw new AppError('invalid-input', 'A rationale is required: say briefly why', [{ field: 'rationale', message: 'required' }]);
  let meta: string | null = null;
  if (kind === 'llm' && input.meta) {
    meta = JSON.stringify(input.meta);
    if (meta.length > META_MAX_BYTES) throw new AppError('invalid-input', `meta is over ${META_MAX_BYTES} bytes`, [{ field: 'meta', message: 'too large' }]);
  }
  const permutation = project.type === 'ranking' && item.permutation ? JSON.stringify(item.permutation) : null;
  return { value, certainty, rationale, meta, permutation, scores: checkedScores(project, item, input.scores ?? null) };
}

/** The value on the project's scale; a judge may send none (an output it could not parse). */
function checkedValue(project: Project, kind: AnnotatorKind, item: LabelledItem, value: LabelSubmit['value']): string | number | null {
  if (value === null) {
    if (kind !== 'llm') throw new AppError('invalid-input', 'A value is required');
    return null;
  }
  if (project.type === 'ranking') return checkedRanking(item, value);
  if (Array.isArray(value))
    throw invalid('value', `a list is a ranking, and only a ranking project takes one: this is a ${project.type} project, whose value ${checkValue(project, value, item.options) ?? 'is not a list'}`, 'value');
  const err = checkValue(project, value, item.options);
  if (err) throw invalid('value', err);
  return project.type === 'pairwise' ? toCanonical(value as PairwiseValue, item.order) : value;
}

/**
 * A ranking names display positions (0 = the answer shown first), best first, ties as groups; it is stored in the
 * item's own answers through the lease's permutation, so no client needs to know which answer was which. Over the
 * socket it is a list: text that looks like one is refused, so a client that sends JSON text learns of it at once.
 */
function checkedRanking(item: LabelledItem, value: LabelSubmit['value']): string {
  const permutation = item.permutation;
  if (!permutation) throw new AppError('internal', 'This ranking task has no recorded order of its answers');
  if (!Array.isArray(value))
    throw invalid('value', `a ranking is a list of display positions best first (0 = the answer shown first), e.g. [2, 0, 1] or with ties [[2], [0, 1]], not ${JSON.stringify(value)}`);
  const shown = rankingValue(value, permutation.length);
  if (typeof shown === 'string') throw invalid('value', `${shown} (positions count from 0, the answer shown first)`);
  return rankingText(toItemFrame(shown, permutation));
}

/**
 * Scores are a ranking's only (JudgeLM scores every answer in one pass): one per answer, in display positions,
 * stored in the item's order. Any other project refuses them rather than dropping them, so a judge that sends a
 * pair's two scores learns they belong in its meta instead of losing them unseen.
 */
function checkedScores(project: Project, item: LabelledItem, scores: number[] | null): string | null {
  if (scores === null) return null;
  if (project.type !== 'ranking') throw invalid('scores', `only a ranking project takes scores; this is a ${project.type} project (a judge may keep its scores in meta)`);
  const n = item.permutation?.length ?? 0;
  if (scores.length !== n) throw invalid('scores', `give one score per answer shown: ${n}, not ${scores.length}`);
  if (!scores.every(Number.isFinite)) throw invalid('scores', 'every score must be a finite number');
  return JSON.stringify(scoresToItemFrame(scores, item.permutation!));
}

/** A certainty within the project's range (a person's on the slider's steps), required of a person who gave a value. */
function checkedCertainty(project: Project, kind: AnnotatorKind, value: string | number | null, certainty: number | null): number | null {
  if (certainty !== null) {
    // A person's certainty is stored as their slider showed it, on the scale's steps; a judge's is rescaled
    // from the scale its template asks on, so it may fall between them.
    const err = checkCertainty(project, certainty) ?? (kind === 'human' && project.certainty ? checkCertaintyStep(project.certainty, certainty) : null);
    if (err) throw new AppError('invalid-input', `Invalid certainty: ${err}`, [{ field: 'certainty', message: err }]);
  } else if (project.certainty && kind === 'human' && value !== null) {
    throw new AppError('invalid-input', `A certainty from ${project.certainty.min} to ${project.certainty.max} is required`, [{ field: 'certainty', message: 'required' }]);
  }
  return certainty;
}
