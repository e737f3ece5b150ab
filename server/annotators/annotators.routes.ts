import express, { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { idParam } from '../projects/projects.routes';
import type { AnnotatorsService } from './annotators.service';

/** `GET /api/projects/:id/annotators` lists every annotator; `PATCH …/:annotator` blocks, unblocks, excludes. */
export function annotatorsRouter({ projects, annotators }: { projects: ProjectsService; annotators: AnnotatorsService }): Router {
  const r = Router();
  r.get('/projects/:id/annotators', (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.json({ annotators: annotators.list(project.id) });
  });
  r.patch('/projects/:id/annotators/:annotator', express.json(), (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.json(annotators.patch(project.id, idParam(req, 'annotator', 'Annotator'), req.body));
  });
  return r;
}
