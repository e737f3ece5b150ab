/**
 * The task protocol's flows for a connected annotator: their session, the next task, releasing and keeping tasks
 * alive, over one assignment pool per project. Storing a label is submissions.ts; checking one is label-checks.ts.
 */
import type { AnnotatorProgress, CommandPayload, SessionInfo, SocketData, SubmitResult, Task } from '../../shared/protocol';
import type { JudgeCreate } from '../../shared/schemas';
import type { Project } from '../../shared/views';
import { AppError, notFound } from '../errors';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import { judgeConfig } from '../judges/judges.repo';
import type { ItemsRepo } from '../items/items.repo';
import type { LabelsRepo } from '../labels/labels.repo';
import type { LabelSink } from '../labels/label-writer';
import type { DomainEvents } from '../events';
import type { ProjectsRepo } from '../projects/projects.repo';
import { ProjectPool } from '../assignment/pool';
import type { JudgePlan } from '../assignment/judge-pool';
import type { Lease, PoolSettings } from '../assignment/leases';
import type { DecisionOf } from '../exports/routed-gold';
import { Crowd, STUDY_FULL } from '../auth/crowd';
import { OPEN_GATE, refuseBlocked, type Actor, type AnnotatorGate, type Handed } from './actor';
import { Submissions } from './submissions';
import { PoolRebuilds } from './pool-rebuilds';
import { claimCheck, poolSettingsOf, samePool, withAnswers, type ClaimCheck } from './pool-settings';
import { taskItem, type FileSource } from './task-item';

/**
 * The task protocol's rules: leasing, submitting, releasing and keeping tasks alive. Holds one assignment pool
 * per project, loaded from the database on first use and rebuilt after imports and settings changes.
 */
export class TasksService {
  /** Each loaded project's pool, and the settings it was last read under. */
  private readonly pools = new Map<number, { project: Project; pool: ProjectPool; settings: PoolSettings }>();
  private readonly rebuilds: PoolRebuilds;
  /** Judges' plans by annotator id, with their project (ids can be reused once a project is deleted). */
  private readonly plans = new Map<number, { projectId: number; plan: JudgePlan }>();
  private readonly crowd: Crowd;
  private readonly submissions: Submissions;

  constructor(
    private readonly projects: ProjectsRepo,
    private readonly items: ItemsRepo,
    private readonly labels: LabelsRepo,
    private readonly annotators: AnnotatorsRepo,
    private readonly writer: LabelSink,
    private readonly clock: () => number,
    /** Raises `label:stored`, `pool:changed`, `pool:reloaded` and `annotator:promoted`. */
    private readonly events: DomainEvents,
    private readonly random: () => number = Math.random,
    private readonly gate: AnnotatorGate = OPEN_GATE,
    /** Crowd workers in memory and join links' places (app.ts wires it to the database); uncapped links by default. */
    crowd: Crowd | undefined,
    /** The project's stored image files (server/files/files.repo.ts), sent inside tasks as `data:` URLs. */
    private readonly files: FileSource,
  ) {
    this.rebuilds = new PoolRebuilds(labels.file);
    this.crowd = crowd ?? new Crowd(() => [], (projectId, id) => this.holds(projectId, id), () => undefined);
    this.submissions = new Submissions({
      state: (projectId) => this.state(projectId),
      progress: (actor) => this.progress(actor),
      items,
      labels,
      writer,
      crowd: this.crowd,
      gate,
      clock,
      events,
    });
  }

  /** A project's settings changed: its pool is rebuilt; a deleted project is forgotten. */
  subscribe(events: DomainEvents): void {
    events.on('project:changed', ({ projectId }) => this.settingsChanged(projectId));
    events.on('project:deleted', ({ projectId }) => this.drop(projectId));
  }

