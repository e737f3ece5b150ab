/**
 * The one composition root: builds every repo and service on one database, subscribes each feature to the domain
 * events it reacts to (server/events.ts), and returns the HTTP and socket.io servers.
 */
import http from 'node:http';
import pino, { type Logger } from 'pino';
import { readSecret, type Config } from './config';
import type { Db } from './db/database';
import { errorMapper } from './errors';
import { DomainEvents } from './events';
import { AnnotatorsRepo } from './annotators/annotators.repo';
import { JudgesService } from './judges/judges.service';
import { JudgesRepo } from './judges/judges.repo';
import { AnnotatorsService } from './annotators/annotators.service';
import { StandingRepo } from './annotators/standing.repo';
import { JudgeRunsService } from './judges/judge-runs.service';
import { JudgeUsageRepo } from './judges/usage.repo';
import type { WorkerOptions } from '../judge-worker/worker';
import { AuthService, resolveAdminToken } from './auth/auth.service';
import { AuthRepo } from './auth/auth.repo';
import { Crowd } from './auth/crowd';
import { ExportsRepo } from './exports/exports.repo';
import { ExportsService } from './exports/exports.service';
import { FilesRepo } from './files/files.repo';
import { ImportsService } from './imports/imports.service';
import { AdjudicationsService } from './items/adjudications.service';
import { AdjudicationsRepo } from './items/adjudications.repo';
import { InvitesRepo } from './invites/invites.repo';
import { InvitesService } from './invites/invites.service';
import { ItemsRepo } from './items/items.repo';
import { LabelsRepo } from './labels/labels.repo';
import { labelWriterFor, type LabelSink } from './labels/label-writer';
import { ProgressService, type ProgressWatchers } from './progress/progress.service';
import { ProjectsRepo } from './projects/projects.repo';
import { ProjectsService } from './projects/projects.service';
import { ReportsService } from './reports/reports.service';
import { PosteriorRefits } from './assignment/posterior-refits';
import { createSocketServer, rooms, type IoServer } from './socket/socket';
import { DisagreementsRepo } from './disagreements/disagreements.repo';
import { TasksService } from './tasks/tasks.service';
import { httpApp } from './http/app';
import { scheduleBackups } from './backup/schedule';
import { noAllocationSitePretenuring, oldGenerationGrowsTwofold, threadsKeepDefaultYoungGeneration } from './young-generation';

export interface AppDeps {
  db: Db;
  config: Config;
  clock?: () => number;
  logger?: Logger;
  random?: () => number;
  /** Milliseconds between lease sweeps and progress pushes. */
  tickMs?: number;
  /** Receives each socket command's server-side duration (benchmarks, monitoring). */
  onCommand?: (event: string, ms: number) => void;
  /** Reads a judge's API key by its variable name (`api_key_env`) for in-server runs; the environment by default. */
  secret?: (name: string) => string | undefined;
  /** Options for in-server judge workers (tests: shorter timeouts). */
  judgeWorker?: Partial<WorkerOptions>;
}

export interface App {
  http: http.Server;
  io: IoServer;
  adminToken: string;
  adminTokenGenerated: boolean;
  tasks: TasksService;
  /** Where live labels are committed (a test's `max_page_count`, a benchmark's `synchronous` what-if). */
  labelWriter: LabelSink;
  /** Stops accepting connections, writes queued labels and stops timers; the caller closes the database. */
  close(): Promise<void>;
}

/** What the builders below share: the dependencies with their defaults filled in, and the event bus. */
interface Basics {
  db: Db;
  config: Config;
  clock: () => number;
  logger: Logger;
  random: () => number;
  secret: (name: string) => string | undefined;
  judgeWorker?: Partial<WorkerOptions>;
  events: DomainEvents;
}

/** The URL of this server's own port, for in-server judge workers. */
function selfUrl(server: http.Server): string {
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('The server is not listening');
  const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}

