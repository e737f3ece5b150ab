/**
 * The server's domain events: what one feature tells the others happened, so each reacts in its own file and the
 * composition root only wires them together (server/events.ts delivers them). Names are `domain:past-tense`;
 * payloads are plain objects in camelCase. Types only: nothing here runs.
 */
import type { AnnotatorKind } from './schemas';

/** A label as the report store takes it: ids from the database, values in the canonical frame. */
export interface StoredLabel {
  id: number;
  itemId: number;
  annotatorId: number;
  value: string | number | null;
  certainty: number | null;
  order: 'AB' | 'BA' | null;
  /**
   * Ranking: the order the answers were shown in (`permutation[p]` = the item's answer at display position p), for
   * position bias; `value` is the ranking's JSON text in the item's own frame. Null for other types.
   */
  permutation: number[] | null;
  sample: number;
  durationMs: number | null;
}

/** Every domain event by name, with its payload. */
export interface DomainEventMap {
  /**
   * A live label was committed (delivered inside the label's submit, after its transaction). The report keeps a
   * copy, the gold-check bar looks at it, progress counts it.
   */
  'label:stored': { projectId: number; label: StoredLabel; kind: AnnotatorKind };
  /** A task was leased, released or lapsed, or the pool was rebuilt: progress watchers should hear of it. */
  'pool:changed': { projectId: number };
  /** Items or labels changed in bulk (import, settings, a judge edited): what is derived from them is rebuilt. */
  'pool:reloaded': { projectId: number };
  /** A crowd worker's first label made them an annotator: what was kept under their provisional id moves. */
  'annotator:promoted': { projectId: number; from: number; to: number };
  /** An annotator's labels came into (`excluded` false) or left the report and the gold set. */
  'annotator:exclusion-changed': { projectId: number; annotatorId: number; excluded: boolean };
  /** A join link was revoked: it stops working at once, and whoever is connected through it is disconnected. */
  'invite:revoked': { projectId: number; inviteId: number };
  /** A judge was archived or deleted (its in-server run stopped): its token no longer connects, its workers are disconnected. */
  'judge:retired': { projectId: number; judgeId: number };
  /** A project's settings changed: what depends on them is rebuilt. */
  'project:changed': { projectId: number };
  /** A project was deleted with its items and labels: whatever is kept about it in memory is forgotten. */
  'project:deleted': { projectId: number };
}

export type DomainEventName = keyof DomainEventMap;
