import { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { idParam } from '../projects/projects.routes';
import type { ReportsService } from './reports.service';

export function reportsRouter({ projects, reports }: { projects: ProjectsService; reports: ReportsService }): Router {
  const r = Router();
  r.get('/projects/:id/report', async (req, res) => {
    const project = projects.get(idParam(req, 'id', 'Project'));
    res.json(await reports.get(project, reports.parse(req.query)));
  });
  return r;
}
