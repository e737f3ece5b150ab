/**
 * The judge worker: connects over the task protocol as the judge's annotator (socket.io-client, the judge's
 * token) and loops `task:next` → model → `label:submit` in `concurrency` lanes until the server has nothing left
 * for it. The CLI and in-server runs (`POST …/judges/:judge/run`) both run this.
 *
 * - Nothing to take is not always the end: when `session:get` says `waiting` (a later judge of an escalation
 *   cascade whose items the judge before it has not passed on yet, items held by others), a lane asks again after
 *   a pause (250 ms, doubling up to 2 s) until work comes or the server says none will; `stop()` ends the pause.
 *
 * - A label whose task is no longer this run's when it is sent (its lease lapsed, a restarted server forgot it, or
 *   another worker of the same judge holds or stored it) is counted as `lapsed`, not as an error: the task is back
 *   in the pool or done. After a reconnect the lanes simply ask for their next tasks.
 * - A label carries a client id made once per task, so a submit whose ack was lost (dropped connection, ack
 *   timeout) is sent again after the reconnect and stored once.
 * - A task whose model request fails for good is released back to the pool and the error recorded; if the pool
 *   hands that task back in the same run it is held aside (not retried forever) and released at the end.
 * - `stop()` stops taking tasks and lets those in flight finish; `stop({ abort: true })` also cancels them and
 *   releases their leases.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { setTimeout as pause } from 'node:timers/promises';
import type { ManagerOptions, SocketOptions } from 'socket.io-client';
import type { Ack, CommandInput, JudgeInfo, SessionInfo, SubmitResult, Task } from '../shared/protocol';
import { tokenCost } from '../shared/judge-cost';
import { RunFailed, ServerConnection } from './connection';
import { BaselineJudge, isBaseline, LlmJudge, type Judge } from './judges';
import { EndpointFailed, RequestFailed } from './model';
import { newSummary, statusReport, type WorkerSummary } from './summary';
import { chooseTemplate, templateVersion } from './templates';

export interface WorkerOptions {
  /** The Concord server, e.g. http://localhost:3000. */
  server: string;
  /** The judge's token (or an in-server run token). */
  token: string;
  /** Where and how fast; each overrides the registration. */
  baseUrl?: string | undefined;
  apiKeyEnv?: string | undefined;
  concurrency?: number | undefined;
  structured?: boolean | undefined;
  timeoutMs?: number | undefined;
  maxTries?: number | undefined;
  /** Reads a secret (the API key) by its environment variable name. */
  secret?: (name: string) => string | undefined;
  /** Time to wait for an ack before taking the connection for lost and asking again. */
  ackTimeoutMs?: number;
  /** Longest the worker waits for the server to come back before giving up the run. */
  reconnectTimeoutMs?: number;
  /** Milliseconds between status reports to the server. */
  statusEveryMs?: number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  socketOptions?: Partial<ManagerOptions & SocketOptions>;
  /** Told of progress after every label and retry. */
  onProgress?: (s: WorkerSummary) => void;
}

/** The first pause before asking again while the server says work may still come, and the longest (doubling between). */
export const WAIT_FIRST_MS = 250;
export const WAIT_MAX_MS = 2_000;
/** A label the server could not store now is sent again: this many tries in all, the first pause this long (doubling). */
const RETRY_SUBMIT: ReadonlySet<string> = new Set(['internal', 'unavailable']);
const SUBMIT_TRIES = 6;
const SUBMIT_PAUSE_MS = 200;
/** Heartbeats come at most this often, however short the project's lease. */
const HEARTBEAT_MIN_MS = 250;

const keyOf = (t: Task) => `${t.item.id}\u0000${t.order ?? ''}\u0000${t.sample ?? 0}`;

export class JudgeWorker {
  private readonly server: ServerConnection;
  private judgeImpl: Judge | undefined;
  private info: JudgeInfo | undefined;
  private session: SessionInfo | undefined;
  private stopping = false;
  private readonly abort = new AbortController();
  /** Aborted by any `stop()`: ends the lanes' pauses while they wait for work. */
  private readonly halted = new AbortController();
  private readonly held = new Set<string>();
  private readonly parked = new Set<string>();
  private readonly gaveUp = new Set<string>();
  private startedAt = 0;
  private statusTimer: NodeJS.Timeout | undefined;
  private fatal: Error | undefined;
  /** The model endpoint's base URL, named in errors so a user knows which URL failed (null for baselines). */
  private endpoint: string | null = null;
  readonly summary: WorkerSummary = newSummary();

