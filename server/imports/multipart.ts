/**
 * An items import sent as multipart/form-data (busboy): the items file in a part named `items`, and the image files
 * the items name, as file parts or in one zip. Every part is streamed to a spool file as it arrives (the items file
 * like a plain body, images into one spool of received files, a zip whole to be read in place afterwards); the
 * upload is never held in memory and counts against the server's import limit as a whole.
 *
 * A file part's path: its filename when the part is named `files` (what `concord import --files` and most clients
 * send: `-F 'files=@cat.png;filename=img/cat.png'`), else the part's name (`-F 'img/cat.png=@./cat.png'`, since
 * curl sends only a file's base name). Directory parts of a filename are kept (busboy's `preservePath`).
 */
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { LIMITS } from '../../shared/constants';
import { AppError } from '../errors';
import { importMedia } from './parse';
import { ReceivedFiles } from './received-files';
import { bodySource, spoolStream, tooLarge, type SpooledBody } from './spool';
import { extractZip } from './zip';

/** An items file with the image files that came with it (null: a plain body, no files). */
export interface ItemsUpload {
  body: SpooledBody;
  contentType: string | undefined;
  files: ReceivedFiles | null;
  dispose(): Promise<void>;
}

export const isMultipart = (req: IncomingMessage): boolean => /^multipart\/form-data\s*(;|$)/i.test(req.headers['content-type'] ?? '');

/** Part names whose filename is the path (any other part's name is the path). */
const FILES_PARTS = new Set(['files', 'files[]', 'file', 'images']);
/** The items file as a text field (curl `-F items=<items.jsonl`) is held in memory, so it is kept small. */
const FIELD_BYTES = 1024 * 1024;

const bad = (message: string) => new AppError('invalid-input', message, [{ field: 'files', message }]);

/** The type the items part is read as: its file extension, else a declared type the import knows, else its first byte. */
function partType(filename: string | undefined, mimeType: string): string | undefined {
  const ext = /\.([a-z]+)$/i.exec(filename ?? '')?.[1]?.toLowerCase();
  if (ext === 'csv') return 'text/csv';
  if (ext === 'json') return 'application/json';
  if (ext === 'jsonl' || ext === 'ndjson') return 'application/x-ndjson';
  return importMedia(mimeType) ? mimeType : undefined;
}

/**
 * A part's name or filename as the sender meant it: browsers and fetch escape `"`, LF and CR in them as `%22`,
 * `%0A` and `%0D` (HTML Standard, "multipart/form-data encoding algorithm"), which busboy leaves as they are.
 */
