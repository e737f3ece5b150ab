/**
 * The zod schema of a project's `redundancy` (issue 13): a fixed number of human labels per item, or the adaptive
 * rule `{ min, max, stop, posterior? }` (docs/decisions/0010-adaptive-redundancy.md; types in redundancy.ts).
 */
import { z } from 'zod';
import { LIMITS, REDUNDANCY_STOPS } from './constants';

const labelsPerItem = z.int().min(1).max(LIMITS.redundancy);

/** Adaptive redundancy (issue 13): `min` labels per item, more one at a time up to `max` until `stop` holds. */
export const AdaptiveRedundancy = z
  .strictObject({
    min: labelsPerItem,
    max: labelsPerItem,
    stop: z.enum(REDUNDANCY_STOPS),
    posterior: z.number().gt(0.5, { error: 'must be above 0.5' }).lt(1, { error: 'must be below 1' }).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.min > r.max) ctx.addIssue({ code: 'custom', path: ['max'], message: `must be at least min (${r.min})` });
    if (r.stop === 'posterior' && r.posterior === undefined)
      ctx.addIssue({ code: 'custom', path: ['posterior'], message: 'is required when stop is "posterior" (a target above 0.5 and below 1)' });
    if (r.stop !== 'posterior' && r.posterior !== undefined)
      ctx.addIssue({ code: 'custom', path: ['posterior'], message: 'applies only when stop is "posterior"' });
  });

/**
 * A union's issue names the branch the input was meant for: an object's own fields' problems, not "Invalid input"
 * (a branch that failed only on the input's type is the one it was not meant for).
 */
function redundancyError(iss: z.core.$ZodRawIssue): string | undefined {
  if (iss.code !== 'invalid_union') return undefined;
  const meant = iss.errors.find((e) => !(e.length === 1 && e[0]!.code === 'invalid_type' && e[0]!.path.length === 0));
  if (!meant) return 'must be a whole number of human labels per item, or an object { "min", "max", "stop" }';
  return meant.map((i) => (i.path.length ? `${i.path.join('.')} ${i.message}` : i.message)).join('; ');
}

/** Human labels per item: a fixed number, or adaptive `{ min, max, stop }`. */
export const Redundancy = z.union([labelsPerItem, AdaptiveRedundancy], { error: redundancyError });
