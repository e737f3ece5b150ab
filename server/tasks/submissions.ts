/**
 * The label-storing path of `label:submit`: a retry after a lost ack is answered from what was stored, a label is
 * checked (label-checks.ts) and written in the group commit (labels/label-writer.ts), then its lease is committed
 * in the pool and `label:stored` is raised. A crowd worker's first label makes them an annotator on the way.
 */
import type { StoredLabel } from '../../shared/events';
import type { AnnotatorProgress, CommandPayload, SubmitResult } from '../../shared/protocol';
import type { Project } from '../../shared/views';
import { AppError } from '../errors';
import type { ItemsRepo } from '../items/items.repo';
import type { LabelsRepo } from '../labels/labels.repo';
import type { LabelSink, Written } from '../labels/label-writer';
import type { DomainEvents } from '../events';
import type { ProjectPool } from '../assignment/pool';
import type { Lease } from '../assignment/leases';
import type { Crowd } from '../auth/crowd';
import { refuseBlocked, type Actor, type AnnotatorGate } from './actor';
import { checkLabel, type CheckedLabel } from './label-checks';

type LabelSubmit = CommandPayload<'label:submit'>;

const reusedId = () =>
  new AppError('conflict', 'This clientLabelId already names another label: generate a new clientLabelId for each label (e.g. crypto.randomUUID()) and submit again');

/** What the label-storing path reads and raises; TasksService builds it from its own parts. */
export interface SubmissionDeps {
  /** The project and its loaded pool. */
  state(projectId: number): { project: Project; pool: ProjectPool };
  /** The annotator's progress, as acknowledged with each label. */
  progress(actor: Actor): AnnotatorProgress;
  items: ItemsRepo;
  labels: LabelsRepo;
  writer: LabelSink;
  crowd: Crowd;
  gate: AnnotatorGate;
  clock: () => number;
  /** Raises `label:stored` and `annotator:promoted`. */
  events: DomainEvents;
}

export class Submissions {
  /** Submissions in flight by (annotator, clientLabelId), so a resubmission racing the first is stored once. */
  private readonly inflight = new Map<string, { leaseId: string; result: Promise<SubmitResult> }>();

  constructor(private readonly deps: SubmissionDeps) {}

  /** Stores a label once per clientLabelId: a repeat (in flight or stored) is answered `duplicate: true`. */
  async submit(actor: Actor, input: LabelSubmit): Promise<SubmitResult> {
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
    const { pool } = this.deps.state(actor.projectId);
    pool.expire(this.deps.clock());
    const lease = pool.leases.get(input.leaseId);
    if ((!lease || lease.annotatorId !== actor.annotatorId) && actor.annotatorId > 0) {
      const stored = this.deps.labels.byClientId(actor.annotatorId, input.clientLabelId);
      if (stored) {
        if (stored.lease_id !== null && stored.lease_id !== input.leaseId) throw reusedId();
        return { labelId: stored.id, duplicate: true, progress: this.deps.progress(actor) };
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

  private async store(actor: Actor, input: LabelSubmit): Promise<SubmitResult> {
    const { project, pool } = this.deps.state(actor.projectId);
    refuseBlocked(this.deps.gate, actor);
    const now = this.deps.clock();
    pool.expire(now);
    const lease = pool.leases.get(input.leaseId);
    if (!lease || lease.annotatorId !== actor.annotatorId)
      throw new AppError('lease-expired', 'This task is no longer yours (its lease expired or was released): ask for the next task');
    if (lease.submitting) throw new AppError('conflict', 'This task is already being submitted under another clientLabelId');
    // A choice item's own options are read only for a value to check (not for a judge's unreadable output).
    const options = project.type === 'choice' && input.value !== null ? (this.deps.items.content(lease.itemId)?.options ?? project.options) : null;
    const label = checkLabel(project, actor.kind, { options, order: lease.order, permutation: lease.permutation }, input);

    lease.submitting = true;
    const provisional = actor.annotatorId < 0 ? actor.annotatorId : null;
    let written: Written;
    try {
      written = await this.write(actor, lease, label, input.clientLabelId, now);
    } catch (e) {
      pool.unsubmit(lease);
      throw e;
    }
    if (provisional !== null) this.promote(actor, pool, provisional, written.annotatorId);
    const id = written.id;
    if (id === undefined) return this.notWritten(actor, pool, lease, label, written, input);
    pool.commit(lease, label.value, label.certainty);
    if (actor.crowd) this.deps.crowd.labelledVia(actor.crowd.inviteId, written.annotatorId);
    const stored: StoredLabel = {
      id,
      itemId: lease.itemId,
      annotatorId: written.annotatorId,
      value: label.value,
      certainty: label.certainty,
      order: lease.order,
      permutation: label.permutation === null ? null : lease.permutation,
      sample: lease.sample,
      durationMs: now - lease.issuedAt,
    };
    this.deps.events.emit('label:stored', { projectId: actor.projectId, label: stored, kind: actor.kind });
    // This label may have put its annotator below the gold-check bar: say so, so no prefetched task is shown.
    const blocked = this.deps.gate.blocked(actor.projectId, actor.annotatorId);
    return { labelId: id, duplicate: false, progress: this.deps.progress(actor), ...(blocked ? { blocked } : {}) };
  }

  /** Writes the label in the next group commit; resolves once it has committed. */
  private write(actor: Actor, lease: Lease, label: CheckedLabel, clientLabelId: string, now: number): Promise<Written> {
    const crowd = actor.crowd;
    return this.deps.writer.write({
      projectId: actor.projectId,
      itemId: lease.itemId,
      annotatorId: actor.annotatorId,
      ...label,
      order: lease.order,
      sample: lease.sample,
      slot: lease.slot,
      durationMs: now - lease.issuedAt,
      createdAt: now,
      clientLabelId,
      source: 'live',
      leaseId: lease.id,
      inviteId: crowd?.inviteId ?? null,
      studyId: crowd?.study ?? null,
      sessionId: crowd?.session ?? null,
      // The first label of a crowd worker creates their annotator row in its own transaction.
      newWorker: actor.annotatorId < 0 ? crowd?.worker.key : undefined,
    });
  }

  /**
   * A crowd worker's first label made them an annotator: their leases (this one too) and their sockets move to the
   * row's id, unless another of their labels, committed meanwhile, has moved them already.
   */
  private promote(actor: Actor, pool: ProjectPool, provisional: number, annotatorId: number): void {
    const crowd = actor.crowd;
    if (!crowd || crowd.worker.id !== provisional) return;
    pool.rekeyHuman(provisional, annotatorId);
    this.deps.crowd.promote(crowd.worker, annotatorId);
    this.deps.events.emit('annotator:promoted', { projectId: actor.projectId, from: provisional, to: annotatorId });
  }

  /** Not written: this clientLabelId names a label stored meanwhile, or the slot holds an imported label. */
  private notWritten(actor: Actor, pool: ProjectPool, lease: Lease, label: CheckedLabel, written: Written, input: LabelSubmit): SubmitResult {
    pool.unsubmit(lease);
    const again = this.deps.labels.byClientId(written.annotatorId, input.clientLabelId);
    if (again) {
      if (again.lease_id !== input.leaseId) throw reusedId(); // the task stays this annotator's, to submit under a new id
      pool.commit(lease, label.value, label.certainty);
      return { labelId: again.id, duplicate: true, progress: this.deps.progress(actor) };
    }
    pool.release(lease);
    throw new AppError('conflict', 'You have already labelled this item');
  }
}
