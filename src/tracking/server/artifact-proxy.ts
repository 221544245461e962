import { rm } from 'node:fs/promises';
import { MlopsError } from '../../errors.js';
import { insideFolder, listArtifactFolder, readArtifactFile, writeArtifactFile } from '../file-store/artifact-folder.js';
import { ioError } from '../file-store/disk.js';
import { PROXY_PREFIX } from '../rest/artifact-repository.js';
import { artifactToJson } from '../rest/wire.js';
import type { ApiRequest, Route } from './router.js';

/**
 * The artifact proxy of `mlflow server --serve-artifacts`: `mlflow-artifacts:/<path>` URIs map to
 * `<destination>/<path>`, uploaded with PUT, read with GET, listed with GET `?path=`.
 */

function invalidPath(path: string): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', 'Invalid path', { details: { path } });
}

/** A '/'-separated path under the destination: no '..', no absolute or drive paths (MLflow's validate_path_is_safe). */
function safePath(raw: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw invalidPath(raw);
  }
  const segments = decoded.split('/');
  if (decoded.startsWith('/') || decoded.includes('\\') || /^[a-zA-Z]:/.test(decoded) || decoded.includes('\0') || segments.some((segment) => segment === '..')) {
    throw invalidPath(decoded);
  }
  return segments.filter((segment) => segment !== '' && segment !== '.').join('/');
}

const TEXT_TYPES: Record<string, string> = { txt: 'text/plain', json: 'application/json', yaml: 'text/plain', yml: 'text/plain', py: 'text/plain', md: 'text/plain' };

function contentTypeOf(path: string): string {
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase();
  return (extension === undefined ? undefined : TEXT_TYPES[extension]) ?? 'application/octet-stream';
}

export function artifactProxyRoutes(destination: string): Route[] {
  const label = (path: string) => `under the artifacts destination (${path})`;
  return [
    {
      method: 'PUT',
      path: PROXY_PREFIX,
      prefix: true,
      rawBody: true,
      handler: async (request: ApiRequest) => {
        const path = safePath(request.rest);
        if (path === '') throw invalidPath(request.rest);
        await writeArtifactFile(destination, path, request.body);
        return { json: {} };
      },
    },
    {
      method: 'GET',
      path: PROXY_PREFIX,
      prefix: true,
      handler: async (request: ApiRequest) => {
        if (request.rest === '') {
          // The listing form: GET …/artifacts?path=<folder>.
          const path = safePath(request.query.get('path') ?? '');
          const files = await listArtifactFolder(destination, path);
          const prefix = path === '' ? '' : `${path}/`;
          return { json: files.length === 0 ? {} : { files: files.map((file) => artifactToJson({ ...file, path: file.path.slice(prefix.length) })) } };
        }
        const path = safePath(request.rest);
        const bytes = await readArtifactFile(destination, path, label(path));
        return { bytes, contentType: contentTypeOf(path) };
      },
    },
    {
      method: 'DELETE',
      path: PROXY_PREFIX,
      prefix: true,
      handler: async (request: ApiRequest) => {
        const path = safePath(request.rest);
        if (path === '') throw invalidPath(request.rest);
        const target = insideFolder(destination, path);
        await rm(target, { recursive: true, force: true }).catch((error: unknown) => {
          throw ioError('delete', target, error);
        });
        return { json: {} };
      },
    },
  ];
}