  /** The actor behind a newly connected socket; a crowd worker's sockets share one identity (server/auth/crowd.ts). */
  attach(data: Extract<SocketData, { role: 'annotator' }>): Actor {
    if (data.kind === 'llm') return { projectId: data.projectId, annotatorId: data.annotatorId, kind: 'llm' };
    const worker = this.crowd.attach(data.projectId, data.worker, data.annotatorId);
    return {
      projectId: data.projectId,
      kind: 'human',
      crowd: { worker, inviteId: data.inviteId, study: data.study, session: data.session },
      get annotatorId() {
        return worker.id;
      },
    };
  }

  /** A socket closed: a crowd worker with no socket and no task left is forgotten. */
  detach(actor: Actor): void {
    const w = actor.crowd?.worker;
    if (w && this.crowd.detach(w)) this.evict(w.projectId);
  }

  private evict(projectId?: number): void {
    for (const w of this.crowd.evictIdle(projectId)) if (w.id < 0) this.pools.get(w.projectId)?.pool.forgetHuman(w.id);
  }

  /** Whether an annotator (or a crowd worker's provisional id) holds a live lease in the project. */
  holds = (projectId: number, annotatorId: number): boolean => this.pools.get(projectId)?.pool.holds(annotatorId) ?? false;

  /** Crowd workers connected or holding a task who have not labelled yet (each costs memory, never a row). */
  provisionalWorkers = (): number => this.crowd.provisional;

  /** The project and its loaded pool. */
  state(projectId: number): { project: Project; pool: ProjectPool } {
    let s = this.pools.get(projectId);
    if (!s) {
      const project = this.projects.get(projectId);
      if (!project) throw notFound('Project');
      const settings = this.poolSettings(project);
      s = { project, pool: new ProjectPool(settings, this.random), settings };
      this.load(s.project, s.pool, settings);
      this.pools.set(projectId, s);
    }
    return s;
  }

  /**
   * Loads every project's pool (`concord serve` does, before it listens): a big project's first read takes seconds
   * (9M labels: ~14 s), which on first use would stall every connected annotator; before listening, nobody is.
   */
  loadAll(): Array<{ projectId: number; labels: number } | { projectId: number; error: Error }> {
    return this.projects.list().map((p) => {
      try {
        const { pool } = this.state(p.id);
        return { projectId: p.id, labels: pool.labelCount.human + pool.labelCount.llm };
      } catch (e) {
        // One project that cannot be read does not keep the others from being served: it is tried again on use.
        return { projectId: p.id, error: e as Error };
      }
    });
  }

  private load(project: Project, pool: ProjectPool, settings: PoolSettings): void {
    pool.load(settings, this.poolItems(project, 0), null, this.labels.done(project.id));
  }

  /** The project's items above `afterId`, as the pool reads them. */
  private poolItems(project: Project, afterId: number): Iterable<{ id: number; gold: string | number | null; answers?: number | null }> {
    const items = this.items.forPool(project.id, afterId);
    // Each ranking lease shows the answers in an order of its own: the pool draws it, so it knows each count.
    return project.type === 'ranking' ? withAnswers(items, this.items.answerCounts(project.id, afterId)) : items;
  }

  /** Resolves once the project's pool is not being read again (at most REBUILD_ON_THREAD `waitMs` later). */
  settled = (projectId: number): Promise<void> => this.rebuilds.after(projectId, () => undefined, undefined);

  /**
   * An items import added items and changed none (no upsert, no labels): a loaded pool takes the new ones without
   * reading the record again (a 9M-label pool's read took the event loop for 14 s); an escalating project's is read again.
   */
  itemsAdded(projectId: number): void {
    const s = this.pools.get(projectId);
    const project = this.projects.get(projectId);
    if (!s || !project || s.pool.router || project.routing?.mode === 'escalate' || this.rebuilds.has(projectId)) return this.reload(projectId);
    s.project = project;
    s.pool.addItems(this.poolSettings(project), this.poolItems(project, s.pool.lastItemId));
    this.events.emit('pool:reloaded', { projectId });
    this.events.emit('pool:changed', { projectId });
  }

