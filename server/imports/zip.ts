/**
 * The image files of an import sent as one zip (yauzl, reading the spooled zip in place). Each entry's path inside
 * the zip is the relative path items name it by. Guarded against what a hostile zip can do: more entries than an
 * import takes (refused before any is read), names outside the upload (absolute, `..`; refused with the name),
 * and zip bombs (each entry inflated to {@link LIMITS.imageBytes} at most, the stream destroyed there; every
 * entry's bytes together capped by the server's import limit).
 */
import yauzl from 'yauzl';
import { LIMITS } from '../../shared/constants';
import { AppError } from '../errors';
import type { ReceivedFiles } from './received-files';

const unreadable = (zip: string, why: string) =>
  new AppError('invalid-input', `The zip "${zip}" cannot be read: ${why}`, [{ field: 'files', message: `${zip}: ${why}` }]);

/** The next entry of a lazily read zip, or null at its end. */
function nextEntry(zipfile: yauzl.ZipFile): Promise<yauzl.Entry | null> {
  return new Promise((resolve, reject) => {
    const done = () => {
      zipfile.off('entry', onEntry);
      zipfile.off('end', onEnd);
      zipfile.off('error', onError);
    };
    const onEntry = (e: yauzl.Entry) => (done(), resolve(e));
    const onEnd = () => (done(), resolve(null));
    const onError = (e: Error) => (done(), reject(e));
    zipfile.on('entry', onEntry);
    zipfile.on('end', onEnd);
    zipfile.on('error', onError);
    zipfile.readEntry();
  });
}

/** An entry's path as written in the zip (UTF-8 when flagged, else CP437, as the zip format says), with `\` read as `/`. */
const entryName = (e: yauzl.Entry) => yauzl.getFileNameLowLevel(e.generalPurposeBitFlag, e.fileNameRaw, e.extraFields, false);

/**
 * Reads every file entry of the zip at `fd` (its caller keeps and closes the descriptor) into `files`. Folders,
 * and the `__MACOSX/` resource forks macOS's Archive Utility adds, are skipped.
 */
export async function extractZip(fd: number, zipName: string, files: ReceivedFiles, maxTotal: number): Promise<void> {
  let zipfile: yauzl.ZipFile;
  try {
    // autoClose off and close() never called: the descriptor is the spool's, closed by its owner.
    zipfile = await yauzl.fromFdPromise(fd, { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: true });
  } catch (e) {
    throw unreadable(zipName, (e as Error).message);
  }
  if (zipfile.entryCount > LIMITS.filesPerImport)
    throw new AppError('invalid-input', `The zip "${zipName}" has ${zipfile.entryCount} entries: an import takes at most ${LIMITS.filesPerImport} files (folders count as entries)`, [
      { field: 'files', message: `${zipName}: ${zipfile.entryCount} entries` },
    ]);
  for (;;) {
    let entry: yauzl.Entry | null;
    try {
      entry = await nextEntry(zipfile);
    } catch (e) {
      throw unreadable(zipName, (e as Error).message);
    }
    if (!entry) return;
    const name = entryName(entry);
    if (name.endsWith('/') || name.startsWith('__MACOSX/')) continue;
    if (entry.isEncrypted()) throw unreadable(zipName, `"${name}" is encrypted`);
    // The declared size is checked before inflating, and yauzl checks the inflated bytes against it as they come.
    if (entry.uncompressedSize > LIMITS.imageBytes) {
      files.addTooLarge(name, entry.uncompressedSize);
      continue;
    }
    let stream;
    try {
      stream = await zipfile.openReadStreamPromise(entry);
    } catch (e) {
      throw unreadable(zipName, `"${name}": ${(e as Error).message}`);
    }
    try {
      await files.add(name, stream, { maxTotal, stopOverCap: true });
    } catch (e) {
      if (e instanceof AppError) throw e;
      throw unreadable(zipName, `"${name}": ${(e as Error).message}`);
    }
  }
}
