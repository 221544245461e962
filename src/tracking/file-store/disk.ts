import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { MlopsError } from '../../errors.js';
import type { AtomicWriteOptions } from '../../io/atomic-file.js';
import { errnoCode } from '../../io/fs-errors.js';

/**
 * The file operations both stores share. Whole-file writes go through writeLocalFileAtomic (a
 * temporary file and a rename), so a reader (or MLflow itself) sees the old content or the new,
 * never half a file.
 */

export function ioError(action: string, path: string, error: unknown): MlopsError {
  if (error instanceof MlopsError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new MlopsError('IO', `Could not ${action} ${path}: ${reason}`, { cause: error, details: { path } });
}

/**
 * writeLocalFileAtomic's options for the stores' whole-file writes. `tempDir` must be a folder
 * MLflow never enumerates files in — the one that holds meta.yaml, never a tags/, params/ or
 * aliases/ folder, whose every file MLflow reads as an entry. Only meta.yaml is `durable`: its
 * loss would make a run or model unreadable after a power cut, and an fsync per tag or param
 * would slow logging. Any failure is IO, as MLflow's own store lets every OS error through as an
 * internal error.
 */
export function storeWriteOptions(options: { tempDir?: string; durable?: boolean } = {}): AtomicWriteOptions {
  return { ...options, durable: options.durable ?? false, toError: (error, path) => ioError('write', path, error) };
}

/** The file's text, or undefined when it does not exist. */
export async function readTextIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw ioError('read', path, error);
  }
}

export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw ioError('inspect', path, error);
  }
}

export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw ioError('inspect', path, error);
  }
}

/** Names of the sub-folders of `dir`, sorted; [] when `dir` does not exist. */
export async function listSubdirectories(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .sort();
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return [];
    throw ioError('list', dir, error);
  }
}

/**
 * Every file below `dir` as a '/'-separated relative path (keys with '/' are nested files, as
 * MLflow's os.walk sees them); [] when `dir` does not exist.
 */
export async function listFilesRecursive(dir: string): Promise<string[]> {
  const files: string[] = [];
  const walk = async (folder: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(folder, { withFileTypes: true });
    } catch (error) {
      const code = errnoCode(error);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw ioError('list', folder, error);
    }
    for (const entry of entries) {
      if (entry.isDirectory()) await walk(join(folder, entry.name), `${prefix}${entry.name}/`);
      else if (entry.isFile()) files.push(`${prefix}${entry.name}`);
    }
  };
  await walk(dir, '');
  return files.sort();
}

/** Reads every file below `dir` into a key → content record (tags, params, aliases). */
export async function readKeyValueFolder(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const key of await listFilesRecursive(dir)) {
    const value = await readTextIfExists(join(dir, ...key.split('/')));
    // Deleted between listing and reading: it is simply not there any more.
    if (value !== undefined) result[key] = value;
  }
  return result;
}

/** Creates `dir`; false (not an error) when it already exists. The exclusive create that id allocation relies on. */
export async function mkdirExclusive(dir: string): Promise<boolean> {
  try {
    await mkdir(dir);
    return true;
  } catch (error) {
    if (errnoCode(error) === 'EEXIST') return false;
    throw ioError('create folder', dir, error);
  }
}