  /** What the project's pool runs by, with its escalation cascade read from the judges' registrations. */
  private poolSettings(p: Project): PoolSettings {
    return poolSettingsOf(p, (id) => this.annotators.get(id));
  }

  /**
   * Rebuilds a loaded project's pool from the database (after an import or a settings change). A big pool is read
   * on a thread while it keeps serving (pool-rebuilds.ts; new tasks too, those `serve` says the new state allows);
   * `pool:reloaded` is raised once the new state is in.
   */
  reload(projectId: number, serve: ClaimCheck | null = null): void {
    const s = this.pools.get(projectId);
    if (s) {
      const project = this.projects.get(projectId);
      if (!project) return void (this.rebuilds.cancel(projectId), this.pools.delete(projectId));
      s.project = project;
      s.settings = this.poolSettings(project);
      if (this.rebuilds.has(projectId) || this.rebuilds.offThread(s.pool))
        return this.rebuilds.start(project, s.pool, s.settings, serve, () => this.reloaded(projectId), () => this.reloadNow(projectId), () => this.pools.delete(projectId));
      this.load(project, s.pool, s.settings);
    }
    this.reloaded(projectId);
  }

  /** The read on a thread failed: the pool is read here (as before there was a thread; if this fails too, it is dropped). */
  private reloadNow(projectId: number): void {
    const s = this.pools.get(projectId);
    if (s) this.load(s.project, s.pool, s.settings);
    this.reloaded(projectId);
  }

  private reloaded(projectId: number): void {
    this.events.emit('pool:reloaded', { projectId });
    this.events.emit('pool:changed', { projectId });
  }

  /** A project's settings changed: its pool is read again only if what it runs by changed (a lease length is set in place). */
  private settingsChanged(projectId: number): void {
    const s = this.pools.get(projectId);
    const project = s && this.projects.get(projectId);
    const settings = project && this.poolSettings(project);
    if (!s || !project || !settings || this.rebuilds.has(projectId) || !samePool(s.settings, settings)) return this.reload(projectId, s && settings ? claimCheck(s.pool.settings, settings) : null);
    s.project = project;
    s.settings = settings;
    s.pool.useLeaseMs(settings.leaseMs);
    this.reloaded(projectId);
  }

  /** An escalating project's judge decisions by item id, from its live router (the gold export's `decided_*`); null otherwise. */
  decisionsOf(projectId: number): DecisionOf | null {
    const { pool } = this.state(projectId);
    const router = pool.router;
    if (!router) return null;
    return (itemId) => {
      const s = pool.items.get(itemId);
      return s ? router.decision(s) : null;
    };
  }

  /** Forgets a deleted project. */
  drop(projectId: number): void {
    this.rebuilds.cancel(projectId);
    this.pools.delete(projectId);
    for (const [id, p] of this.plans) if (p.projectId === projectId) this.plans.delete(id);
    this.crowd.dropProject(projectId);
  }

  /**
   * A judge was edited, archived, restored or deleted: its plan (swap, samples, concurrency) is read again, its
   * walk over the items restarts, with `release` the tasks it holds go back to the pool, and derived state (report,
   * gold) is rebuilt. Without escalation that is the judge's own state (a reload of a 9M-label pool took the event
   * loop for 14 s); an escalating project's cascade is built from its judges, so its pool is read again.
   */
  judgeChanged(projectId: number, annotatorId: number, { release = false, deleted = false }: { release?: boolean; deleted?: boolean } = {}): void {
    this.plans.delete(annotatorId);
    const s = this.pools.get(projectId);
    if (s && release) for (const l of s.pool.leasesOf(annotatorId)) if (!l.submitting) s.pool.release(l);
    if (!s || s.pool.router || s.project.routing?.mode === 'escalate' || this.rebuilds.has(projectId)) return this.reload(projectId);
    s.pool.judgeChanged(annotatorId, deleted);
    this.reloaded(projectId);
  }

