/**
 * `GET /api/projects/:id/items?offset&limit` pages through a project's items with their label counts;
 * `GET /api/projects/:id/meta-keys` lists the top-level keys of their meta (server/items/meta-keys.ts).
 */
import type { Router } from 'express';
import type { ItemsPage, MetaKeys, Project } from '../../shared/views';
import { z } from 'zod';
import { AppError } from '../errors';
import { projectOf, projectRouter } from '../http/params';
import type { ProjectsService } from '../projects/projects.service';
import type { ItemsRepo } from './items.repo';

export const Page = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

interface ItemsRoutesDeps {
  projects: ProjectsService;
  items: ItemsRepo;
  /** The meta keys, read off the event loop (the report worker: ReportsService.metaKeys). */
  metaKeys: (project: Project) => Promise<MetaKeys>;
}

export function itemsRouter({ projects, items, metaKeys }: ItemsRoutesDeps): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/items', (req, res) => {
    const project = projectOf(res);
    const page = Page.safeParse(req.query);
    if (!page.success) throw new AppError('invalid-input', 'offset must be 0 or more and limit 1 to 1000');
    const { offset, limit } = page.data;
    res.json({ items: items.page(project.id, offset, limit), total: items.count(project.id), offset, limit } satisfies ItemsPage);
  });
  r.get('/projects/:id/meta-keys', async (_req, res) => {
    res.json(await metaKeys(projectOf(res)));
  });
  return r;
}
