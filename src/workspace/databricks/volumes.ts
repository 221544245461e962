import { HttpError, MlopsError, throwIfAborted } from '../../errors.js';
import { checkByteRange } from '../byte-range.js';
import { formatVolumePath, parseVolumePath } from '../local/paths.js';
import type { CallOptions, VolumeEntry, VolumeStore } from '../types.js';
import type { StorageClient } from './cloud-storage.js';
import { encodePath, isHttpStatus, type DatabricksClient, type RawResponse } from './http-client.js';
import { parseContentRange, rangeHeader } from './http-range.js';
import { uploadMultipart } from './multipart-upload.js';
import { pages } from '../../http/paging.js';

export interface DatabricksVolumeStoreOptions {
  client: DatabricksClient;
  storage: StorageClient;
  /** Files of at least this many bytes go through the multipart flow; default 50 MiB. */
  multipartThreshold?: number;
  /** Bytes per multipart part; default 10 MiB. */
  multipartPartSize?: number;
  /** Entries per directory listing page; default 1000. */
  pageSize?: number;
}

interface DirectoryEntryJson {
  path?: string;
  name?: string;
  is_directory?: boolean;
  file_size?: number;
  last_modified?: number;
}

/** Unity Catalog volumes through the Files API (/api/2.0/fs/files and /api/2.0/fs/directories). */
export class DatabricksVolumeStore implements VolumeStore {
  readonly #client: DatabricksClient;
  readonly #storage: StorageClient;
  readonly #threshold: number;
  readonly #partSize: number;
  readonly #pageSize: number;

  constructor(options: DatabricksVolumeStoreOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#threshold = options.multipartThreshold ?? 50 * 1024 * 1024;
    this.#partSize = options.multipartPartSize ?? 10 * 1024 * 1024;
    this.#pageSize = options.pageSize ?? 1000;
  }

