/** `GET/POST /api/projects` lists and creates projects; `GET/PATCH/DELETE /api/projects/:id` reads, edits and deletes one. */
import { Router } from 'express';
import type { ProjectList } from '../../shared/views';
import { jsonBody } from '../http/json-body';
import { projectId } from '../http/params';
import type { ProjectsService } from './projects.service';

/** Reads its own bodies (settings up to 4 MB): it is mounted before the API's JSON body parser. */
export function projectsRouter({ projects }: { projects: ProjectsService }): Router {
  const r = Router();
  const json = jsonBody({ limit: '4mb' });

  r.get('/projects', (_req, res) => {
    res.json({ projects: projects.list() } satisfies ProjectList);
  });
  r.post('/projects', json, (req, res) => {
    res.status(201).json(projects.create(req.body));
  });
  r.get('/projects/:id', (req, res) => {
    res.json(projects.get(projectId(req)));
  });
  r.patch('/projects/:id', json, (req, res) => {
    res.json(projects.patch(projectId(req), req.body));
  });
  r.delete('/projects/:id', (req, res) => {
    projects.delete(projectId(req));
    res.status(204).end();
  });
  return r;
}
