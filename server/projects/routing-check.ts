/**
 * The checks of a project's `routing` that need the project (issue 13, part 2; shapes in shared/routing-schema.ts):
 * escalation reads the judges' certainty, so the project must ask for one; a ranking has no single verdict to
 * accept; and every judge named must be one of this project's, not archived.
 */
import type { Routing } from '../../shared/routing';
import type { Range, TaskType } from '../../shared/schemas';
import { AppError } from '../errors';

/** A judge of the project as the check needs it. */
export interface RoutingJudge {
  id: number;
  archived: boolean;
}

const refuse = (field: string, message: string) => new AppError('invalid-input', `Invalid project settings (${field}: ${message})`, [{ field, message }]);

/**
 * Throws `invalid-input` naming the field when `routing` cannot run on this project. `judges` null skips the judges'
 * check: a change of other settings keeps a stored cascade whose judge was archived since (the pool passes it over).
 */
export function checkRouting(routing: Routing | null, project: { type: TaskType; certainty: Range | null }, judges: readonly RoutingJudge[] | null): void {
  if (routing?.mode !== 'escalate') return;
  if (project.type === 'ranking') throw refuse('routing.mode', 'escalate works on pairwise, rating and choice projects: a ranking has no one verdict to accept');
  if (project.certainty === null)
    throw refuse('routing.mode', 'escalate needs the project to ask for a certainty (set certainty): a judge\'s verdict is accepted by how sure it is');
  if (judges === null) return;
  const byId = new Map(judges.map((j) => [j.id, j]));
  routing.judges.forEach((id, i) => {
    const j = byId.get(id);
    if (!j) throw refuse(`routing.judges.${i}`, `${id} is not a judge of this project (register it first: POST /api/projects/:id/judges)`);
    if (j.archived) throw refuse(`routing.judges.${i}`, `judge ${id} is archived: restore it, or leave it out`);
  });
}
