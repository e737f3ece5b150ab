/** `GET /api/projects/:id/progress`: the project's progress (what watchers get pushed as `project:progress`), once a pending read of its pool is in (ProgressService.current). */
import type { Router } from 'express';
import { projectOf, projectRouter } from '../http/params';
import type { ProjectsService } from '../projects/projects.service';
import type { ProgressService } from './progress.service';

export function progressRouter({ projects, progress }: { projects: ProjectsService; progress: ProgressService }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/progress', async (_req, res) => {
    res.json(await progress.current(projectOf(res).id));
  });
  return r;
}
