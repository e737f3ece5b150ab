/** `GET /api/projects/:id/items?offset&limit` pages through a project's items with their label counts. */
import type { Router } from 'express';
import type { ItemsPage } from '../../shared/views';
import { z } from 'zod';
import { AppError } from '../errors';
import { projectOf, projectRouter } from '../http/params';
import type { ProjectsService } from '../projects/projects.service';
import type { ItemsRepo } from './items.repo';

export const Page = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export function itemsRouter({ projects, items }: { projects: ProjectsService; items: ItemsRepo }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/items', (req, res) => {
    const project = projectOf(res);
    const page = Page.safeParse(req.query);
    if (!page.success) throw new AppError('invalid-input', 'offset must be 0 or more and limit 1 to 1000');
    const { offset, limit } = page.data;
    res.json({ items: items.page(project.id, offset, limit), total: items.count(project.id), offset, limit } satisfies ItemsPage);
  });
  return r;
}
