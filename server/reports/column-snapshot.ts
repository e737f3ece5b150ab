/**
 * The report worker's column snapshot (issue 14; docs/decisions/0014-report-column-snapshot.md): a project's loaded
 * label columns in a file beside the database, `<db>.report-snapshots/project-<id>.bin`, so the first report after a
 * restart reads the file and only the labels added since instead of every label (13–16 s at 9M labels).
 *
 * A snapshot is used only when the database still holds exactly what it captured, checked against what the columns
 * were loaded from (read in the load's own transaction, {@link fingerprintOf}):
 * - the schema (the newest migration) and this file format;
 * - the project row: type, creation time, last change (`updated_at`: settings) and a hash of its settings;
 * - the items: their count, highest id and the project's epoch in `report_epochs`, which triggers bump on every
 *   item updated or deleted and every label updated (migrations/0008_report_epochs.sql), whatever code does it;
 * - every annotator it knew with its name, kind and whether its labels are left out (archived or excluded);
 * - the labels: the project's labels with ids up to the snapshot's highest must be as many as the snapshot saw
 *   (checked in the caller as the labels above it are read: count = seen + read). Labels are deleted only with their
 *   annotator (seen above), item (the epoch) or project.
 * The file is written to a temporary name, flushed and renamed, and carries a CRC-32 of its header and of its body.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import type Database from 'better-sqlite3';
import type { Category } from '../../shared/stats/ratings';

/** Bumped whenever the layout or the meaning of any field changes: an older file is then read as none. */
export const SNAPSHOT_FORMAT = 1;
const MAGIC = Buffer.from('CCRSNAP\n', 'latin1');

/**
 * When the worker writes: projects of at least `minLabels` labels (a smaller one loads in well under a second), again
 * once the labels added since the last write reach `rewriteFraction` of it. Tests lower `minLabels`.
 */
export const snapshotPolicy = { minLabels: 200_000, rewriteFraction: 1 / 8 };

/** The folder of a database's snapshots; null for an in-memory database. */
export function snapshotDir(dbFile: string): string | null {
  return dbFile === '' || dbFile === ':memory:' ? null : `${path.resolve(dbFile)}.report-snapshots`;
}

export const snapshotFile = (dir: string, projectId: number): string => path.join(dir, `project-${projectId}.bin`);

/** What the columns were loaded from, read in the load's transaction. */
export interface Fingerprint {
  format: number;
  schema: number;
  project: { id: number; type: string; createdAt: number; updatedAt: number; config: string };
  items: { count: number; maxId: number; epoch: number };
}

export function fingerprintOf(db: Database.Database, projectId: number): Fingerprint | null {
  const p = db.prepare<[number], { type: string; created_at: number; updated_at: number; config: string }>('SELECT type, created_at, updated_at, config FROM projects WHERE id = ?').get(projectId);
  if (!p) return null;
  const schema = db.prepare<[], number | null>('SELECT max(version) FROM schema_migrations').pluck().get() ?? 0;
  const items = db.prepare<[number], { count: number; maxId: number | null }>('SELECT count(*) AS count, max(id) AS maxId FROM items WHERE project_id = ?').get(projectId)!;
  const epoch = db.prepare<[number], number>('SELECT epoch FROM report_epochs WHERE project_id = ?').pluck().get(projectId) ?? 0;
  const config = crypto.createHash('sha256').update(p.config).digest('hex');
  return {
    format: SNAPSHOT_FORMAT,
    schema,
    project: { id: projectId, type: p.type, createdAt: p.created_at, updatedAt: p.updated_at, config },
    items: { count: items.count, maxId: items.maxId ?? 0, epoch },
  };
}

export type SnapshotArray = Int32Array | Float32Array | Float64Array | Int8Array | Uint8Array;
const ARRAY_TYPES = { i32: Int32Array, f32: Float32Array, f64: Float64Array, i8: Int8Array, u8: Uint8Array } as const;
type ArrayType = keyof typeof ARRAY_TYPES;

function typeOf(a: SnapshotArray): ArrayType {
  if (a instanceof Int32Array) return 'i32';
  if (a instanceof Float32Array) return 'f32';
  if (a instanceof Float64Array) return 'f64';
  if (a instanceof Int8Array) return 'i8';
  return 'u8';
}

/** A snapshot found not to match after the columns took it: the project is read afresh (./label-columns.ts). */
export class StaleSnapshot extends Error {}

