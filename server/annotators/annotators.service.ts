/** Annotators' standing in a project: blocked or kept out of the report by a researcher or by the gold-check bar. */
import type { AnnotatorView, Project } from '../../shared/views';
import { AnnotatorPatch } from '../../shared/schemas';
import { AppError, notFound, parseOrThrow } from '../errors';
import type { ProjectPool } from '../assignment/pool';
import type { DomainEvents } from '../events';
import type { BlockReason, StandingRepo, StandingRow } from './standing.repo';

/** What this service needs of the task service: the loaded pool, and a way to take back what someone holds. */
export interface TaskPools {
  state(projectId: number): { project: Project; pool: ProjectPool };
  /** Returns every lease the annotator holds (but one being submitted) to the pool at once. */
  releaseAll(projectId: number, annotatorId: number): number;
}

/**
 * The gold checks a human has answered, or null when the project serves none: gold items are quality checks only
 * when `gold_rate` > 0 (otherwise they are ordinary items, whose gold still feeds the report's judge-vs-gold).
 */
export function goldChecksOf(project: Project, pool: ProjectPool, annotatorId: number): { n: number; correct: number } | null {
  if (project.gold_rate <= 0) return null;
  return pool.goldChecks(annotatorId) ?? { n: 0, correct: 0 };
}

/**
 * Researchers' say over annotators, and the project's gold-check bar that acts on its own: a blocked human is
 * served nothing (their leases go back to the pool at once) and, unless kept in, their labels are left out of the
 * report and the gold set. Who is blocked is cached per project, so every `task:next` asks a Map, not SQLite.
 */
export class AnnotatorsService {
  private readonly blockedIn = new Map<number, Map<number, BlockReason>>();

  constructor(
    private readonly repo: StandingRepo,
    private readonly tasks: TaskPools,
    private readonly clock: () => number,
    /** Raises `annotator:exclusion-changed`. */
    private readonly events: DomainEvents,
  ) {}

  /** Each committed label is checked against the gold-check bar; a deleted project is forgotten. */
  subscribe(events: DomainEvents): void {
    events.on('label:stored', ({ projectId, label }) => this.labelled(projectId, label));
    events.on('project:deleted', ({ projectId }) => this.forget(projectId));
  }

  /** Why this annotator is served nothing more, or null. */
  blocked(projectId: number, annotatorId: number): BlockReason | null {
    let m = this.blockedIn.get(projectId);
    if (!m) {
      m = new Map(this.repo.blocked(projectId).map((r) => [r.id, r.blocked_reason]));
      this.blockedIn.set(projectId, m);
    }
    return m.get(annotatorId) ?? null;
  }

  list(projectId: number): AnnotatorView[] {
    const { project, pool } = this.tasks.state(projectId);
    return this.repo.list(projectId).map((r) => this.view(project, pool, r));
  }

  /** `PATCH /api/projects/:id/annotators/:annotator`: block or unblock a human, or keep their labels in or out. */
  patch(projectId: number, annotatorId: number, body: unknown): AnnotatorView {
    const patch = parseOrThrow(AnnotatorPatch, body ?? {}, 'annotator change');
    const row = this.repo.get(projectId, annotatorId);
    if (!row) throw notFound('Annotator');
    if (row.kind !== 'human')
      throw new AppError('invalid-input', 'An LLM judge is not blocked here: stop its run, or archive the judge to leave its labels out', [{ field: 'blocked', message: 'humans only' }]);
    let next: Pick<StandingRow, 'blocked_at' | 'blocked_reason'> & { excluded: boolean } = { blocked_at: row.blocked_at, blocked_reason: row.blocked_reason, excluded: row.excluded === 1 };
    if (patch.blocked === true) {
      // Blocking an annotator who is already blocked keeps who blocked them and when.
      next = row.blocked_at !== null ? { ...next, excluded: true } : { blocked_at: this.clock(), blocked_reason: 'researcher', excluded: true };
    } else if (patch.blocked === false) next = { blocked_at: null, blocked_reason: null, excluded: false };
    if (patch.excluded !== undefined) next.excluded = patch.excluded;
    const updated = this.apply(row, next);
    const { project, pool } = this.tasks.state(projectId);
    return this.view(project, pool, updated);
  }

  /**
   * A live label was committed: if it was a gold check that put a human at or past `min_checks` with accuracy
   * below `min_accuracy`, stop serving them (labels kept, left out of the report and gold set).
   */
  labelled(projectId: number, label: { itemId: number; annotatorId: number }): void {
    const { project, pool } = this.tasks.state(projectId);
    const bar = project.qualification;
    if (!bar || project.gold_rate <= 0 || !pool.items.get(label.itemId)?.gold) return;
    const checks = pool.goldChecks(label.annotatorId);
    // Judges have no gold-check record; a fraction's rounding must not stop someone exactly at the bar.
    if (!checks || checks.n < bar.min_checks || checks.correct >= bar.min_accuracy * checks.n - 1e-9) return;
    if (this.blocked(projectId, label.annotatorId)) return;
    const row = this.repo.get(projectId, label.annotatorId);
    if (!row || row.kind !== 'human') return;
    this.apply(row, { blocked_at: this.clock(), blocked_reason: 'qualification', excluded: true });
  }

  /** Forgets a deleted project. */
  forget(projectId: number): void {
    this.blockedIn.delete(projectId);
  }

  private apply(row: StandingRow, next: { blocked_at: number | null; blocked_reason: BlockReason | null; excluded: boolean }): StandingRow {
    const updated = this.repo.set(row.id, next);
    const m = this.blockedIn.get(row.project_id);
    if (m) {
      if (updated.blocked_at !== null && updated.blocked_reason) m.set(row.id, updated.blocked_reason);
      else m.delete(row.id);
    }
    if (updated.blocked_at !== null) this.tasks.releaseAll(row.project_id, row.id);
    if (updated.excluded !== row.excluded) this.events.emit('annotator:exclusion-changed', { projectId: row.project_id, annotatorId: row.id, excluded: updated.excluded === 1 });
    return updated;
  }

  private view(project: Project, pool: ProjectPool, r: StandingRow): AnnotatorView {
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      labels: pool.labelsOf(r.id),
      gold_checks: r.kind === 'human' ? goldChecksOf(project, pool, r.id) : null,
      blocked: r.blocked_at !== null,
      blocked_reason: r.blocked_reason,
      blocked_at: r.blocked_at === null ? null : new Date(r.blocked_at).toISOString(),
      excluded: r.excluded === 1,
      created_at: new Date(r.created_at).toISOString(),
    };
  }
}
