import { isAbsolute, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MlopsError } from '../../errors.js';

/**
 * Artifact locations as MLflow's file store writes them: `file://` URIs for local folders,
 * `mlflow-artifacts:/…` when a tracking server proxies artifacts, or any remote scheme.
 */

/** An absolute path as a file URI, percent-encoded like Python's Path.as_uri(). */
export function pathToFileUri(path: string): string {
  return pathToFileURL(resolve(path)).href;
}

/** MLflow's append_to_uri_path: joins with exactly one '/' between parts. */
export function appendToUri(uri: string, ...parts: string[]): string {
  let result = uri;
  for (const part of parts) {
    const trimmed = part.replace(/^\/+/, '');
    result = result.endsWith('/') ? `${result}${trimmed}` : `${result}/${trimmed}`;
  }
  return result;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):/;

/** MLflow's resolve_uri_if_local: a plain path becomes an absolute file URI, anything with a scheme stays. */
export function resolveArtifactLocation(location: string, baseDir: string = process.cwd()): string {
  const scheme = SCHEME.exec(location)?.[1];
  // A Windows drive letter looks like a one-letter scheme.
  if (scheme !== undefined && scheme.length > 1) return location;
  return pathToFileUri(isAbsolute(location) ? location : resolve(baseDir, location));
}

/**
 * The local folder behind an artifact URI. `mlflow-artifacts:/<path>` resolves under
 * `artifactsDestination` (the server's --artifacts-destination) when it is given.
 */
export function artifactUriToPath(uri: string, options: { artifactsDestination?: string | undefined } = {}): string {
  const scheme = SCHEME.exec(uri)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme.length === 1) return resolve(uri);
  if (scheme === 'file') {
    try {
      return fileURLToPath(uri);
    } catch (error) {
      throw new MlopsError('INVALID_ARGUMENT', `Artifact URI ${uri} is not a usable local file URI`, { cause: error, details: { uri } });
    }
  }
  if (scheme === 'mlflow-artifacts') {
    if (options.artifactsDestination === undefined) {
      throw new MlopsError(
        'INVALID_ARGUMENT',
        `Artifact URI ${uri} is served by an MLflow tracking server; pass artifactsDestination (the server's --artifacts-destination folder) to read it from disk`,
        { details: { uri } },
      );
    }
    const path = decodeURIComponent(uri.replace(/^mlflow-artifacts:(\/\/[^/]*)?/i, ''));
    const segments = path.split('/').filter((part) => part !== '' && part !== '.');
    if (segments.includes('..')) throw new MlopsError('INVALID_ARGUMENT', `Artifact URI ${uri} climbs out of the artifacts destination with '..'`, { details: { uri } });
    return join(resolve(options.artifactsDestination), ...segments);
  }
  throw new MlopsError('INVALID_ARGUMENT', `Artifact URI ${uri} uses the ${scheme}: scheme, which the local file store cannot reach; expected file: or mlflow-artifacts:`, {
    details: { uri },
  });
}
