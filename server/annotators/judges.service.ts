import { JudgeCreate } from '../../shared/schemas';
import { AppError, parseOrThrow } from '../errors';
import { hashToken, newToken } from '../auth/tokens';
import type { TasksService } from '../tasks/tasks.service';
import type { AnnotatorRow, AnnotatorsRepo } from './annotators.repo';
import type { JudgeRunView } from '../judges/judge-runs.service';

export interface JudgeView extends Partial<JudgeRunView> {
  id: number;
  name: string;
  config: JudgeCreate;
  progress: { done: number; target: number | null };
  created_at: string;
}

/** Registration of LLM judges: each is one LLM annotator of the project with its own token. */
export class JudgesService {
  constructor(
    private readonly repo: AnnotatorsRepo,
    private readonly tasks: TasksService,
    private readonly clock: () => number,
    /** State, last error, tokens and cost of each judge's runs (server/judges). */
    private readonly runs?: { view(projectId: number, a: AnnotatorRow): JudgeRunView },
  ) {}

  register(projectId: number, body: unknown): { id: number; name: string; token: string } {
    const config = parseOrThrow(JudgeCreate, body ?? {}, 'judge');
    const name = config.name ?? config.model;
    if (this.repo.find(projectId, 'llm', name))
      throw new AppError('conflict', `This project already has an LLM annotator named "${name}": give the judge another name`, [{ field: 'name', message: 'taken' }]);
    const token = newToken('judge');
    const row = this.repo.insertJudge(projectId, name, { ...config, name }, hashToken(token), this.clock());
    return { id: row.id, name: row.name, token };
  }

  list(projectId: number): JudgeView[] {
    return this.repo
      .list(projectId)
      .filter((a) => a.kind === 'llm' && a.token_hash !== null)
      .map((a) => this.view(a));
  }

  private view(a: AnnotatorRow): JudgeView {
    return {
      id: a.id,
      name: a.name,
      config: JSON.parse(a.config ?? '{}') as JudgeCreate,
      progress: this.tasks.progress({ projectId: a.project_id, annotatorId: a.id, kind: 'llm' }),
      created_at: new Date(a.created_at).toISOString(),
      ...this.runs?.view(a.project_id, a),
    };
  }
}
