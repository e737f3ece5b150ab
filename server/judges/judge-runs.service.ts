/**
 * Judge runs as the server sees them: the status every worker reports over the socket (`judge:status`, from the
 * CLI or from inside the server), and the runs started inside the server by `POST …/judges/:judge/run`. An
 * in-server run is the same {@link JudgeWorker} connecting to this server's own port with a run token that lives
 * only in memory for the run, so it goes through exactly the protocol an external worker does.
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { JudgeInfo, SocketData } from '../../shared/protocol';
import type { JudgeRunState, JudgeRunView } from '../../shared/views';
import type { JudgeStatusReport } from '../../shared/schemas';
import { tokenCost } from '../../shared/judge-cost';
import { AppError, notFound } from '../errors';
import type { AnnotatorRow, AnnotatorsRepo } from '../annotators/annotators.repo';
import type { Actor } from '../tasks/actor';
import type { JudgeHooks } from '../socket/socket';
import type { DomainEvents } from '../events';
import { judgeConfig } from './judges.repo';
import type { JudgeUsageRepo } from './usage.repo';
import { JudgeWorker, type WorkerOptions } from '../../judge-worker/worker';

interface Status {
  /** Annotator ids can be reused after a project is deleted: a status belongs to its project. */
  projectId: number;
  report: JudgeStatusReport;
  socketId: string | null;
  inServer: boolean;
}

interface Run {
  projectId: number;
  worker: JudgeWorker;
  token: string;
  done: Promise<void>;
}

export interface JudgeRunsDeps {
  annotators: AnnotatorsRepo;
  usage: JudgeUsageRepo;
  /** The URL an in-server worker connects to (this server's own port). */
  selfUrl: () => string;
  /** Reads an API key by its variable name (a judge's `api_key_env`). */
  secret: (name: string) => string | undefined;
  logger: Logger;
  clock: () => number;
  /** Extra worker options (tests: quicker timeouts). */
  workerOptions?: Partial<WorkerOptions>;
}

const RUN_PREFIX = 'crun_';

export class JudgeRunsService implements JudgeHooks {
  private readonly statuses = new Map<number, Status>();
  private readonly runs = new Map<number, Run>();
  private readonly runTokens = new Map<string, SocketData>();
  private readonly log: Logger;

  constructor(private readonly deps: JudgeRunsDeps) {
    this.log = deps.logger.child({ module: 'judges' });
  }

  private judge(projectId: number, judgeId: number): AnnotatorRow {
    const a = this.deps.annotators.get(judgeId);
    if (!a || a.project_id !== projectId || a.kind !== 'llm' || a.token_hash === null) throw notFound('Judge');
    return a;
  }

  /** Starts the judge inside the server; `conflict` if it is already running here. */
  start(projectId: number, judgeId: number): JudgeRunView {
    const a = this.judge(projectId, judgeId);
    if (a.archived_at !== null) throw new AppError('conflict', `The judge "${a.name}" is archived: restore it (PATCH {"archived": false}) before running it`);
    if (this.runs.has(a.id)) throw new AppError('conflict', 'This judge is already running in the server: stop it first (DELETE on the same path)');
    const s = this.statuses.get(a.id);
    if (s && s.report.state === 'running' && s.socketId !== null && !s.inServer)
      throw new AppError('conflict', 'This judge is already running from a worker elsewhere (concord judge): stop that one first');
    const token = RUN_PREFIX + randomBytes(24).toString('base64url');
    this.runTokens.set(token, { role: 'annotator', kind: 'llm', projectId, annotatorId: a.id, inviteId: null });
    const worker = new JudgeWorker({ server: this.deps.selfUrl(), token, secret: this.deps.secret, ...this.deps.workerOptions });
    this.statuses.set(a.id, { projectId, report: { ...EMPTY, state: 'running', started_at: this.deps.clock() }, socketId: null, inServer: true });
    const done = worker.run().then(
      (summary) => {
        this.settle(a.id, { state: summary.state, last_error: summary.last_error });
        this.log.info({ judge: a.id, labels: summary.labels, state: summary.state }, 'in-server judge run ended');
      },
      (e: unknown) => {
        const message = e instanceof Error ? e.message : String(e);
        this.settle(a.id, { state: 'error', last_error: message });
        this.log.warn({ judge: a.id, err: message }, 'in-server judge run failed');
      },
    ).finally(() => {
      this.runs.delete(a.id);
      this.runTokens.delete(token);
    });
    this.runs.set(a.id, { projectId, worker, token, done });
    return this.view(projectId, a);
  }

