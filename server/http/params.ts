/** Reading a request's path and query: id parameters, the project a route is about, yes/no flags. */
import { Router, type Request, type Response } from 'express';
import type { Project } from '../../shared/views';
import { notFound } from '../errors';
import type { ProjectsService } from '../projects/projects.service';

/** A positive integer path parameter, or a 404 naming what was not found. */
export function idParam(req: Request, name: string, what: string): number {
  const raw = req.params[name];
  const n = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw notFound(what);
  return n;
}

/** The `:id` of `/projects/:id…` as a number, or "Project not found". */
export const projectId = (req: Request): number => idParam(req, 'id', 'Project');

/**
 * A router for routes under `/projects/:id/…`: the project is loaded once, before the route's handlers ("Project
 * not found" for an unknown or malformed id), and read with {@link projectOf}.
 */
export function projectRouter(projects: ProjectsService): Router {
  const r = Router();
  r.param('id', (req, res, next) => {
    try {
      res.locals.project = projects.get(projectId(req));
      next();
    } catch (e) {
      next(e);
    }
  });
  return r;
}

/** The project a {@link projectRouter} route is about. */
export function projectOf(res: Response): Project {
  const project = res.locals.project as Project | undefined;
  if (!project) throw new Error('projectOf: the route is not on a projectRouter with an :id parameter');
  return project;
}
