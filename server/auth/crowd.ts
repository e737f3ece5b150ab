/**
 * Crowd workers in memory: who is connected through a join link, before and after they become annotators.
 *
 * A worker id becomes an annotator (a row, a progress entry) only when it first submits a label, so ids made up
 * by the thousand leave nothing behind. Until then the worker has a provisional identity: a negative id, never
 * stored, shared by all of that worker's sockets in the project (tabs, reconnects) and used by the assignment
 * pool for its leases. The first label creates the row (in the label's own transaction) and the worker is moved
 * to the row's id (`promote`). An identity with no socket and no live lease is forgotten (`forget`), so what one
 * participant can make the server hold is bounded by their sockets and leases.
 *
 * Join links with `max_workers` count their places here: the distinct worker ids that have labelled through the
 * link, plus those that have not and hold a task taken through it. A place frees when such a worker's tasks lapse.
 */

/** One crowd worker in one project, shared by all of that worker's sockets. */
export interface CrowdWorker {
  readonly projectId: number;
  /** The worker id from the join URL. */
  readonly key: string;
  /** The annotator's id; negative (provisional, never stored) until the worker's first label creates the row. */
  id: number;
  /** The join link the worker last took a task through: the link whose place they hold while they hold a task. */
  seat: number | null;
  sockets: number;
}

/** A join link's cap, as the registry needs it. */
export interface Seating {
  id: number;
  project_id: number;
  max_workers: number | null;
}

export const STUDY_FULL = 'This study is full: every place on this link is taken. Thank you for your interest.';

export class Crowd {
  private readonly byKey = new Map<string, CrowdWorker>();
  /** Workers with no socket left, kept until their last lease lapses. */
  private readonly detached = new Set<CrowdWorker>();
  /** Per capped link: the annotator ids that have labelled through it (loaded on first use, grown on each label). */
  private readonly labelled = new Map<number, Set<number>>();
  /** Join links' caps by id, read once: a cap is set when the link is made and never changes. */
  private readonly links = new Map<number, Seating | undefined>();
  private nextProvisional = -1;

  constructor(
    /** The annotators that have labelled through a link, from the database. */
    private readonly labelledThrough: (inviteId: number) => Iterable<number>,
    /** Whether an annotator (or provisional id) holds a live lease in the project. */
    private readonly holds: (projectId: number, annotatorId: number) => boolean,
    /** A join link's cap, from the database. */
    private readonly link: (inviteId: number) => Seating | undefined,
  ) {}

  private static key(projectId: number, key: string) {
    return `${projectId}\u0000${key}`;
  }

  /** The worker's shared identity for a new socket: the annotator row's id if there is one, else a provisional id. */
  attach(projectId: number, key: string, annotatorId: number | null): CrowdWorker {
    const k = Crowd.key(projectId, key);
    let w = this.byKey.get(k);
    if (!w) this.byKey.set(k, (w = { projectId, key, id: annotatorId ?? this.nextProvisional--, seat: null, sockets: 0 }));
    w.sockets++;
    this.detached.delete(w);
    return w;
  }

  /** A socket of this worker closed; true when it was the last one. */
  detach(w: CrowdWorker): boolean {
    if (--w.sockets > 0) return false;
    this.detached.add(w);
    return true;
  }

  /** The worker's first label created its annotator row: from now on it is that annotator. */
  promote(w: CrowdWorker, annotatorId: number): void {
    w.id = annotatorId;
  }

  forget(w: CrowdWorker): void {
    this.detached.delete(w);
    const k = Crowd.key(w.projectId, w.key);
    if (this.byKey.get(k) === w) this.byKey.delete(k);
  }

  /** Workers with no socket whose leases have all lapsed: forgotten here and returned (their pool state goes too). */
  evictIdle(projectId?: number): CrowdWorker[] {
    const gone: CrowdWorker[] = [];
    for (const w of this.detached) {
      if ((projectId === undefined || w.projectId === projectId) && !this.holds(w.projectId, w.id)) {
        this.forget(w);
        gone.push(w);
      }
    }
    return gone;
  }

  /** Forgets a deleted project's workers. */
  dropProject(projectId: number): void {
    for (const w of this.byKey.values()) if (w.projectId === projectId) this.forget(w);
    // Link ids can be reused once a project's links are deleted with it.
    for (const [id, link] of this.links) if (link === undefined || link.project_id === projectId) this.links.delete(id);
  }

  /** A link's cap, read from the database once (claims run on every `task:next`: no query on that path). */
  private seating(inviteId: number): Seating | undefined {
    if (!this.links.has(inviteId)) this.links.set(inviteId, this.link(inviteId));
    return this.links.get(inviteId);
  }

  /** How many workers have a provisional identity (not yet labelled). */
  get provisional(): number {
    let n = 0;
    for (const w of this.byKey.values()) if (w.id < 0) n++;
    return n;
  }

  private labelledSet(inviteId: number): Set<number> {
    let s = this.labelled.get(inviteId);
    if (!s) this.labelled.set(inviteId, (s = new Set(this.labelledThrough(inviteId))));
    return s;
  }

  /** A label through this link was stored: the worker has a place on it for good. */
  labelledVia(inviteId: number, annotatorId: number): void {
    this.labelled.get(inviteId)?.add(annotatorId);
  }

  /** Whether this worker already has a place on the link: labelled through it, or holds a task taken through it. */
  private hasPlace(link: Seating, annotatorId: number | null, w: CrowdWorker | undefined): boolean {
    if (annotatorId !== null && this.labelledSet(link.id).has(annotatorId)) return true;
    return w !== undefined && w.seat === link.id && this.holds(w.projectId, w.id);
  }

  private placesTaken(link: Seating): number {
    const labelled = this.labelledSet(link.id);
    let n = labelled.size;
    for (const w of this.byKey.values())
      if (w.projectId === link.project_id && w.seat === link.id && !labelled.has(w.id) && this.holds(w.projectId, w.id)) n++;
    return n;
  }

  /** Whether a worker may connect through this link: always if it is uncapped or they have a place on it. */
  admits(link: Seating, key: string, annotatorId: number | null): boolean {
    if (link.max_workers === null) return true;
    const w = this.byKey.get(Crowd.key(link.project_id, key));
    return this.hasPlace(link, annotatorId ?? (w && w.id > 0 ? w.id : null), w) || this.placesTaken(link) < link.max_workers;
  }

  /**
   * Called before a new task is leased to the worker through this link: false when the link is full and the
   * worker has no place on it. Otherwise the worker now holds their place through this link.
   */
  mayClaim(inviteId: number, w: CrowdWorker): boolean {
    const link = this.seating(inviteId);
    if (link && link.max_workers !== null && !this.hasPlace(link, w.id > 0 ? w.id : null, w) && this.placesTaken(link) >= link.max_workers) return false;
    w.seat = inviteId;
    return true;
  }
}
