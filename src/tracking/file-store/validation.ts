import { MlopsError } from '../../errors.js';

/**
 * MLflow's input validation (mlflow/utils/validation.py) for what becomes a file or folder name
 * in the store: a key that normalises to another path could overwrite or escape its folder.
 */

export const LIMITS = {
  entityKeyLength: 250,
  paramValueLength: 6000,
  tagValueLength: 5000,
  experimentNameLength: 500,
  aliasLength: 255,
  metricsPerBatch: 1000,
  paramsOrTagsPerBatch: 100,
  entitiesPerBatch: 1000,
} as const;

function invalid(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', message, { details });
}

/** Python's posixpath.normpath, which MLflow uses to decide whether a name is a unique path. */
export function pythonNormpath(path: string): string {
  if (path === '') return '.';
  const leadingSlashes = path.startsWith('/') ? (path.startsWith('//') && !path.startsWith('///') ? 2 : 1) : 0;
  const parts: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    const last = parts[parts.length - 1];
    if (part !== '..' || (leadingSlashes === 0 && parts.length === 0) || last === '..') parts.push(part);
    else if (parts.length > 0) parts.pop();
  }
  const joined = '/'.repeat(leadingSlashes) + parts.join('/');
  return joined === '' ? '.' : joined;
}

/** True when a name would resolve to a different file than itself (MLflow's path_not_unique). */
export function pathNotUnique(name: string): boolean {
  const normalised = pythonNormpath(name);
  return normalised !== name || normalised === '.' || normalised.startsWith('..') || normalised.startsWith('/');
}

// Python's \w is Unicode-aware; letters, digits and underscore cover it.
const VALID_KEY = /^[/\p{L}\p{N}_.\- ]*$/u;

export type KeyKind = 'metric' | 'param' | 'tag';

/** Metric, param and tag keys: letters, digits, `_ - . / space`, and no `..`, leading `/` or `./`. */
export function validateKey(kind: KeyKind, key: string): void {
  const label = kind === 'param' ? 'parameter' : kind;
  if (typeof key !== 'string') throw invalid(`${label} name must be a string, got ${typeof key}`, { kind, key });
  if (!VALID_KEY.test(key)) {
    throw invalid(
      `Invalid ${label} name '${key}': names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), and slashes (/)`,
      { kind, key },
    );
  }
  if (pathNotUnique(key)) {
    throw invalid(
      `Invalid ${label} name '${key}': names are stored as files and must not resolve to other names; this one resolves to '${pythonNormpath(key)}'`,
      { kind, key },
    );
  }
  if (key.length > LIMITS.entityKeyLength) {
    throw invalid(`${label} name '${key.slice(0, 250)}' has length ${key.length}, over the limit of ${LIMITS.entityKeyLength}`, { kind, key });
  }
}

export function validateValueLength(what: string, value: string, limit: number): void {
  if (typeof value !== 'string') throw invalid(`${what} must be a string, got ${typeof value}`, { what });
  if (value.length > limit) {
    throw invalid(`${what} has length ${value.length}, over MLflow's limit of ${limit}`, { what, length: value.length, limit });
  }
}

const RUN_ID = /^[a-zA-Z0-9][\w-]{0,255}$/;
const EXPERIMENT_ID = /^[a-zA-Z0-9][\w-]{0,63}$/;

export function validateRunId(runId: string): void {
  if (typeof runId !== 'string' || !RUN_ID.test(runId)) throw invalid(`Invalid run ID: '${String(runId)}' (expected letters, digits, _ and -)`, { runId });
}

export function validateExperimentId(experimentId: string): void {
  if (typeof experimentId !== 'string' || !EXPERIMENT_ID.test(experimentId)) {
    throw invalid(`Invalid experiment ID: '${String(experimentId)}' (expected letters, digits, _ and -)`, { experimentId });
  }
}

