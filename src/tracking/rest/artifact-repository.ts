import { MlopsError, type HttpError } from '../../errors.js';
import { listArtifactFolder, readArtifactFile, writeArtifactFile } from '../file-store/artifact-folder.js';
import { artifactUriToPath } from '../file-store/artifact-uri.js';
import { validateArtifactPath } from '../file-store/validation.js';
import type { ArtifactInfo } from '../types.js';
import type { MlflowHttpClient } from './http-client.js';
import { artifactFromJson, asObject, JsonPath } from './wire.js';

/**
 * Where a run's artifacts go, chosen by its artifact URI as MLflow's client chooses an artifact
 * repository: `mlflow-artifacts:` through the tracking server's proxy, `file:` (or a bare path)
 * straight to the local disk. Paths are relative to the run's artifact root.
 */
export interface ArtifactRepository {
  upload(path: string, data: Uint8Array | string, signal?: AbortSignal): Promise<void>;
  list(path: string, signal?: AbortSignal): Promise<ArtifactInfo[]>;
  download(path: string, signal?: AbortSignal): Promise<Uint8Array>;
}

/** Builds the repository for an artifact URI; the Databricks backend passes one for dbfs:/ and UC volumes. */
export type ArtifactRepositoryFactory = (artifactUri: string) => ArtifactRepository | undefined;

export const PROXY_PREFIX = '/api/2.0/mlflow-artifacts/artifacts';

function encodePath(path: string): string {
  return path
    .split('/')
    .filter((segment) => segment !== '')
    .map(encodeURIComponent)
    .join('/');
}

/**
 * The tracking server's artifact proxy (`mlflow server --serve-artifacts`): PUT and GET on
 * `/api/2.0/mlflow-artifacts/artifacts/<path>`, and GET `?path=` to list.
 */
export class ProxiedArtifactRepository implements ArtifactRepository {
  /** The artifact root inside the server's --artifacts-destination, e.g. `1/<run_id>/artifacts`. */
  readonly rootPath: string;

  constructor(
    private readonly http: MlflowHttpClient,
    artifactUri: string,
  ) {
    // mlflow-artifacts:/<path> or mlflow-artifacts://<host>/<path>: the path is what the proxy serves.
    const path = artifactUri.replace(/^mlflow-artifacts:(\/\/[^/]*)?/i, '');
    const segments = decodeURIComponent(path).split('/').filter((segment) => segment !== '' && segment !== '.');
    if (segments.includes('..')) throw new MlopsError('INVALID_ARGUMENT', `Artifact URI ${artifactUri} climbs out of the artifact root with '..'`, { details: { artifactUri } });
    this.rootPath = segments.join('/');
  }

  private join(path: string): string {
    return [this.rootPath, path].filter((part) => part !== '').join('/');
  }

  async upload(path: string, data: Uint8Array | string, signal?: AbortSignal): Promise<void> {
    const relativePath = validateArtifactPath(path, { allowRoot: false });
    await this.http.request('PUT', `${PROXY_PREFIX}/${encodePath(this.join(relativePath))}`, {
      body: data,
      contentType: 'application/octet-stream',
      ...(signal ? { signal } : {}),
    });
  }

  async list(path: string, signal?: AbortSignal): Promise<ArtifactInfo[]> {
    const relativePath = validateArtifactPath(path, { allowRoot: true });
    const source = `GET ${PROXY_PREFIX}?path=${this.join(relativePath)}`;
    const body = asObject(await this.http.request('GET', PROXY_PREFIX, { query: { path: this.join(relativePath) }, ...(signal ? { signal } : {}) }), new JsonPath(source, ''));
    const files = body['files'] ?? [];
    if (!Array.isArray(files)) throw new JsonPath(source, 'files').fail('a list', files);
    // The proxy names entries inside the folder; the tracking API names them from the run root.
    return files
      .map((file, index) => artifactFromJson(file, new JsonPath(source, `files[${index}]`)))
      .map((info) => ({ ...info, path: relativePath === '' ? info.path : `${relativePath}/${info.path}` }))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async download(path: string, signal?: AbortSignal): Promise<Uint8Array> {
    const relativePath = validateArtifactPath(path, { allowRoot: false });
    return this.http.request<Uint8Array>('GET', `${PROXY_PREFIX}/${encodePath(this.join(relativePath))}`, {
      responseType: 'bytes',
      ...(signal ? { signal } : {}),
      mapError: (error) => missingArtifact(error, relativePath),
    });
  }
}

/**
 * MLflow 2.12's proxy answers a missing file with 500 INTERNAL_ERROR and Python's "[Errno 2] No
 * such file or directory"; that is a NOT_FOUND, and sending it again will not help.
 */
function missingArtifact(error: HttpError, path: string): MlopsError | undefined {
  const missing = error.status === 404 || (error.status === 500 && /No such file or directory|Errno 2\b/.test(error.message));
  if (!missing) return undefined;
  return new MlopsError('NOT_FOUND', `Artifact '${path}' does not exist: ${error.message}`, { cause: error, details: { path } });
}

/** A `file:` artifact root on this machine, written the way the file store writes it. */
export class LocalArtifactRepository implements ArtifactRepository {
  readonly root: string;

  constructor(artifactUri: string) {
    this.root = artifactUriToPath(artifactUri);
  }

  async upload(path: string, data: Uint8Array | string): Promise<void> {
    await writeArtifactFile(this.root, path, data);
  }

  list(path: string): Promise<ArtifactInfo[]> {
    return listArtifactFolder(this.root, path);
  }

  download(path: string): Promise<Uint8Array> {
    return readArtifactFile(this.root, path, `under ${this.root}`);
  }
}

/** MLflow's choice of repository by scheme; other schemes need a factory that knows them. */
export function defaultArtifactRepository(http: MlflowHttpClient, artifactUri: string): ArtifactRepository {
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(artifactUri)?.[1]?.toLowerCase();
  if (scheme === 'mlflow-artifacts') return new ProxiedArtifactRepository(http, artifactUri);
  if (scheme === undefined || scheme === 'file' || scheme.length === 1) return new LocalArtifactRepository(artifactUri);
  throw new MlopsError(
    'INVALID_ARGUMENT',
    `Artifact URI ${artifactUri} uses the ${scheme}: scheme, which this client cannot reach; run the tracking server with --serve-artifacts (mlflow-artifacts:/ roots) or pass an artifactRepository factory`,
    { details: { artifactUri } },
  );
}
