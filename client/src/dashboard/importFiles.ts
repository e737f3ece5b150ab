/**
 * What the import box makes of the files dropped on it or chosen: the items (or labels) file, the image files it
 * names, or a zip of them. Images are named by their path relative to the folder they came from (a folder chosen or
 * dropped: `images/` holding `img/cat.png` gives `img/cat.png`, as `concord import items.jsonl --files ./images/`
 * names them), which is how an item's `"images":["img/cat.png"]` finds them. The server sniffs each file's type and
 * refuses what is not an image; the dashboard only sorts files by their name.
 */
import { contentTypeOf } from '../lib/api';
import { parseMapSpec } from '../../../shared/map-spec';

/** A file to send with its name on the server: the relative path an item uses. */
export interface NamedFile {
  name: string;
  file: File;
}

/** Files sorted for an import: at most one data file, every other file an image or a zip of images. */
export interface Sorted {
  data: File | null;
  /** Further data files: an import takes one. */
  extraData: File[];
  files: NamedFile[];
}

/** The path a file goes by: its path inside the folder that was chosen, else its own name. */
export function relativeName(file: File, path?: string): string {
  const full = (path ?? file.webkitRelativePath ?? '').replace(/^\/+/, '');
  if (!full) return file.name;
  const parts = full.split('/');
  // The first segment is the folder that was chosen or dropped itself; a lone file keeps its name.
  return parts.length > 1 ? parts.slice(1).join('/') : full;
}

export function sortFiles(list: NamedFile[]): Sorted {
  const out: Sorted = { data: null, extraData: [], files: [] };
  for (const f of list) {
    if (contentTypeOf(f.file.name)) {
      if (out.data) out.extraData.push(f.file);
      else out.data = f.file;
    } else out.files.push(f);
  }
  return out;
}

/** The multipart body of an import with files: the data file as the part `items`, each file under its path. */
export function partsOf(data: File, files: NamedFile[]): FormData {
  const form = new FormData();
  const type = contentTypeOf(data.name) ?? 'application/octet-stream';
  form.append('items', new File([data], data.name, { type }), data.name);
  for (const f of files) form.append(f.name, f.file, f.name);
  return form;
}

/** Bytes in words (a megabyte is 1024² bytes, as LIMITS.imageBytes is written). */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** Reads every file under one dropped entry (a file, or a folder walked to the bottom), with its path. */
async function walk(entry: FileSystemEntry, out: NamedFile[]): Promise<void> {
  if (entry.isFile) {
    const file = await new Promise<File>((resolve, reject) => (entry as FileSystemFileEntry).file(resolve, reject));
    out.push({ name: relativeName(file, entry.fullPath), file });
    return;
  }
  const reader = (entry as FileSystemDirectoryEntry).createReader();
  // readEntries hands out a folder's entries in batches (Chromium: 100 at a time) until it returns none.
  for (;;) {
    const batch = await new Promise<FileSystemEntry[]>((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    for (const e of batch) await walk(e, out);
  }
}

/** Every file of a drop, folders included; a browser without entries gives the plain file list. */
export async function droppedFiles(dt: DataTransfer): Promise<NamedFile[]> {
  const entries = [...dt.items].map((i) => (i.kind === 'file' ? i.webkitGetAsEntry() : null)).filter((e): e is FileSystemEntry => e !== null);
  if (!entries.length) return [...dt.files].map((file) => ({ name: file.name, file }));
  const out: NamedFile[] = [];
  for (const e of entries) await walk(e, out);
  return out;
}

/** A chosen file list (a file dialog, or a folder dialog whose files carry their relative path). */
export const chosenFiles = (list: FileList | null | undefined): NamedFile[] => [...(list ?? [])].map((file) => ({ name: relativeName(file), file }));

/**
 * How an items file is read: Concord's own item records, a published data set's shape (`?preset=`, which brings the
 * labels the file carries), or a mapping of its fields onto item fields (`?map=`).
 */
export type ImportFormat = { kind: 'concord' } | { kind: 'preset'; name: string; seed: string } | { kind: 'map'; spec: string };

/** An example map per project type, shown as the map field's placeholder: `id` too, which every item needs (a file's own `id` field is read as the id when the map leaves `id` out: mapping.ts `mapPreset`). */
export const MAP_EXAMPLES: Record<string, string> = {
  pairwise: 'id=id,question=instruction,answer_a=output_1,answer_b=output_2',
  rating: 'id=id,question=prompt,answer=response',
  choice: 'id=id,question=text,options=choices',
  ranking: 'id=id,question=prompt,answers=responses',
};

/**
 * The problem with a map spec's shape, or null when every part is `target=source` and no target comes twice (the
 * server's own check, shared/map-spec.ts `parseMapSpec`, the same code; which targets exist it alone says, per project type).
 */
export function mapSpecProblem(spec: string): string | null {
  const parsed = parseMapSpec(spec);
  return typeof parsed === 'string' ? parsed : null;
}

/** The query an items import is sent with (`preset`, `seed`, `map`, `upsert`), or the problem that stops it. */
export function importQuery(format: ImportFormat, upsert: boolean): { query: string } | { problem: string } {
  const q = new URLSearchParams();
  if (format.kind === 'preset') {
    q.set('preset', format.name);
    const seed = format.seed.trim();
    if (format.name === 'rewardbench' && seed) {
      if (!/^\d+$/.test(seed) || !Number.isSafeInteger(Number(seed))) return { problem: `The seed must be a whole number from 0, not "${seed}".` };
      q.set('seed', String(Number(seed)));
    }
  } else if (format.kind === 'map') {
    const problem = mapSpecProblem(format.spec);
    if (problem) return { problem: `The field map: ${problem}.` };
    q.set('map', format.spec.trim());
  }
  if (upsert) q.set('upsert', '1');
  const s = q.toString();
  return { query: s ? `?${s}` : '' };
}
