/** Projects' rules: creating one with its defaults, checking a settings change, and telling the others (events). */
import { DEFAULT_LEASE_SECONDS, DEFAULT_SCALE, QUALIFICATION_NEEDS_GOLD } from '../../shared/constants';
import { ProjectCreate, ProjectPatch } from '../../shared/schemas';
import type { Project } from '../../shared/views';
import { AppError, notFound, parseOrThrow } from '../errors';
import type { DomainEvents } from '../events';
import { configOf, resolveCertainty, type ProjectConfig, type ProjectsRepo } from './projects.repo';
import { checkRouting, type RoutingJudge } from './routing-check';

export class ProjectsService {
  constructor(
    private readonly repo: ProjectsRepo,
    private readonly clock: () => number,
    /** Raises `project:changed` and `project:deleted`. */
    private readonly events: DomainEvents,
    /** A project's judges, for checking an escalation cascade (none before any is registered). */
    private readonly judgesOf: (projectId: number) => RoutingJudge[] = () => [],
  ) {}

  create(body: unknown): Project {
    const p = parseOrThrow(ProjectCreate, body, 'project');
    checkRouting(p.routing ?? null, { type: p.type, certainty: resolveCertainty(p.certainty) }, []);
    if (p.type === 'rating' && p.scale === undefined) p.scale = { ...DEFAULT_SCALE };
    const config: ProjectConfig = {
      redundancy: p.redundancy,
      options: p.options ?? null,
      scale: p.type === 'rating' ? (p.scale ?? { ...DEFAULT_SCALE }) : null,
      certainty: resolveCertainty(p.certainty),
      rationale: p.rationale,
      instructions: p.instructions,
      gold_rate: p.gold_rate,
      max_per_annotator: p.max_per_annotator ?? null,
      show_reference: p.show_reference,
      lease_seconds: { ...DEFAULT_LEASE_SECONDS, ...p.lease_seconds },
      completion_code: p.completion_code ?? null,
      redirect_url: p.redirect_url ?? null,
      public_title: p.public_title ?? null,
      qualification: p.qualification ?? null,
      aggregation: p.aggregation,
      routing: p.routing ?? null,
    };
    return this.repo.insert(p.name, p.type, config, this.clock());
  }

  get(id: number): Project {
    const p = this.repo.get(id);
    if (!p) throw notFound('Project');
    return p;
  }

  list(): Project[] {
    return this.repo.list();
  }

  patch(id: number, body: unknown): Project {
    const current = this.get(id);
    const patch = parseOrThrow(ProjectPatch, body, 'project settings');
    if (patch.scale && current.type !== 'rating') throw new AppError('invalid-input', 'A scale applies only to rating projects', [{ field: 'scale', message: 'rating projects only' }]);
    if (patch.options && current.type !== 'choice') throw new AppError('invalid-input', 'Options apply only to choice projects', [{ field: 'options', message: 'choice projects only' }]);
    const { name, certainty, lease_seconds, ...rest } = patch;
    const config: ProjectConfig = { ...configOf(current), ...rest };
    if (certainty !== undefined) config.certainty = resolveCertainty(certainty);
    if (lease_seconds) config.lease_seconds = { ...config.lease_seconds, ...lease_seconds };
    if (current.type === 'rating' && config.scale === null) config.scale = { ...DEFAULT_SCALE };
    if (config.qualification && !(config.gold_rate > 0)) {
      const field = patch.qualification ? 'qualification' : 'gold_rate';
      throw new AppError('invalid-input', `Invalid project settings (${field}: ${QUALIFICATION_NEEDS_GOLD})`, [{ field, message: QUALIFICATION_NEEDS_GOLD }]);
    }
    checkRouting(config.routing, { type: current.type, certainty: config.certainty }, patch.routing === undefined ? null : this.judgesOf(id));
    const updated = this.repo.update(id, name ?? current.name, config, this.clock());
    this.events.emit('project:changed', { projectId: id });
    return updated;
  }

  delete(id: number): void {
    if (!this.repo.delete(id)) throw notFound('Project');
    this.events.emit('project:deleted', { projectId: id });
  }
}
