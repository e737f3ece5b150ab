/** What a project's assignment pool runs by, read from its settings and its judges' registrations. */
import { REPORT_TEST_DEFAULTS } from '../../shared/constants';
import type { Project } from '../../shared/views';
import type { AnnotatorsRepo } from '../annotators/annotators.repo';
import { judgeConfig } from '../judges/judges.repo';
import type { Lease, PoolSettings } from '../assignment/leases';
import type { ProjectPool } from '../assignment/pool';
import type { CascadeJudge, RoutingPlan } from '../assignment/routed-need';

type Annotator = ReturnType<AnnotatorsRepo['get']>;

/** The pool settings of a project, with its escalation cascade read from the judges' registrations. */
export function poolSettingsOf(p: Project, annotator: (id: number) => Annotator): PoolSettings {
  return {
    pairwise: p.type === 'pairwise',
    redundancy: p.redundancy,
    goldRate: p.gold_rate,
    maxPerAnnotator: p.max_per_annotator,
    leaseMs: { human: p.lease_seconds.human * 1000, llm: p.lease_seconds.llm * 1000 },
    routing: routingPlan(p, annotator),
  };
}

/**
 * The cascade of an `escalate` project: its routing's judges that are still this project's and not archived (an
 * archived judge is passed over: its token is refused, so items would wait for it for ever); null when none is left.
 */
function routingPlan(p: Project, annotator: (id: number) => Annotator): RoutingPlan | null {
  if (p.routing?.mode !== 'escalate') return null;
  const judges: CascadeJudge[] = [];
  for (const id of p.routing.judges) {
    const a = annotator(id);
    if (!a || a.project_id !== p.id || a.kind !== 'llm' || a.archived_at !== null) continue;
    const c = judgeConfig(a);
    judges.push({ id, swap: c.swap ?? false, samples: c.samples ?? 1 });
  }
  if (judges.length === 0) return null;
  return { projectId: p.id, pairwise: p.type === 'pairwise', routing: p.routing, judges, minItems: REPORT_TEST_DEFAULTS.minItems };
}

/** Whether a pool read under `a` would be the one read under `b`: all alike but the lease lengths. */
export function samePool(a: PoolSettings, b: PoolSettings): boolean {
  return JSON.stringify({ ...a, leaseMs: null }) === JSON.stringify({ ...b, leaseMs: null });
}

/**
 * Whether all a pool run by `a` hands out, one run by `b` allows too, so the first may serve while the second is
 * read: `b` only raises a fixed redundancy or the cap per annotator, or changes the gold rate (which mixes, never
 * forbids) or lease lengths, and neither escalates.
 */
export function relaxes(a: PoolSettings, b: PoolSettings): boolean {
  if (a.routing || b.routing || a.pairwise !== b.pairwise) return false;
  if (typeof a.redundancy !== 'number' || typeof b.redundancy !== 'number' || b.redundancy < a.redundancy) return false;
  return b.maxPerAnnotator === null || (a.maxPerAnnotator !== null && b.maxPerAnnotator >= a.maxPerAnnotator);
}

/** Items with their number of answers (a ranking project's: each lease shows them in an order of its own). */
export function* withAnswers<T extends { id: number }>(items: Iterable<T>, counts: ReadonlyMap<number, number>): Generator<T & { answers: number | null }> {
  for (const r of items) yield { ...r, answers: counts.get(r.id) ?? null };
}

/** Whether a task the live pool just handed out is one the new state allows too (pool-rebuilds.ts). */
export type ClaimCheck = (pool: ProjectPool, lease: Lease) => boolean;

/**
 * For a change of settings alone (the record is what the live pool run by `a` knows), how to tell whether a task it
 * hands out the pool run by `b` allows: any, when `b` {@link relaxes} `a`; for a fixed redundancy without escalation,
 * one that keeps the item within `b`'s redundancy and its human within `b`'s cap, by the live pool's own counts (a
 * task refused makes its claim wait for the new state: under a fixed redundancy the live pool's first pick is the
 * least-used item it may give, so none other would do). Null when it cannot be told so (a rule that reads votes,
 * escalation): new tasks then wait for the new state.
 */
export function claimCheck(a: PoolSettings, b: PoolSettings): ClaimCheck | null {
  if (relaxes(a, b)) return () => true;
  const n = b.redundancy;
  if (a.routing || b.routing || a.pairwise !== b.pairwise || typeof n !== 'number') return null;
  return (pool, lease) => {
    if (lease.kind !== 'human') return true;
    const s = pool.items.get(lease.itemId);
    if (!s || s.labels + s.leased > n) return false;
    const cap = b.maxPerAnnotator;
    return cap === null || pool.humanProgress(lease.annotatorId).done + pool.leasesOf(lease.annotatorId).length <= cap;
  };
}
