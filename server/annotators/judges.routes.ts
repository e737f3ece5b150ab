import express, { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { idParam } from '../projects/projects.routes';
import type { JudgesService } from './judges.service';

export function judgesRouter({ projects, judges }: { projects: ProjectsService; judges: JudgesService }): Router {
  const r = Router();
  r.post('/projects/:id/judges', express.json(), (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.status(201).json(judges.register(project.id, req.body));
  });
  r.get('/projects/:id/judges', (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.json({ judges: judges.list(project.id) });
  });
  return r;
}