function buildRepos(db: Db) {
  const labels = new LabelsRepo(db);
  const annotators = new AnnotatorsRepo(db);
  return {
    projects: new ProjectsRepo(db),
    items: new ItemsRepo(db),
    labels,
    annotators,
    invites: new InvitesRepo(db),
    files: new FilesRepo(db),
    // Live labels are written in group commits, in a thread of their own (server/labels/label-writer.ts).
    writer: labelWriterFor(db, labels, annotators),
  };
}
type Repos = ReturnType<typeof buildRepos>;

/** The services of labelling itself: tasks and who may be served them, crowd workers, live progress and the report. */
function buildLabelling({ db, clock, logger, random, events }: Basics, r: Repos, adminToken: string) {
  // Tasks and the standing and crowd registries ask each other questions (who is blocked, who holds a lease): the
  // closures are called only once all three exist.
  const crowd = new Crowd((inviteId) => r.invites.labelledThrough(inviteId), (projectId, id) => tasks.holds(projectId, id), (inviteId) => r.invites.get(inviteId));
  const gate = { blocked: (projectId: number, annotatorId: number) => standing.blocked(projectId, annotatorId) };
  const tasks: TasksService = new TasksService(r.projects, r.items, r.labels, r.annotators, r.writer, clock, events, random, gate, crowd, r.files);
  // Blocked and excluded annotators (a researcher's say, and the project's gold-check bar).
  const standing: AnnotatorsService = new AnnotatorsService(new StandingRepo(db), tasks, clock, events);
  return {
    tasks,
    standing,
    auth: new AuthService(adminToken, r.invites, r.annotators, clock, crowd),
    progress: new ProgressService((id) => tasks.state(id), r.annotators, clock, tasks.settled),
    reports: new ReportsService(db, logger),
  };
}

/** The researcher's side: projects, imports, join links, judges and their runs, exports and adjudications. */
function buildResearch({ db, config, clock, logger, secret, judgeWorker, events }: Basics, r: Repos, tasks: TasksService, server: http.Server) {
  const judgeRuns = new JudgeRunsService({
    annotators: r.annotators,
    usage: new JudgeUsageRepo(db),
    selfUrl: () => selfUrl(server),
    secret,
    logger,
    clock,
    workerOptions: judgeWorker,
  });
  return {
    judgeRuns,
    judges: new JudgesService({ annotators: r.annotators, judges: new JudgesRepo(db), tasks, clock, runs: judgeRuns, events }),
    projects: new ProjectsService(r.projects, clock, events, (id) => r.annotators.list(id).flatMap((a) => (a.kind === 'llm' ? [{ id: a.id, archived: a.archived_at !== null }] : []))),
    imports: new ImportsService(db, r.items, r.labels, r.annotators, r.files, config.maxRecordBytes, clock),
    invites: new InvitesService(r.invites, clock, events),
    exports: new ExportsService(new ExportsRepo(db), (p) => tasks.decisionsOf(p.id)),
    adjudications: new AdjudicationsService(new AdjudicationsRepo(db), r.items, clock),
  };
}

/** Closes the sockets that a revoked join link, a retired judge or a deleted project no longer admits. */
function disconnectOnEvents(io: IoServer, events: DomainEvents): void {
  events.on('invite:revoked', ({ inviteId }) => io.in(rooms.invite(inviteId)).disconnectSockets(true));
  events.on('judge:retired', ({ projectId, judgeId }) => {
    for (const sock of io.sockets.sockets.values())
      if (sock.data.role === 'annotator' && sock.data.projectId === projectId && sock.data.kind === 'llm' && sock.data.annotatorId === judgeId) sock.disconnect(true);
  });
  events.on('project:deleted', ({ projectId }) => io.in(rooms.project(projectId)).disconnectSockets(true));
}

