import type { Dirent, Stats } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { isTempFileName, writeLocalFileAtomic } from '../../io/atomic-file.js';
import { readFileRange } from '../../io/file-range.js';
import { errnoCode, toMlopsError } from '../../io/fs-errors.js';
import { checkByteRange } from '../byte-range.js';
import type { CallOptions, VolumeEntry, VolumeStore } from '../types.js';
import { formatVolumePath, parseVolumePath, volumePathToLocal } from './paths.js';

export interface LocalVolumeStoreOptions {
  /** The workspace root; volume /Volumes/c/s/v lives in <root>/Volumes/c/s/v. */
  root: string;
}

/** Unity Catalog volumes as a folder tree on local disk. */
export class LocalVolumeStore implements VolumeStore {
  readonly root: string;

  constructor(options: LocalVolumeStoreOptions) {
    this.root = path.resolve(options.root);
  }

  /** The local file behind a volume path, for callers that want to stream from disk. */
  localPath(volumePath: string): string {
    return volumePathToLocal(this.root, volumePath);
  }

  async read(volumePath: string, options: CallOptions = {}): Promise<Uint8Array> {
    const file = this.localPath(volumePath);
    throwIfAborted(options.signal);
    try {
      const buffer = await fs.readFile(file, options.signal === undefined ? {} : { signal: options.signal });
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      throw toMlopsError(error, `read ${volumePath}`);
    }
  }

  async readRange(volumePath: string, start: number, end: number, options: CallOptions = {}): Promise<Uint8Array> {
    checkByteRange(volumePath, start, end);
    const file = this.localPath(volumePath);
    throwIfAborted(options.signal);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(file, 'r');
    } catch (error) {
      throw toMlopsError(error, `read ${volumePath}`);
    }
    try {
      const stats = await handle.stat();
      // Opening a directory for reading succeeds on Linux; reading it is what fails.
      if (stats.isDirectory()) throw new MlopsError('INVALID_ARGUMENT', `Cannot read ${volumePath}: it is a directory, a file was expected`, { details: { path: volumePath } });
      return await readFileRange(handle, start, Math.max(0, Math.min(end, stats.size) - start), options.signal);
    } catch (error) {
      throw toMlopsError(error, `read bytes [${start}, ${end}) of ${volumePath}`);
    } finally {
      await handle.close();
    }
  }

  async write(volumePath: string, data: Uint8Array | string, options: CallOptions & { overwrite?: boolean } = {}): Promise<void> {
    const parts = parseVolumePath(volumePath);
    if (parts.rest.length === 0) {
      throw new MlopsError('INVALID_ARGUMENT', `Cannot write ${volumePath}: it names the volume itself, not a file in it`);
    }
    await writeLocalFileAtomic(this.localPath(volumePath), data, {
      overwrite: options.overwrite ?? true,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      displayName: volumePath,
    });
  }

  async exists(volumePath: string, options: CallOptions = {}): Promise<boolean> {
    return (await this.stat(volumePath, options)) !== undefined;
  }

  async stat(volumePath: string, options: CallOptions = {}): Promise<VolumeEntry | undefined> {
    const file = this.localPath(volumePath);
    throwIfAborted(options.signal);
    const stats = await statOrUndefined(file, volumePath);
    return stats === undefined ? undefined : toEntry(formatVolumePath(parseVolumePath(volumePath)), stats);
  }

  async *list(volumePath: string, options: CallOptions & { recursive?: boolean } = {}): AsyncIterable<VolumeEntry> {
    const directory = this.localPath(volumePath);
    const base = formatVolumePath(parseVolumePath(volumePath));
    throwIfAborted(options.signal);
    const stats = await statOrUndefined(directory, volumePath);
    if (stats === undefined) {
      throw new MlopsError('NOT_FOUND', `Cannot list ${volumePath}: the directory does not exist`, { details: { path: volumePath } });
    }
    if (!stats.isDirectory()) {
      throw new MlopsError('INVALID_ARGUMENT', `Cannot list ${volumePath}: it is a file, a directory was expected`, { details: { path: volumePath } });
    }
    yield* walk(directory, base, options.recursive ?? false, options.signal);
  }

  async delete(volumePath: string, options: CallOptions = {}): Promise<void> {
    const parts = parseVolumePath(volumePath);
    if (parts.rest.length === 0) {
      throw new MlopsError('INVALID_ARGUMENT', `Refusing to delete ${volumePath}: it is the volume itself; delete the paths inside it instead`);
    }
    throwIfAborted(options.signal);
    try {
      await fs.rm(this.localPath(volumePath), { recursive: true, force: true });
    } catch (error) {
      throw toMlopsError(error, `delete ${volumePath}`);
    }
  }

  async mkdirs(volumePath: string, options: CallOptions = {}): Promise<void> {
    const directory = this.localPath(volumePath);
    throwIfAborted(options.signal);
    try {
      await fs.mkdir(directory, { recursive: true });
    } catch (error) {
      const found = errnoCode(error) === 'EEXIST' || errnoCode(error) === 'ENOTDIR';
      if (found) {
        throw new MlopsError('ALREADY_EXISTS', `Cannot create directory ${volumePath}: a file is in the way`, {
          cause: error,
          details: { path: volumePath },
        });
      }
      throw toMlopsError(error, `create directory ${volumePath}`);
    }
  }
}

async function statOrUndefined(file: string, volumePath: string): Promise<Stats | undefined> {
  try {
    return await fs.stat(file);
  } catch (error) {
    const code = errnoCode(error);
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    throw toMlopsError(error, `stat ${volumePath}`);
  }
}

function toEntry(volumePath: string, stats: Stats): VolumeEntry {
  const isDirectory = stats.isDirectory();
  return { path: volumePath, isDirectory, size: isDirectory ? 0 : stats.size, modifiedAt: Math.floor(stats.mtimeMs) };
}

/** Sorted by name so listings are deterministic across platforms. */
async function* walk(directory: string, base: string, recursive: boolean, signal: AbortSignal | undefined): AsyncGenerator<VolumeEntry> {
  let children: Dirent[];
  try {
    children = await fs.readdir(directory, { withFileTypes: true });
  } catch (error) {
    throw toMlopsError(error, `list ${base}`);
  }
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    throwIfAborted(signal);
    if (isTempFileName(child.name)) continue;
    const childPath = `${base}/${child.name}`;
    const local = path.join(directory, child.name);
    const stats = await statOrUndefined(local, childPath);
    // Gone between readdir and stat: a concurrent delete, not an error.
    if (stats === undefined) continue;
    if (!recursive) {
      yield toEntry(childPath, stats);
    } else if (stats.isDirectory()) {
      yield* walk(local, childPath, true, signal);
    } else {
      yield toEntry(childPath, stats);
    }
  }
}