  /** Stops an in-server run: no new tasks; those in flight are cancelled and released. Resolves when it has ended. */
  async stop(projectId: number, judgeId: number): Promise<JudgeRunView> {
    const a = this.judge(projectId, judgeId);
    const run = this.runs.get(a.id);
    if (!run) throw new AppError('not-found', 'This judge is not running in the server');
    run.worker.stop({ abort: true });
    await run.done;
    return this.view(projectId, a);
  }

  /** Stops the judge's in-server run if it has one (archived or deleted judges); resolves when it has ended. */
  async halt(projectId: number, judgeId: number): Promise<void> {
    const run = this.runs.get(judgeId);
    if (!run || run.projectId !== projectId) return;
    run.worker.stop({ abort: true });
    await run.done;
  }

  /** A judge was deleted: forget its state (SQLite may give its id to the next annotator created). */
  forgetJudge(judgeId: number): void {
    this.statuses.delete(judgeId);
  }

  /** A deleted project's in-server runs are stopped and its judges' states forgotten. */
  subscribe(events: DomainEvents): void {
    events.on('project:deleted', ({ projectId }) => this.forget(projectId));
  }

  /** A project was deleted: stop its in-server runs and forget its judges' states. */
  forget(projectId: number): void {
    for (const r of this.runs.values()) if (r.projectId === projectId) r.worker.stop({ abort: true });
    for (const [id, st] of this.statuses) if (st.projectId === projectId) this.statuses.delete(id);
  }

  /** Stops every in-server run (server shutdown). */
  async close(): Promise<void> {
    const all = [...this.runs.values()];
    for (const r of all) r.worker.stop({ abort: true });
    await Promise.all(all.map((r) => r.done));
  }

  private settle(annotatorId: number, end: { state: JudgeStatusReport['state']; last_error: string | null }): void {
    const s = this.statuses.get(annotatorId);
    if (s) {
      s.report = { ...s.report, state: end.state, last_error: end.last_error ?? s.report.last_error, in_flight: 0 };
      s.socketId = null;
    }
  }

  // ---- JudgeHooks (the socket server calls these)

  identify(token: unknown): SocketData | null {
    return typeof token === 'string' && token.startsWith(RUN_PREFIX) ? (this.runTokens.get(token) ?? null) : null;
  }

  info(actor: Actor): JudgeInfo {
    const a = this.deps.annotators.get(actor.annotatorId);
    if (!a) throw notFound('Judge');
    return { id: a.id, name: a.name, config: judgeConfig(a) };
  }

  status(actor: Actor, socketId: string, report: JudgeStatusReport): void {
    const prev = this.statuses.get(actor.annotatorId);
    this.statuses.set(actor.annotatorId, { projectId: actor.projectId, report, socketId: report.state === 'running' ? socketId : null, inServer: this.runs.has(actor.annotatorId) });
    if (prev?.report.state !== report.state) this.log.debug({ judge: actor.annotatorId, state: report.state }, 'judge status');
  }

  disconnected(actor: Actor, socketId: string): void {
    const s = this.statuses.get(actor.annotatorId);
    if (s && s.socketId === socketId) s.socketId = null;
  }

  // ---- Listing

  view(projectId: number, a: AnnotatorRow): JudgeRunView {
    const st = this.statuses.get(a.id);
    const s = st && st.projectId === a.project_id ? st : undefined;
    const usage = this.deps.usage.get(projectId, a.id);
    const running = this.runs.has(a.id) || (s?.report.state === 'running' && s.socketId !== null);
    // A run that ended says how (done, stopped, error); one whose worker went away without saying is idle again.
    const ended = s?.report.state;
    const state: JudgeRunState = running ? 'running' : ended === 'done' || ended === 'stopped' || ended === 'error' ? ended : 'idle';
    return {
      state,
      last_error: s?.report.last_error ?? null,
      labels: usage.labels,
      tokens: usage.tokens,
      invalid: usage.invalid,
      cost: tokenCost(usage.tokens, judgeConfig(a).price),
      run: s
        ? {
            in_server: s.inServer,
            connected: s.socketId !== null,
            started_at: new Date(s.report.started_at).toISOString(),
            labels: s.report.labels,
            invalid: s.report.invalid,
            retries: s.report.retries,
            errors: s.report.errors,
            in_flight: s.report.in_flight,
            tokens: s.report.tokens,
          }
        : null,
    };
  }
}

const EMPTY: JudgeStatusReport = {
  state: 'running',
  labels: 0,
  invalid: 0,
  retries: 0,
  errors: 0,
  in_flight: 0,
  tokens: { prompt: 0, completion: 0 },
  last_error: null,
  started_at: 0,
};
