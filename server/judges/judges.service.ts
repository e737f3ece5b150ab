import type { JudgeDeleted, JudgeRegistered, JudgeRunView, JudgeView } from '../../shared/views';
import { JudgeCreate, JudgePatch } from '../../shared/schemas';
import { AppError, notFound, parseOrThrow } from '../errors';
import { hashToken, newToken } from '../auth/tokens';
import type { TasksService } from '../tasks/tasks.service';
import type { AnnotatorRow, AnnotatorsRepo } from '../annotators/annotators.repo';
import type { DomainEvents } from '../events';
import { judgeConfig, type JudgesRepo } from './judges.repo';

export interface JudgesDeps {
  annotators: AnnotatorsRepo;
  judges: JudgesRepo;
  tasks: TasksService;
  clock: () => number;
  /** State, last error, tokens and cost of each judge's runs, and stopping an in-server run (server/judges). */
  runs: {
    view(projectId: number, a: AnnotatorRow): JudgeRunView;
    halt(projectId: number, judgeId: number): Promise<void>;
    forgetJudge(judgeId: number): void;
  };
  /** Raises `judge:retired` (archived or deleted: its workers' sockets are closed). */
  events: DomainEvents;
}

/** Settings that decide which tasks the server hands a judge (its plan in the tasks service). */
const PLAN_FIELDS = ['swap', 'samples', 'concurrency'] as const;

/** Registration of LLM judges: each is one LLM annotator of the project with its own token. */
export class JudgesService {
  constructor(private readonly d: JudgesDeps) {}

  register(projectId: number, body: unknown): JudgeRegistered {
    const config = parseOrThrow(JudgeCreate, body ?? {}, 'judge');
    const name = config.name ?? config.model;
    this.assertFree(projectId, name);
    const token = newToken('judge');
    const row = this.d.annotators.insertJudge(projectId, name, { ...config, name }, hashToken(token), this.d.clock());
    return { id: row.id, name: row.name, token };
  }

  list(projectId: number): JudgeView[] {
    return this.d.annotators
      .list(projectId)
      .filter((a) => a.kind === 'llm' && a.token_hash !== null)
      .map((a) => this.view(a));
  }

  /**
   * Edits a registration and/or archives or restores the judge. A run reads its registration when it starts, so a
   * running judge keeps its settings until it is started again; swap, samples and concurrency also change at once
   * which tasks the server hands it. Archiving stops its in-server run, disconnects its workers and returns its
   * tasks to the pool; the report and gold leave its labels out until it is restored.
   */
  async update(projectId: number, judgeId: number, body: unknown): Promise<JudgeView> {
    const patch = parseOrThrow(JudgePatch, body ?? {}, 'judge change');
    let a = this.judge(projectId, judgeId);
    const { archived, ...changes } = patch;
    const before = judgeConfig(a);
    let planChanged = false;
    if (Object.keys(changes).length > 0) {
      const merged: Record<string, unknown> = { ...before };
      for (const [k, v] of Object.entries(changes)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      const config = parseOrThrow(JudgeCreate, merged, 'judge');
      const name = config.name ?? a.name;
      if (name !== a.name) this.assertFree(projectId, name);
      planChanged = PLAN_FIELDS.some((f) => config[f] !== before[f]);
      a = this.d.judges.update(a.id, name, { ...config, name });
    }
    const archiving = archived === true && a.archived_at === null;
    const restoring = archived === false && a.archived_at !== null;
    if (archiving) {
      // Archived first, so a worker that reconnects is refused; the in-server run (its own token) is stopped.
      a = this.d.judges.setArchived(a.id, this.d.clock());
      await this.d.runs.halt(projectId, a.id);
      this.d.events.emit('judge:retired', { projectId, judgeId: a.id });
    } else if (restoring) a = this.d.judges.setArchived(a.id, null);
    if (planChanged || archiving || restoring) this.d.tasks.judgeChanged(projectId, a.id, { release: archiving });
    return this.view(a);
  }

  /**
   * Deletes a judge. One with labels is kept (`conflict`, naming the count) unless `labels` is `'delete'`: then its
   * labels go too, and the pool, report and gold are rebuilt without them.
   */
  async remove(projectId: number, judgeId: number, labels: unknown): Promise<JudgeDeleted> {
    if (labels !== undefined && labels !== 'delete')
      throw new AppError('invalid-input', 'labels may only be "delete" (?labels=delete removes the judge\'s labels too)', [{ field: 'labels', message: 'must be "delete"' }]);
    const a = this.judge(projectId, judgeId);
    const withLabels = labels === 'delete';
    const held = this.d.judges.labels(a.id);
    if (held > 0 && !withLabels) throw this.hasLabels(a, held);
    await this.d.runs.halt(projectId, a.id);
    this.d.events.emit('judge:retired', { projectId, judgeId: a.id });
    // Counted again as it is deleted: a label stored meanwhile is not deleted unasked.
    const r = this.d.judges.remove(a.id, withLabels);
    if (!r.deleted) throw this.hasLabels(a, r.labels);
    this.d.runs.forgetJudge(a.id);
    this.d.tasks.judgeChanged(projectId, a.id, { release: true, deleted: true });
    return { id: a.id, name: a.name, labels_deleted: r.labels };
  }

  private hasLabels(a: AnnotatorRow, n: number): AppError {
    const count = `${n.toLocaleString('en-US')} label${n === 1 ? '' : 's'}`;
    return new AppError('conflict', `judge ${a.name} has ${count}: add ?labels=delete to remove them too, or archive it with PATCH {"archived": true}`, [
      { field: 'labels', message: String(n) },
    ]);
  }

  private assertFree(projectId: number, name: string): void {
    if (this.d.annotators.find(projectId, 'llm', name))
      throw new AppError('conflict', `This project already has an LLM annotator named "${name}": give the judge another name`, [{ field: 'name', message: 'taken' }]);
  }

  /** A judge of this project (an LLM annotator with a token; imported LLM annotators are not judges). */
  private judge(projectId: number, judgeId: number): AnnotatorRow {
    const a = this.d.annotators.get(judgeId);
    if (!a || a.project_id !== projectId || a.kind !== 'llm' || a.token_hash === null) throw notFound('Judge');
    return a;
  }

  private view(a: AnnotatorRow): JudgeView {
    return {
      id: a.id,
      name: a.name,
      config: judgeConfig(a),
      progress: this.d.tasks.progress({ projectId: a.project_id, annotatorId: a.id, kind: 'llm' }),
      created_at: new Date(a.created_at).toISOString(),
      archived: a.archived_at !== null,
      archived_at: a.archived_at === null ? null : new Date(a.archived_at).toISOString(),
      ...this.d.runs.view(a.project_id, a),
    };
  }
}
