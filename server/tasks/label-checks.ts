/**
 * What a submitted label may hold in its project, checked before anything is written: the value on the project's
 * scale (a pairwise one turned from display to canonical order), a certainty where one is asked, a rationale
 * where one is required, and a judge's meta within its size. Pure: the project, the lease and the input only.
 */
import type { CommandPayload } from '../../shared/protocol';
import type { AnnotatorKind, Order, PairwiseValue } from '../../shared/schemas';
import type { Project } from '../../shared/views';
import { checkCertainty, checkValue, toCanonical } from '../../shared/values';
import { checkCertaintyStep } from '../../shared/certainty';
import { AppError } from '../errors';

const META_MAX_BYTES = 256 * 1024;

/** A label's fields as they are stored. */
export interface CheckedLabel {
  value: string | number | null;
  certainty: number | null;
  rationale: string | null;
  /** A judge's meta as JSON; null for humans (theirs is ignored). */
  meta: string | null;
}

/** What the task being labelled adds: a choice item's options (its own or the project's), the pairwise order shown. */
export interface LabelledItem {
  options: string[] | null;
  order: Order | null;
}

/** Checks a label against its project; throws `invalid-input` naming the field, or returns the fields to store. */
export function checkLabel(project: Project, kind: AnnotatorKind, item: LabelledItem, input: CommandPayload<'label:submit'>): CheckedLabel {
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
  return { value, certainty, rationale, meta };
}

/** The value on the project's scale; a judge may send none (an output it could not parse). */
function checkedValue(project: Project, kind: AnnotatorKind, item: LabelledItem, value: string | number | null): string | number | null {
  if (value === null) {
    if (kind !== 'llm') throw new AppError('invalid-input', 'A value is required');
    return null;
  }
  const err = checkValue(project, value, item.options);
  if (err) throw new AppError('invalid-input', `Invalid value: ${err}`, [{ field: 'value', message: err }]);
  return project.type === 'pairwise' ? toCanonical(value as PairwiseValue, item.order) : value;
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
