/**
 * The second pass of an archive's import: a new project and everything in the checked archive, ids remapped, in
 * one transaction on its own connection to the database file (a failure, at any line, stores nothing). Records
 * refer to items by external id and to annotators by kind and key, looked up through the tables' unique indexes,
 * so no map of the project is held in memory.
 */
import { hashToken, newToken } from '../auth/tokens';
import { openDatabase, type Db } from '../db/database';
import { AppError } from '../errors';
import type { ErrorDetail } from '../../shared/errors';
import { ProjectPatch } from '../../shared/schemas';
import { ANNOTATOR_COLUMNS, LABEL_COLUMNS, type ArchiveHeader, type BodyRecord } from './format';
import { plainLines, type CheckedArchive } from './reader';

export interface StoredArchive {
  project_id: number;
  counts: ArchiveHeader['counts'];
  /** Each registered judge's new token, by name: shown once, as at registration. */
  judge_tokens: Record<string, string>;
}

const refused = (line: number, field: string, message: string) =>
  new AppError('invalid-input', `The project archive is not valid at line ${line}: nothing was stored`, [{ line, field, message } satisfies ErrorDetail]);

function statements(db: Db) {
  const cols = (c: readonly string[]) => c.join(', ');
  const params = (c: readonly string[]) => c.map((k) => `@${k}`).join(', ');
  return {
    project: db.prepare<unknown[], { id: number }>('INSERT INTO projects (name, type, config, aggregation, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id'),
    config: db.prepare('UPDATE projects SET config = ? WHERE id = ?'),
    file: db.prepare('INSERT INTO files (project_id, sha256, media_type, size, data, created_at) VALUES (@p, @sha256, @media_type, @size, @data, @created_at)'),
    item: db.prepare('INSERT INTO items (project_id, external_id, content, gold, meta, created_at) VALUES (@p, @external_id, @content, @gold, @meta, @created_at)'),
    annotator: db.prepare(`INSERT INTO annotators (project_id, token_hash, ${cols(ANNOTATOR_COLUMNS)}) VALUES (@p, @token_hash, ${params(ANNOTATOR_COLUMNS)})`),
    label: db.prepare(`INSERT INTO labels (project_id, item_id, annotator_id, ${cols(LABEL_COLUMNS)}) VALUES (@p, @item_id, @annotator_id, ${params(LABEL_COLUMNS)})`),
    adjudication: db.prepare('INSERT INTO adjudications (item_id, value, note, by, created_at) VALUES (@item_id, @value, @note, @by, @created_at)'),
    itemId: db.prepare<[number, string], number>('SELECT id FROM items WHERE project_id = ? AND external_id = ?').pluck(),
    annotatorId: db.prepare<[number, string, string], number>('SELECT id FROM annotators WHERE project_id = ? AND kind = ? AND key = ?').pluck(),
  };
}
type Statements = ReturnType<typeof statements>;

/** One record into the new project `p`; a reference to something not in the archive names the line. */
function storeRecord(s: Statements, p: number, rec: BodyRecord, line: number, tokens: Record<string, string>): void {
  const itemOf = (ext: string, field: string) => {
    const id = s.itemId.get(p, ext);
    if (id === undefined) throw refused(line, field, `names item "${ext}", which is not in the archive`);
    return id;
  };
  const { type: _t, ...row } = rec;
  try {
    if (rec.type === 'file') s.file.run({ ...row, p, data: Buffer.from(rec.data, 'base64') });
    else if (rec.type === 'item') s.item.run({ ...row, p });
    else if (rec.type === 'annotator') {
      const { registered, ...annotator } = row as Omit<Extract<BodyRecord, { type: 'annotator' }>, 'type'>;
      const token = registered && rec.kind === 'llm' ? newToken('judge') : null;
      if (token) tokens[rec.key] = token;
      s.annotator.run({ ...annotator, p, token_hash: token && hashToken(token) });
    }
    else if (rec.type === 'adjudication') s.adjudication.run({ item_id: itemOf(rec.item, 'item'), value: rec.value, note: rec.note, by: rec.by, created_at: rec.created_at });
    else {
      const annotatorId = s.annotatorId.get(p, rec.annotator_kind, rec.annotator);
      if (annotatorId === undefined) throw refused(line, 'annotator', `names ${rec.annotator_kind} annotator "${rec.annotator}", which is not in the archive`);
      const { type: _l, item, annotator_kind: _k, annotator: _a, ...label } = rec;
      s.label.run({ ...label, p, item_id: itemOf(item, 'item'), annotator_id: annotatorId });
    }
  } catch (e) {
    if (e instanceof AppError) throw e;
    const code = (e as { code?: string }).code ?? '';
    if (code.startsWith('SQLITE_CONSTRAINT')) throw refused(line, rec.type, `refused by the database (${(e as Error).message}): a duplicate or an invalid value`);
    throw e;
  }
}

/** `routing.judges` back from judge keys to the new annotator ids. */
function routingIds(s: Statements, p: number, config: Record<string, unknown>): Record<string, unknown> {
  const routing = config.routing as { judges?: unknown[] } | null | undefined;
  if (!routing?.judges) return config;
  const judges = routing.judges.map((key, i) => {
    const id = typeof key === 'string' ? s.annotatorId.get(p, 'llm', key) : undefined;
    if (id === undefined) throw refused(1, `project.config.routing.judges.${i}`, `names judge ${JSON.stringify(key)}, which is not in the archive`);
    return id;
  });
  return { ...config, routing: { ...routing, judges } };
}

/** Stores a checked archive as a new project in the database file; returns its id and counts. */
export function storeArchive(dbFile: string, archive: CheckedArchive, now: number): StoredArchive {
  if (dbFile === ':memory:') throw new AppError('unavailable', 'Project archives need a database file (this server runs on :memory:)');
  const db = openDatabase(dbFile);
  try {
    const s = statements(db);
    const { project, counts } = archive.header;
    const tokens: Record<string, string> = {};
    const id = db.transaction(() => {
      const p = s.project.get(project.name, project.type, JSON.stringify(project.config), project.aggregation, now, now)!.id;
      let first = true;
      for (const { line, value } of plainLines(archive.file)) {
        if (first) { first = false; continue; } // the header
        storeRecord(s, p, value as BodyRecord, line, tokens);
      }
      const config = routingIds(s, p, project.config);
      // The settings are checked as a settings change is (each field's rules), once the judges have their new ids.
      const checked = ProjectPatch.safeParse(config);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        throw refused(1, ['project', 'config', ...issue.path.map(String)].join('.'), issue.message);
      }
      s.config.run(JSON.stringify(config), p);
      return p;
    })();
    return { project_id: id, counts, judge_tokens: tokens };
  } finally {
    db.close();
  }
}