export function validateExperimentName(name: string): void {
  if (typeof name !== 'string' || name === '') throw invalid(`Invalid experiment name: '${String(name)}' (expected a non-empty string)`, { name });
  if (name.length > LIMITS.experimentNameLength) {
    throw invalid(`Experiment name has length ${name.length}, over the limit of ${LIMITS.experimentNameLength}`, { name });
  }
}

export function validateMetric(metric: { key: string; value: number; timestamp: number; step: number }): void {
  validateKey('metric', metric.key);
  if (typeof metric.value !== 'number') {
    throw invalid(`Got invalid value ${String(metric.value)} for metric '${metric.key}': expected a double`, { key: metric.key });
  }
  if (!Number.isSafeInteger(metric.timestamp) || metric.timestamp < 0) {
    throw invalid(`Got invalid timestamp ${String(metric.timestamp)} for metric '${metric.key}': expected a non-negative integer (ms)`, {
      key: metric.key,
    });
  }
  if (!Number.isSafeInteger(metric.step)) {
    throw invalid(`Got invalid step ${String(metric.step)} for metric '${metric.key}': expected an integer`, { key: metric.key });
  }
}

/**
 * Registered model names become folder names under models/. MLflow forbids path separators and
 * `%`; we also refuse `.`/`..` and control characters, which would escape or break the folder.
 */
export function validateModelName(name: string): void {
  if (typeof name !== 'string' || name === '') throw invalid('Registered model name cannot be empty', { name });
  if (name.includes('/') || name.includes('\\')) throw invalid(`Invalid name: '${name}'. Registered model name cannot contain a path separator`, { name });
  if (name.includes('%')) throw invalid(`Invalid name: '${name}'. Registered model name cannot contain '%'`, { name });
  // eslint-disable-next-line no-control-regex
  if (name === '.' || name === '..' || /[\u0000-\u001f]/.test(name)) throw invalid(`Invalid name: '${name}' cannot be a folder name`, { name });
}

const ALIAS = /^[\w-]*$/;

export function validateAlias(alias: string): void {
  if (typeof alias !== 'string' || alias === '') throw invalid('Registered model alias name cannot be empty', { alias });
  if (!ALIAS.test(alias)) throw invalid(`Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-)`, { alias });
  if (alias.length > LIMITS.aliasLength) throw invalid(`Alias name '${alias}' is longer than ${LIMITS.aliasLength} characters`, { alias });
  if (alias.toLowerCase() === 'latest') throw invalid("'latest' alias name (case insensitive) is reserved", { alias });
  if (/^[vV]\d+$/.test(alias)) throw invalid(`Version alias name '${alias}' is reserved`, { alias });
}

/** MLflow accepts anything int() parses; we return the canonical decimal used in folder names. */
export function normaliseVersion(version: string | number): string {
  const text = String(version).trim();
  if (!/^\+?\d+$/.test(text)) throw invalid(`Model version must be an integer, got '${String(version)}'`, { version });
  return String(Number(text.replace('+', '')));
}

/**
 * An artifact path relative to a run's artifact root: '/'-separated, no `..`, no leading `/`,
 * no empty or `.` segments. '' means the root itself when `allowRoot`.
 */
export function validateArtifactPath(path: string, options: { allowRoot: boolean }): string {
  if (typeof path !== 'string') throw invalid(`Artifact path must be a string, got ${typeof path}`, { path });
  const trimmed = path.replace(/\/+$/, '');
  if (trimmed === '') {
    if (options.allowRoot) return '';
    throw invalid('Artifact path cannot be empty: name the file to write under the run artifact root', { path });
  }
  // eslint-disable-next-line no-control-regex
  const bad = trimmed.startsWith('/') || trimmed.includes('\\') || /[\u0000]/.test(trimmed) || /^[a-zA-Z]:/.test(trimmed);
  if (bad || trimmed.split('/').some((segment) => segment === '' || segment === '.' || segment === '..')) {
    throw invalid(`Invalid artifact path '${path}': expected a relative '/'-separated path without '..', '.' or empty segments`, { path });
  }
  return trimmed;
}
