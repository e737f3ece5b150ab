/**
 * Loaded pools read again from the record (after a settings change, a labels import, an upsert, an escalating
 * project's judge edit). A big pool's read runs on a thread (assignment/pool-read.ts: 9M labels took the event loop
 * for 14 s, during which every annotator of every project waited); its live pool keeps serving meanwhile: leases
 * out are handed again, submitted, released and kept alive, and the labels it commits are kept and added to the new
 * state when it is installed. New tasks come from it too when a change of settings lets each be checked against the
 * new ones (pool-settings.ts `claimCheck`: a fixed redundancy or a cap, raised or lowered); otherwise they wait for
 * the install (the new state may forbid what the old would hand out: an imported label, a rule that reads votes,
 * escalation), without holding up anything else.
 */
import type { Project } from '../../shared/views';
import type { PoolSettings } from '../assignment/leases';
import type { ProjectPool } from '../assignment/pool';
import { readPool, type PoolRead, type ReadOptions } from '../assignment/pool-read';
import type { ClaimCheck } from './pool-settings';

/**
 * A pool with at least `from` items and labels is read again on a thread: below it, a read takes ~0.1 s. A claim
 * waits at most `waitMs` for the install, then is answered "none now" (the session says to wait): a browser gives
 * up on an answer after 8 s, and a task handed out after that would be nobody's. `chunk` and `paused`: the read's
 * options (pool-read.ts), for tests; `CONCORD_POOL_THREAD_FROM=0` reads every pool on a thread (to run tests so).
 */
export const REBUILD_ON_THREAD: { from: number; waitMs: number } & ReadOptions = { from: Number(process.env.CONCORD_POOL_THREAD_FROM ?? 200_000), waitMs: 5_000 };

/** Items filed in the humans' buckets a turn of the event loop, once read. */
const FILED_PER_TURN = 50_000;

interface Pending {
  read: PoolRead;
  /** The live pool may hand out new tasks meanwhile, those this says the new state allows; null: none. */
  serve: ClaimCheck | null;
  /** Claims waiting for the install. */
  waiters: Array<() => void>;
}

export class PoolRebuilds {
  private readonly pending = new Map<number, Pending>();

  /** `dbFile`: the database's file (null for an in-memory one: every read is then on the event loop). */
  constructor(private readonly dbFile: string | null) {}

  /** Whether this pool's read goes on a thread. */
  offThread(pool: ProjectPool): boolean {
    return this.dbFile !== null && pool.totalItems + pool.labelCount.human + pool.labelCount.llm >= REBUILD_ON_THREAD.from;
  }

  /** Whether the project's pool is being read again. */
  has(projectId: number): boolean {
    return this.pending.has(projectId);
  }

  /** While the project's pool is read again, which new tasks its live pool may hand out (null: none, or no read). */
  serving(projectId: number): ClaimCheck | null {
    return this.pending.get(projectId)?.serve ?? null;
  }

  /** `then()` once the project's pool is not being read again, if that is within {@link REBUILD_ON_THREAD} `waitMs`; else `late`. */
  after<T>(projectId: number, then: () => T | Promise<T>, late: T): Promise<T> {
    const p = this.pending.get(projectId);
    if (!p) return Promise.resolve().then(then);
    return new Promise<T>((resolve, reject) => {
      let gone = false;
      const timer = setTimeout(() => ((gone = true), resolve(late)), REBUILD_ON_THREAD.waitMs);
      timer.unref();
      p.waiters.push(() => {
        if (gone) return;
        clearTimeout(timer);
        Promise.resolve().then(then).then(resolve, reject);
      });
    });
  }

  /**
   * Reads the project's pool again on a thread (a read under way starts over: the record changed again), then
   * installs it and calls `installed`; if the read fails, `failed` (which reads it on the event loop); if either
   * throws, `lost`. `serve`: which new tasks the live pool may hand out meanwhile (none if a read under way let it
   * hand out none: that one read more than settings).
   */
  start(project: Project, pool: ProjectPool, settings: PoolSettings, serve: ClaimCheck | null, installed: () => void, failed: (e: Error) => void, lost: (e: Error) => void): void {
    const under = this.pending.get(project.id);
    if (under && !under.serve) serve = null;
    const waiters = this.stop(project.id);
    pool.keepCommits();
    const b = pool.build(settings);
    const read = readPool(this.dbFile!, project, b, { chunk: REBUILD_ON_THREAD.chunk, paused: REBUILD_ON_THREAD.paused });
    const p: Pending = { read, serve, waiters };
    this.pending.set(project.id, p);
    const end = (then: () => void) => {
      if (this.pending.get(project.id) !== p) return;
      this.pending.delete(project.id);
      try {
        then();
      } catch (e) {
        // A listener of the install failed, or the read did and so did its fallback (a server closing): nothing
        // here may throw, as nothing would catch it; the pool is read again on its next use.
        lost(e as Error);
      } finally {
        for (const w of p.waiters) w();
      }
    };
    // Once read, the items are filed a slice a turn (~5 ms each); the install then adds only what came meanwhile.
    const file = async () => {
      while (this.pending.get(project.id) === p && !b.indexSome(FILED_PER_TURN)) await new Promise((r) => setImmediate(r));
    };
    read.done.then(file).then(
      () => end(() => (pool.install(b), installed())),
      (e: Error) => end(() => failed(e)),
    );
  }

  /** Stops the project's read (its pool is read on the event loop, or forgotten); waiting claims go on. */
  cancel(projectId: number): void {
    for (const w of this.stop(projectId)) w();
  }

  /** Stops a read under way; returns the claims waiting for it. */
  private stop(projectId: number): Array<() => void> {
    const p = this.pending.get(projectId);
    if (!p) return [];
    this.pending.delete(projectId);
    p.read.cancel();
    return p.waiters;
  }
}
