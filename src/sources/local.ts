import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import * as fs from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { MlopsError, throwIfAborted } from '../errors.js';
import { errnoCode, toMlopsError } from '../io/fs-errors.js';
import type { CallOptions } from '../workspace/types.js';
import type { Source, SourceFile } from './types.js';

export interface LocalSourceOptions {
  /** The landing folder; made absolute against the process's working directory if relative. */
  root: string;
}

/**
 * A landing zone on local disk. Names starting with `.` or `_` are skipped, as Spark and Auto Loader
 * do, so markers like `_SUCCESS` and editor or checksum files are never ingested.
 */
export class LocalSource implements Source {
  readonly root: string;
  readonly url: string;

  constructor(options: LocalSourceOptions) {
    this.root = path.resolve(options.root);
    this.url = pathToFileURL(this.root).href;
  }

  async *list(options: CallOptions = {}): AsyncIterable<SourceFile> {
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

  async read(file: SourceFile, options: CallOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    const local = this.resolve(file.path);
    try {
      const buffer = await fs.readFile(local, options.signal === undefined ? {} : { signal: options.signal });
      return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    } catch (error) {
      throw toMlopsError(error, `read source file ${local}`);
    }
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
      if (name.startsWith('.') || name.startsWith('_')) continue;
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
          etag: localEtag(stats.size, stats.mtimeNs),
        });
      }
    }
  }
}

function directoryKey(stats: BigIntStats): string {
  return `${stats.dev}:${stats.ino}`;
}

/** Size plus nanosecond mtime: cheap to compute and changes on every rewrite that a listing can see. */
export function localEtag(size: bigint | number, mtimeNs: bigint | number): string {
  return createHash('sha256').update(`${size}:${mtimeNs}`).digest('hex').slice(0, 32);
}
