import type { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { projectOf, projectRouter } from '../http/params';
import type { ReportsService } from './reports.service';

export function reportsRouter({ projects, reports }: { projects: ProjectsService; reports: ReportsService }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/report', async (req, res) => {
    const project = projectOf(res);
    res.json(await reports.get(project, reports.parse(req.query, project)));
  });
  return r;
}
