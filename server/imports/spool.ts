/** Spooling an import's request body to an unlinked temporary file as it arrives, to be read back in chunks. */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { AppError } from '../errors';

/** An import file, readable from the start as often as needed, in chunks. */
export interface ImportBody {
  /** Bytes in the body (after any Content-Encoding was undone). */
  size: number;
  /** Its first {@link HEAD_BYTES} bytes, for telling the format. */
  head: Buffer;
  chunks(): AsyncIterable<Buffer>;
}

/** An import body spooled to a temporary file; `dispose()` closes (and so deletes) it. */
export interface SpooledBody extends ImportBody {
  /** The spool's file descriptor (a zip is read from it in place). */
  fd: number;
  dispose(): Promise<void>;
}

export const HEAD_BYTES = 4096;
const READ_BYTES = 1024 * 1024;

export const formatBytes = (n: number) =>
  n >= 1048576 ? `${+(n / 1048576).toFixed(1)} MiB` : n >= 1024 ? `${+(n / 1024).toFixed(1)} KiB` : `${n}-byte`;

export const tooLarge = (limit: number) => new AppError('payload-too-large', `The body is over the ${formatBytes(limit)} limit`);

function decompressor(encoding: string): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | null {
  if (encoding === 'gzip' || encoding === 'x-gzip') return zlib.createGunzip();
  if (encoding === 'deflate') return zlib.createInflate();
  if (encoding === 'br') return zlib.createBrotliDecompress();
  return null;
}

/**
 * Streams a request body into a temporary file in `dir`, counting its bytes, so an import never holds its file
 * in memory (a chunked upload used to be buffered up to the limit: 500 MB of RSS kept after a refused upload).
 * At `limit` bytes it stops writing and answers 413; the rest of the upload is read and dropped so the client
 * gets that answer. A compressed body (Content-Encoding gzip, deflate, br) is counted once inflated.
 *
 * The file is unlinked as soon as it is open: it lives only as long as its descriptor, so nothing is left on
 * disk whatever happens to the request or the process (where unlinking an open file is refused, `dispose`
 * deletes it).
 */
export async function spoolBody(req: IncomingMessage, { dir, limit }: { dir: string; limit: number }): Promise<SpooledBody> {
  const upload = bodySource(req, limit);
  const spool = await openSpool(dir);
  let received: { size: number; head: Buffer };
  try {
    received = await receive(req, upload, spool.handle, limit);
  } catch (e) {
    await spool.dispose();
    throw e;
  }
  return spooled(spool, received);
}

/** The body in a spool, read back in chunks from the start. */
function spooled({ handle, dispose }: Spool, { size, head }: { size: number; head: Buffer }): SpooledBody {
  return {
    size,
    head,
    fd: handle.fd,
    chunks: () => fileChunks(size, async (buf, pos) => (await handle.read(buf, 0, buf.length, pos)).bytesRead),
    dispose,
  };
}

/**
 * A file's first `size` bytes in chunks of up to 1 MiB, each read at its position by `read` (the bytes it read, 0 at
 * the end): a spool read back here, or in place by a worker thread (csv-rows.worker.ts).
 */
export async function* fileChunks(size: number, read: (buf: Buffer, pos: number) => number | Promise<number>): AsyncGenerator<Buffer> {
  for (let pos = 0; pos < size; ) {
    const buf = Buffer.allocUnsafe(Math.min(READ_BYTES, size - pos));
    const n = await read(buf, pos);
    if (n === 0) return;
    pos += n;
    yield n === buf.length ? buf : buf.subarray(0, n);
  }
}

/**
 * Spools one part of a multipart upload (multipart.ts), as {@link spoolBody} spools a whole body; `limit` bytes at
 * most (413). The caller counts the upload as a whole.
 */
export async function spoolStream(source: AsyncIterable<Buffer>, { dir, limit }: { dir: string; limit: number }): Promise<SpooledBody> {
  const spool = await openSpool(dir);
  const head: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  try {
    for await (const chunk of source) {
      size += chunk.length;
      if (size > limit) throw tooLarge(limit);
      if (headBytes < HEAD_BYTES) {
        const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - headBytes));
        head.push(part);
        headBytes += part.length;
      }
      await spool.handle.write(chunk, 0, chunk.length, size - chunk.length);
    }
  } catch (e) {
    await spool.dispose();
    throw e;
  }
  return spooled(spool, { size, head: Buffer.concat(head) });
}

