/**
 * Reading a project archive (format.ts) in two passes, neither holding the project in memory. The first, as the
 * bytes arrive, un-gzips them, checks every line with zod (its line number and field named on failure) and the
 * records' order and counts, and keeps the plain lines in a temporary file. The second (store.ts) writes them in
 * one transaction, so a bad archive stores nothing.
 */
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { randomUUID } from 'node:crypto';
import { StringDecoder } from 'node:string_decoder';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import type { z } from 'zod';
import type { ErrorDetail } from '../../shared/errors';
import { AppError } from '../errors';
import { tooLarge } from '../imports/spool';
import { ArchiveHeader, BodyRecord, COUNT_KEY, ORDER, type RecordType } from './format';

/** An archive whose every line passed its checks, kept as plain JSON lines in `file` (deleted by `dispose`). */
export interface CheckedArchive {
  header: ArchiveHeader;
  file: string;
  dispose(): void;
}

const bad = (line: number, details: ErrorDetail[]) =>
  new AppError('invalid-input', `The project archive is not valid at line ${line}: nothing was stored`, details);

const zodDetails = (error: z.ZodError, line: number): ErrorDetail[] =>
  error.issues.map((i) => {
    const field = i.path.map(String).join('.');
    return field ? { line, field, message: i.message } : { line, message: i.message };
  });

function parseLine(text: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw bad(line, [{ line, message: `not JSON (${(e as Error).message})` }]);
  }
}

/** Counts the compressed bytes and refuses more than `limit`. */
function limiter(limit: number): Transform {
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      seen += chunk.length;
      done(seen > limit ? tooLarge(limit) : null, chunk);
    },
  });
}

/** Checks each body record's order against the previous one, and tallies it. */
function checkOrder(rec: BodyRecord, prev: RecordType | null, line: number): void {
  if (prev && ORDER.indexOf(rec.type) < ORDER.indexOf(prev))
    throw bad(line, [{ line, field: 'type', message: `a ${rec.type} record after ${prev} records (the order is ${ORDER.join(', ')})` }]);
}

/**
 * The first pass: spools the gzip'd archive from `source` to a file under `dir` (a bad line then answers at once,
 * with no body left unread), then reads it into a checked plain file beside it.
 */
export async function checkArchive(source: Readable, dir: string, limit: number): Promise<CheckedArchive> {
  const base = path.join(dir, `.concord-archive-${randomUUID()}`);
  const [gz, file] = [`${base}.gz`, `${base}.jsonl`];
  const dispose = () => fs.rmSync(file, { force: true });
  try {
    await pipeline(source, limiter(limit), fs.createWriteStream(gz));
    const input = fs.createReadStream(gz);
    const gunzip = zlib.createGunzip();
    // A gunzip error reaches the line reader through `gunzip` itself; the pipeline only joins the two.
    void pipeline(input, gunzip).catch(() => undefined);
    const out = fs.createWriteStream(file);
    try {
      return { header: await readLines(readline.createInterface({ input: gunzip, crlfDelay: Infinity }), out), file, dispose };
    } finally {
      input.destroy();
      gunzip.destroy();
      // Ended, not destroyed: the lines already written are flushed and the file closed before it is used or removed.
      await new Promise<void>((resolve, reject) => out.end(() => resolve()).once('error', reject));
    }
  } catch (e) {
    dispose();
    if (e instanceof AppError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'Z_DATA_ERROR' || code === 'Z_BUF_ERROR') throw new AppError('invalid-input', 'The project archive is not gzip data (a .concord file from `concord export --kind project`)');
    throw e;
  } finally {
    fs.rmSync(gz, { force: true });
  }
}

async function readLines(lines: readline.Interface, out: fs.WriteStream): Promise<ArchiveHeader> {
  let header: ArchiveHeader | null = null;
  let n = 0;
  let prev: RecordType | null = null;
  const seen = { files: 0, items: 0, annotators: 0, labels: 0, adjudications: 0 };
  for await (const text of lines) {
    n++;
    if (text === '') continue;
    const value = parseLine(text, n);
    if (!header) {
      const h = ArchiveHeader.safeParse(value);
      if (!h.success) throw bad(n, zodDetails(h.error, n));
      header = h.data;
    } else {
      const r = BodyRecord.safeParse(value);
      if (!r.success) throw bad(n, zodDetails(r.error, n));
      checkOrder(r.data, prev, n);
      prev = r.data.type;
      seen[COUNT_KEY[r.data.type]]++;
    }
    if (!out.write(`${n}\t${text}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  if (!header) throw new AppError('invalid-input', 'The project archive is empty');
  for (const [k, v] of Object.entries(header.counts))
    if (seen[k as keyof typeof seen] !== v)
      throw bad(1, [{ line: 1, field: `counts.${k}`, message: `the header says ${v} ${k}, the archive holds ${seen[k as keyof typeof seen]} (cut short?)` }]);
  return header;
}

/** The checked file's lines, read synchronously in 1 MiB chunks: each line's number in the archive and its record. */
export function* plainLines(file: string): Generator<{ line: number; value: unknown }> {
  const fd = fs.openSync(file, 'r');
  const buf = Buffer.alloc(1024 * 1024);
  const text = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const got = fs.readSync(fd, buf, 0, buf.length, null);
      if (got === 0) break;
      const parts = (rest + text.write(buf.subarray(0, got))).split('\n');
      rest = parts.pop()!;
      for (const p of parts) {
        const tab = p.indexOf('\t');
        yield { line: Number(p.slice(0, tab)), value: JSON.parse(p.slice(tab + 1)) };
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}
