import { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { idParam } from '../projects/projects.routes';
import type { JudgeRunsService } from './judge-runs.service';

/** `POST /api/projects/:id/judges/:judge/run` runs a registered judge inside the server; `DELETE` stops it. */
export function judgeRunsRouter({ projects, runs }: { projects: ProjectsService; runs: JudgeRunsService }): Router {
  const r = Router();
  r.post('/projects/:id/judges/:judge/run', (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.status(202).json(runs.start(project.id, idParam(req, 'judge', 'Judge')));
  });
  r.delete('/projects/:id/judges/:judge/run', async (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.json(await runs.stop(project.id, idParam(req, 'judge', 'Judge')));
  });
  return r;
}
