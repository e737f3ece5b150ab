import type { ProjectProgress } from '../../shared/protocol';
import type { RoutingState } from '../../shared/routing';
import type { AnnotatorKind } from '../../shared/schemas';
import type { Project } from '../../shared/views';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import { goldChecksOf } from '../annotators/annotators.service';
import type { ProjectPool } from '../assignment/pool';
import type { DomainEvents } from '../events';

/** Where snapshots go: the researchers watching a project (the socket server's watch rooms). */
export interface ProgressWatchers {
  watched(projectId: number): boolean;
  push(projectId: number, progress: ProjectProgress): void;
}

/** Per-second label counts over the last minute, for "labels per minute". */
class MinuteWindow {
  private readonly counts = { human: new Uint32Array(60), llm: new Uint32Array(60) };
  private readonly seconds = new Float64Array(60).fill(-1);

  add(kind: AnnotatorKind, now: number): void {
    const sec = Math.floor(now / 1000);
    const i = sec % 60;
    if (this.seconds[i] !== sec) {
      this.seconds[i] = sec;
      this.counts.human[i] = 0;
      this.counts.llm[i] = 0;
    }
    this.counts[kind][i]!++;
  }
  total(now: number): { human: number; llm: number } {
    const sec = Math.floor(now / 1000);
    let human = 0;
    let llm = 0;
    for (let i = 0; i < 60; i++) {
      if (sec - this.seconds[i]! < 60) {
        human += this.counts.human[i]!;
        llm += this.counts.llm[i]!;
      }
    }
    return { human, llm };
  }
}

/**
 * Live progress for researchers: who is connected, labels and their rate, items complete. Changes mark a
 * project dirty; `flush` (on a short timer) pushes one snapshot per dirty project to its watchers, so a burst
 * of labels costs one message, not one per label.
 */
export class ProgressService {
  private readonly connected = new Map<number, Map<number, { kind: AnnotatorKind; sockets: number }>>();
  private readonly windows = new Map<number, MinuteWindow>();
  private readonly dirty = new Set<number>();

  constructor(
    private readonly stateOf: (projectId: number) => { project: Project; pool: ProjectPool },
    private readonly annotators: AnnotatorsRepo,
    private readonly clock: () => number,
    /** Resolves once the project's pool is not being read again (TasksService.settled). */
    private readonly settled: (projectId: number) => Promise<void>,
  ) {}

  /** Labels stored and tasks moved mark a project for the next push; a promoted crowd worker keeps their connection. */
  subscribe(events: DomainEvents): void {
    events.on('label:stored', ({ projectId, kind }) => this.changed(projectId, kind));
    events.on('pool:changed', ({ projectId }) => this.changed(projectId));
    events.on('annotator:promoted', ({ projectId, from, to }) => this.rekey(projectId, from, to));
    events.on('project:deleted', ({ projectId }) => this.forget(projectId));
  }

  changed(projectId: number, labelled?: AnnotatorKind): void {
    if (labelled) {
      let w = this.windows.get(projectId);
      if (!w) this.windows.set(projectId, (w = new MinuteWindow()));
      w.add(labelled, this.clock());
    }
    this.dirty.add(projectId);
  }

  connect(projectId: number, annotatorId: number, kind: AnnotatorKind): void {
    let m = this.connected.get(projectId);
    if (!m) this.connected.set(projectId, (m = new Map()));
    const c = m.get(annotatorId);
    if (c) c.sockets++;
    else m.set(annotatorId, { kind, sockets: 1 });
    this.dirty.add(projectId);
  }

  disconnect(projectId: number, annotatorId: number): void {
    const m = this.connected.get(projectId);
    const c = m?.get(annotatorId);
    if (!m || !c) return;
    if (--c.sockets === 0) m.delete(annotatorId);
    this.dirty.add(projectId);
  }

  /** A crowd worker's first label made them an annotator: their connection moves from the provisional id. */
  rekey(projectId: number, from: number, to: number): void {
    const m = this.connected.get(projectId);
    const c = m?.get(from);
    if (!m || !c) return;
    m.delete(from);
    const into = m.get(to);
    if (into) into.sockets += c.sockets;
    else m.set(to, c);
    this.dirty.add(projectId);
  }

  /** Under escalation, who decides the items and each cascade judge's certified threshold (progress, the report); null otherwise. */
  routing(projectId: number): RoutingState | null {
    return this.stateOf(projectId).pool.router?.state((id) => this.annotators.get(id)?.name ?? `judge ${id}`) ?? null;
  }

  /**
   * The project's progress once a pending read of its pool is installed (a labels import, an upsert, a settings
   * change; pool-rebuilds.ts), so what a researcher asks for right after such a change counts it. A read that takes
   * longer than the rebuilds' wait is answered with the pool still serving; the push that follows the install counts it.
   */
  async current(projectId: number): Promise<ProjectProgress> {
    await this.settled(projectId);
    return this.snapshot(projectId);
  }

  snapshot(projectId: number): ProjectProgress {
    const { project, pool } = this.stateOf(projectId);
    const now = this.clock();
    const conn = this.connected.get(projectId);
    const connected = { human: 0, llm: 0 };
    for (const c of conn?.values() ?? []) connected[c.kind]++;
    return {
      project_id: projectId,
      items: { total: pool.totalItems, complete: pool.complete, gold: pool.goldItems },
      labels: { ...pool.labelCount },
      labels_per_minute: this.windows.get(projectId)?.total(now) ?? { human: 0, llm: 0 },
      connected,
      leases: { ...pool.leaseCount },
      human_budget: { spent: pool.labelCount.human, budget: pool.humanBudget, per_item: [...pool.labelsPerItem] },
      routing: this.routing(projectId),
      annotators: this.annotators.list(projectId).map((a) => ({
        id: a.id,
        name: a.name,
        kind: a.kind,
        labels: pool.labelsOf(a.id),
        connected: conn?.has(a.id) ?? false,
        // Gold checks exist only where gold items are served as checks (gold_rate > 0).
        gold_checks: a.kind === 'human' ? goldChecksOf(project, pool, a.id) : null,
      })),
      at: now,
    };
  }

  /** Sends a fresh snapshot to the watchers of every project that changed since the last flush. */
  flush(watchers: ProgressWatchers): void {
    for (const id of this.dirty) {
      this.dirty.delete(id);
      if (!watchers.watched(id)) continue;
      try {
        watchers.push(id, this.snapshot(id));
      } catch {
        // The project was deleted between the change and the flush: nobody to tell.
      }
    }
  }

  forget(projectId: number): void {
    this.connected.delete(projectId);
    this.windows.delete(projectId);
    this.dirty.delete(projectId);
  }
}
