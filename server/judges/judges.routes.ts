import express, { type Router } from 'express';
import type { JudgeList } from '../../shared/views';
import type { ProjectsService } from '../projects/projects.service';
import { idParam, projectOf, projectRouter } from '../http/params';
import type { JudgesService } from './judges.service';

/**
 * `POST/GET /api/projects/:id/judges` registers and lists judges; `PATCH …/judges/:judge` edits, archives or
 * restores one; `DELETE …/judges/:judge` removes one (`?labels=delete` to remove its labels too).
 */
export function judgesRouter({ projects, judges }: { projects: ProjectsService; judges: JudgesService }): Router {
  const r = projectRouter(projects);
  r.post('/projects/:id/judges', express.json(), (req, res) => {
    const project = projectOf(res);
    res.status(201).json(judges.register(project.id, req.body));
  });
  r.get('/projects/:id/judges', (req, res) => {
    const project = projectOf(res);
    res.json({ judges: judges.list(project.id) } satisfies JudgeList);
  });
  r.patch('/projects/:id/judges/:judge', express.json(), async (req, res) => {
    const project = projectOf(res);
    res.json(await judges.update(project.id, idParam(req, 'judge', 'Judge'), req.body));
  });
  r.delete('/projects/:id/judges/:judge', async (req, res) => {
    const project = projectOf(res);
    res.json(await judges.remove(project.id, idParam(req, 'judge', 'Judge'), req.query.labels));
  });
  return r;
}
