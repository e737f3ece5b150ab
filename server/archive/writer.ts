/**
 * Writing a project archive (format.ts) from its own read-only connection: one read transaction gives a consistent
 * copy while the server goes on writing, and rows are read in keyset pages, so neither the project nor a whole
 * table is ever held in memory. The gzip stream's backpressure paces the reading.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { AppError, notFound } from '../errors';
import { ARCHIVE_FORMAT, ARCHIVE_VERSION, type ArchiveHeader } from './format';

const PAGE = 2000;
const BATCH_CHARS = 256 * 1024;
type Row = Record<string, unknown> & { id: number };

/** Opens a read-only connection to the server's database file (an archive needs a file, not `:memory:`). */
export function readConnection(dbFile: string): Database.Database {
  if (dbFile === ':memory:') throw new AppError('unavailable', 'Project archives need a database file (this server runs on :memory:)');
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  return db;
}

/** The header: counts and settings, `routing.judges` mapped from annotator ids to judge keys. */
function header(db: Database.Database, projectId: number): ArchiveHeader {
  const p = db.prepare('SELECT name, type, config, aggregation FROM projects WHERE id = ?').get(projectId) as
    | { name: string; type: ArchiveHeader['project']['type']; config: string; aggregation: ArchiveHeader['project']['aggregation'] }
    | undefined;
  if (!p) throw notFound('Project');
  const n = (table: string) => (db.prepare(`SELECT count(*) FROM ${table} WHERE project_id = ?`).pluck().get(projectId) as number);
  const adjudications = db.prepare('SELECT count(*) FROM adjudications JOIN items ON items.id = adjudications.item_id WHERE items.project_id = ?').pluck().get(projectId) as number;
  const config = JSON.parse(p.config) as Record<string, unknown>;
  const routing = config.routing as { judges?: number[] } | null | undefined;
  if (routing?.judges) {
    const keyOf = db.prepare<[number, number], string>("SELECT key FROM annotators WHERE id = ? AND project_id = ? AND kind = 'llm'").pluck();
    config.routing = { ...routing, judges: routing.judges.map((id) => keyOf.get(id, projectId) ?? String(id)) };
  }
  return {
    type: 'header',
    format: ARCHIVE_FORMAT,
    version: ARCHIVE_VERSION,
    counts: { files: n('files'), items: n('items'), annotators: n('annotators'), labels: n('labels'), adjudications },
    project: { name: p.name, type: p.type, aggregation: p.aggregation, config },
  };
}

/**
 * Keyset pages in id order. Labels walk the rowid (`+project_id` keeps SQLite off labels_project, which would sort
 * the whole project for every page: 3 s for 100k labels); the walk passes other projects' labels in between at
 * most once in all.
 */
const QUERIES: Record<string, string> = {
  file: 'SELECT id, sha256, media_type, size, data, created_at FROM files WHERE project_id = @p AND id > @after ORDER BY id LIMIT @limit',
  item: 'SELECT id, external_id, content, gold, meta, created_at FROM items WHERE project_id = @p AND id > @after ORDER BY id LIMIT @limit',
  annotator: `SELECT id, kind, key, name, config, blocked_at, blocked_reason, excluded, archived_at, created_at,
    token_hash IS NOT NULL AS registered
    FROM annotators WHERE project_id = @p AND id > @after ORDER BY id LIMIT @limit`,
  label: `SELECT l.id, i.external_id AS item, a.kind AS annotator_kind, a.key AS annotator, l.value, l.certainty, l.rationale,
    l.shown_order, l.sample, l.slot, l.duration_ms, l.created_at, l.client_label_id, l.source, l.meta, l.study_id, l.session_id,
    l.lease_id, l.permutation, l.scores
    FROM labels l JOIN items i ON i.id = l.item_id JOIN annotators a ON a.id = l.annotator_id
    WHERE +l.project_id = @p AND l.id > @after ORDER BY l.id LIMIT @limit`,
  adjudication: `SELECT d.item_id AS id, i.external_id AS item, d.value, d.note, d.by, d.created_at
    FROM adjudications d JOIN items i ON i.id = d.item_id WHERE i.project_id = @p AND d.item_id > @after ORDER BY d.item_id LIMIT @limit`,
};

/** Every record line of the archive, a page at a time, in the format's order. */
function* lines(db: Database.Database, projectId: number): Generator<string> {
  yield JSON.stringify(header(db, projectId));
  for (const type of Object.keys(QUERIES)) {
    const page = db.prepare(QUERIES[type]!);
    let after = 0;
    for (;;) {
      const rows = page.all({ p: projectId, after, limit: PAGE }) as Row[];
      for (const { id: _id, ...row } of rows) {
        if (type === 'file') row.data = (row.data as Buffer).toString('base64');
        if (type === 'annotator') row.registered = row.registered === 1;
        yield JSON.stringify({ type, ...row });
      }
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]!.id;
    }
  }
}

/** Waits for `gzip` to drain, or for `out` to close (a reader gone): its listeners removed either way. */
function drained(gzip: zlib.Gzip, out: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      gzip.off('drain', done);
      out.off('close', done);
      resolve();
    };
    gzip.once('drain', done);
    out.once('close', done);
  });
}

/** Streams a project's archive, gzip'd, to `out`; resolves once all of it is written. */
export async function writeArchive(dbFile: string, projectId: number, out: Writable): Promise<{ lines: number }> {
  const db = readConnection(dbFile);
  const gzip = zlib.createGzip();
  gzip.pipe(out);
  let n = 0;
  try {
    db.exec('BEGIN'); // one snapshot for every page
    const it = lines(db, projectId);
    const first = it.next(); // the header: a missing project fails here, before any byte is sent
    if (!first.done) { gzip.write(`${first.value}\n`); n++; }
    // Lines go to zlib in batches of about 256 KiB: a write per line costs a zlib call per line (9 s for 110k lines).
    let batch = '';
    for (const line of it) {
      n++;
      batch += `${line}\n`;
      if (batch.length < BATCH_CHARS) continue;
      if (out.destroyed) throw new AppError('unavailable', "The archive's reader went away");
      const more = gzip.write(batch);
      batch = '';
      if (!more) await drained(gzip, out);
    }
    if (batch) gzip.write(batch);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  gzip.end();
  await once(out, 'finish');
  return { lines: n };
}