  /** Returns lapsed leases of every loaded project to their pools (run on a timer). */
  sweep(): void {
    const now = this.clock();
    for (const [id, s] of this.pools) {
      // Escalation's thresholds left for the sweep by a burst of labels are recertified here (when their pace allows).
      const lapsed = s.pool.expire(now) > 0;
      if (s.pool.recertify() || lapsed) this.events.emit('pool:changed', { projectId: id });
    }
    this.evict();
  }

  private plan(actor: Actor): JudgePlan {
    const cached = this.plans.get(actor.annotatorId);
    if (cached && cached.projectId === actor.projectId) return cached.plan;
    const a = this.annotators.get(actor.annotatorId);
    const c: Partial<JudgeCreate> = a ? judgeConfig(a) : {};
    // Each of a worker's `concurrency` lanes judges one task while holding the next: twice as many leases.
    const plan = { swap: c.swap ?? false, samples: c.samples ?? 1, maxLeases: 2 * (c.concurrency ?? 8) };
    this.plans.set(actor.annotatorId, { projectId: actor.projectId, plan });
    return plan;
  }

  progress(actor: Actor): AnnotatorProgress {
    const { pool } = this.state(actor.projectId);
    return actor.kind === 'human' ? pool.humanProgress(actor.annotatorId) : pool.judgeProgress(actor.annotatorId, this.plan(actor));
  }

  session(actor: Actor): SessionInfo {
    const { project, pool } = this.state(actor.projectId);
    // A crowd worker who has not labelled yet has no annotator row: they are their worker id.
    const a = actor.annotatorId > 0 ? this.annotators.get(actor.annotatorId) : undefined;
    const who = a ? { id: a.id, name: a.name } : actor.crowd ? { id: null, name: actor.crowd.worker.key } : undefined;
    if (!who) throw notFound('Annotator');
    const progress = this.progress(actor);
    // The completion code is what a crowd platform pays on: only someone who has labelled and has nothing left
    // to do, even once leases held by others lapse, sees it (and the redirect that carries it). While items they
    // could label are only held by others, they are told to wait.
    const blocked = this.gate.blocked(actor.projectId, actor.annotatorId);
    const human = actor.kind === 'human' && blocked === null;
    const work = human && pool.hasWorkFor(actor.annotatorId, this.clock());
    // A cascade judge waits while judges before it may still escalate items to it.
    // While the pool is read again, what is left is not known: wait (pool:changed follows the install).
    const waiting = this.rebuilds.has(actor.projectId) || (human && !work && pool.heldByOthers(actor.annotatorId)) || (actor.kind === 'llm' && pool.judgeWaiting(actor.annotatorId));
    const finished = actor.kind === 'human' && progress.done > 0 && (blocked !== null || (!work && !waiting));
    // A human stopped by the gold-check bar is paid as the bar's policy says; one a researcher blocked is not.
    const paid = finished && (blocked === null || (blocked === 'qualification' && project.qualification?.completion_code !== 'withhold'));
    return {
      kind: actor.kind,
      annotator: who,
      project: {
        id: project.id,
        title: project.public_title ?? project.name,
        type: project.type,
        instructions: project.instructions,
        options: project.options,
        scale: project.scale,
        certainty: project.certainty,
        rationale: project.rationale,
        completion_code: paid ? project.completion_code : null,
        redirect_url: paid ? project.redirect_url : null,
        lease_seconds: project.lease_seconds[actor.kind],
      },
      progress,
      finished,
      waiting,
      blocked,
    };
  }