/** The label columns by name: read with room for the labels added since the snapshot. */
export const LABEL_COLUMNS = new Set(['item', 'annotator', 'code', 'certainty', 'order', 'sample', 'seconds']);

/** Everything a ProjectColumns needs besides the database (./label-columns.ts `snapshot`). */
export interface ColumnsState {
  fingerprint: Fingerprint;
  /** The highest label id held, and how many of the project's labels (left out or not) have ids up to it. */
  labels: { maxId: number; seen: number; n: number };
  /** The annotators whose labels are in the columns, by index. */
  annotators: Array<{ dbId: number; name: string; kind: 'human' | 'llm' }>;
  /** Annotators whose labels are left out. */
  leftOut: number[];
  categories: Category[];
  /** Label columns (n values each; `permutation` n × stride) and item columns, by name; null when absent. */
  arrays: Record<string, SnapshotArray | null>;
}

interface Header extends Omit<ColumnsState, 'arrays'> {
  arrays: Array<{ name: string; type: ArrayType; length: number } | { name: string; type: null }>;
  bodyBytes: number;
  bodyCrc: number;
}

const pad8 = (n: number): number => (n + 7) & ~7;
const bytesOf = (a: SnapshotArray): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** Categories JSON gives back as they were: text, or finite numbers other than -0. */
const exact = (c: Category): boolean => typeof c === 'string' || (Number.isFinite(c) && !Object.is(c, -0));

/**
 * Writes the snapshot: a temporary file, flushed, then renamed over the old one (a crash leaves the old file or
 * none). Returns the bytes written, or null when nothing was written (categories JSON cannot carry, no room).
 */
export function writeSnapshot(file: string, state: ColumnsState): number | null {
  if (!state.categories.every(exact)) return null;
  const arrays = Object.entries(state.arrays);
  let body = 0;
  for (const [, a] of arrays) if (a) body += pad8(a.byteLength);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // Room for the file twice over, so a snapshot never fills the disk the database lives on.
  const free = fs.statfsSync(path.dirname(file));
  if (free.bavail * free.bsize < 2 * body + (64 << 20)) return null;
  let crc = 0;
  for (const [, a] of arrays) {
    if (!a) continue;
    crc = zlib.crc32(bytesOf(a), crc);
    const gap = pad8(a.byteLength) - a.byteLength;
    if (gap) crc = zlib.crc32(Buffer.alloc(gap), crc);
  }
  const header: Header = {
    fingerprint: state.fingerprint,
    labels: state.labels,
    annotators: state.annotators,
    leftOut: state.leftOut,
    categories: state.categories,
    arrays: arrays.map(([name, a]) => (a ? { name, type: typeOf(a), length: a.length } : { name, type: null })),
    bodyBytes: body,
    bodyCrc: crc,
  };
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(16);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(json.length, 8);
  prefix.writeUInt32LE(zlib.crc32(json), 12);
  // A write cut short (the worker stopped mid-file) left its temporary file: one server per database, so it is no one's.
  for (const f of fs.readdirSync(path.dirname(file))) if (f.startsWith(`${path.basename(file)}.`) && f.endsWith('.tmp')) fs.rmSync(path.join(path.dirname(file), f), { force: true });
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(tmp, 'w');
  try {
    fs.writeSync(fd, prefix);
    fs.writeSync(fd, Buffer.concat([json, Buffer.alloc(pad8(16 + json.length) - 16 - json.length)]));
    for (const [, a] of arrays) {
      if (!a) continue;
      fs.writeSync(fd, bytesOf(a));
      const gap = pad8(a.byteLength) - a.byteLength;
      if (gap) fs.writeSync(fd, Buffer.alloc(gap));
    }
    fs.fsyncSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  fs.closeSync(fd);
  fs.renameSync(tmp, file);
  const dir = fs.openSync(path.dirname(file), 'r');
  try {
    fs.fsyncSync(dir);
  } finally {
    fs.closeSync(dir);
  }
  return pad8(16 + json.length) + body;
}

/** An open snapshot whose header matched: its state without the arrays, and a reader of the arrays. */
export interface OpenSnapshot {
  header: Omit<ColumnsState, 'arrays'>;
  /** Reads every array; label columns get `room` values of capacity (n ≤ room). Null when the body is corrupt. */
  arrays(room: (name: string, length: number) => number): Record<string, SnapshotArray | null> | null;
  close(): void;
}

/**
 * Opens `file` and checks its header against `now` (the database's fingerprint); null when there is no file, it is
 * unreadable, or anything differs. The caller checks the annotators and the labels' count.
 */
export function openSnapshot(file: string, now: Fingerprint): OpenSnapshot | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  const close = () => fs.closeSync(fd);
  try {
    const size = fs.fstatSync(fd).size;
    const prefix = Buffer.alloc(16);
    if (size < 16 || fs.readSync(fd, prefix, 0, 16, 0) !== 16 || !prefix.subarray(0, 8).equals(MAGIC)) return void close(), null;
    const len = prefix.readUInt32LE(8);
    if (16 + len > size) return void close(), null;
    const json = Buffer.alloc(len);
    if (fs.readSync(fd, json, 0, len, 16) !== len || zlib.crc32(json) !== prefix.readUInt32LE(12)) return void close(), null;
    const header = JSON.parse(json.toString()) as Header;
    const start = pad8(16 + len);
    if (JSON.stringify(header.fingerprint) !== JSON.stringify(now) || start + header.bodyBytes !== size) return void close(), null;
    return { header, arrays: (room) => readArrays(fd, start, header, room), close };
  } catch {
    close();
    return null;
  }
}

