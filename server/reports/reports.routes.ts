import type { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { projectOf, projectRouter } from '../http/params';
import type { ReportsService } from './reports.service';

export function reportsRouter({ projects, reports }: { projects: ProjectsService; reports: ReportsService }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/report', async (req, res) => {
    const project = projectOf(res);
    // The worker's JSON text as it is (see report.worker.ts): the event loop never serialises a report.
    res.type('application/json').send(await reports.json(project, reports.parse(req.query, project)));
  });
  return r;
}
