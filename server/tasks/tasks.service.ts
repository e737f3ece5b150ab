import { BLOCKED_MESSAGES, type AnnotatorProgress, type SessionInfo, type SocketData, type SubmitResult, type Task, type TaskItem } from '../../shared/protocol';
import { type JudgeCreate, type PairwiseValue, type Project } from '../../shared/schemas';
import { checkCertainty, checkValue, toCanonical } from '../../shared/values';
import { checkCertaintyStep } from '../../shared/certainty';
import { AppError, notFound } from '../errors';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import type { ItemsRepo } from '../items/items.repo';
import type { LabelsRepo } from '../labels/labels.repo';
import type { LabelWriter, Written } from '../labels/label-writer';
import type { StoredLabel } from '../reports/label-columns';
import type { ProjectsRepo } from '../projects/projects.repo';
import { ProjectPool, type JudgePlan, type Lease, type PoolSettings } from '../assignment/pool';
import { Crowd, STUDY_FULL, type CrowdWorker } from '../auth/crowd';

/** Who is labelling: an annotator of a project, as the socket's token established. */
export interface Actor {
  projectId: number;
  /** For a crowd worker who has not labelled yet, a provisional (negative) id: see server/auth/crowd.ts. */
  readonly annotatorId: number;
  kind: 'human' | 'llm';
  /** Humans: the crowd worker (shared by their sockets) and where this socket joined from, written on each label. */
  crowd?: { worker: CrowdWorker; inviteId: number; study: string | null; session: string | null };
}

const reusedId = () =>
  new AppError('conflict', 'This clientLabelId already names another label: generate a new clientLabelId for each label (e.g. crypto.randomUUID()) and submit again');

export interface TaskEvents {
  /** A label was stored or the pool changed: progress watchers should hear of it. */
  changed(projectId: number, labelled?: 'human' | 'llm'): void;
  /** A live label was committed (reports keep a copy of every label). */
  labelled(projectId: number, label: StoredLabel): void;
  /** Items or labels changed in bulk (import, settings): derived state must be rebuilt from the database. */
  reset(projectId: number): void;
  /** A crowd worker's first label made them an annotator: what was kept under their provisional id moves. */
  promoted?(projectId: number, from: number, to: number): void;
}

const META_MAX_BYTES = 256 * 1024;

/** Who is served nothing more (server/annotators: blocked by a researcher or by the project's gold-check bar). */
export interface AnnotatorGate {
  blocked(projectId: number, annotatorId: number): 'researcher' | 'qualification' | null;
}
const OPEN_GATE: AnnotatorGate = { blocked: () => null };

const poolSettings = (p: Project): PoolSettings => ({
  pairwise: p.type === 'pairwise',
  redundancy: p.redundancy,
  goldRate: p.gold_rate,
  maxPerAnnotator: p.max_per_annotator,
  leaseMs: { human: p.lease_seconds.human * 1000, llm: p.lease_seconds.llm * 1000 },
});

/**
 * The task protocol's rules: leasing, submitting, releasing and keeping tasks alive. Holds one assignment pool
 * per project, loaded from the database on first use and rebuilt after imports and settings changes.
 */
export class TasksService {
  private readonly pools = new Map<number, { project: Project; pool: ProjectPool }>();
  /** Judges' plans by annotator id, with their project (ids can be reused once a project is deleted). */
  private readonly plans = new Map<number, { projectId: number; plan: JudgePlan }>();
  /** Submissions in flight by (annotator, clientLabelId), so a resubmission racing the first is stored once. */
  private readonly inflight = new Map<string, { leaseId: string; result: Promise<SubmitResult> }>();
  private readonly crowd: Crowd;

