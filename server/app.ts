import http from 'node:http';
import pino, { type Logger } from 'pino';
import { readSecret, type Config } from './config';
import type { Db } from './db/database';
import { errorMapper } from './errors';
import { AnnotatorsRepo } from './annotators/annotators.repo';
import { JudgesService } from './judges/judges.service';
import { JudgesRepo } from './judges/judges.repo';
import { AnnotatorsService } from './annotators/annotators.service';
import { StandingRepo } from './annotators/standing.repo';
import { JudgeRunsService } from './judges/judge-runs.service';
import { JudgeUsageRepo } from './judges/usage.repo';
import type { WorkerOptions } from '../judge-worker/worker';
import { AuthService, resolveAdminToken } from './auth/auth.service';
import { Crowd } from './auth/crowd';
import { ExportsRepo } from './exports/exports.repo';
import { ExportsService } from './exports/exports.service';
import { ImportsService } from './imports/imports.service';
import { AdjudicationsService } from './items/adjudications';
import { InvitesRepo } from './invites/invites.repo';
import { InvitesService } from './invites/invites.service';
import { ItemsRepo } from './items/items.repo';
import { LabelsRepo } from './labels/labels.repo';
import { LabelWriter } from './labels/label-writer';
import { ProgressService } from './progress/progress.service';
import { ProjectsRepo } from './projects/projects.repo';
import { ProjectsService } from './projects/projects.service';
import { ReportsService } from './reports/reports.service';
import type { StoredLabel } from './reports/label-columns';
import { createSocketServer, rooms, type IoServer } from './socket/socket';
import { DisagreementsRepo } from './disagreements/disagreements.repo';
import { TasksService } from './tasks/tasks.service';
import { httpApp } from './http/app';

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
  /** Stops accepting connections, writes queued labels and stops timers; the caller closes the database. */
  close(): Promise<void>;
}

/** The URL of this server's own port, for in-server judge workers. */
function selfUrl(server: http.Server): string {
  const a = server.address();
  if (!a || typeof a === 'string') throw new Error('The server is not listening');
  const host = a.address === '0.0.0.0' || a.address === '::' ? '127.0.0.1' : a.family === 'IPv6' ? `[${a.address}]` : a.address;
  return `http://${host}:${a.port}`;
}

/** The one composition root: builds every repo and service on one database and returns the servers. */
export function createApp({ db, config, clock = Date.now, logger = pino({ level: config.logLevel }), random = Math.random, tickMs = 500, onCommand, secret = readSecret, judgeWorker }: AppDeps): App {
  // One mapping of unexpected errors (a full disk among them) for REST routes and socket commands, so each is logged once.
  const errors = errorMapper(logger);
  const admin = resolveAdminToken(db, config.adminToken);

  const projectsRepo = new ProjectsRepo(db);
  const itemsRepo = new ItemsRepo(db);
  const labelsRepo = new LabelsRepo(db);
  const annotatorsRepo = new AnnotatorsRepo(db);
  const invitesRepo = new InvitesRepo(db);
  const writer = new LabelWriter(db, labelsRepo, annotatorsRepo);
  // Crowd workers in memory until their first label, and join links' places (max_workers).
  const crowd = new Crowd((inviteId) => invitesRepo.labelledThrough(inviteId), (projectId, id) => tasks.holds(projectId, id), (inviteId) => invitesRepo.get(inviteId));
  const auth = new AuthService(admin.token, invitesRepo, annotatorsRepo, clock, crowd);

  const reports = new ReportsService(db, logger);
  let io: IoServer | undefined;
  // Progress and tasks refer to each other (tasks report changes, progress reads pools): wire through closures.
  let tasks: TasksService;
  const progress = new ProgressService(
    (id) => tasks.state(id),
    annotatorsRepo,
    clock,
    (id, p) => io?.to(rooms.watch(id)).emit('project:progress', p),
    (id) => (io?.sockets.adapter.rooms.get(rooms.watch(id))?.size ?? 0) > 0,
  );
  const taskEvents = {
    changed: (projectId: number, labelled?: 'human' | 'llm') => progress.changed(projectId, labelled),
    labelled: (projectId: number, label: StoredLabel) => {
      reports.labelled(projectId, label);
      standing.labelled(projectId, label);
    },
    reset: (projectId: number) => reports.reset(projectId),
    promoted: (projectId: number, from: number, to: number) => progress.rekey(projectId, from, to),
  };
  tasks = new TasksService(projectsRepo, itemsRepo, labelsRepo, annotatorsRepo, writer, clock, taskEvents, random, {
    blocked: (projectId, annotatorId) => standing.blocked(projectId, annotatorId),
  }, crowd);
  // Blocked and excluded annotators (a researcher's say, and the project's gold-check bar).
  const standing = new AnnotatorsService(new StandingRepo(db), tasks, clock, { excludedChanged: (id) => reports.reset(id) });
  const projects = new ProjectsService(projectsRepo, clock, {
    changed: (id) => tasks.reload(id),
    deleted: (id) => {
      tasks.drop(id);
      reports.reset(id);
      judgeRuns.forget(id);
      progress.forget(id);
      standing.forget(id);
      io?.in(rooms.project(id)).disconnectSockets(true);
    },
  });
  const imports = new ImportsService(db, itemsRepo, labelsRepo, annotatorsRepo, config.maxRecordBytes, clock);
  const invites = new InvitesService(invitesRepo, clock, (inviteId) => io?.in(rooms.invite(inviteId)).disconnectSockets(true));
  const judgeRuns = new JudgeRunsService({
    annotators: annotatorsRepo,
    usage: new JudgeUsageRepo(db),
    selfUrl: () => selfUrl(server),
    secret,
    logger,
    clock,
    workerOptions: judgeWorker,
  });
  const judges = new JudgesService({
    annotators: annotatorsRepo,
    judges: new JudgesRepo(db),
    tasks,
    clock,
    runs: judgeRuns,
    disconnect: (projectId, judgeId) => {
      for (const sock of io?.sockets.sockets.values() ?? [])
        if (sock.data.role === 'annotator' && sock.data.projectId === projectId && sock.data.kind === 'llm' && sock.data.annotatorId === judgeId) sock.disconnect(true);
    },
  });
  const exports = new ExportsService(new ExportsRepo(db));
  const adjudications = new AdjudicationsService(db, itemsRepo, clock);

  const app = httpApp({
    config,
    errors,
    auth,
    projects,
    imports,
    items: itemsRepo,
    tasks,
    progress,
    invites,
    judges,
    standing,
    judgeRuns,
    exports,
    adjudications,
    reports,
    disagreements: new DisagreementsRepo(db),
  });

  const server = http.createServer(app);
  io = createSocketServer(server, { auth, tasks, progress, projects: projectsRepo, logger, errors, onCommand, judges: judgeRuns, onWatch: (id) => reports.warm(projects.get(id)), origins: { publicUrl: config.publicUrl, allowed: config.allowedOrigins } });

  const timer = setInterval(() => {
    tasks.sweep();
    progress.flush();
  }, tickMs);
  timer.unref();

  return {
    http: server,
    io,
    adminToken: admin.token,
    adminTokenGenerated: admin.generated,
    tasks,
    async close() {
      clearInterval(timer);
      await judgeRuns.close();
      writer.flush();
      await reports.close();
      await new Promise<void>((resolve) => {
        io!.close(() => resolve());
      });
      if (server.listening) await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