const unescapeName = (name: string) => name.replace(/%(22|0A|0D)/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

const isZip = (filename: string | undefined, mimeType: string) =>
  /\.zip$/i.test(filename ?? '') || mimeType === 'application/zip' || mimeType === 'application/x-zip-compressed';

/** What the parts have delivered so far. */
class Parts {
  items: { body: SpooledBody; type: string | undefined } | null = null;
  zips: Array<{ name: string; body: SpooledBody }> = [];
  constructor(readonly files: ReceivedFiles) {}

  async dispose(): Promise<void> {
    await this.items?.body.dispose();
    for (const z of this.zips) await z.body.dispose();
    await this.files.dispose();
  }
}

/** Reads one file part into `parts`. */
async function filePart(parts: Parts, field: string, stream: Readable, info: busboy.FileInfo, dir: string, limit: number): Promise<void> {
  if (field === 'items') {
    if (parts.items) throw bad('two parts are named items: send one items file');
    parts.items = { body: await spoolStream(stream, { dir, limit }), type: partType(info.filename, info.mimeType) };
  } else if (isZip(info.filename, info.mimeType)) {
    parts.zips.push({ name: info.filename ?? field, body: await spoolStream(stream, { dir, limit }) });
  } else await parts.files.add(unescapeName(FILES_PARTS.has(field) ? (info.filename ?? '') : field), stream, { maxTotal: limit, stopOverCap: false });
}

/** A multipart reader for the request, or the 400 that says why its headers cannot be read as a form. */
function formReader(req: IncomingMessage, limit: number): busboy.Busboy {
  try {
    return busboy({
      headers: req.headers,
      preservePath: true,
      // Browsers and fetch send a filename's UTF-8 bytes as they are (RFC 7578 §4.2); busboy's default reads them as Latin-1.
      defParamCharset: 'utf8',
      limits: { fileSize: limit, fieldSize: FIELD_BYTES, fields: 1, files: LIMITS.filesPerImport + 2 },
    });
  } catch (e) {
    req.resume();
    throw new AppError('invalid-input', `The multipart body cannot be read: ${(e as Error).message}`);
  }
}

/**
 * Receives a multipart items import. A malformed body, a part past the limits, a repeated or unsafe file name, or an
 * unreadable zip refuses it (nothing is kept); the rest of the upload is then read and dropped so the answer reaches
 * the client.
 */
export async function receiveMultipart(req: IncomingMessage, { dir, limit }: { dir: string; limit: number }): Promise<ItemsUpload> {
  const { source, inflate } = bodySource(req, limit);
  const bb = formReader(req, limit);
  const parts = new Parts(await ReceivedFiles.open(dir));
  let chain: Promise<void> = Promise.resolve();
  let failed = false;
  try {
    await new Promise<void>((resolve, reject) => {
      let received = 0;
      const count = (chunk: Buffer) => {
        received += chunk.length;
        if (received > limit) stop(tooLarge(limit));
      };
      const stop = (e: unknown) => {
        if (failed) return;
        failed = true;
        source.off('data', count);
        source.unpipe(bb);
        if (inflate) {
          req.unpipe(inflate);
          inflate.destroy();
        }
        // Drop the rest of the upload; the part being read fails with the form, and the parts after it are not read.
        req.resume();
        bb.destroy(new Error('stopped'));
        reject(e);
      };
      const queue = (work: () => Promise<void>) => {
        chain = chain.then(() => (failed ? undefined : work())).catch(stop);
      };
      bb.on('file', (field, stream, info) => queue(() => filePart(parts, field, stream, info, dir, limit)));
      bb.on('field', (field, value, info) => {
        if (field !== 'items') return stop(bad(`unknown form field "${field}": a multipart import has a part named items and file parts (format and upsert go in the query string)`));
        if (info.valueTruncated) return stop(bad(`the items field is over ${FIELD_BYTES} bytes: send it as a file part (curl -F items=@items.jsonl)`));
        queue(async () => {
          if (parts.items) throw bad('two parts are named items: send one items file');
          parts.items = { body: await spoolStream(Readable.from([Buffer.from(value)]), { dir, limit }), type: undefined };
        });
      });
      bb.on('filesLimit', () => stop(bad(`too many files: an import takes at most ${LIMITS.filesPerImport}`)));
      bb.on('fieldsLimit', () => stop(bad('too many form fields: a multipart import has a part named items and file parts')));
      bb.on('error', (e: Error) => stop(new AppError('invalid-input', `The multipart body cannot be read: ${e.message}`)));
      bb.on('close', () => void chain.then(() => (failed ? undefined : resolve())));
      source.on('error', () => stop(new AppError('invalid-input', 'The upload ended before the whole file arrived')));
      req.once('close', () => {
        if (!req.complete) stop(new AppError('invalid-input', 'The upload ended before the whole file arrived'));
      });
      source.on('data', count);
      source.pipe(bb);
    });
    for (const z of parts.zips) {
      await extractZip(z.body.fd, z.name, parts.files, limit);
      await z.body.dispose();
    }
    parts.zips = [];
  } catch (e) {
    // Whatever part was being read has failed or finished once the chain settles: only then are the spools closed.
    await chain.catch(() => undefined);
    await parts.dispose();
    throw e;
  }
  const items = parts.items;
  if (!items) {
    await parts.dispose();
    throw new AppError('invalid-input', 'A multipart import needs a part named items: the JSONL, JSON or CSV file of items (curl -F items=@items.jsonl)', [
      { field: 'items', message: 'no part named items' },
    ]);
  }
  return { body: items.body, contentType: items.type, files: parts.files, dispose: () => parts.dispose() };
}
