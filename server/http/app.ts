/** The express app: security headers, admin auth, every feature's routes under /api, the browser app, and the one error middleware. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { Config } from '../config';
import { AppError, type ErrorMapper } from '../errors';
import type { AuthService } from '../auth/auth.service';
import type { ProjectsService } from '../projects/projects.service';
import { projectsRouter } from '../projects/projects.routes';
import type { ImportsService } from '../imports/imports.service';
import type { ItemsRepo } from '../items/items.repo';
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
import { adjudicationsRouter, type AdjudicationsService } from '../items/adjudications';
import type { ReportsService } from '../reports/reports.service';
import { reportsRouter } from '../reports/reports.routes';
import type { DisagreementsRepo } from '../disagreements/disagreements.repo';
import { disagreementsRouter } from '../disagreements/disagreements.routes';
import { securityHeaders } from '../security-headers';
import { missingApiPrefix } from '../api-hint';
import { jsonBody } from '../json-body';

/** The services the routes call, built by the composition root (`createApp`). */
export interface HttpDeps {
  config: Config;
  /** The mapping of unexpected errors shared with the socket commands (each is logged once). */
  errors: ErrorMapper;
  auth: AuthService;
  projects: ProjectsService;
  imports: ImportsService;
  items: ItemsRepo;
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

const formatBytes = (n: number) =>
  n >= 1048576 ? `${+(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KiB` : `${n}-byte`;

const CLIENT_DIST = path.resolve(__dirname, '../../client/dist');

/** The express app serving the REST API, /health and the browser app. */
export function httpApp(deps: HttpDeps): express.Express {
  const { config, errors, auth, projects } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.use(securityHeaders()); // first, so errors and static files carry them too

  const requireAdmin: RequestHandler = (req, _res, next) => {
    const header = req.get('authorization') ?? '';
    const m = /^Bearer\s+(.+)$/i.exec(header);
    if (!m) return next(new AppError('unauthorized', 'Send the admin token: Authorization: Bearer <token>'));
    const token = m[1]!.trim();
    if (auth.isAdmin(token)) return next();
    if (!auth.isAnnotatorToken(token)) return next(new AppError('unauthorized', 'This token is not valid for this server'));
    next(new AppError('forbidden', 'This token can only label tasks; the API needs the admin token'));
  };

  const api = express.Router();
  // Routes open to anyone (no admin token) go here, before requireAdmin.
  api.use(requireAdmin);
  api.use(
    projectsRouter({
      projects,
      imports: deps.imports,
      items: deps.items,
      tasks: deps.tasks,
      progress: deps.progress,
      maxImportBytes: config.maxImportBytes,
      // Import bodies are spooled beside the database (a disk sized for data; /tmp may be RAM).
      spoolDir: config.dbFile === ':memory:' ? os.tmpdir() : path.dirname(path.resolve(config.dbFile)),
    }),
  );
  // Every later route's JSON body is read here, its nesting checked before JSON.parse (json-body.ts); their own
  // express.json() then finds it read. The projects router reads its own bodies (settings, streamed imports).
  api.use(jsonBody());
  api.use(invitesRouter({ projects, invites: deps.invites, publicUrl: config.publicUrl }));
  api.use(judgesRouter({ projects, judges: deps.judges }));
  api.use(annotatorsRouter({ projects, annotators: deps.standing }));
  api.use(judgeRunsRouter({ projects, runs: deps.judgeRuns }));
  api.use(exportsRouter({ projects, exports: deps.exports }));
  api.use(adjudicationsRouter({ projects, adjudications: deps.adjudications }));
  api.use(reportsRouter({ projects, reports: deps.reports }));
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

  const onError: ErrorRequestHandler = (err: unknown, req, res, _next) => {
    let e: AppError;
    if (err instanceof AppError) e = err;
    // A body parser's verify step (json-body.ts) carries its AppError as the cause.
    else if ((err as Error | undefined)?.cause instanceof AppError) e = (err as Error).cause as AppError;
    else {
      const status = (err as { status?: number; type?: string }).status;
      const type = (err as { type?: string }).type;
      if (type === 'entity.too.large') e = new AppError('payload-too-large', `The body is over the ${formatBytes((err as { limit?: number }).limit ?? config.maxImportBytes)} limit`);
      else if (type === 'entity.parse.failed') e = new AppError('invalid-input', 'The body is not valid JSON');
      else if (type === 'encoding.unsupported' || type === 'charset.unsupported') e = new AppError('unsupported-media-type', 'Send the body as UTF-8');
      else if (status && status >= 400 && status < 500) e = new AppError('invalid-input', 'The request could not be read');
      else e = errors(err, { module: 'http', method: req.method, path: req.path }, 'request failed');
    }
    res.status(e.status).json({ error: e.toBody() });
  };
  app.use(onError);
  return app;
}
