/** `GET /api/projects/:id/files/:sha256`: an image stored with the project's items, for the researcher (admin token). */
import type { Router } from 'express';
import { notFound } from '../errors';
import { projectOf, projectRouter } from '../http/params';
import type { ProjectsService } from '../projects/projects.service';
import type { FilesRepo } from './files.repo';

/** A stored file never changes (its name is its SHA-256), so a browser may keep it; `private`: it is not public. */
const CACHE = 'private, max-age=31536000, immutable';

export function filesRouter({ projects, files }: { projects: ProjectsService; files: FilesRepo }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/files/:sha256', (req, res) => {
    const sha = String(req.params.sha256).toLowerCase();
    // Only this project's files: a hash another project stored is "not found" here, as an unknown one is.
    const file = /^[0-9a-f]{64}$/.test(sha) ? files.get(projectOf(res).id, sha) : undefined;
    if (!file) throw notFound('File');
    res.set({
      'Content-Type': file.media_type,
      'Content-Length': String(file.size),
      // The type was sniffed at import and is one of four image types; the browser must not guess another.
      'X-Content-Type-Options': 'nosniff',
      'Content-Disposition': 'inline',
      'Cache-Control': CACHE,
    });
    res.end(file.data);
  });
  return r;
}
