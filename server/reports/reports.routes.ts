import type { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { projectOf, projectRouter } from '../http/params';
import type { RoutingState } from '../../shared/routing';
import type { ReportsService } from './reports.service';

/**
 * `routing` (issue 13): where an escalating project's items stand and the guarantee its thresholds are certified
 * at, from the live router (null for other projects), added to the worker's report text as its last key.
 */
export function withRouting(report: string, routing: RoutingState | null): string {
  return `${report.slice(0, report.lastIndexOf('}'))},"routing":${JSON.stringify(routing)}}`;
}

export function reportsRouter({
  projects,
  reports,
  routing,
}: {
  projects: ProjectsService;
  reports: ReportsService;
  routing: (projectId: number) => RoutingState | null;
}): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/report', async (req, res) => {
    const project = projectOf(res);
    // The worker's JSON text as it is (see report.worker.ts): the event loop never serialises a report.
    const text = await reports.json(project, reports.parse(req.query, project));
    // Only an escalating project has a router. Asking any other for its state would load its assignment pool on the
    // event loop just to answer null: on 1M items and 9M labels, a stall of tens of seconds in the first report (issue 14).
    res.type('application/json').send(withRouting(text, project.routing ? routing(project.id) : null));
  });
  return r;
}
