import { setImmediate as nextTurn } from 'node:timers/promises';
import type { ServerResponse } from 'node:http';
import type { Router } from 'express';
import type { ProjectsService } from '../projects/projects.service';
import type { ReportsService } from '../reports/reports.service';
import { projectOf, projectRouter } from '../http/params';
import type { ExportsService } from './exports.service';
import { onWritten } from './export-thread';

export function exportsRouter({ projects, exports, reports }: { projects: ProjectsService; exports: ExportsService; reports: ReportsService }): Router {
  const r = projectRouter(projects);
  r.get('/projects/:id/export', async (req, res) => {
    const project = projectOf(res);
    const q = exports.parse(req.query, project);
    // A model's consensus is fitted in the report worker before the first byte, so a failure is still an error answer.
    // A ranking project's gold is the mean rank of the votes, whatever the method (no crowd model ranks answers).
    const consensus =
      q.kind !== 'labels' && q.kind !== 'dpo' && q.method !== 'majority' && project.type !== 'ranking'
        ? await reports.consensus(project, { method: q.method, includeLlm: q.include_llm, minCertainty: q.min_certainty })
        : null;
    // The typed columns (name, type), for a client that describes the file (the CLI's dataset card).
    const columns = await exports.columns(project, q);
    res.status(200);
    res.setHeader('content-type', exports.contentType(q));
    res.setHeader('content-disposition', `attachment; filename="project-${project.id}-${q.kind}.${q.format}"`);
    res.setHeader('x-concord-columns', JSON.stringify(columns));
    // Page by page (row group by row group), waiting for the client to drain: a million labels never sit in memory.
    for await (const chunk of exports.stream(project, q, consensus, columns)) {
      if (res.destroyed) return;
      // A threaded export's page goes back to its thread once written (export-thread.ts onWritten).
      if (!res.write(chunk, onWritten(chunk))) await drained(res);
      // A write the kernel takes at once drains within the same tick ('drain' is emitted from process.nextTick), so
      // without this the loop would run the whole export without the event loop getting a turn: give it one a page.
      await nextTurn();
    }
    res.end();
  });
  return r;
}

/**
 * Resolves when the response drains or closes (a closed response never drains). Two plain listeners, both removed
 * when either fires: an export waits thousands of times, and each wait must leave the response as it found it
 * (issue 14 saw 11 `error`/`close` listeners pile up and a MaxListenersExceededWarning on a long export).
 */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
