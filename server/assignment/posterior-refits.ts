/**
 * Keeps the crowd model of each project whose redundancy stops on a posterior (issue 13) fresh: the project's
 * aggregation is refitted off the main thread (the report worker: reports.service.ts `posteriorModel`) once enough
 * new human labels arrived, debounced, and each snapshot is applied to the project's pool (ProjectPool.usePosterior),
 * which reads every item's stop again and refiles it, so `complete` and the buckets follow the new model. One fit per
 * project at a time; labels arriving meanwhile are counted for the next. See docs/decisions/0010-adaptive-redundancy.md.
 */
import type { Logger } from 'pino';
import { PosteriorModel, type PosteriorModelData } from '../../shared/stats/crowd/posterior';
import type { Project } from '../../shared/views';
import type { DomainEvents } from '../events';
import type { ProjectPool } from './pool';

/**
 * A refit starts once this many human labels arrived since the last one started, or this long after the first of
 * them, whichever comes first: a fit of a 100,000-vote project takes tens of milliseconds to a second in the
 * worker, so a busy project refits a few times a second at most, and a quiet one within two seconds of a label.
 */
export const REFIT = { labels: 20, ms: 2000 } as const;

/**
 * Applying a snapshot refiles the items between min and max on the main thread: about 0.3 µs an item (30 ms for
 * 100,000 items at min, measured on the loaded 2-core test machine). The next fit waits this many times as long as
 * the last application took, so applications take at most 1% of the main thread, and a big project's task latency
 * sees one pause every few seconds, not one per 20 labels. An application under THROTTLE_FROM_MS (a pause no task
 * request notices) does not hold the next fit back.
 */
export const APPLY_SHARE = 100;
export const THROTTLE_FROM_MS = 2;

interface Pending {
  /** Human labels since the last fit started. */
  fresh: number;
  timer: NodeJS.Timeout | null;
  fitting: boolean;
  /** Another fit was asked for while one was running. */
  again: boolean;
  /** `timer` is the throttle's (APPLY_SHARE), not the debounce's: labels only count until it fires. */
  throttled: boolean;
  /** When the last snapshot was applied and how long that took (performance.now() milliseconds). */
  appliedAt: number;
  applyMs: number;
}

export interface RefitDeps {
  /** The project and its loaded pool (throws for a deleted project). */
  state(projectId: number): { project: Project; pool: ProjectPool };
  /** Fits the project's aggregation on its human votes, off this thread. */
  fit(project: Project): Promise<PosteriorModelData>;
  logger: Logger;
  every?: { labels: number; ms: number };
}

const stopsOnPosterior = (p: Project): boolean => typeof p.redundancy === 'object' && p.redundancy.stop === 'posterior';

export class PosteriorRefits {
  private readonly pending = new Map<number, Pending>();
  private readonly every: { labels: number; ms: number };
  private closed = false;

  constructor(private readonly deps: RefitDeps) {
    this.every = deps.every ?? REFIT;
  }

  /**
   * Human labels count towards the next refit; a pool that has no snapshot yet (first use after a start, or after a
   * settings change) asks for one at once, as does a bulk change of its labels (an import, an exclusion).
   */
  subscribe(events: DomainEvents): void {
    events.on('label:stored', ({ projectId, kind }) => kind === 'human' && this.labelled(projectId, events));
    events.on('pool:changed', ({ projectId }) => this.first(projectId, events));
    events.on('pool:reloaded', ({ projectId }) => this.watched(projectId) && this.refit(projectId, events));
    events.on('annotator:exclusion-changed', ({ projectId }) => this.watched(projectId) && this.refit(projectId, events));
    events.on('project:deleted', ({ projectId }) => this.forget(projectId));
  }

  private watched(projectId: number): boolean {
    try {
      return stopsOnPosterior(this.deps.state(projectId).project);
    } catch {
      return false;
    }
  }

  private entry(projectId: number): Pending {
    let p = this.pending.get(projectId);
    if (!p) this.pending.set(projectId, (p = { fresh: 0, timer: null, fitting: false, again: false, throttled: false, appliedAt: 0, applyMs: 0 }));
    return p;
  }

  private labelled(projectId: number, events: DomainEvents): void {
    if (!this.watched(projectId)) return;
    const p = this.entry(projectId);
    p.fresh++;
    // A fit running or a throttled one waiting looks at the count when it is done.
    if (p.fitting || p.throttled) return;
    if (p.fresh >= this.every.labels) this.refit(projectId, events);
    else if (!p.timer) {
      p.timer = setTimeout(() => this.refit(projectId, events), this.every.ms);
      p.timer.unref();
    }
  }

  private first(projectId: number, events: DomainEvents): void {
    if (this.pending.has(projectId)) return;
    const s = this.loaded(projectId);
    if (s && stopsOnPosterior(s.project) && s.pool.posteriorModel === null) this.refit(projectId, events);
  }

  private loaded(projectId: number): { project: Project; pool: ProjectPool } | null {
    try {
      return this.deps.state(projectId);
    } catch {
      return null;
    }
  }

  /** Starts a fit now (or right after the one running). */
  refit(projectId: number, events: DomainEvents): void {
    const p = this.entry(projectId);
    if (p.timer) clearTimeout(p.timer);
    p.timer = null;
    p.throttled = false;
    if (p.fitting) return void (p.again = true);
    const wait = p.applyMs < THROTTLE_FROM_MS ? 0 : p.appliedAt + APPLY_SHARE * p.applyMs - performance.now();
    if (wait > 0) {
      p.throttled = true;
      p.timer = setTimeout(() => this.refit(projectId, events), wait);
      p.timer.unref();
      return;
    }
    const s = this.loaded(projectId);
    if (this.closed || !s || !stopsOnPosterior(s.project)) return;
    p.fitting = true;
    p.fresh = 0;
    this.deps
      .fit(s.project)
      .then((data) => {
        const now = this.loaded(projectId);
        if (this.closed || !now || !stopsOnPosterior(now.project)) return;
        const start = performance.now();
        now.pool.usePosterior(new PosteriorModel(data));
        p.appliedAt = performance.now();
        p.applyMs = p.appliedAt - start;
        events.emit('pool:changed', { projectId });
      })
      .catch((e: unknown) => this.deps.logger.error({ module: 'posterior', projectId, err: e }, 'posterior model fit failed'))
      .finally(() => {
        p.fitting = false;
        if (this.pending.get(projectId) !== p) return;
        if (p.again || p.fresh >= this.every.labels) {
          p.again = false;
          this.refit(projectId, events);
        } else if (p.fresh > 0 && !p.timer) {
          p.timer = setTimeout(() => this.refit(projectId, events), this.every.ms);
          p.timer.unref();
        }
      });
  }

  private forget(projectId: number): void {
    const p = this.pending.get(projectId);
    if (p?.timer) clearTimeout(p.timer);
    this.pending.delete(projectId);
  }

  /** Stops every timer; fits still running are not applied. */
  close(): void {
    this.closed = true;
    for (const id of [...this.pending.keys()]) this.forget(id);
  }
}
