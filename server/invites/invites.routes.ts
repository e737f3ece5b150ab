import express, { Router, type Request } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { idParam } from '../projects/projects.routes';
import type { InvitesService } from './invites.service';

export function invitesRouter({ projects, invites, publicUrl }: { projects: ProjectsService; invites: InvitesService; publicUrl: string | undefined }): Router {
  const r = Router();
  const base = (req: Request) => publicUrl ?? `${req.protocol}://${req.get('host')}`;
  const project = (req: Request) => projects.get(idParam(req, 'id', 'Project')).id;

  r.post('/projects/:id/invites', express.json(), (req, res) => {
    res.status(201).json(invites.create(project(req), req.body, base(req)));
  });
  r.get('/projects/:id/invites', (req, res) => {
    res.json({ invites: invites.list(project(req), base(req)) });
  });
  r.delete('/projects/:id/invites/:invite', (req, res) => {
    res.json(invites.revoke(project(req), idParam(req, 'invite', 'Invite'), base(req)));
  });
  return r;
}