/** Researchers watching a project: its watch room on the socket server. */
function watchersOn(io: IoServer): ProgressWatchers {
  return {
    watched: (projectId) => (io.sockets.adapter.rooms.get(rooms.watch(projectId))?.size ?? 0) > 0,
    push: (projectId, progress) => io.to(rooms.watch(projectId)).emit('project:progress', progress),
  };
}

/** Builds the app: repos, services, their event subscriptions, the HTTP and socket servers, and the tick timer. */
export function createApp(deps: AppDeps): App {
  const { db, config, tickMs = 500, onCommand } = deps;
  // The main thread's young generation is the process's (SERVER_NODE_FLAGS); the threads this app starts keep V8's;
  // no site's objects are pretenured (decision 0017); the old generation grows twofold between mark-compacts (0019).
  threadsKeepDefaultYoungGeneration();
  noAllocationSitePretenuring();
  oldGenerationGrowsTwofold();
  const logger = deps.logger ?? pino({ level: config.logLevel });
  const events = new DomainEvents();
  const basics: Basics = { db, config, logger, events, clock: deps.clock ?? Date.now, random: deps.random ?? Math.random, secret: deps.secret ?? readSecret, judgeWorker: deps.judgeWorker };
  // One mapping of unexpected errors (a full disk among them) for REST routes and socket commands, so each is logged once.
  const errors = errorMapper(logger);
  const admin = resolveAdminToken(new AuthRepo(db), config.adminToken);
  const server = http.createServer();

  const repos = buildRepos(db);
  const { tasks, standing, auth, progress, reports } = buildLabelling(basics, repos, admin.token);
  const { judgeRuns, judges, projects, imports, invites, exports, adjudications } = buildResearch(basics, repos, tasks, server);
  // Reactions run in this order: a deleted project's pool is dropped first (then its report, judge runs, standing and
  // progress forget it), and a stored label reaches the report's copy before the gold-check bar (which may exclude
  // its annotator) and progress.
  tasks.subscribe(events);
  reports.subscribe(events);
  judgeRuns.subscribe(events);
  standing.subscribe(events);
  progress.subscribe(events);
  const refits = new PosteriorRefits({ state: (id) => tasks.state(id), fit: (p) => reports.posteriorModel(p), logger });
  refits.subscribe(events);

  // The express app takes the server's requests before socket.io attaches (it passes on all but its own).
  server.on('request', httpApp({ config, errors, auth, projects, imports, items: repos.items, files: repos.files, tasks, progress, invites, judges, standing, judgeRuns, exports, adjudications, reports, disagreements: new DisagreementsRepo(db) }));
  const origins = { publicUrl: config.publicUrl, allowed: config.allowedOrigins };
  const io = createSocketServer(server, { auth, tasks, progress, projects: repos.projects, logger, errors, onCommand, judges: judgeRuns, onWatch: (id) => reports.warm(projects.get(id)), origins });
  disconnectOnEvents(io, events);

  const watchers = watchersOn(io);
  const timer = setInterval(() => {
    tasks.sweep();
    progress.flush(watchers);
  }, tickMs);
  timer.unref();
  // Scheduled backups (CONCORD_BACKUP_DIR, CONCORD_BACKUP_EVERY), each written by a worker thread.
  const backups = config.backupDir && config.backupEvery && config.dbFile !== ':memory:' ? scheduleBackups({ dbFile: config.dbFile, dir: config.backupDir, everySeconds: config.backupEvery, keep: config.backupKeep, logger }) : null;

  return {
    http: server,
    io,
    adminToken: admin.token,
    adminTokenGenerated: admin.generated,
    tasks,
    labelWriter: repos.writer,
    async close() {
      clearInterval(timer);
      await backups?.stop();
      refits.close();
      await judgeRuns.close();
      // Sockets first, so no label arrives once the writer is closing; what was submitted before is committed
      // (or refused) as the writer settles its queue.
      await new Promise<void>((resolve) => {
        io.close(() => resolve());
      });
      await repos.writer.close();
      await reports.close();
      repos.items.close();
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
