import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MlopsError, throwIfAborted } from '../errors.js';
import { errnoCode, toMlopsError } from '../io/fs-errors.js';
import type { CallOptions } from '../workspace/types.js';
import { isHiddenName, SourceFileChangedError } from './types.js';
import type { ListOptions, Source, SourceFile } from './types.js';

export interface LocalSourceOptions {
  /** The landing folder; made absolute against the process's working directory if relative. */
  root: string;
  /** Bytes per read while streaming a file; default 1 MiB. */
  chunkSize?: number;
}

const DEFAULT_CHUNK_SIZE = 1024 * 1024;

/** A landing zone on local disk, listed recursively and read as a stream. */
export class LocalSource implements Source {
  readonly root: string;
  readonly url: string;
  private readonly chunkSize: number;

  constructor(options: LocalSourceOptions) {
    this.root = path.resolve(options.root);
    this.url = pathToFileURL(this.root).href;
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  }

  async *list(options: ListOptions = {}): AsyncIterable<SourceFile> {
    throwIfAborted(options.signal);
    let rootStats: BigIntStats;
    try {
      rootStats = await fs.stat(this.root, { bigint: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT' || errnoCode(error) === 'ENOTDIR') {
        throw new MlopsError('NOT_FOUND', `Source folder ${this.root} does not exist`, { cause: error, details: { path: this.root } });
      }
      throw toMlopsError(error, `list source folder ${this.root}`);
    }
    if (!rootStats.isDirectory()) {
      throw new MlopsError('INVALID_ARGUMENT', `Source ${this.root} is a file; expected a folder of landing files`, { details: { path: this.root } });
    }
    const files: SourceFile[] = [];
    const visited = new Set([directoryKey(rootStats)]);
    await this.collect(this.root, [], files, visited, options.signal);
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    yield* files;
  }

  async *open(file: SourceFile, options: CallOptions = {}): AsyncIterable<Uint8Array> {
    throwIfAborted(options.signal);
    const local = this.resolve(file.path);
    await this.checkUnchanged(file, local);
    const stream = createReadStream(local, { highWaterMark: this.chunkSize, ...(options.signal ? { signal: options.signal } : {}) });
    try {
      for await (const chunk of stream) yield chunk as Buffer;
    } catch (error) {
      if (options.signal?.aborted) throwIfAborted(options.signal);
      throw toMlopsError(error, `read source file ${local}`);
    } finally {
      stream.destroy();
    }
    // A writer still appending would otherwise be ingested half-written.
    await this.checkUnchanged(file, local);
  }

  localPath(file: SourceFile): string {
    return this.resolve(file.path);
  }

  fileUrl(file: SourceFile): string {
    return pathToFileURL(this.resolve(file.path)).href;
  }

  private async checkUnchanged(file: SourceFile, local: string): Promise<void> {
    let stats: BigIntStats;
    try {
      stats = await fs.stat(local, { bigint: true });
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') throw new SourceFileChangedError(this.fileUrl(file), 'it was deleted');
      throw toMlopsError(error, `stat source file ${local}`);
    }
    const etag = localEtag(stats);
    if (etag !== file.etag) throw new SourceFileChangedError(this.fileUrl(file), `size or modification time differ from the listing`);
  }

  private resolve(relativePath: string): string {
    const segments = relativePath.split('/');
    if (relativePath === '' || segments.some((segment) => segment === '' || segment === '.' || segment === '..')) {
      throw new MlopsError('INVALID_ARGUMENT', `Source file path ${JSON.stringify(relativePath)} must be relative to ${this.root} without . or .. segments`);
    }
    return path.join(this.root, ...segments);
  }

  private async collect(
    directory: string,
    prefix: string[],
    into: SourceFile[],
    visited: Set<string>,
    signal: AbortSignal | undefined,
  ): Promise<void> {
    throwIfAborted(signal);
    let names: string[];
    try {
      names = await fs.readdir(directory);
    } catch (error) {
      throw toMlopsError(error, `list source folder ${directory}`);
    }
    for (const name of names) {
      if (isHiddenName(name)) continue;
      const local = path.join(directory, name);
      let stats: BigIntStats;
      try {
        // stat, not lstat: a symlinked file or folder is ingested like the real thing.
        stats = await fs.stat(local, { bigint: true });
      } catch (error) {
        // Deleted since readdir, or a dangling link: nothing to ingest.
        if (errnoCode(error) === 'ENOENT') continue;
        throw toMlopsError(error, `stat source file ${local}`);
      }
      const relative = [...prefix, name];
      if (stats.isDirectory()) {
        // A symlink back up the tree would otherwise recurse forever.
        const key = directoryKey(stats);
        if (visited.has(key)) continue;
        visited.add(key);
        await this.collect(local, relative, into, visited, signal);
      } else if (stats.isFile()) {
        into.push({
          path: relative.join('/'),
          size: Number(stats.size),
          modifiedAt: Number(stats.mtimeMs),
          etag: localEtag(stats),
        });
      }
    }
  }
}

function directoryKey(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}`;
}

/**
 * Size, nanosecond modification and change times, and inode: cheap to compute, and different after a
 * rewrite in place or a replacement by rename. (A same-size rewrite within one tick of the file
 * system's clock cannot be seen by any listing; Auto Loader has the same limit.)
 */
export function localEtag(stats: Pick<BigIntStats, 'size' | 'mtimeNs' | 'ctimeNs' | 'ino'>): string {
  return createHash('sha256').update(`${stats.size}:${stats.mtimeNs}:${stats.ctimeNs}:${stats.ino}`).digest('hex').slice(0, 32);
}
