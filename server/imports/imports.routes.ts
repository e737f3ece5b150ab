/** `POST /api/projects/:id/items` and `…/labels` import a file of items or labels (JSONL, CSV or JSON; `?upsert=1` replaces). */
import type { Router } from 'express';
import type { ImportResult } from '../../shared/views';
import { flag } from '../../shared/schemas';
import { projectOf, projectRouter } from '../http/params';
import type { ProjectsService } from '../projects/projects.service';
import type { TasksService } from '../tasks/tasks.service';
import type { ImportsService } from './imports.service';
import { explicitFormat } from './parse';
import { spoolBody } from './spool';

interface Deps {
  projects: ProjectsService;
  imports: ImportsService;
  tasks: TasksService;
  maxImportBytes: number;
  /** Where import bodies are spooled while they arrive (the database's folder). */
  spoolDir: string;
}

/** Reads its own bodies (streamed): it is mounted before the API's JSON body parser. */
export function importsRouter({ projects, imports, tasks, maxImportBytes, spoolDir }: Deps): Router {
  const r = projectRouter(projects);
  // An import's body is streamed to a spool file (never held in memory) and read back record by record.
  const importRoute = (kind: 'items' | 'labels') =>
    r.post(`/projects/:id/${kind}`, async (req, res) => {
      const project = projectOf(res);
      const format = explicitFormat(typeof req.query.format === 'string' ? req.query.format : undefined);
      const body = await spoolBody(req, { dir: spoolDir, limit: maxImportBytes });
      try {
        const read = await imports.read(kind, project, { body, contentType: req.get('content-type'), format, upsert: flag(req.query.upsert) });
        // Validate and write against the project as it is now: it may have changed while the file arrived.
        const current = projects.get(project.id);
        const imported = kind === 'items' ? imports.importItems(current, read) : imports.importLabels(current, read);
        tasks.reload(project.id);
        res.json({ imported } satisfies ImportResult);
      } finally {
        await body.dispose();
      }
    });
  importRoute('items');
  importRoute('labels');
  return r;
}