  constructor(private readonly o: WorkerOptions) {
    // Every request in flight listens on the one abort signal.
    setMaxListeners(0, this.abort.signal, this.halted.signal);
    this.server = new ServerConnection({
      server: o.server,
      token: o.token,
      ackTimeoutMs: o.ackTimeoutMs,
      reconnectTimeoutMs: o.reconnectTimeoutMs,
      socketOptions: o.socketOptions,
      onResend: () => this.summary.resubmits++,
      // A reconnect re-announces the run, so the server's listing shows it again.
      onReconnect: () => this.reportStatus(),
    });
  }

  /** Stops taking tasks; with `abort`, cancels the model requests in flight and releases their tasks. */
  stop({ abort = false }: { abort?: boolean } = {}): void {
    this.stopping = true;
    this.halted.abort();
    if (abort) this.abort.abort();
  }

  /** Runs until nothing is left (or `stop()`); resolves with the summary. Throws {@link RunFailed} when it cannot start. */
  async run(): Promise<WorkerSummary> {
    this.startedAt = Date.now();
    try {
      await this.server.open();
      const session = await this.server.command('session:get', {});
      if (!session.ok) throw new RunFailed(`session:get: ${session.error.message}`);
      if (session.data.kind !== 'llm') throw new RunFailed('This token is not a judge token (register a judge: POST /api/projects/:id/judges)');
      const info = await this.server.command('judge:get', {});
      if (!info.ok) throw new RunFailed(`judge:get: ${info.error.message}`);
      this.session = session.data;
      this.info = info.data;
      this.summary.progress = session.data.progress;
      this.judgeImpl = this.makeJudge();
      this.reportStatus();
      this.statusTimer = setInterval(() => this.reportStatus(), this.o.statusEveryMs ?? 1000);
      const lanes = Math.min(this.o.concurrency ?? info.data.config.concurrency, info.data.config.concurrency);
      const judging = Date.now();
      await Promise.all(Array.from({ length: lanes }, () => this.lane()));
      this.summary.judging_ms = Date.now() - judging;
      await this.releaseParked();
      if (this.fatal) throw this.fatal;
      this.summary.state = this.stopping ? 'stopped' : this.summary.errors > 0 ? 'error' : 'done';
    } catch (e) {
      this.summary.state = 'error';
      this.summary.last_error = e instanceof Error ? e.message : String(e);
      // Before the first task the run could not start: the caller says why. After it, the summary does.
      if (!this.judgeImpl) throw e;
    } finally {
      if (this.statusTimer) clearInterval(this.statusTimer);
      this.summary.wall_ms = Date.now() - this.startedAt;
      if (this.server.connected) await this.server.commandOnce('judge:status', statusReport(this.summary, this.startedAt), 2000).catch(() => undefined);
      this.server.close();
    }
    return this.summary;
  }

  private makeJudge(): Judge {
    const config = this.info!.config;
    const project = this.session!.project;
    this.summary.judge = { id: this.info!.id, name: this.info!.name, model: config.model };
    if (isBaseline(config.model)) return new BaselineJudge(config.model, project, config.seed ?? 0, config.swap);
    const template = chooseTemplate(project.type, config);
    this.summary.template = { name: template.name, version: templateVersion(template) };
    const keyVar = this.o.apiKeyEnv ?? config.api_key_env;
    const secret = this.o.secret ?? (() => undefined);
    const apiKey = (keyVar ? secret(keyVar) : secret('OPENAI_API_KEY')) ?? 'no-key';
    if (keyVar && apiKey === 'no-key') throw new RunFailed(`The API key variable ${keyVar} is not set`);
    this.endpoint = this.o.baseUrl ?? config.base_url ?? 'https://api.openai.com/v1';
    return new LlmJudge({
      baseURL: this.endpoint,
      apiKey,
      model: config.model,
      timeoutMs: this.o.timeoutMs ?? (config.timeout_seconds ?? 60) * 1000,
      maxTries: this.o.maxTries ?? 4,
      sleep: this.o.sleep,
      random: this.o.random,
      onRetry: (r) => {
        this.summary.retries++;
        this.summary.last_error = r.reason;
        this.progress();
      },
      config,
      project,
      structured: this.o.structured ?? config.structured ?? true,
      repair: config.repair ?? false,
    });
  }