/** Where a request's body is read from: the request itself, or a decompressor it is piped into. */
export interface Upload {
  encoding: string;
  source: Readable;
  inflate: ReturnType<typeof decompressor>;
}

/**
 * The stream to read the body from, after its Content-Encoding. An unknown encoding (415), or a declared length
 * over the limit (413), is refused before anything is written; the upload is then read and dropped.
 */
export function bodySource(req: IncomingMessage, limit: number): Upload {
  const encoding = (req.headers['content-encoding'] ?? 'identity').trim().toLowerCase();
  let source: Readable = req;
  let inflate: ReturnType<typeof decompressor> = null;
  if (encoding !== 'identity') {
    inflate = decompressor(encoding);
    if (!inflate) {
      req.resume();
      throw new AppError('unsupported-media-type', `Cannot read a body sent with Content-Encoding: ${encoding}; send the file as it is, or as gzip, deflate or br`);
    }
    req.pipe(inflate);
    source = inflate;
  } else if (Number(req.headers['content-length']) > limit) {
    req.resume();
    throw tooLarge(limit);
  }
  return { encoding, source, inflate };
}

/** A new spool file in `dir`, unlinked at once where the system allows it; `dispose` closes it (and deletes it if not). */
export interface Spool {
  handle: fs.promises.FileHandle;
  dispose: () => Promise<void>;
}

export async function openSpool(dir: string): Promise<Spool> {
  const file = path.join(dir, `.concord-import-${randomUUID()}.tmp`);
  const handle = await fs.promises.open(file, 'wx+', 0o600);
  let linked = true;
  try {
    await fs.promises.unlink(file);
    linked = false;
  } catch {
    // Deleted by dispose() instead.
  }
  const dispose = async () => {
    await handle.close().catch(() => undefined);
    if (linked) await fs.promises.rm(file, { force: true }).catch(() => undefined);
  };
  return { handle, dispose };
}

/**
 * Writes the upload to `handle` as it arrives, one write at a time (the source paused meanwhile), keeping its
 * first {@link HEAD_BYTES} bytes. Rejects past `limit` bytes, or when the upload breaks off or cannot be inflated.
 */
async function receive(req: IncomingMessage, { encoding, source, inflate }: Upload, handle: fs.promises.FileHandle, limit: number): Promise<{ size: number; head: Buffer }> {
  const head: Buffer[] = [];
  let headBytes = 0;
  let size = 0;
  await new Promise<void>((resolve, reject) => {
    let done = false;
    const finish = (err?: unknown) => {
      if (done) return;
      done = true;
      source.off('data', onData);
      if (err) {
        // Drop the rest of the upload (and stop inflating it) without keeping it, so the answer reaches the client.
        if (inflate) {
          req.unpipe(inflate);
          inflate.destroy();
        }
        req.resume();
        reject(err);
      } else resolve();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(tooLarge(limit));
      if (headBytes < HEAD_BYTES) {
        const part = Buffer.from(chunk.subarray(0, HEAD_BYTES - headBytes));
        head.push(part);
        headBytes += part.length;
      }
      source.pause();
      writing = writing.then(() => handle.write(chunk)).then(
        () => {
          if (!done) source.resume();
        },
        (e: unknown) => finish(e),
      );
    };
    // Writes are chained: 'end' can be emitted while the last one is still in flight.
    let writing: Promise<unknown> = Promise.resolve();
    source.on('data', onData);
    source.once('end', () => void writing.then(() => finish()));
    // `on`, not `once`: a reset while the rest is being dropped must not become an unhandled 'error'.
    source.on('error', () =>
      finish(source === req ? new AppError('invalid-input', 'The upload ended before the whole file arrived') : new AppError('invalid-input', `The body could not be decompressed (Content-Encoding: ${encoding})`)),
    );
    if (source !== req) req.on('error', () => finish(new AppError('invalid-input', 'The upload ended before the whole file arrived')));
    req.once('close', () => {
      if (!req.complete) finish(new AppError('invalid-input', 'The upload ended before the whole file arrived'));
    });
  });
  return { size, head: Buffer.concat(head) };
}
