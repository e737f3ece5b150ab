import type { Db } from '../db/database';
import { DEFAULT_CERTAINTY } from '../../shared/constants';
import type { Range, TaskType } from '../../shared/schemas';
import type { Project } from '../../shared/views';

/** The stored, resolved settings of a project (the `config` column): everything but identity and times. */
export type ProjectConfig = Omit<Project, 'id' | 'name' | 'type' | 'created_at' | 'updated_at'>;

interface ProjectRow {
  id: number;
  name: string;
  type: TaskType;
  config: string;
  created_at: number;
  updated_at: number;
}

export function toProject(row: ProjectRow): Project {
  // Settings added after a project was made read as their defaults.
  const c = { public_title: null, qualification: null, ...(JSON.parse(row.config) as Partial<ProjectConfig>) } as ProjectConfig;
  return {
    id: row.id,
    name: row.name,
    type: row.type,
    ...c,
    created_at: new Date(row.created_at).toISOString(),
    updated_at: new Date(row.updated_at).toISOString(),
  };
}

export function configOf(p: Project): ProjectConfig {
  const { id: _i, name: _n, type: _t, created_at: _c, updated_at: _u, ...config } = p;
  return config;
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
    this.insertStmt = db.prepare<{ name: string; type: string; config: string; now: number }, ProjectRow>(
      'INSERT INTO projects (name, type, config, created_at, updated_at) VALUES (@name, @type, @config, @now, @now) RETURNING *',
    );
    this.getStmt = db.prepare<[number], ProjectRow>('SELECT * FROM projects WHERE id = ?');
    this.listStmt = db.prepare<[], ProjectRow>('SELECT * FROM projects ORDER BY id');
    this.updateStmt = db.prepare<{ id: number; name: string; config: string; now: number }, ProjectRow>(
      'UPDATE projects SET name = @name, config = @config, updated_at = @now WHERE id = @id RETURNING *',
    );
    this.deleteStmt = db.prepare<[number]>('DELETE FROM projects WHERE id = ?');
  }

  insert(name: string, type: TaskType, config: ProjectConfig, now: number): Project {
    return toProject(this.insertStmt.get({ name, type, config: JSON.stringify(config), now })!);
  }
  get(id: number): Project | undefined {
    const row = this.getStmt.get(id);
    return row && toProject(row);
  }
  list(): Project[] {
    return this.listStmt.all().map(toProject);
  }
  update(id: number, name: string, config: ProjectConfig, now: number): Project {
    return toProject(this.updateStmt.get({ id, name, config: JSON.stringify(config), now })!);
  }
  delete(id: number): boolean {
    return this.deleteStmt.run(id).changes > 0;
  }
}
