import type { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { idParam, projectOf, projectRouter } from '../http/params';
import type { JudgeRunsService } from './judge-runs.service';

/** `POST /api/projects/:id/judges/:judge/run` runs a registered judge inside the server; `DELETE` stops it. */
export function judgeRunsRouter({ projects, runs }: { projects: ProjectsService; runs: JudgeRunsService }): Router {
  const r = projectRouter(projects);
  r.post('/projects/:id/judges/:judge/run', (req, res) => {
    const project = projectOf(res);
    res.status(202).json(runs.start(project.id, idParam(req, 'judge', 'Judge')));
  });
  r.delete('/projects/:id/judges/:judge/run', async (req, res) => {
    const project = projectOf(res);
    res.json(await runs.stop(project.id, idParam(req, 'judge', 'Judge')));
  });
  return r;
}
