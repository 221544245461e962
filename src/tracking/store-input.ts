import { MlopsError } from '../errors.js';
import { RUN_STATUSES } from './file-store/entities.js';
import { randomRunName } from './file-store/ids.js';
import { LIMITS, validateExperimentName, validateKey, validateMetric, validateValueLength } from './file-store/validation.js';
import type { CreateRunOptions, LogBatchInput, Metric, UpdateRunInput } from './types.js';

/**
 * What every tracking store checks and derives before it writes, as MLflow's stores do: one
 * pure core for the file store and the SQLite store, so both refuse the same input with the same
 * message and name runs the same way.
 */

export const RUN_NAME_TAG = 'mlflow.runName';
export const USER_TAG = 'mlflow.user';

function invalid(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', message, { details });
}

export function validateTag(key: string, value: string, what = 'Tag'): void {
  validateKey('tag', key);
  validateValueLength(`${what} '${key}'`, value, LIMITS.tagValueLength);
}

/** A new experiment's name, tags and artifact location. */
export function validateNewExperiment(name: string, options: { tags?: Record<string, string>; artifactLocation?: string }): void {
  validateExperimentName(name);
  for (const [key, value] of Object.entries(options.tags ?? {})) validateTag(key, value, 'Experiment tag');
  if (options.artifactLocation?.startsWith('runs:')) {
    throw invalid(`Artifact location cannot be a runs:/ URI, got ${options.artifactLocation}`, { artifactLocation: options.artifactLocation });
  }
}

export interface NewRun {
  runName: string;
  userId: string;
  startTime: number;
  /** The tags to write, with mlflow.runName and (for a known user) mlflow.user. */
  tags: Record<string, string>;
}

/**
 * A new run's name, user, start time and tags. The name comes from runName or the mlflow.runName
 * tag (both given must agree) or is made up; the user from userId, the mlflow.user tag or
 * `defaultUser` (an explicit empty user, as an MLflow REST request without user_id, records no tag).
 */
export function newRun(options: CreateRunOptions, defaults: { user: () => string; now: () => number }): NewRun {
  const tags = { ...(options.tags ?? {}) };
  for (const [key, value] of Object.entries(tags)) validateTag(key, value);
  const tagRunName = tags[RUN_NAME_TAG];
  if (options.runName !== undefined && options.runName !== '' && tagRunName !== undefined && tagRunName !== options.runName) {
    throw invalid(
      `Both runName and the ${RUN_NAME_TAG} tag are given, with different values (runName='${options.runName}', ${RUN_NAME_TAG}='${tagRunName}')`,
      { runName: options.runName, tag: tagRunName },
    );
  }
  const runName = options.runName || tagRunName || randomRunName();
  tags[RUN_NAME_TAG] = runName;
  const userId = options.userId ?? tags[USER_TAG] ?? defaults.user();
  if (userId !== '') tags[USER_TAG] ??= userId;
  const startTime = options.startTime ?? defaults.now();
  if (!Number.isSafeInteger(startTime) || startTime < 0) throw invalid(`startTime must be a non-negative integer (ms), got ${startTime}`, { startTime });
  return { runName, userId, startTime, tags };
}

/** Checks an update of a run; returns the new name, undefined when the name does not change. */
export function validateRunUpdate(runId: string, update: UpdateRunInput): string | undefined {
  if (update.status !== undefined && !RUN_STATUSES.includes(update.status)) {
    throw invalid(`Run status must be one of ${RUN_STATUSES.join(', ')}, got '${String(update.status)}'`, { runId, status: update.status });
  }
  if (update.endTime !== undefined && (!Number.isSafeInteger(update.endTime) || update.endTime < 0)) {
    throw invalid(`endTime must be a non-negative integer (ms), got ${update.endTime}`, { runId, endTime: update.endTime });
  }
  const runName = update.runName === '' ? undefined : update.runName;
  if (runName !== undefined) validateValueLength(`Tag '${RUN_NAME_TAG}'`, runName, LIMITS.tagValueLength);
  return runName;
}

export interface CheckedBatch {
  metrics: readonly Metric[];
  params: Array<[string, string]>;
  tags: Array<[string, string]>;
}

/** Every metric, param and tag of a batch checked before anything is written, so a bad batch changes nothing. */
export function checkBatch(batch: LogBatchInput): CheckedBatch {
  const metrics = batch.metrics ?? [];
  const params = Object.entries(batch.params ?? {});
  const tags = Object.entries(batch.tags ?? {});
  metrics.forEach(validateMetric);
  for (const [key, value] of params) {
    validateKey('param', key);
    validateValueLength(`Param '${key}'`, value, LIMITS.paramValueLength);
  }
  for (const [key, value] of tags) validateTag(key, value);
  return { metrics, params, tags };
}
