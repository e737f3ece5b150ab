import type { Db } from '../db/database';
import { DEFAULT_CERTAINTY } from '../../shared/constants';
import type { Range, TaskType } from '../../shared/schemas';
import type { AggregationMethod } from '../../shared/stats/crowd/types';
import type { Project } from '../../shared/views';

/**
 * The resolved settings of a project: everything but identity and times. All are stored in the `config` column but
 * `aggregation`, which has a column of its own (migration 0004) so the database refuses an unknown method.
 */
export type ProjectConfig = Omit<Project, 'id' | 'name' | 'type' | 'created_at' | 'updated_at'>;

interface ProjectRow {
  id: number;
  name: string;
  type: TaskType;
  config: string;
  aggregation: AggregationMethod;
  created_at: number;
  updated_at: number;
}

export function toProject(row: ProjectRow): Project {
  // Settings added after a project was made read as their defaults.
  const c = { public_title: null, qualification: null, routing: null, ...(JSON.parse(row.config) as Partial<ProjectConfig>) } as ProjectConfig;
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    ...c,
    aggregation: row.aggregation,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export function configOf(p: Project): ProjectConfig {
  const { id: _i, name: _n, type: _t, created_at: _c, updated_at: _u, ...config } = p;
  return config;
}

/** The `config` column's text and the `aggregation` column of a project's settings. */
function columnsOf(config: ProjectConfig): { config: string; aggregation: AggregationMethod } {
  const { aggregation, ...rest } = config;
  return { config: JSON.stringify(rest), aggregation };
}

export const resolveCertainty = (c: boolean | Range | null | undefined): Range | null =>
  c === true ? { ...DEFAULT_CERTAINTY } : c ? c : null;

export class ProjectsRepo {
  private readonly insertStmt;
  private readonly getStmt;
  private readonly listStmt;
  private readonly updateStmt;
  private readonly deleteStmt;

  constructor(private readonly db: Db) {
    this.insertStmt = db.prepare<{ name: string; type: string; config: string; aggregation: string; now: number }, ProjectRow>(
      'INSERT INTO projects (name, type, config, aggregation, created_at, updated_at) VALUES (@name, @type, @config, @aggregation, @now, @now) RETURNING *',
    );
    this.getStmt = db.prepare<[number], ProjectRow>('SELECT * FROM projects WHERE id = ?');
    this.listStmt = db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY id');
    this.updateStmt = db.prepare<{ id: number; name: string; config: string; aggregation: string; now: number }, ProjectRow>(
      'UPDATE projects SET name = @name, config = @config, aggregation = @aggregation, updated_at = @now WHERE id = @id RETURNING *',
    );
    this.deleteStmt = db.prepare<[number]>('DELETE FROM projects WHERE id = ?');
  }

  insert(name: string, type: TaskType, config: ProjectConfig, now: number): Project {
    return toProject(this.insertStmt.get({ name, type, ...columnsOf(config), now })!);
  }
  get(id: number): Project | undefined {
    const row = this.getStmt.get(id);
    return row && toProject(row);
  }
  list(): Project[] {
    return this.listStmt.all().map(toProject);
  }
  update(id: number, name: string, config: ProjectConfig, now: number): Project {
    return toProject(this.updateStmt.get({ id, name, ...columnsOf(config), now })!);
  }
  delete(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}
