/**
 * A project's routing of items between LLM judges and humans (issue 13, part 2; docs/decisions/0011-escalation.md).
 * `parallel` (the default, `routing: null`): judges and humans label every item side by side. `escalate`: the
 * judges named in `judges` label first, in that order (a cascade); an item's verdict is accepted when the judge's
 * certainty is at or above its certified threshold for `target` agreement at error level `delta` (Jung, Brahman &
 * Choi 2025, selective evaluation: shared/stats/selective.ts), and goes to the next judge, or to the humans, when it
 * is below, when the judge's orders or samples disagree, or when its output was invalid. A `calibration` share of
 * the items, drawn by a fixed hash of the item, is always labelled by the humans (and by every judge): the
 * thresholds are certified on it, and recomputed as its labels arrive. Types and pure helpers only (the browser
 * imports this; zod lives in schemas.ts).
 */
import type { ROUTING_MODES } from './constants';

export type RoutingMode = (typeof ROUTING_MODES)[number];

export interface Routing {
  mode: RoutingMode;
  /** The project's judges (annotator ids) in cascade order: the first labels every item, each next one what the one before escalated. */
  judges: number[];
  /** The agreement with the humans a judge's accepted verdicts must reach (1 − α), e.g. 0.9. */
  target: number;
  /** The error level δ: the guarantee holds with probability at least 1 − δ over the calibration draw. */
  delta: number;
  /** The share of items (0 < c ≤ 1) humans always label, on which the thresholds are certified. */
  calibration: number;
}

/** One judge of the cascade, live (progress) or as the report states it. */
export interface RoutingJudgeState {
  id: number;
  name: string;
  /** Its place in the cascade, 0 = first. */
  stage: number;
  /** The lowest certainty whose verdicts are accepted, certified on the calibration share; null while none is. */
  threshold: number | null;
  /** Calibration items with this judge's consistent verdict, a certainty and a human reference: what certified it. */
  calibration_points: number;
  /** Observed agreement with the humans of its calibration verdicts at or above the threshold (the empirical side of the guarantee). */
  agreement: number | null;
  /** Share of its calibration points at or above the threshold. */
  coverage: number | null;
  /** Items (outside the calibration share) whose verdict it decided. */
  accepted: number;
  /** Items it passed on (below the threshold, orders or samples disagreeing, an invalid output). */
  escalated: number;
  /** Items waiting for its verdict (or for its threshold to be certified). */
  pending: number;
}

/** Where a project's items stand under `escalate` routing (`routing` in progress and in the report; null otherwise). */
export interface RoutingState {
  target: number;
  delta: number;
  calibration: number;
  /** Items in the calibration share (humans label them all). */
  calibration_items: number;
  /** Items decided by a judge, items with the humans (escalated, and the calibration share), items waiting for a judge. */
  items: { judges: number; humans: number; pending: number };
  judges: RoutingJudgeState[];
}

/**
 * Whether an item is in the project's calibration share: a 32-bit mix (the finaliser of MurmurHash3) of the
 * project and item ids, read as a fraction of 2³², below `share`. Fixed per item, so a restart, a new import or
 * the report draws the same items; about `share` of them.
 */
export function inCalibration(projectId: number, itemId: number, share: number): boolean {
  if (share >= 1) return true;
  let h = (Math.imul(projectId, 0x9e3779b1) ^ itemId) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32 < share;
}
