import { randomUUID } from 'node:crypto';
import { MlopsError } from '../errors.js';
import type { LoggedModelStatus } from './types.js';

/**
 * MLflow 3 logged models, what every implementation shares (the SQLite store, the REST client,
 * our server's routes, registry sources and model URIs): the id format, `models:/m-<id>` URIs,
 * and the statuses a model is finalized with. The types are re-exported for the stores.
 */

export type {
  ArtifactInfo,
  CallOptions,
  CreateLoggedModelOptions,
  LoggedModel,
  LoggedModelStatus,
  LoggedModelStore,
  Metric,
  Page,
  SearchLoggedModelsOptions,
} from './types.js';

const LOGGED_MODEL_ID = /^m-[0-9a-f]{32}$/;
const LOGGED_MODEL_URI = /^models:\/(m-[0-9a-f]{32})\/?$/;

/** A logged model id as MLflow makes one: `m-` and a uuid4 in hex. */
export function newLoggedModelId(): string {
  return `m-${randomUUID().replace(/-/g, '')}`;
}

export function isLoggedModelId(value: string): boolean {
  return LOGGED_MODEL_ID.test(value);
}

/** Throws INVALID_ARGUMENT naming the value unless it is m- followed by 32 hex digits. */
export function validateLoggedModelId(modelId: string, where = ''): void {
  if (!isLoggedModelId(modelId)) {
    throw new MlopsError('INVALID_ARGUMENT', `Expected a logged model id (m- and 32 hex digits)${where}, found '${modelId}'`, { details: { modelId } });
  }
}

/** The logged model a `models:/m-<id>` URI (or registry source) names, else undefined. */
export function loggedModelIdOfUri(uri: string): string | undefined {
  return LOGGED_MODEL_URI.exec(uri)?.[1];
}

/** A logged model is finalized as READY or UPLOAD_FAILED, never back to PENDING. */
export function validateFinalStatus(modelId: string, status: string): asserts status is Exclude<LoggedModelStatus, 'PENDING'> {
  if (status !== 'READY' && status !== 'UPLOAD_FAILED') {
    throw new MlopsError('INVALID_ARGUMENT', `A logged model is finalized as READY or UPLOAD_FAILED, got '${status}'`, { details: { modelId, status } });
  }
}
