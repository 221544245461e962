import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MlopsError } from '../errors.js';
import { redactUrl } from '../redact.js';
import { FileModelRegistry } from './file-store/registry-file-store.js';
import { FileTrackingStore } from './file-store/tracking-file-store.js';
import { openRestTracking } from './rest/open-rest.js';
import type { ModelRegistry, TrackingStore } from './types.js';

export interface OpenTrackingOptions {
  /** Relative paths resolve against this folder. */
  baseDir: string;
  /** MLFLOW_TRACKING_TOKEN, MLFLOW_TRACKING_USERNAME/PASSWORD and MLFLOW_HTTP_REQUEST_* for http(s):// URIs. */
  env?: Record<string, string | undefined>;
  /** For http(s):// URIs; defaults to the global fetch. */
  fetch?: typeof globalThis.fetch;
}

/**
 * MLflow's tracking-URI conventions: a path or file: URI is a file store; http(s):// is a REST
 * server (credentials from `env`, as MLflow reads them); databricks[://profile] is a Databricks
 * workspace, which this module leaves to the Databricks backend.
 */
export function openTracking(uri: string, options: OpenTrackingOptions): { tracking: TrackingStore; registry: ModelRegistry } {
  if (/^https?:\/\//i.test(uri)) {
    const { tracking, registry } = openRestTracking({ uri, ...(options.env ? { env: options.env } : {}), ...(options.fetch ? { fetch: options.fetch } : {}) });
    return { tracking, registry };
  }
  if (/^databricks(:|$)/.test(uri)) {
    throw new MlopsError(
      'CONFIG_INVALID',
      `Tracking URI ${redactUrl(uri)} names a Databricks workspace, whose tracking backend is not in this version yet; use an http(s):// MLflow server, a file store path or a file: URI`,
      { details: { trackingUri: redactUrl(uri) } },
    );
  }
  let root: string;
  if (uri.startsWith('file:')) root = fileURLToPath(uri);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw new MlopsError('CONFIG_INVALID', `Tracking URI scheme of ${redactUrl(uri)} is not supported; expected a path, file:, http(s): or databricks`, {
      details: { trackingUri: redactUrl(uri) },
    });
  } else root = isAbsolute(uri) ? uri : resolve(options.baseDir, uri);
  return { tracking: new FileTrackingStore({ root, uri: pathToFileURL(root).href }), registry: new FileModelRegistry({ root }) };
}
