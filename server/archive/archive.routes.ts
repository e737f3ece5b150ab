/**
 * `GET /api/projects/:id/archive` streams a project's archive (format.ts); `POST /api/projects/archive` makes a new
 * project from one (the body streamed, up to the imports' limit). Both need the admin token (mounted after
 * requireAdmin) and a database file.
 */
import os from 'node:os';
import path from 'node:path';
import { Router } from 'express';
import type { Config } from '../config';
import { projectId } from '../http/params';
import type { ProjectsService } from '../projects/projects.service';
import { checkArchive } from './reader';
import { storeArchive } from './store';
import { writeArchive } from './writer';

export function archiveRouter({ projects, config, clock = Date.now }: { projects: ProjectsService; config: Config; clock?: () => number }): Router {
  const r = Router();
  const spoolDir = config.dbFile === ':memory:' ? os.tmpdir() : path.dirname(path.resolve(config.dbFile));

  r.get('/projects/:id/archive', async (req, res) => {
    const p = projects.get(projectId(req));
    const name = p.name.replace(/[^\w.-]+/g, '-').slice(0, 60) || 'project';
    res.type('application/gzip').attachment(`${name}.concord`);
    await writeArchive(config.dbFile, p.id, res);
  });

  r.post('/projects/archive', async (req, res) => {
    const checked = await checkArchive(req, spoolDir, config.maxImportBytes);
    try {
      const stored = storeArchive(config.dbFile, checked, clock());
      res.status(201).json(stored);
    } finally {
      checked.dispose();
    }
  });
  return r;
}
