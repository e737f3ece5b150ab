/** Adjudications: a researcher's final label for an item, checked against the project's label type. */
import { z } from 'zod';
import { LIMITS } from '../../shared/constants';
import type { AdjudicationView, Project } from '../../shared/views';
import { checkValue } from '../../shared/values';
import { AppError, notFound, parseOrThrow } from '../errors';
import type { AdjudicationsRepo } from './adjudications.repo';
import type { ItemsRepo } from './items.repo';

export const AdjudicationInput = z.strictObject({
  label: z.union([z.string(), z.number()]),
  note: z.string().max(LIMITS.noteChars).optional().nullable(),
  /** Who decided (the dashboard sends the researcher's name); defaults to "admin". */
  by: z.string().trim().min(1).max(200).optional(),
});

/** A researcher's final label for an item, kept with who and when; the gold export prefers it to everything else. */
export class AdjudicationsService {
  constructor(
    private readonly repo: AdjudicationsRepo,
    private readonly items: ItemsRepo,
    private readonly clock: () => number,
  ) {}

  set(project: Project, externalId: string, body: unknown): AdjudicationView {
    const input = parseOrThrow(AdjudicationInput, body, 'adjudication');
    const itemId = this.itemId(project, externalId);
    const options = project.type === 'choice' ? (this.items.content(itemId)?.options ?? project.options) : null;
    const err = checkValue(project, input.label, options);
    if (err) throw new AppError('invalid-input', `Invalid label: ${err}`, [{ field: 'label', message: err }]);
    const now = this.clock();
    const by = input.by ?? 'admin';
    this.repo.upsert(itemId, input.label, input.note ?? null, by, now);
    return { item: externalId, label: input.label, note: input.note ?? null, by, at: new Date(now).toISOString() };
  }

  clear(project: Project, externalId: string): void {
    this.repo.remove(this.itemId(project, externalId));
  }

  private itemId(project: Project, externalId: string): number {
    const id = this.repo.itemId(project.id, externalId);
    if (id === undefined) throw notFound('Item');
    return id;
  }
}
