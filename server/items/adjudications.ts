import express, { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../db/database';
import type { Project } from '../../shared/schemas';
import { checkValue } from '../../shared/values';
import { AppError, notFound, parseOrThrow } from '../errors';
import type { ProjectsService } from '../projects/projects.service';
import { idParam } from '../projects/projects.routes';
import type { ItemsRepo } from './items.repo';

export const AdjudicationInput = z.strictObject({
  label: z.union([z.string(), z.number()]),
  note: z.string().max(10_000).optional().nullable(),
  /** Who decided (the dashboard sends the researcher's name); defaults to "admin". */
  by: z.string().trim().min(1).max(200).optional(),
});

export interface Adjudication {
  item: string;
  label: string | number;
  note: string | null;
  by: string;
  at: string;
}

/** A researcher's final label for an item, kept with who and when; the gold export prefers it to everything else. */
export class AdjudicationsService {
  private readonly upsert;
  private readonly remove;
  private readonly itemId;

  constructor(
    db: Db,
    private readonly items: ItemsRepo,
    private readonly clock: () => number,
  ) {
    this.upsert = db.prepare(
      `INSERT INTO adjudications (item_id, value, note, by, created_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (item_id) DO UPDATE SET value = excluded.value, note = excluded.note, by = excluded.by, created_at = excluded.created_at`,
    );
    this.remove = db.prepare<[number]>('DELETE FROM adjudications WHERE item_id = ?');
    this.itemId = db.prepare<[number, string], { id: number }>('SELECT id FROM items WHERE project_id = ? AND external_id = ?');
  }

  set(project: Project, externalId: string, body: unknown): Adjudication {
    const input = parseOrThrow(AdjudicationInput, body, 'adjudication');
    const row = this.itemId.get(project.id, externalId);
    if (!row) throw notFound('Item');
    const options = project.type === 'choice' ? (this.items.content(row.id)?.options ?? project.options) : null;
    const err = checkValue(project, input.label, options);
    if (err) throw new AppError('invalid-input', `Invalid label: ${err}`, [{ field: 'label', message: err }]);
    const now = this.clock();
    const by = input.by ?? 'admin';
    this.upsert.run(row.id, input.label, input.note ?? null, by, now);
    return { item: externalId, label: input.label, note: input.note ?? null, by, at: new Date(now).toISOString() };
  }

  clear(project: Project, externalId: string): void {
    const row = this.itemId.get(project.id, externalId);
    if (!row) throw notFound('Item');
    this.remove.run(row.id);
  }
}

export function adjudicationsRouter({ projects, adjudications }: { projects: ProjectsService; adjudications: AdjudicationsService }): Router {
  const r = Router();
  r.put('/projects/:id/items/:item/adjudication', express.json(), (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.json(adjudications.set(project, String(req.params.item), req.body));
  });
  r.delete('/projects/:id/items/:item/adjudication', (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    adjudications.clear(project, String(req.params.item));
    res.status(204).end();
  });
  return r;
}
