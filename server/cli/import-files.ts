/**
 * `concord import items.jsonl --files <dir or zip>`: the image files an items file names, found before anything is
 * sent (a path missing from the folder or zip fails here, naming its line) and sent with the items as one
 * multipart upload: the items file as the part `items`, each named file as a `files` part whose filename is the
 * path the items use (or the zip as it is). Files are streamed from disk (fs.openAsBlob), never read whole.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { parse as parseCsv } from 'csv-parse/sync';
import yauzl from 'yauzl';
import { fileNameProblem } from '../imports/received-files';
import type { ErrorBody } from '../../shared/errors';
import { clean, fail, reportError, type Remote } from './api';

/** An image path an item names, with the line it is on. */
interface Named {
  line: number;
  path: string;
}

const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The relative image paths of one record (its own images, its turns' images and image_url parts); URLs are not files. */
export function imagePaths(rec: unknown): string[] {
  const out: string[] = [];
  const add = (img: unknown) => {
    const src = typeof img === 'string' ? img : isObject(img) ? img.src : undefined;
    if (typeof src === 'string' && src.trim() !== '' && !/^https?:\/\//i.test(src.trim())) out.push(src.trim());
  };
  if (!isObject(rec)) return out;
  asArray(rec.images).forEach(add);
  for (const key of ['conversation', 'conversation_a', 'conversation_b'])
    for (const m of asArray(rec[key])) {
      if (!isObject(m)) continue;
      asArray(m.images).forEach(add);
      for (const p of asArray(m.content)) if (isObject(p) && p.type === 'image_url' && isObject(p.image_url)) add(p.image_url.url);
    }
  return out;
}

/** A CSV cell that holds JSON text (or `|`-separated paths, for images), as the server reads it. */
function csvCell(col: string, cell: string): unknown {
  const t = cell.trim();
  if (t.startsWith('[') || t.startsWith('{'))
    try {
      return JSON.parse(t);
    } catch {
      return undefined;
    }
  return col === 'images' && t ? t.split('|').map((s) => s.trim()) : undefined;
}

/** Every image path the items file names, with its line (JSONL: line; JSON: element; CSV: row's line). Bad JSON is left to the server. */
async function namedPaths(file: string, format: 'jsonl' | 'json' | 'csv'): Promise<Named[]> {
  const out: Named[] = [];
  if (format === 'jsonl') {
    let line = 0;
    for await (const text of readline.createInterface({ input: fs.createReadStream(file), crlfDelay: Infinity })) {
      line++;
      if (!/image/.test(text)) continue;
      try {
        for (const p of imagePaths(JSON.parse(text))) out.push({ line, path: p });
      } catch {
        // The server names the line.
      }
    }
  } else if (format === 'json') {
    let records: unknown = null;
    try {
      records = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch {
      // The server names the problem.
    }
    asArray(records).forEach((r, i) => imagePaths(r).forEach((p) => out.push({ line: i + 1, path: p })));
  } else {
    const rows = parseCsv(fs.readFileSync(file), { columns: true, skip_empty_lines: true, info: true, relax_column_count: true }) as Array<{ record: Record<string, string>; info: { lines: number } }>;
    for (const { record, info } of rows) {
      const rec: Record<string, unknown> = {};
      for (const [col, cell] of Object.entries(record)) if (['images', 'conversation', 'conversation_a', 'conversation_b'].includes(col)) rec[col] = csvCell(col, cell);
      for (const p of imagePaths(rec)) out.push({ line: info.lines, path: p });
    }
  }
  return out;
}

/** The file entries of a zip (its central directory only; nothing is inflated). */
async function zipEntries(zip: string): Promise<Set<string>> {
  const z = await yauzl.openPromise(zip, { lazyEntries: true, autoClose: true, decodeStrings: true });
  const names = new Set<string>();
  await new Promise<void>((resolve, reject) => {
    z.on('entry', (e: yauzl.Entry) => {
      names.add(e.fileName);
      z.readEntry();
    });
    z.on('end', () => resolve());
    z.on('error', reject);
    z.readEntry();
  });
  return names;
}

/**
 * The multipart body of an items import with its files. `files` is a folder (only the files the items name are
 * sent) or a .zip (sent whole, after checking it holds every named path).
 */
export async function importForm(file: string, files: string, format: 'jsonl' | 'json' | 'csv', contentType: string): Promise<{ form: FormData; count: number }> {
  if (!fs.existsSync(files)) fail(`No such folder or zip: ${files}`);
  const named = await namedPaths(file, format);
  const form = new FormData();
  form.append('items', await fs.openAsBlob(file, { type: contentType }), path.basename(file));
  const problems: string[] = [];
  const isZip = fs.statSync(files).isFile();
  if (isZip) {
    if (!/\.zip$/i.test(files)) fail(`--files takes a folder or a .zip, not ${files}`);
    let entries: Set<string>;
    try {
      entries = await zipEntries(files);
    } catch (e) {
      fail(`Cannot read the zip ${files}: ${(e as Error).message}`);
    }
    for (const n of named) if (!entries.has(n.path)) problems.push(`line ${n.line}: image "${n.path}" is not in ${files}`);
    form.append('files', await fs.openAsBlob(files, { type: 'application/zip' }), path.basename(files));
  }
  const sent = new Set<string>();
  for (const n of isZip ? [] : named) {
    const bad = fileNameProblem(n.path);
    const full = path.join(files, ...n.path.split('/'));
    if (bad) problems.push(`line ${n.line}: ${bad}`);
    else if (!fs.existsSync(full) || !fs.statSync(full).isFile()) problems.push(`line ${n.line}: image "${n.path}" is not in ${files} (looked for ${full})`);
    else if (!sent.has(n.path)) {
      sent.add(n.path);
      form.append('files', await fs.openAsBlob(full), n.path);
    }
  }
  if (problems.length)
    fail(`Nothing was sent: ${problems.length} image${problems.length === 1 ? '' : 's'} named by the items cannot be found\n${problems.slice(0, 20).map((p) => `  ${clean(p)}`).join('\n')}${problems.length > 20 ? `\n  … and ${problems.length - 20} more` : ''}`);
  return { form, count: isZip ? new Set(named.map((n) => n.path)).size : sent.size };
}

/** Where an import's progress bar is drawn: standard error on a terminal, or a fake terminal in a test. */
export interface ProgressOutput {
  isTTY?: boolean;
  columns?: number;
  write(s: string): boolean;
}

/** An import's progress: the file's bytes sent, then the server's part (checking every record, then one transaction). */
export interface ImportProgress {
  sent(bytes: number): void;
  uploaded(): void;
  stop(): void;
}

const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;

/**
 * A bar on `out` for an upload of `total` bytes; nothing at all without `out` (standard output is not a terminal,
 * --quiet, --json). The server does not report its own progress: once the file is sent the bar says it is
 * checking and writing, which at a million items takes about as long again.
 */
export function importProgress(total: number, out: ProgressOutput | null): ImportProgress {
  if (!out) return { sent: () => undefined, uploaded: () => undefined, stop: () => undefined };
  // Loaded only when a bar is drawn: most commands never need it.
  const { SingleBar, Presets } = require('cli-progress') as typeof import('cli-progress');
  const bar = new SingleBar(
    { format: 'import {bar} {percentage}% | {done} of {size} | {phase}', stream: out as NodeJS.WritableStream, hideCursor: true, clearOnComplete: false, fps: 10 },
    Presets.shades_classic,
  );
  let done = 0;
  bar.start(Math.max(total, 1), 0, { done: mib(0), size: mib(total), phase: 'sending' });
  return {
    sent(bytes) {
      done += bytes;
      bar.update(done, { done: mib(done) });
    },
    uploaded() {
      bar.update(Math.max(total, 1), { done: mib(total), phase: 'sent; the server is checking and writing' });
    },
    stop() {
      bar.stop();
    },
  };
}

/**
 * POSTs a file to the API as its body, streamed from disk (1 MiB at a time, counted into `progress`), never read
 * whole: a 1M-item file is over 500 MiB. Exits with the server's error in words, as every CLI request does.
 */
export async function sendFile<T>(remote: Remote, route: string, file: string, contentType: string, progress: ImportProgress): Promise<T> {
  if (!remote.token) fail('An admin token is needed: --token <token> or CONCORD_ADMIN_TOKEN (the server prints it at start)');
  const size = fs.statSync(file).size;
  const handle = await fs.promises.open(file, 'r');
  let pos = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const buf = Buffer.allocUnsafe(Math.min(1048576, size - pos));
      const { bytesRead } = buf.length ? await handle.read(buf, 0, buf.length, pos) : { bytesRead: 0 };
      if (bytesRead === 0) {
        progress.uploaded();
        return controller.close();
      }
      pos += bytesRead;
      progress.sent(bytesRead);
      controller.enqueue(buf.subarray(0, bytesRead));
    },
  });
  let res: Response;
  try {
    res = await fetch(new URL(`/api${route}`, remote.server), {
      method: 'POST',
      body,
      duplex: 'half',
      headers: { authorization: `Bearer ${remote.token}`, 'content-type': contentType, 'content-length': String(size) },
    } as RequestInit);
  } catch {
    progress.stop();
    fail(`Cannot reach the Concord server at ${remote.server}, or the connection broke during the upload (is it running? --server sets its URL)`);
  } finally {
    await handle.close();
  }
  progress.stop();
  if (!res.ok) {
    const json = (await res.json().catch(() => ({}))) as { error?: ErrorBody };
    reportError(json.error, res.status);
  }
  return (await res.json()) as T;
}