  async read(volumePath: string, options: CallOptions = {}): Promise<Uint8Array> {
    return (await this.#download(normalize(volumePath), {}, options)).body;
  }

  /** One GET with a Range header (the Files API's documented range download); see VolumeStore. */
  async readRange(volumePath: string, start: number, end: number, options: CallOptions = {}): Promise<Uint8Array> {
    const path = normalize(volumePath);
    checkByteRange(path, start, end);
    if (start === end) {
      // No Range header asks for nothing, yet an absent file must still be NOT_FOUND.
      try {
        await this.#client.raw('HEAD', filesPath(path), signalOf(options));
      } catch (error) {
        throw notFoundAs(error, missingFile(path), path);
      }
      return new Uint8Array();
    }
    const range = rangeHeader(start, end);
    let response: RawResponse;
    try {
      response = await this.#download(path, { Range: range }, options);
    } catch (error) {
      // 416 Range Not Satisfiable: start is at or past the end of the file, which the contract answers with no bytes.
      if (isHttpStatus(error, 416)) return new Uint8Array();
      throw error;
    }
    if (response.status === 200) {
      // A server or proxy may ignore Range (RFC 9110 allows it) and send the whole file. Still correct, if
      // costly (each range then downloads the file); keep only the range, copied, so the rest can be collected.
      return response.body.slice(start, end);
    }
    const header = response.headers.get('content-range');
    const served = parseContentRange(header);
    if (response.status !== 206 || served === undefined || served.first !== start || served.last >= end || served.last - served.first + 1 !== response.body.byteLength) {
      throw new MlopsError(
        'HTTP',
        `Databricks GET ${filesPath(path)} with Range ${range} answered ${response.status} with Content-Range ${header ?? '(none)'} and ${response.body.byteLength} bytes; expected 206 with Content-Range bytes ${start}-<at most ${end - 1}>/<size> and as many bytes`,
        { details: { path, range, status: response.status, contentRange: header } },
      );
    }
    return response.body;
  }

  async write(volumePath: string, data: Uint8Array | string, options: CallOptions & { overwrite?: boolean } = {}): Promise<void> {
    const parts = parseVolumePath(volumePath);
    if (parts.rest.length === 0) {
      throw new MlopsError('INVALID_ARGUMENT', `Cannot write ${volumePath}: it names the volume itself, not a file in it`, { details: { path: volumePath } });
    }
    const path = formatVolumePath(parts);
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    const overwrite = options.overwrite ?? true;
    try {
      if (bytes.byteLength >= this.#threshold) {
        const done = await uploadMultipart(this.#client, this.#storage, path, bytes, { overwrite, partSize: this.#partSize, ...signalOf(options) });
        if (done) return;
      }
      await this.#client.raw('PUT', filesPath(path), { query: { overwrite }, data: bytes, ...signalOf(options) });
    } catch (error) {
      if (error instanceof MlopsError && error.code === 'ALREADY_EXISTS') {
        throw new MlopsError('ALREADY_EXISTS', `Cannot write ${path}: the file exists and overwrite is false`, { cause: error, details: { path } });
      }
      throw error;
    }
  }

  async exists(volumePath: string, options: CallOptions = {}): Promise<boolean> {
    return (await this.stat(volumePath, options)) !== undefined;
  }

  async stat(volumePath: string, options: CallOptions = {}): Promise<VolumeEntry | undefined> {
    const path = normalize(volumePath);
    try {
      const head = await this.#client.raw('HEAD', filesPath(path), signalOf(options));
      const modified = Date.parse(head.headers.get('last-modified') ?? '');
      return { path, isDirectory: false, size: Number(head.headers.get('content-length') ?? 0), modifiedAt: Number.isNaN(modified) ? 0 : modified };
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
    return (await this.#directoryExists(path, options)) ? { path, isDirectory: true, size: 0, modifiedAt: 0 } : undefined;
  }

  async *list(volumePath: string, options: CallOptions & { recursive?: boolean } = {}): AsyncIterable<VolumeEntry> {
    const path = normalize(volumePath);
    const children = await this.#listDirectory(path, options);
    if (children === undefined) {
      const file = await this.stat(path, options);
      if (file !== undefined && !file.isDirectory) {
        throw new MlopsError('INVALID_ARGUMENT', `Cannot list ${path}: it is a file, a directory was expected`, { details: { path } });
      }
      throw new MlopsError('NOT_FOUND', `Cannot list ${path}: the directory does not exist`, { details: { path } });
    }
    yield* this.#walk(children, options.recursive ?? false, options);
  }

  async delete(volumePath: string, options: CallOptions = {}): Promise<void> {
    const parts = parseVolumePath(volumePath);
    if (parts.rest.length === 0) {
      throw new MlopsError('INVALID_ARGUMENT', `Refusing to delete ${volumePath}: it is the volume itself; delete the paths inside it instead`, { details: { path: volumePath } });
    }
    const path = formatVolumePath(parts);
    try {
      await this.#client.raw('DELETE', filesPath(path), signalOf(options));
      return;
    } catch (error) {
      // A directory is not a file: the files endpoint answers 404 (or 400), the tree is removed below.
      if (!isNotFound(error) && !(error instanceof HttpError && error.status === 400)) throw error;
    }
    const children = await this.#listDirectory(path, options);
    if (children === undefined) return; // absent: nothing to do
    await this.#deleteTree(path, children, options);
  }

  async mkdirs(volumePath: string, options: CallOptions = {}): Promise<void> {
    const path = normalize(volumePath);
    try {
      await this.#client.raw('PUT', directoriesPath(path), signalOf(options));
    } catch (error) {
      if (error instanceof MlopsError && error.code === 'ALREADY_EXISTS') {
        throw new MlopsError('ALREADY_EXISTS', `Cannot create directory ${path}: a file is in the way`, { cause: error, details: { path } });
      }
      throw error;
    }
  }

  /** GET of a file's bytes (all of them, or what `headers` ask for); NOT_FOUND naming the path when there is no file. */
  async #download(path: string, headers: Record<string, string>, options: CallOptions): Promise<RawResponse> {
    try {
      return await this.#client.raw('GET', filesPath(path), { headers: { Accept: 'application/octet-stream', ...headers }, ...signalOf(options) });
    } catch (error) {
      throw notFoundAs(error, missingFile(path), path);
    }
  }

  async #directoryExists(path: string, options: CallOptions): Promise<boolean> {
    try {
      await this.#client.raw('HEAD', directoriesPath(path), signalOf(options));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  /** All entries of one directory (following page tokens), sorted by name; undefined if absent. */
  async #listDirectory(path: string, options: CallOptions): Promise<VolumeEntry[] | undefined> {
    const entries: VolumeEntry[] = [];
    const listing = pages(
      (pageToken) =>
        this.#client
          .json<{ contents?: DirectoryEntryJson[]; next_page_token?: string }>('GET', directoriesPath(path), { query: { page_size: this.#pageSize, page_token: pageToken }, ...signalOf(options) })
          .then((page) => ({ items: page.contents ?? [], nextPageToken: page.next_page_token })),
      { what: `the Files API listing of ${path}`, ...signalOf(options) },
    );
    try {
      for await (const page of listing) {
        for (const item of page.items) {
          const childPath = item.path ?? `${path}/${item.name ?? ''}`;
          entries.push({
            path: childPath.replace(/\/+$/, ''),
            isDirectory: item.is_directory === true,
            size: item.is_directory ? 0 : Number(item.file_size ?? 0),
            modifiedAt: Number(item.last_modified ?? 0),
          });
        }
      }
    } catch (error) {
      // Absent before the first page: the directory does not exist.
      if (isNotFound(error) && entries.length === 0) return undefined;
      throw error;
    }
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async *#walk(entries: VolumeEntry[], recursive: boolean, options: CallOptions): AsyncGenerator<VolumeEntry> {
    for (const entry of entries) {
      throwIfAborted(options.signal);
      if (!recursive) {
        yield entry;
      } else if (entry.isDirectory) {
        const children = await this.#listDirectory(entry.path, options);
        if (children !== undefined) yield* this.#walk(children, true, options);
      } else {
        yield entry;
      }
    }
  }

  /** The Files API deletes only empty directories: remove files first, then directories bottom-up. */
  async #deleteTree(path: string, children: VolumeEntry[], options: CallOptions): Promise<void> {
    for (const child of children) {
      throwIfAborted(options.signal);
      if (child.isDirectory) {
        const grandChildren = await this.#listDirectory(child.path, options);
        if (grandChildren !== undefined) await this.#deleteTree(child.path, grandChildren, options);
      } else {
        await this.#client.raw('DELETE', filesPath(child.path), signalOf(options)).catch((error: unknown) => {
          if (!isNotFound(error)) throw error;
        });
      }
    }
    await this.#client.raw('DELETE', directoriesPath(path), signalOf(options)).catch((error: unknown) => {
      if (!isNotFound(error)) throw error;
    });
  }
}

function normalize(volumePath: string): string {
  return formatVolumePath(parseVolumePath(volumePath));
}

function filesPath(path: string): string {
  return `/api/2.0/fs/files${encodePath(path)}`;
}

function directoriesPath(path: string): string {
  return `/api/2.0/fs/directories${encodePath(path)}`;
}

function signalOf(options: CallOptions): { signal?: AbortSignal } {
  return options.signal ? { signal: options.signal } : {};
}

function missingFile(path: string): string {
  return `Cannot read ${path}: no such file in the volume`;
}

function isNotFound(error: unknown): boolean {
  return error instanceof MlopsError && error.code === 'NOT_FOUND';
}

function notFoundAs(error: unknown, message: string, path: string): unknown {
  if (error instanceof HttpError && error.code === 'NOT_FOUND') return new MlopsError('NOT_FOUND', message, { cause: error, details: { path } });
  return error;
}
