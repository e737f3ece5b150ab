/** `GET /api/projects/:id/progress`: the project's progress now (what watchers get pushed as `project:progress`). */
import type { Router } from 'express';
import { projectOf, projectRouter } from '../http/params';
import type { ProjectsService } from '../projects/projects.service';
import type { ProgressService } from './progress.service';

export function progressRouter({ projects, progress }: { projects: ProjectsService; progress: ProgressService }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/progress', (_req, res) => {
    res.json(progress.snapshot(projectOf(res).id));
  });
  return r;
}
