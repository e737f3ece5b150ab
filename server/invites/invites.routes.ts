import express, { type Request, type Response, type Router } from 'express';
import type { InviteList } from '../../shared/views';
import type { ProjectsService } from '../projects/projects.service';
import { idParam, projectOf, projectRouter } from '../http/params';
import type { InvitesService } from './invites.service';

export function invitesRouter({ projects, invites, publicUrl }: { projects: ProjectsService; invites: InvitesService; publicUrl: string | undefined }): Router {
  const r = projectRouter(projects);
  const base = (req: Request) => publicUrl ?? `${req.protocol}://${req.get('host')}`;
  const project = (res: Response) => projectOf(res).id;

  r.post('/projects/:id/invites', express.json(), (req, res) => {
    res.status(201).json(invites.create(project(res), req.body, base(req)));
  });
  r.get('/projects/:id/invites', (req, res) => {
    res.json({ invites: invites.list(project(res), base(req)) } satisfies InviteList);
  });
  r.delete('/projects/:id/invites/:invite', (req, res) => {
    res.json(invites.revoke(project(res), idParam(req, 'invite', 'Invite'), base(req)));
  });
  return r;
}
