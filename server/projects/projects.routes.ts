import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, notFound } from '../errors';
import type { ImportsService } from '../imports/imports.service';
import type { ItemsRepo } from '../items/items.repo';
import type { ProgressService } from '../progress/progress.service';
import type { TasksService } from '../tasks/tasks.service';
import type { ProjectsService } from './projects.service';

/** A positive integer path parameter, or a 404 naming what was not found. */
export function idParam(req: Request, name: string, what: string): number {
  const raw = req.params[name];
  const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw notFound(what);
  return n;
}

const Page = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

const flag = (v: unknown) => v === '1' || v === 'true' || v === 'yes';

interface Deps {
  projects: ProjectsService;
  imports: ImportsService;
  items: ItemsRepo;
  tasks: TasksService;
  progress: ProgressService;
  maxImportBytes: number;
}

export function projectsRouter({ projects, imports, items, tasks, progress, maxImportBytes }: Deps): Router {
  const r = Router();
  const json = express.json({ limit: '4mb' });
  const raw = express.raw({ type: () => true, limit: maxImportBytes });

  r.get('/projects', (_req, res) => {
    res.json({ projects: projects.list() });
  });
  r.post('/projects', json, (req, res) => {
    res.status(201).json(projects.create(req.body));
  });
  r.get('/projects/:id', (req, res) => {
    res.json(projects.get(idParam(req, 'id', 'Project')));
  });
  r.patch('/projects/:id', json, (req, res) => {
    res.json(projects.patch(idParam(req, 'id', 'Project'), req.body));
  });
  r.delete('/projects/:id', (req, res) => {
    projects.delete(idParam(req, 'id', 'Project'));
    res.status(204).end();
  });

  const importRoute = (kind: 'items' | 'labels') =>
    r.post(`/projects/:id/${kind}`, raw, (req, res) => {
      const project = projects.get(idParam(req, 'id', 'Project'));
      if (!Buffer.isBuffer(req.body)) throw new AppError('invalid-input', 'The file is empty: nothing to import');
      const request = {
        body: req.body,
        contentType: req.get('content-type'),
        format: typeof req.query.format === 'string' ? req.query.format : undefined,
        upsert: flag(req.query.upsert),
      };
      const imported = kind === 'items' ? imports.importItems(project, request) : imports.importLabels(project, request);
      tasks.reload(project.id);
      res.json({ imported });
    });
  importRoute('items');
  importRoute('labels');

  r.get('/projects/:id/items', (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    const page = Page.safeParse(req.query);
    if (!page.success) throw new AppError('invalid-input', 'offset must be 0 or more and limit 1 to 1000');
    const { offset, limit } = page.data;
    res.json({ items: items.page(project.id, offset, limit), total: items.count(project.id), offset, limit });
  });
  r.get('/projects/:id/progress', (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.json(progress.snapshot(project.id));
  });
  return r;
}