  constructor(
    private readonly projects: ProjectsRepo,
    private readonly items: ItemsRepo,
    private readonly labels: LabelsRepo,
    private readonly annotators: AnnotatorsRepo,
    private readonly writer: LabelWriter,
    private readonly clock: () => number,
    private readonly events: TaskEvents,
    private readonly random: () => number = Math.random,
    private readonly gate: AnnotatorGate = OPEN_GATE,
    /** Crowd workers in memory and join links' places (app.ts wires it to the database); uncapped links by default. */
    crowd?: Crowd,
  ) {
    this.crowd = crowd ?? new Crowd(() => [], (projectId, id) => this.holds(projectId, id), () => undefined);
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
  holds(projectId: number, annotatorId: number): boolean {
    return this.pools.get(projectId)?.pool.holds(annotatorId) ?? false;
  }

  /** Crowd workers connected or holding a task who have not labelled yet (each costs memory, never a row). */
  provisionalWorkers(): number {
    return this.crowd.provisional;
  }

  /** The project and its loaded pool. */
  state(projectId: number): { project: Project; pool: ProjectPool } {
    let s = this.pools.get(projectId);
    if (!s) {
      const project = this.projects.get(projectId);
      if (!project) throw notFound('Project');
      s = { project, pool: new ProjectPool(poolSettings(project), this.random) };
      this.load(s.project, s.pool);
      this.pools.set(projectId, s);
    }
    return s;
  }

  private load(project: Project, pool: ProjectPool): void {
    pool.load(poolSettings(project), this.items.forPool(project.id), this.labels.humanCounts(project.id), this.labels.done(project.id));
  }

  /** Rebuilds a loaded project's pool from the database (after an import or a settings change). */
  reload(projectId: number): void {
    const s = this.pools.get(projectId);
    if (s) {
      const project = this.projects.get(projectId);
      if (!project) return void this.pools.delete(projectId);
      s.project = project;
      this.load(project, s.pool);
    }
    this.events.reset(projectId);
    this.events.changed(projectId);
  }

  /** Forgets a deleted project. */
  drop(projectId: number): void {
    this.pools.delete(projectId);
    for (const [id, p] of this.plans) if (p.projectId === projectId) this.plans.delete(id);
    this.crowd.dropProject(projectId);
  }

  /**
   * A judge was edited, archived, restored or deleted: its plan (swap, samples, concurrency) is read again, its
   * walk over the items restarts, with `release` the tasks it holds go back to the pool, and derived state (report,
   * gold) is rebuilt.
   */
  judgeChanged(projectId: number, annotatorId: number, { release = false }: { release?: boolean } = {}): void {
    this.plans.delete(annotatorId);
    const s = this.pools.get(projectId);
    if (s && release) for (const l of s.pool.leasesOf(annotatorId)) if (!l.submitting) s.pool.release(l);
    this.reload(projectId);
  }

  /** Returns lapsed leases of every loaded project to their pools (run on a timer). */
  sweep(): void {
    const now = this.clock();
    for (const [id, s] of this.pools) if (s.pool.expire(now) > 0) this.events.changed(id);
    this.evict();
  }

  private plan(actor: Actor): JudgePlan {
    const cached = this.plans.get(actor.annotatorId);
    if (cached && cached.projectId === actor.projectId) return cached.plan;
    const a = this.annotators.get(actor.annotatorId);
    const c = (a?.config ? JSON.parse(a.config) : {}) as Partial<JudgeCreate>;
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
    const waiting = human && !work && pool.heldByOthers(actor.annotatorId);
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
   * reconnecting annotator gets its own task back); otherwise a new claim.
   */
  next(actor: Actor, handed: Set<string>): Task | null {
    const { project, pool } = this.state(actor.projectId);
    this.refuseBlocked(actor);
    const now = this.clock();
    pool.expire(now);
    const mine = pool.leasesOf(actor.annotatorId).find((l) => !handed.has(l.id) && !l.submitting);
    if (mine) return this.toTask(project, mine, actor);
    if (actor.crowd && !this.crowd.mayClaim(actor.crowd.inviteId, actor.crowd.worker)) throw new AppError('forbidden', STUDY_FULL);
    const lease = actor.kind === 'human' ? pool.claimHuman(actor.annotatorId, now) : pool.claimJudge(actor.annotatorId, this.plan(actor), now);
    if (lease === 'limit')
      throw new AppError('conflict', 'You already hold as many tasks as you may at once: submit or release one first');
    if (lease === null) return null;
    this.events.changed(actor.projectId);
    return this.toTask(project, lease, actor);
  }

  private toTask(project: Project, lease: Lease, actor: Actor): Task {
    const row = this.items.forTask(lease.itemId);
    if (!row) throw new AppError('internal', 'The task item is missing');
    const { externalId, content } = row;
    const t: TaskItem = { id: externalId, question: content.question };
    if (project.type === 'pairwise') {
      const flip = lease.order === 'BA';
      t.answer_a = flip ? content.answer_b : content.answer_a;
      t.answer_b = flip ? content.answer_a : content.answer_b;
    }
    if (content.answer !== undefined) t.answer = content.answer;
    if (project.type === 'choice') t.options = content.options ?? project.options ?? [];
    if (content.rubric !== undefined) t.rubric = content.rubric;
    if (content.persona !== undefined) t.persona = content.persona;
    if (content.reference !== undefined && (actor.kind === 'llm' || project.show_reference)) t.reference = content.reference;
    const task: Task = { leaseId: lease.id, expiresAt: lease.expiresAt, item: t };
    if (lease.order) task.order = lease.order;
    if (actor.kind === 'llm') task.sample = lease.sample;
    return task;
  }

  async submit(actor: Actor, input: { leaseId: string; value: string | number | null; certainty?: number | null; rationale?: string | null; clientLabelId: string; meta?: Record<string, unknown> }): Promise<SubmitResult> {
    // A crowd worker's id changes at their first label: key their submissions by the worker, which does not.
    const key = `${actor.crowd ? `w${actor.projectId}:${actor.crowd.worker.key}` : actor.annotatorId}\u0000${input.clientLabelId}`;
    const running = this.inflight.get(key);
    if (running) {
      // A clientLabelId names one label: the same id on another task is not a retry of this one.
      if (running.leaseId !== input.leaseId) throw reusedId();
      return { ...(await running.result), duplicate: true };
    }
    // A live lease means its label cannot have been stored yet (committing ends the lease), so the look-up of a
    // repeated clientLabelId is needed only when the lease is gone: a retry after a lost ack (the same lease), or
    // an id reused on another task (refused). Labels stored before leases were recorded count as retries.
    const { pool } = this.state(actor.projectId);
    pool.expire(this.clock());
    const lease = pool.leases.get(input.leaseId);
    if ((!lease || lease.annotatorId !== actor.annotatorId) && actor.annotatorId > 0) {
      const stored = this.labels.byClientId(actor.annotatorId, input.clientLabelId);
      if (stored) {
        if (stored.lease_id !== null && stored.lease_id !== input.leaseId) throw reusedId();
        return { labelId: stored.id, duplicate: true, progress: this.progress(actor) };
      }
    }
    const p = this.store(actor, input);
    this.inflight.set(key, { leaseId: input.leaseId, result: p });
    try {
      return await p;
    } finally {
      this.inflight.delete(key);
    }
  }

  private async store(actor: Actor, input: Parameters<TasksService['submit']>[1]): Promise<SubmitResult> {
    const { project, pool } = this.state(actor.projectId);
    this.refuseBlocked(actor);
    const now = this.clock();
    pool.expire(now);
    const lease = pool.leases.get(input.leaseId);
    if (!lease || lease.annotatorId !== actor.annotatorId)
      throw new AppError('lease-expired', 'This task is no longer yours (its lease expired or was released): ask for the next task');
    if (lease.submitting) throw new AppError('conflict', 'This task is already being submitted under another clientLabelId');

    let value = input.value;
    if (value === null) {
      if (actor.kind !== 'llm') throw new AppError('invalid-input', 'A value is required');
    } else {
      const options = project.type === 'choice' ? (this.items.content(lease.itemId)?.options ?? project.options) : null;
      const err = checkValue(project, value, options);
      if (err) throw new AppError('invalid-input', `Invalid value: ${err}`, [{ field: 'value', message: err }]);
      if (project.type === 'pairwise') value = toCanonical(value as PairwiseValue, lease.order);
    }
    const certainty = input.certainty ?? null;
    if (certainty !== null) {
      // A person's certainty is stored as their slider showed it, on the scale's steps; a judge's is rescaled
      // from the scale its template asks on, so it may fall between them.
      const err = checkCertainty(project, certainty) ?? (actor.kind === 'human' && project.certainty ? checkCertaintyStep(project.certainty, certainty) : null);
      if (err) throw new AppError('invalid-input', `Invalid certainty: ${err}`, [{ field: 'certainty', message: err }]);
    } else if (project.certainty && actor.kind === 'human' && value !== null) {
      throw new AppError('invalid-input', `A certainty from ${project.certainty.min} to ${project.certainty.max} is required`, [{ field: 'certainty', message: 'required' }]);
    }
    // With rationale `off` none is collected: one sent anyway (by a script or a judge) is dropped, not stored.
    const rationale = project.rationale !== 'off' && input.rationale?.trim() ? input.rationale : null;
    if (project.rationale === 'required' && rationale === null && value !== null)
      throw new AppError('invalid-input', 'A rationale is required: say briefly why', [{ field: 'rationale', message: 'required' }]);
    let meta: string | null = null;
    if (actor.kind === 'llm' && input.meta) {
      meta = JSON.stringify(input.meta);
      if (meta.length > META_MAX_BYTES) throw new AppError('invalid-input', `meta is over ${META_MAX_BYTES} bytes`, [{ field: 'meta', message: 'too large' }]);
    }

    lease.submitting = true;
    const crowd = actor.crowd;
    const provisional = actor.annotatorId < 0 ? actor.annotatorId : null;
    let written: Written;
    try {
      written = await this.writer.write({
        projectId: actor.projectId,
        itemId: lease.itemId,
        annotatorId: actor.annotatorId,
        value,
        certainty,
        rationale,
        order: lease.order,
        sample: lease.sample,
        slot: lease.slot,
        durationMs: now - lease.issuedAt,
        createdAt: now,
        clientLabelId: input.clientLabelId,
        source: 'live',
        meta,
        leaseId: lease.id,
        inviteId: crowd?.inviteId ?? null,
        studyId: crowd?.study ?? null,
        sessionId: crowd?.session ?? null,
        // The first label of a crowd worker creates their annotator row in its own transaction.
        newWorker: provisional !== null ? crowd?.worker.key : undefined,
      });
    } catch (e) {
      pool.unsubmit(lease);
      throw e;
    }
    if (provisional !== null && crowd && crowd.worker.id === provisional) {
      // The worker is an annotator now: their leases (this one too) and their sockets move to the row's id.
      pool.rekeyHuman(provisional, written.annotatorId);
      this.crowd.promote(crowd.worker, written.annotatorId);
      this.events.promoted?.(actor.projectId, provisional, written.annotatorId);
    }
    const id = written.id;
    if (id === undefined) {
      // Not written: this clientLabelId names a label stored meanwhile, or the slot holds an imported label.
      pool.unsubmit(lease);
      const again = this.labels.byClientId(written.annotatorId, input.clientLabelId);
      if (again) {
        if (again.lease_id !== input.leaseId) throw reusedId(); // the task stays this annotator's, to submit under a new id
        pool.commit(lease, value);
        return { labelId: again.id, duplicate: true, progress: this.progress(actor) };
      }
      pool.release(lease);
      throw new AppError('conflict', 'You have already labelled this item');
    }
    pool.commit(lease, value);
    if (crowd) this.crowd.labelledVia(crowd.inviteId, written.annotatorId);
    this.events.labelled(actor.projectId, { id, itemId: lease.itemId, annotatorId: written.annotatorId, value, certainty, order: lease.order, sample: lease.sample, durationMs: now - lease.issuedAt });
    this.events.changed(actor.projectId, actor.kind);
    // This label may have put its annotator below the gold-check bar: say so, so no prefetched task is shown.
    const blocked = this.gate.blocked(actor.projectId, actor.annotatorId);
    return { labelId: id, duplicate: false, progress: this.progress(actor), ...(blocked ? { blocked } : {}) };
  }

  /** A blocked human is served nothing more, told kindly why (the message is the annotator page's end screen). */
  private refuseBlocked(actor: Actor): void {
    const blocked = this.gate.blocked(actor.projectId, actor.annotatorId);
    if (blocked) throw new AppError('forbidden', BLOCKED_MESSAGES[blocked]);
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
    if (n > 0) this.events.changed(projectId);
    return n;
  }

  release(actor: Actor, leaseId: string): void {
    const { pool } = this.state(actor.projectId);
    const lease = pool.leases.get(leaseId);
    if (!lease || lease.annotatorId !== actor.annotatorId) throw new AppError('lease-expired', 'This task is no longer yours');
    if (lease.submitting) throw new AppError('conflict', 'This task is being submitted');
    pool.release(lease);
    this.events.changed(actor.projectId);
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
