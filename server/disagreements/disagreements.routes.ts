import type { Router } from 'express';
import type { DisagreementsPage } from '../../shared/views';
import { AppError } from '../errors';
import type { ProjectsService } from '../projects/projects.service';
import { projectOf, projectRouter } from '../http/params';
import { DisagreementsQuery, type DisagreementsRepo } from './disagreements.repo';

export function disagreementsRouter({ projects, repo }: { projects: ProjectsService; repo: DisagreementsRepo }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/disagreements', (req, res) => {
    const project = projectOf(res);
    const q = DisagreementsQuery.safeParse(req.query);
    if (!q.success) throw new AppError('invalid-input', 'offset must be 0 or more, limit 1 to 200 and min_labels 2 or more');
    res.json({ ...repo.list(project.id, q.data), offset: q.data.offset, limit: q.data.limit } satisfies DisagreementsPage);
  });
  return r;
}
