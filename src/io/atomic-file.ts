import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { MlopsError, throwIfAborted } from '../errors.js';
import { errnoCode, toMlopsError } from './fs-errors.js';

/** Temporary files start with this so listings can hide the ones a crash left behind. */
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
}

/**
 * Writes a file so that readers see the old content or the new, never a part: the data goes to a
 * temporary file in the same folder, is fsynced, then renamed over the target (or hard-linked,
 * which fails if the target exists, when overwriting is not allowed).
 */
export async function writeLocalFileAtomic(filePath: string, data: Uint8Array | string, options: AtomicWriteOptions = {}): Promise<void> {
  const displayName = options.displayName ?? filePath;
  const overwrite = options.overwrite ?? true;
  throwIfAborted(options.signal);
  const directory = path.dirname(filePath);
  const tempPath = path.join(directory, `${TEMP_FILE_PREFIX}${path.basename(filePath)}.${randomUUID()}`);
  try {
    await fs.mkdir(directory, { recursive: true });
    if (!overwrite && (await pathExists(filePath))) {
      throw alreadyExists(displayName);
    }
    const handle = await fs.open(tempPath, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
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
    throw toMlopsError(error, `write ${displayName}`);
  }
  await syncDirectory(directory);
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
