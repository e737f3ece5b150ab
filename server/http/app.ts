/** The express app: security headers, admin auth, every feature's routes under /api, the browser app, and the one error middleware. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import type { Config } from '../config';
import { AppError, type ErrorMapper } from '../errors';
import type { AuthService } from '../auth/auth.service';
import type { ProjectsService } from '../projects/projects.service';
import { projectsRouter } from '../projects/projects.routes';
import type { ImportsService } from '../imports/imports.service';
import type { ItemsRepo } from '../items/items.repo';
import type { FilesRepo } from '../files/files.repo';
import { filesRouter } from '../files/files.routes';
import type { TasksService } from '../tasks/tasks.service';
import type { ProgressService } from '../progress/progress.service';
import type { InvitesService } from '../invites/invites.service';
import { invitesRouter } from '../invites/invites.routes';
import type { JudgesService } from '../judges/judges.service';
import { judgesRouter } from '../judges/judges.routes';
import type { AnnotatorsService } from '../annotators/annotators.service';
import { annotatorsRouter } from '../annotators/annotators.routes';
import type { JudgeRunsService } from '../judges/judge-runs.service';
import { judgeRunsRouter } from '../judges/judge-runs.routes';
import type { ExportsService } from '../exports/exports.service';
import { exportsRouter } from '../exports/exports.routes';
import type { AdjudicationsService } from '../items/adjudications.service';
import { adjudicationsRouter } from '../items/adjudications.routes';
import { itemsRouter } from '../items/items.routes';
import { importsRouter } from '../imports/imports.routes';
import { progressRouter } from '../progress/progress.routes';
import type { ReportsService } from '../reports/reports.service';
import { reportsRouter } from '../reports/reports.routes';
import type { DisagreementsRepo } from '../disagreements/disagreements.repo';
import { disagreementsRouter } from '../disagreements/disagreements.routes';
import { openApiRouter } from '../openapi/openapi.routes';
import { archiveRouter } from '../archive/archive.routes';
import { requireAdmin } from './admin';
import { missingApiPrefix } from './api-hint';
import { errorHandler } from './error-handler';
import { jsonBody } from './json-body';
import { securityHeaders } from './security-headers';

/** The services the routes call, built by the composition root (`createApp`). */
export interface HttpDeps {
  config: Config;
  /** The mapping of unexpected errors shared with the socket commands (each is logged once). */
  errors: ErrorMapper;
  auth: AuthService;
  projects: ProjectsService;
  imports: ImportsService;
  items: ItemsRepo;
  /** Image files stored with the items (`GET /api/projects/:id/files/:sha256`). */
  files: FilesRepo;
  tasks: TasksService;
  progress: ProgressService;
  invites: InvitesService;
  judges: JudgesService;
  standing: AnnotatorsService;
  judgeRuns: JudgeRunsService;
  exports: ExportsService;
  adjudications: AdjudicationsService;
  reports: ReportsService;
  disagreements: DisagreementsRepo;
}

const CLIENT_DIST = path.resolve(__dirname, '../../client/dist');

/** The express app serving the REST API, /health and the browser app. */
export function httpApp(deps: HttpDeps): express.Express {
  const { config, errors, auth, projects } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders()); // first, so errors and static files carry them too

  const api = express.Router();
  // Routes open without the admin token (the API's description) are registered here, before requireAdmin.
  api.use(openApiRouter());
  api.use(requireAdmin(auth));
  // These routers read their own bodies (project settings; imports, streamed to a spool file).
  api.use(projectsRouter({ projects }));
  api.use(
    importsRouter({
      projects,
      imports: deps.imports,
      tasks: deps.tasks,
      maxImportBytes: config.maxImportBytes,
      // Import bodies are spooled beside the database (a disk sized for data; /tmp may be RAM).
      spoolDir: config.dbFile === ':memory:' ? os.tmpdir() : path.dirname(path.resolve(config.dbFile)),
    }),
  );
  api.use(archiveRouter({ projects, config }));
  api.use(itemsRouter({ projects, items: deps.items, metaKeys: (project) => deps.reports.metaKeys(project) }));
  api.use(filesRouter({ projects, files: deps.files }));
  api.use(progressRouter({ projects, progress: deps.progress }));
  // Every later route's JSON body is read here, its nesting checked before JSON.parse (json-body.ts); their own
  // express.json() then finds it read.
  api.use(jsonBody());
  api.use(invitesRouter({ projects, invites: deps.invites, publicUrl: config.publicUrl }));
  api.use(judgesRouter({ projects, judges: deps.judges }));
  api.use(annotatorsRouter({ projects, annotators: deps.standing }));
  api.use(judgeRunsRouter({ projects, runs: deps.judgeRuns }));
  api.use(exportsRouter({ projects, exports: deps.exports, reports: deps.reports }));
  api.use(adjudicationsRouter({ projects, adjudications: deps.adjudications }));
  api.use(reportsRouter({ projects, reports: deps.reports, routing: (id) => deps.progress.routing(id) }));
  api.use(disagreementsRouter({ projects, repo: deps.disagreements }));
  app.get('/health', (_req, res) => {
    res.json({ ok: true });
  });
  app.use('/api', api);
  app.use('/api', (req, _res, next) => next(new AppError('not-found', `No API route ${req.method} ${req.path}`)));
  app.use(missingApiPrefix(api));

  if (fs.existsSync(path.join(CLIENT_DIST, 'index.html'))) {
    app.use(express.static(CLIENT_DIST, { index: false, maxAge: '1h' }));
    app.get(['/', '/join/:token', '/projects/{*rest}'], (_req, res) => res.sendFile(path.join(CLIENT_DIST, 'index.html')));
  } else {
    app.get('/', (_req, res) => {
      res.type('text/plain').send('Concord is running. The API is at /api (see README); the browser app has not been built.\n');
    });
  }
  app.use((req, _res, next) => next(new AppError('not-found', `Nothing at ${req.method} ${req.path}`)));

  app.use(errorHandler({ errors, maxBodyBytes: config.maxImportBytes }));
  return app;
}
