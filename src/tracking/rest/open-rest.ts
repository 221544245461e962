import { MlopsError } from '../../errors.js';
import type { ArtifactRepositoryFactory } from './artifact-repository.js';
import { authFromEnv, splitUriCredentials, type RestAuth } from './auth.js';
import { MlflowHttpClient, type RetryEvent } from './http-client.js';
import { RestModelRegistry } from './registry-client.js';
import type { RetryPolicy } from '../../http/retry.js';
import { RestTrackingStore } from './tracking-client.js';

export interface OpenRestTrackingOptions {
  /** http:// or https:// tracking URI; `user:password@` in it becomes Basic auth. */
  uri: string;
  /** MLFLOW_TRACKING_TOKEN / _USERNAME / _PASSWORD and MLFLOW_HTTP_REQUEST_MAX_RETRIES / _TIMEOUT (seconds) are read from here. */
  env?: Record<string, string | undefined>;
  /** Overrides the credentials from env (the Databricks backend passes its own). */
  auth?: RestAuth;
  fetch?: typeof globalThis.fetch;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  onRetry?: (event: RetryEvent) => void;
  artifactRepository?: ArtifactRepositoryFactory;
}

export interface RestTracking {
  tracking: RestTrackingStore;
  registry: RestModelRegistry;
  /** The shared HTTP client (its requestCount covers both). */
  http: MlflowHttpClient;
}

function positiveNumber(env: Record<string, string | undefined>, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text.trim() === '') return undefined;
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) {
    throw new MlopsError('CONFIG_INVALID', `${name} must be a non-negative number, got '${text}'`, { details: { variable: name } });
  }
  return value;
}

/** The tracking store and registry of an MLflow server, sharing one HTTP client. */
export function openRestTracking(options: OpenRestTrackingOptions): RestTracking {
  const env = options.env ?? {};
  const { uri, auth: uriAuth } = splitUriCredentials(options.uri);
  const auth = options.auth ?? uriAuth ?? authFromEnv(env);
  const maxRetries = positiveNumber(env, 'MLFLOW_HTTP_REQUEST_MAX_RETRIES');
  const timeoutSeconds = positiveNumber(env, 'MLFLOW_HTTP_REQUEST_TIMEOUT');
  const timeoutMs = options.timeoutMs ?? (timeoutSeconds === undefined ? undefined : timeoutSeconds * 1000);
  const http = new MlflowHttpClient({
    baseUrl: uri,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(auth ? { auth: auth.header, secrets: auth.secrets } : {}),
    retry: { ...(maxRetries === undefined ? {} : { maxRetries: Math.floor(maxRetries) }), ...options.retry },
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(options.onRetry ? { onRetry: options.onRetry } : {}),
  });
  const tracking = new RestTrackingStore({ http, uri: http.baseUrl, ...(options.artifactRepository ? { artifactRepository: options.artifactRepository } : {}) });
  return { tracking, registry: new RestModelRegistry({ http }), http };
}
