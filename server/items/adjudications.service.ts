/** Adjudications: a researcher's final label for an item, checked against the project's label type. */
import { z } from 'zod';
import { LIMITS } from '../../shared/constants';
import type { AdjudicationView, Project } from '../../shared/views';
import { checkValue } from '../../shared/values';
import { RankingValue } from '../../shared/item-schemas';
import { parseRanking, rankingText } from '../../shared/ranking';
import { AppError, notFound, parseOrThrow } from '../errors';
import type { AdjudicationsRepo } from './adjudications.repo';
import type { ItemsRepo } from './items.repo';

export const AdjudicationInput = z.strictObject({
  /** Ranking projects: the answers' order best first in the item's own indexes, ties as groups (or its JSON text). */
  label: z.union([z.string(), z.number(), RankingValue]),
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
    const content = project.type === 'choice' || project.type === 'ranking' ? this.items.content(itemId) : undefined;
    const options = project.type === 'choice' ? (content?.options ?? project.options) : null;
    const err = checkValue(project, input.label, options, content?.answers?.length ?? null);
    if (err) throw new AppError('invalid-input', `Invalid label: ${err}`, [{ field: 'label', message: err }]);
    const label = project.type === 'ranking' ? rankingLabel(input.label, content?.answers?.length ?? 0) : (input.label as string | number);
    const now = this.clock();
    const by = input.by ?? 'admin';
    this.repo.upsert(itemId, label, input.note ?? null, by, now);
    return { item: externalId, label, note: input.note ?? null, by, at: new Date(now).toISOString() };
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

/** A checked ranking (a list, or its JSON text) as it is stored: the canonical text, like a ranking label's value. */
function rankingLabel(value: unknown, n: number): string {
  const r = parseRanking(typeof value === 'string' ? (JSON.parse(value) as unknown) : value, n);
  if (typeof r === 'string') throw new AppError('invalid-input', `Invalid label: ${r}`, [{ field: 'label', message: r }]);
  return rankingText(r);
}
