/** `PUT /api/projects/:id/items/:item/adjudication` sets an item's final label; `DELETE` clears it. */
import express, { type Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { projectOf, projectRouter } from '../http/params';
import type { AdjudicationsService } from './adjudications.service';

export function adjudicationsRouter({ projects, adjudications }: { projects: ProjectsService; adjudications: AdjudicationsService }): Router {
  const r = projectRouter(projects);
  r.put('/projects/:id/items/:item/adjudication', express.json(), (req, res) => {
    res.json(adjudications.set(projectOf(res), String(req.params.item), req.body));
  });
  r.delete('/projects/:id/items/:item/adjudication', (req, res) => {
    adjudications.clear(projectOf(res), String(req.params.item));
    res.status(204).end();
  });
  return r;
}
