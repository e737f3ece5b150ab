/**
 * A project's redundancy (issue 13): a number is a fixed count of human labels per item; an object asks each item
 * for `min` labels and up to `max`, stopping early when its labels satisfy `stop`
 * (docs/decisions/0010-adaptive-redundancy.md). Types and pure helpers only (the browser imports this; zod lives in
 * schemas.ts).
 */
import type { REDUNDANCY_STOPS } from './constants';

export type RedundancyStop = (typeof REDUNDANCY_STOPS)[number];

export interface AdaptiveRedundancy {
  min: number;
  max: number;
  stop: RedundancyStop;
  /** With `stop: "posterior"`: the consensus posterior in (0.5, 1) at which an item stops. */
  posterior?: number;
}

/** A project's `redundancy` setting as stored and returned: a fixed count, or the adaptive rule. */
export type Redundancy = number | AdaptiveRedundancy;

/** The rule's bounds: a fixed count n is { min: n, max: n, stop: null }. */
export function redundancyBounds(r: Redundancy): { min: number; max: number; stop: RedundancyStop | null } {
  return typeof r === 'number' ? { min: r, max: r, stop: null } : { min: r.min, max: r.max, stop: r.stop };
}

/** How the dashboard says a project's redundancy: "3 human labels per item", "2–5 human labels per item (…)". */
export function redundancyText(r: Redundancy): string {
  if (typeof r === 'number') return `${r} human label${r === 1 ? '' : 's'} per item`;
  const why = r.stop === 'unanimous' ? 'stops when they agree' : `stops at posterior ${r.posterior}`;
  return `${r.min}–${r.max} human labels per item (${why})`;
}
