/**
 * The steps of a certainty scale: what the annotator's slider can land on, shows, and sends, and what the server
 * stores for a human. No runtime imports, so the annotator page uses it without pulling in zod.
 *
 * - An integer scale wider than one step (the default 1–100, 0–100, a 1–5 Likert scale) moves in whole numbers.
 * - Any other scale (a 0–1 probability, 0.5–1) moves in hundredths of its range: 0–1 in steps of 0.01.
 * A 0–1 scale is shown as a percentage (0.4 → "40%"), as are 0–100 and 1–100 (40 → "40%").
 */

/** A certainty scale (shared/schemas' `Range`, restated so this module imports nothing at run time). */
export interface CertaintyScale {
  min: number;
  max: number;
}

/** How far apart two neighbouring values of the scale are. */
export function certaintyStep(s: CertaintyScale): number {
  return Number.isInteger(s.min) && Number.isInteger(s.max) && s.max - s.min >= 2 ? 1 : (s.max - s.min) / 100;
}

/** Floating-point noise off: 0.01 × 57 is 0.5700000000000001. */
const clean = (v: number) => Math.round(v * 1e9) / 1e9;

/** The scale value nearest to `v`, inside the scale. */
export function snapCertainty(s: CertaintyScale, v: number): number {
  const step = certaintyStep(s);
  const k = Math.round((Math.min(s.max, Math.max(s.min, v)) - s.min) / step);
  return clean(Math.min(s.max, s.min + k * step));
}

/** Whether `v` is one of the scale's values (up to floating-point noise). */
export function onCertaintyStep(s: CertaintyScale, v: number): boolean {
  const k = (v - s.min) / certaintyStep(s);
  return Math.abs(k - Math.round(k)) < 1e-6;
}

/** A sentence naming the scale's steps, e.g. "a whole number from 1 to 100". */
export function describeCertaintySteps(s: CertaintyScale): string {
  const step = certaintyStep(s);
  return step === 1 ? `a whole number from ${s.min} to ${s.max}` : `a value from ${s.min} to ${s.max} in steps of ${clean(step)}`;
}

/**
 * The value after one press of `-` or `=`: the next multiple of a tenth of the scale (1–100: 10, 20, …; 0–1:
 * 0.1, 0.2, …) below or above `from`, or above/below the middle when nothing is set yet; always on a step.
 */
export function nudgeCertainty(s: CertaintyScale, from: number | null, dir: 1 | -1): number {
  const step = certaintyStep(s);
  const tenth = Math.max(step, Math.round((s.max - s.min) / 10 / step) * step);
  const start = from ?? snapCertainty(s, Math.round((s.min + s.max) / 2 / tenth) * tenth);
  const k = start / tenth;
  const onGrid = Math.abs(k - Math.round(k)) < 1e-6;
  const next = (dir > 0 ? (onGrid ? Math.round(k) + 1 : Math.ceil(k)) : onGrid ? Math.round(k) - 1 : Math.floor(k)) * tenth;
  return snapCertainty(s, next);
}

/** Whether the scale reads as a percentage: 0–1 (shown ×100), or 0–100 and 1–100. */
const percent = (s: CertaintyScale) => (s.min === 0 && s.max === 1 ? 100 : (s.min === 0 || s.min === 1) && s.max === 100 ? 1 : null);

/** The certainty as the annotator sees it: "40%" on 1–100 or 0–1, "3 of 5" on 1–5, "0.75" on 0.5–1. */
export function formatCertainty(s: CertaintyScale, v: number): string {
  const f = percent(s);
  if (f !== null) return `${clean(v * f)}%`;
  return certaintyStep(s) === 1 ? `${v} of ${s.max}` : String(clean(v));
}

/** A sentence when `v` falls between the scale's steps (what a person's slider cannot show), else null. */
export function checkCertaintyStep(s: CertaintyScale, v: number): string | null {
  return onCertaintyStep(s, v) ? null : `certainty ${v} is between the scale's steps: give ${describeCertaintySteps(s)}`;
}
