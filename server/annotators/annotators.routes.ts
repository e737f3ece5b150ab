import express, { type Router } from 'express';
import type { AnnotatorList } from '../../shared/views';
import type { ProjectsService } from '../projects/projects.service';
import { idParam, projectOf, projectRouter } from '../http/params';
import type { AnnotatorsService } from './annotators.service';

/** `GET /api/projects/:id/annotators` lists every annotator; `PATCH …/:annotator` blocks, unblocks, excludes. */
export function annotatorsRouter({ projects, annotators }: { projects: ProjectsService; annotators: AnnotatorsService }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/annotators', (req, res) => {
    const project = projectOf(res);
    res.json({ annotators: annotators.list(project.id) } satisfies AnnotatorList);
  });
  r.patch('/projects/:id/annotators/:annotator', express.json(), (req, res) => {
    const project = projectOf(res);
    res.json(annotators.patch(project.id, idParam(req, 'annotator', 'Annotator'), req.body));
  });
  return r;
}