  /**
   * Leases the lane's next task, or null when the lane is done (nothing left and none to wait for, stopping, or every
   * lease this judge may hold is taken). While the server says work may still come, it waits and asks again. A lease
   * handed back after a reconnect that another lane already holds is skipped; a task whose tries ran out earlier in
   * this run is held aside. The lease is kept alive from the moment it is taken.
   */
  private async take(): Promise<{ task: Task; heartbeat: NodeJS.Timeout } | null> {
    let wait = WAIT_FIRST_MS;
    let lastLook = false;
    for (;;) {
      if (this.stopping || this.fatal) return null;
      let next;
      try {
        next = await this.server.command('task:next', {});
      } catch (e) {
        this.fatal ??= e as Error;
        return null;
      }
      if (!next.ok) {
        if (next.error.code === 'conflict' && this.parked.size < this.maxLeases()) {
          // Every lease this judge may hold is out, held by other lanes or other workers sharing its token: one comes
          // free with their next label, so wait and ask again. (Held aside by this run alone, none ever would.)
          await pause(wait, undefined, { signal: this.halted.signal }).catch(() => undefined);
          wait = Math.min(2 * wait, WAIT_MAX_MS);
          continue;
        }
        if (next.error.code !== 'conflict') this.summary.last_error = `task:next: ${next.error.message}`;
        return null;
      }
      const task = next.data;
      if (!task) {
        if (!(await this.workMayCome())) {
          // Work can come between the two questions (then the server no longer says `waiting`): one more look.
          if (lastLook) return null;
          lastLook = true;
          continue;
        }
        lastLook = false;
        await pause(wait, undefined, { signal: this.halted.signal }).catch(() => undefined);
        wait = Math.min(2 * wait, WAIT_MAX_MS);
        continue;
      }
      if (this.held.has(task.leaseId) || this.parked.has(task.leaseId)) continue; // our own, handed back after a reconnect
      if (this.gaveUp.has(keyOf(task))) {
        this.parked.add(task.leaseId);
        continue;
      }
      this.held.add(task.leaseId);
      return { task, heartbeat: this.keepAlive(task) };
    }
  }

  /** The most leases the server lets this judge hold at once, all its workers together: twice its registered concurrency. */
  private maxLeases(): number {
    return 2 * (this.info?.config.concurrency ?? 1);
  }

  /** Whether the server says work may still come for this judge (`session:get`'s `waiting`) though none is free now. */
  private async workMayCome(): Promise<boolean> {
    if (this.stopping || this.fatal) return false;
    let session;
    try {
      session = await this.server.command('session:get', {});
    } catch (e) {
      this.fatal ??= e as Error;
      return false;
    }
    if (!session.ok) {
      this.summary.last_error = `session:get: ${session.error.message}`;
      return false;
    }
    this.summary.progress = session.data.progress;
    return session.data.waiting;
  }

  /**
   * One lane: judges its task while its next one is already leased, so the round trip of `task:next` hides behind
   * the model's latency (a lane holds at most two leases; the server lets a judge hold twice its concurrency).
   */
  private async lane(): Promise<void> {
    let current = await this.take();
    while (current) {
      const upcoming = this.take();
      this.summary.in_flight++;
      try {
        await this.work(current.task);
      } catch (e) {
        this.fatal ??= e as Error;
      } finally {
        clearInterval(current.heartbeat);
        this.held.delete(current.task.leaseId);
        this.summary.in_flight--;
        this.progress();
      }
      current = await upcoming;
      if (current && (this.stopping || this.fatal)) {
        // Leased ahead but not started: give it back.
        clearInterval(current.heartbeat);
        this.held.delete(current.task.leaseId);
        await this.release(current.task);
        current = null;
      }
    }
  }