  /**
   * The annotator's next task. A live lease that this connection has not been handed yet comes first (so a
   * reconnecting annotator gets its own task back; a judge's, only once the connection it went to has closed, so
   * workers sharing a token never judge one task twice); otherwise a new claim.
   */
  next(actor: Actor, handed: Handed): Task | null | Promise<Task | null> {
    const { project, pool } = this.state(actor.projectId);
    refuseBlocked(this.gate, actor);
    const now = this.clock();
    pool.expire(now);
    const human = actor.kind === 'human';
    const mine = pool.findLease(actor.annotatorId, (l) => !l.submitting && !handed.ids.has(l.id) && (human || !l.handedTo?.open));
    if (mine) return this.handOut(project, mine, actor, handed);
    if (actor.crowd && !this.crowd.mayClaim(actor.crowd.inviteId, actor.crowd.worker)) throw new AppError('forbidden', STUDY_FULL);
    // The pool is being read again: a new task waits for the new state, unless it allows the one this pool gives
    // (and when this one has none left, as the new state may have more).
    const rebuilding = this.rebuilds.has(actor.projectId);
    const serve = this.rebuilds.serving(actor.projectId);
    let lease = rebuilding && !serve ? null : human ? pool.claimHuman(actor.annotatorId, now) : pool.claimJudge(actor.annotatorId, this.plan(actor), now);
    if (serve && lease && lease !== 'limit' && !serve(pool, lease)) (pool.release(lease), (lease = null));
    if (lease === null && rebuilding) return this.rebuilds.after(actor.projectId, () => this.next(actor, handed), null);
    if (lease === 'limit')
      throw new AppError('conflict', 'You already hold as many tasks as you may at once: submit or release one first');
    if (lease === null) return null;
    this.events.emit('pool:changed', { projectId: actor.projectId });
    // A label will follow: have the writer's thread ready by then (its start takes a moment after a restart).
    this.writer.warm();
    return this.handOut(project, lease, actor, handed);
  }

  private handOut(project: Project, lease: Lease, actor: Actor, handed: Handed): Task {
    const task = this.toTask(project, lease, actor);
    handed.ids.add(lease.id);
    lease.handedTo = handed;
    return task;
  }

  private toTask(project: Project, lease: Lease, actor: Actor): Task {
    const row = this.items.forTask(lease.itemId);
    if (!row) throw new AppError('internal', 'The task item is missing');
    const task: Task = { leaseId: lease.id, expiresAt: lease.expiresAt, item: taskItem(project, row.externalId, row.content, lease, actor.kind, this.files) };
    if (lease.order) task.order = lease.order;
    if (actor.kind === 'llm') task.sample = lease.sample;
    return task;
  }

  /** Stores a label for a task this annotator holds (once per clientLabelId): see submissions.ts. */
  submit(actor: Actor, input: CommandPayload<'label:submit'>): Promise<SubmitResult> {
    return this.submissions.submit(actor, input);
  }

  /** Returns every lease an annotator holds (but one being submitted) to the pool at once: they were blocked. */
  releaseAll(projectId: number, annotatorId: number): number {
    const s = this.pools.get(projectId);
    if (!s) return 0;
    let n = 0;
    for (const lease of s.pool.leasesOf(annotatorId)) {
      if (lease.submitting) continue;
      s.pool.release(lease);
      n++;
    }
    if (n > 0) this.events.emit('pool:changed', { projectId });
    return n;
  }

  release(actor: Actor, leaseId: string): void {
    const { pool } = this.state(actor.projectId);
    const lease = pool.leases.get(leaseId);
    if (!lease || lease.annotatorId !== actor.annotatorId) throw new AppError('lease-expired', 'This task is no longer yours');
    if (lease.submitting) throw new AppError('conflict', 'This task is being submitted');
    pool.release(lease);
    this.events.emit('pool:changed', { projectId: actor.projectId });
  }

  heartbeat(actor: Actor, leaseId: string): { expiresAt: number } {
    const { pool } = this.state(actor.projectId);
    const now = this.clock();
    pool.expire(now);
    const lease = pool.leases.get(leaseId);
    if (!lease || lease.annotatorId !== actor.annotatorId || !pool.heartbeat(lease, now))
      throw new AppError('lease-expired', 'This task is no longer yours (its lease expired): ask for the next task');
    return { expiresAt: lease.expiresAt };
  }
}
