import { once } from 'node:events';
import type { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import { projectOf, projectRouter } from '../http/params';
import type { ExportsService } from './exports.service';

export function exportsRouter({ projects, exports }: { projects: ProjectsService; exports: ExportsService }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/export', async (req, res) => {
    const project = projectOf(res);
    const q = exports.parse(req.query);
    res.status(200);
    res.setHeader('content-type', exports.contentType(q));
    res.setHeader('content-disposition', `attachment; filename="project-${project.id}-${q.kind}.${q.format}"`);
    // Page by page, waiting for the client to drain: a million labels never sit in memory at once.
    for (const chunk of exports.chunks(project, q)) {
      if (res.destroyed) return;
      // Wait for the client to drain, or to go away (a closed response never drains); then drop the other listener.
      if (!res.write(chunk)) {
        const done = new AbortController();
        await Promise.race([once(res, 'drain', { signal: done.signal }), once(res, 'close', { signal: done.signal })]);
        done.abort();
      }
    }
    res.end();
  });
  return r;
}