  private async work(task: Task): Promise<void> {
    let judgment;
    try {
      judgment = await this.judgeImpl!.judge(task, this.abort.signal);
    } catch (e) {
      if (this.abort.signal.aborted) return void (await this.release(task));
      if (e instanceof EndpointFailed) {
        await this.release(task);
        throw new RunFailed(`${e.message} (model endpoint ${this.endpoint})`);
      }
      if (e instanceof RequestFailed) {
        this.summary.errors++;
        this.summary.last_error = `${e.message} (model endpoint ${this.endpoint})`;
        this.gaveUp.add(keyOf(task));
        await this.release(task);
        return;
      }
      throw e;
    }
    // The template the summary names is the one the labels say they used (a conversation's is chosen per item).
    const { template, template_version } = judgment.meta;
    if (typeof template === 'string' && typeof template_version === 'string') this.summary.template = { name: template, version: template_version };
    this.summary.tokens.prompt += judgment.tokens.prompt;
    this.summary.tokens.completion += judgment.tokens.completion;
    this.summary.cost = tokenCost(this.summary.tokens, this.info?.config.price);
    const clientLabelId = randomUUID();
    // A ranking goes as display positions (with its scores, if any): the server alone knows the order it showed.
    const submit = { leaseId: task.leaseId, value: judgment.value, certainty: judgment.certainty, rationale: judgment.rationale, clientLabelId, meta: judgment.meta, ...(judgment.scores ? { scores: judgment.scores } : {}) };
    const r = await this.submit(submit);
    if (r.ok) {
      // A duplicate ack answers a resubmission of this task's own client id (its first ack was lost): stored once, by us.
      this.summary.progress = r.data.progress;
      this.summary.labels++;
      if (judgment.value === null) this.summary.invalid++;
    } else if (r.error.code === 'lease-expired' || r.error.code === 'conflict') {
      // Nothing to release and nothing lost: the task is back in the pool (after a restart, in the new server's), or
      // another worker of this judge holds it or stored it (`conflict`: its client ids are fresh UUIDs, never reused).
      this.summary.lapsed++;
    } else {
      this.summary.errors++;
      this.summary.last_error = `label:submit: ${r.error.message}`;
      this.gaveUp.add(keyOf(task));
      await this.release(task);
    }
  }

  /**
   * Sends a label, and sends it again (same client id, so it is stored once) while the server answers that it could
   * not store it now (`internal`, `unavailable`: say, a server shutting down has closed its writer before its
   * sockets), until the answer is a verdict or the tries run out. A restarted server then answers `lease-expired`.
   */
  private async submit(input: CommandInput<'label:submit'>): Promise<Ack<SubmitResult>> {
    for (let attempt = 1; ; attempt++) {
      const r = await this.server.command('label:submit', input);
      if (r.ok || !RETRY_SUBMIT.has(r.error.code) || attempt >= SUBMIT_TRIES || this.abort.signal.aborted) return r;
      this.summary.resubmits++;
      await pause(SUBMIT_PAUSE_MS * 2 ** (attempt - 1), undefined, { signal: this.abort.signal }).catch(() => undefined);
    }
  }

  /**
   * Keeps the lease alive while the model takes its time (retries with long Retry-After waits), three times a lease.
   * The lease's length comes from the session, not from `expiresAt - Date.now()`: a worker on another machine reads
   * the server's timestamps with its own clock, and an hour's skew would space the heartbeats past the lease.
   */
  private keepAlive(task: Task): NodeJS.Timeout {
    const every = Math.max(HEARTBEAT_MIN_MS, ((this.session?.project.lease_seconds ?? 120) * 1000) / 3);
    const t = setInterval(() => this.server.notify('task:heartbeat', { leaseId: task.leaseId }), every);
    t.unref();
    return t;
  }

  private async release(task: Task): Promise<void> {
    try {
      await this.server.command('task:release', { leaseId: task.leaseId });
    } catch {
      // The server is gone; the lease will lapse and the task go back to the pool by itself.
    }
  }

  private async releaseParked(): Promise<void> {
    const ids = [...this.parked];
    this.parked.clear();
    await Promise.all(ids.map((leaseId) => this.server.command('task:release', { leaseId }).catch(() => undefined)));
  }

  private progress(): void {
    this.summary.wall_ms = Date.now() - this.startedAt;
    this.summary.structured_fallback = this.judgeImpl instanceof LlmJudge && this.judgeImpl.fellBack;
    this.o.onProgress?.(this.summary);
  }

  private reportStatus(): void {
    if (this.info) this.server.notify('judge:status', statusReport(this.summary, this.startedAt));
  }
}