function readArrays(fd: number, start: number, header: Header, room: (name: string, length: number) => number): Record<string, SnapshotArray | null> | null {
  const out: Record<string, SnapshotArray | null> = {};
  let pos = start;
  let crc = 0;
  for (const spec of header.arrays) {
    if (spec.type === null) {
      out[spec.name] = null;
      continue;
    }
    const Type = ARRAY_TYPES[spec.type];
    const a = new Type(Math.max(spec.length, room(spec.name, spec.length)));
    const bytes = pad8(spec.length * Type.BYTES_PER_ELEMENT);
    const buf = Buffer.from(a.buffer, 0, spec.length * Type.BYTES_PER_ELEMENT);
    for (let off = 0; off < buf.length; ) {
      const got = fs.readSync(fd, buf, off, Math.min(buf.length - off, 1 << 26), pos + off);
      if (got <= 0) return null;
      off += got;
    }
    crc = zlib.crc32(buf, crc);
    const gap = bytes - buf.length;
    if (gap) {
      const zeros = Buffer.alloc(gap);
      fs.readSync(fd, zeros, 0, gap, pos + buf.length);
      crc = zlib.crc32(zeros, crc);
    }
    pos += bytes;
    out[spec.name] = a;
  }
  return crc === header.bodyCrc ? out : null;
}

/** Removes a project's snapshot (the project was deleted). */
export function removeSnapshot(dir: string | null, projectId: number): void {
  if (dir) fs.rmSync(snapshotFile(dir, projectId), { force: true });
}

/** An annotator row as the columns load it (./label-columns.ts). */
export interface AnnotatorRow {
  id: number;
  name: string;
  kind: 'human' | 'llm';
  left_out: 0 | 1;
}

/**
 * Whether the annotators the snapshot knew are all still there as they were: same name and kind, labels still in or
 * still left out. Annotators it did not know joined after it, so their labels are all above its highest id.
 */
export function sameAnnotators(header: Pick<ColumnsState, 'annotators' | 'leftOut'>, rows: readonly AnnotatorRow[]): boolean {
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const a of header.annotators) {
    const r = byId.get(a.dbId);
    if (!r || r.left_out || r.name !== a.name || r.kind !== a.kind) return false;
  }
  return header.leftOut.every((id) => byId.get(id)?.left_out === 1);
}

/**
 * The order a load from the database gives categories (the order their values first appear: the items' gold, then
 * the labels in id order) as a map from the current codes, or null when the current order is that order already.
 * Categories that no longer appear are dropped (a load would not see them).
 */
export function canonicalOrder(gold: Int32Array, code: Int32Array, n: number, count: number): Int32Array | null {
  const map = new Int32Array(count).fill(-1);
  let next = 0;
  const see = (c: number) => {
    if (c >= 0 && map[c] === -1) map[c] = next++;
  };
  for (let i = 0; i < gold.length; i++) see(gold[i]!);
  for (let i = 0; i < n && next < count; i++) see(code[i]!);
  for (let c = 0; c < count; c++) if (map[c] !== c) return map;
  return null;
}

/** Replaces each value v ≥ 0 of `a[0, n)` by `map[v]`. */
export function remap(a: Int32Array, n: number, map: Int32Array): void {
  for (let i = 0; i < n; i++) {
    const v = a[i]!;
    if (v >= 0) a[i] = map[v]!;
  }
}
