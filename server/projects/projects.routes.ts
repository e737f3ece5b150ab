import { Router, type Request } from 'express';
import { z } from 'zod';
import { AppError, notFound } from '../errors';
import type { ImportsService } from '../imports/imports.service';
import { explicitFormat } from '../imports/parse';
import { spoolBody } from '../imports/spool';
import { jsonBody } from '../json-body';
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
  /** Where import bodies are spooled while they arrive (the database's folder). */
  spoolDir: string;
}

export function projectsRouter({ projects, imports, items, tasks, progress, maxImportBytes, spoolDir }: Deps): Router {
  const r = Router();
  const json = jsonBody({ limit: '4mb' });

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

  // An import's body is streamed to a spool file (never held in memory) and read back record by record.
  const importRoute = (kind: 'items' | 'labels') =>
    r.post(`/projects/:id/${kind}`, async (req, res) => {
      const id = idParam(req, 'id', 'Project');
      const project = projects.get(id);
      const format = explicitFormat(typeof req.query.format === 'string' ? req.query.format : undefined);
      const body = await spoolBody(req, { dir: spoolDir, limit: maxImportBytes });
      try {
        const read = await imports.read(kind, project, { body, contentType: req.get('content-type'), format, upsert: flag(req.query.upsert) });
        // Validate and write against the project as it is now: it may have changed while the file arrived.
        const current = projects.get(id);
        const imported = kind === 'items' ? imports.importItems(current, read) : imports.importLabels(current, read);
        tasks.reload(id);
        res.json({ imported });
      } finally {
        await body.dispose();
      }
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
