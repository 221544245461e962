import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { MlopsError, throwIfAborted } from '../errors.js';
import { errnoCode, toMlopsError } from './fs-errors.js';

/**
 * Temporary files start with this so listings can hide the ones a crash left behind (and end in
 * .tmp, as the MLflow file store's always did, for anyone sweeping up after a crash).
 */
export const TEMP_FILE_PREFIX = '.mlops-tmp-';

export function isTempFileName(name: string): boolean {
  return name.startsWith(TEMP_FILE_PREFIX);
}

export interface AtomicWriteOptions {
  /** Default true. With false, an existing file fails with ALREADY_EXISTS and is left untouched. */
  overwrite?: boolean;
  signal?: AbortSignal;
  /** How error messages name the file (e.g. its volume path); default the local path. */
  displayName?: string;
  /**
   * The folder for the temporary file; default the target's folder. It must be on the target's
   * file system (the rename cannot cross one) and exist, unless it is one of the target's
   * ancestors. Give it when the target's folder is read as a set of entries: the MLflow file
   * store puts a tag's temp file in the run folder, never in tags/, where MLflow would read it
   * as a tag.
   */
  tempDir?: string;
  /**
   * Default true: the file is fsynced before the rename and its folder after, so the write
   * survives a power loss. False skips both, for many small files where losing the newest
   * after a crash is acceptable and an fsync each is not.
   */
  durable?: boolean;
  /**
   * Turns a file-system failure into the error to throw; default toMlopsError, whose code
   * follows the errno (NOT_FOUND, ALREADY_EXISTS, INVALID_ARGUMENT, else IO). MlopsErrors
   * (ABORTED, ALREADY_EXISTS) are thrown as they are.
   */
  toError?: (error: unknown, displayName: string) => MlopsError;
}

/**
 * Writes a file so that readers see the old content or the new, never a part: the data goes to a
 * temporary file (in `tempDir`, default the target's folder), then is renamed over the target (or
 * hard-linked, which fails if the target exists, when overwriting is not allowed). A failed or
 * aborted write removes its temporary file and leaves the target as it was.
 */
export async function writeLocalFileAtomic(filePath: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const displayName = options.displayName ?? filePath;
  const overwrite = options.overwrite ?? true;
  const durable = options.durable ?? true;
  throwIfAborted(options.signal);
  const directory = path.dirname(filePath);
  const tempPath = path.join(options.tempDir ?? directory, `${TEMP_FILE_PREFIX}${path.basename(filePath)}.${randomUUID()}.tmp`);
  try {
    await fs.mkdir(directory, { recursive: true });
    if (!overwrite && (await pathExists(filePath))) {
      throw alreadyExists(displayName);
    }
    const handle = await fs.open(tempPath, 'wx');
    try {
      await handle.writeFile(data);
      if (durable) await handle.sync();
    } finally {
      await handle.close();
    }
    throwIfAborted(options.signal);
    if (overwrite) {
      await fs.rename(tempPath, filePath);
    } else {
      await linkWithoutClobbering(tempPath, filePath, displayName);
    }
  } catch (error) {
    await fs.rm(tempPath, { force: true }).catch(() => undefined);
    if (error instanceof MlopsError) throw error;
    throw options.toError ? options.toError(error, displayName) : toMlopsError(error, `write ${displayName}`);
  }
  if (durable) await syncDirectory(directory);
}

async function linkWithoutClobbering(tempPath: string, filePath: string, displayName: string): Promise<void> {
  try {
    await fs.link(tempPath, filePath);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'EEXIST') throw alreadyExists(displayName);
    // Some file systems have no hard links; fall back to check-then-rename, racy but still atomic for readers.
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
    if (await pathExists(filePath)) throw alreadyExists(displayName);
    await fs.rename(tempPath, filePath);
    return;
  }
  await fs.rm(tempPath, { force: true });
}

function alreadyExists(displayName: string): MlopsError {
  return new MlopsError('ALREADY_EXISTS', `${displayName} already exists and overwrite is false`, {
    details: { path: displayName },
  });
}

async function pathExists(filePath: string): Promise<boolean> {
  try {
    await fs.lstat(filePath);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'ENOENT') return false;
    throw error;
  }
}

/** Makes a rename durable across a power loss; platforms that cannot open a folder (Windows) skip it. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(directory, 'r');
    await handle.sync();
  } catch {
    // Best effort only: the rename itself is already atomic.
  } finally {
    await handle?.close().catch(() => undefined);
  }
}
