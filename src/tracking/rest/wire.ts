import { MlopsError } from '../../errors.js';
import { loggedModelIdOfUri } from '../logged-models.js';
import type {
  ArtifactInfo,
  Experiment,
  LifecycleStage,
  Metric,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  Run,
  RunInfo,
  RunStatus,
} from '../types.js';

/**
 * MLflow's REST JSON (proto3 JSON of mlflow/protos/service.proto and model_registry.proto, with
 * int64 as numbers) to and from our entity types. Pure; the client parses with the `…FromJson`
 * functions and the server answers with the `…ToJson` ones, so both speak exactly one dialect.
 */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export type KeyValue = { key: string; value: string };

/** Where a value came from, for error messages: e.g. `GET /api/2.0/mlflow/runs/get → run.info`. */
export class JsonPath {
  constructor(
    readonly source: string,
    readonly path: string,
  ) {}

  child(key: string | number): JsonPath {
    return new JsonPath(this.source, typeof key === 'number' ? `${this.path}[${key}]` : this.path === '' ? key : `${this.path}.${key}`);
  }

  fail(expected: string, found: unknown): MlopsError {
    const shown = JSON.stringify(found) ?? String(found);
    return new MlopsError('HTTP', `${this.source}: expected ${this.path || 'the body'} to be ${expected}, found ${shown.length > 80 ? `${shown.slice(0, 77)}...` : shown}`, {
      details: { source: this.source, field: this.path },
    });
  }
}

export function asObject(value: unknown, at: JsonPath): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw at.fail('an object', value);
  return value as JsonObject;
}

function field(object: JsonObject, key: string): unknown {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

export function requiredString(object: JsonObject, key: string, at: JsonPath): string {
  const value = field(object, key);
  if (typeof value !== 'string') throw at.child(key).fail('a string', value);
  return value;
}

export function optionalString(object: JsonObject, key: string, at: JsonPath): string | undefined {
  const value = field(object, key);
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw at.child(key).fail('a string', value);
  return value;
}

/** int64 fields arrive as numbers from MLflow, as strings from strict proto3 JSON encoders. */
export function optionalInteger(object: JsonObject, key: string, at: JsonPath): number | undefined {
  const value = field(object, key);
  if (value === undefined || value === null) return undefined;
  const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isSafeInteger(number)) throw at.child(key).fail('an integer', value);
  return number;
}

/** A double: a JSON number, or proto3's "NaN", "Infinity", "-Infinity" strings. */
export function parseDouble(value: unknown, at: JsonPath): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  if (value === 'Infinity') return Number.POSITIVE_INFINITY;
  if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
  if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
  throw at.fail('a number', value);
}

/** JSON has no NaN or Infinity; proto3 JSON writes them as strings, and MLflow does too. */
export function doubleToJson(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return 'Infinity';
  if (value === Number.NEGATIVE_INFINITY) return '-Infinity';
  return value;
}

function list(object: JsonObject, key: string, at: JsonPath): unknown[] {
  const value = field(object, key);
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw at.child(key).fail('a list', value);
  return value;
}

/** A repeated {key, value} field as a record (later keys win, as MLflow's dict() of them does). */
export function keyValuesFromJson(object: JsonObject, key: string, at: JsonPath): Record<string, string> {
  const result: Record<string, string> = {};
  list(object, key, at).forEach((item, index) => {
    const where = at.child(key).child(index);
    const entry = asObject(item, where);
    result[requiredString(entry, 'key', where)] = optionalString(entry, 'value', where) ?? '';
  });
  return result;
}

export function keyValuesToJson(record: Record<string, string>): KeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** Adds `key: value` to `target` only when value is not undefined and, for lists, not empty (proto3 leaves them out). */
function put(target: JsonObject, key: string, value: Json | undefined): void {
  if (value === undefined) return;
  if (Array.isArray(value) && value.length === 0) return;
  target[key] = value;
}

// ---------------------------------------------------------------- experiments

const LIFECYCLE_STAGES: readonly LifecycleStage[] = ['active', 'deleted'];

function lifecycleStage(object: JsonObject, at: JsonPath): LifecycleStage {
  const value = optionalString(object, 'lifecycle_stage', at) ?? 'active';
  if (!(LIFECYCLE_STAGES as readonly string[]).includes(value)) throw at.child('lifecycle_stage').fail(`one of ${LIFECYCLE_STAGES.join(', ')}`, value);
  return value as LifecycleStage;
}

export function experimentFromJson(value: unknown, at: JsonPath): Experiment {
  const object = asObject(value, at);
  const creationTime = optionalInteger(object, 'creation_time', at) ?? 0;
  return {
    experimentId: requiredString(object, 'experiment_id', at),
    name: requiredString(object, 'name', at),
    artifactLocation: optionalString(object, 'artifact_location', at) ?? '',
    lifecycleStage: lifecycleStage(object, at),
    creationTime,
    lastUpdateTime: optionalInteger(object, 'last_update_time', at) ?? creationTime,
    tags: keyValuesFromJson(object, 'tags', at),
  };
}

export function experimentToJson(experiment: Experiment): JsonObject {
  const json: JsonObject = {
    experiment_id: experiment.experimentId,
    name: experiment.name,
    artifact_location: experiment.artifactLocation,
    lifecycle_stage: experiment.lifecycleStage,
    last_update_time: experiment.lastUpdateTime,
    creation_time: experiment.creationTime,
  };
  put(json, 'tags', keyValuesToJson(experiment.tags));
  return json;
}

// ---------------------------------------------------------------- runs and metrics

const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

export function parseRunStatus(value: unknown, at: JsonPath): RunStatus {
  if (typeof value !== 'string' || !(RUN_STATUSES as readonly string[]).includes(value)) throw at.fail(`one of ${RUN_STATUSES.join(', ')}`, value);
  return value as RunStatus;
}

export function metricFromJson(value: unknown, at: JsonPath): Metric {
  const object = asObject(value, at);
  return {
    key: requiredString(object, 'key', at),
    value: parseDouble(field(object, 'value'), at.child('value')),
    timestamp: optionalInteger(object, 'timestamp', at) ?? 0,
    step: optionalInteger(object, 'step', at) ?? 0,
  };
}

export function metricToJson(metric: Metric): JsonObject {
  return { key: metric.key, value: doubleToJson(metric.value), timestamp: metric.timestamp, step: metric.step };
}

export function metricsFromJson(object: JsonObject, key: string, at: JsonPath): Metric[] {
  return list(object, key, at).map((item, index) => metricFromJson(item, at.child(key).child(index)));
}

export function runInfoFromJson(value: unknown, at: JsonPath): RunInfo {
  const object = asObject(value, at);
  const runId = optionalString(object, 'run_id', at) ?? requiredString(object, 'run_uuid', at);
  return {
    runId,
    runName: optionalString(object, 'run_name', at) ?? '',
    experimentId: requiredString(object, 'experiment_id', at),
    userId: optionalString(object, 'user_id', at) ?? '',
    status: parseRunStatus(field(object, 'status') ?? 'RUNNING', at.child('status')),
    startTime: optionalInteger(object, 'start_time', at) ?? 0,
    endTime: optionalInteger(object, 'end_time', at),
    artifactUri: optionalString(object, 'artifact_uri', at) ?? '',
    lifecycleStage: lifecycleStage(object, at),
  };
}

/** Field order as MLflow's server writes run info (run_uuid first, run_id last). */
export function runInfoToJson(info: RunInfo): JsonObject {
  const json: JsonObject = {
    run_uuid: info.runId,
    experiment_id: info.experimentId,
    run_name: info.runName,
    user_id: info.userId,
    status: info.status,
    start_time: info.startTime,
  };
  put(json, 'end_time', info.endTime);
  json['artifact_uri'] = info.artifactUri;
  json['lifecycle_stage'] = info.lifecycleStage;
  json['run_id'] = info.runId;
  return json;
}

export function runFromJson(value: unknown, at: JsonPath): Run {
  const object = asObject(value, at);
  const info = runInfoFromJson(field(object, 'info'), at.child('info'));
  const dataAt = at.child('data');
  const data = field(object, 'data') === undefined ? {} : asObject(field(object, 'data'), dataAt);
  const metrics: Record<string, Metric> = {};
  for (const metric of metricsFromJson(data, 'metrics', dataAt)) metrics[metric.key] = metric;
  const tags = keyValuesFromJson(data, 'tags', dataAt);
  return {
    // Some servers leave run_name out of info on old runs; the tag carries it.
    info: info.runName === '' && tags['mlflow.runName'] !== undefined ? { ...info, runName: tags['mlflow.runName'] } : info,
    data: { metrics, params: keyValuesFromJson(data, 'params', dataAt), tags },
  };
}

export function runToJson(run: Run): JsonObject {
  const data: JsonObject = {};
  put(data, 'metrics', Object.values(run.data.metrics).map(metricToJson));
  put(data, 'params', keyValuesToJson(run.data.params));
  put(data, 'tags', keyValuesToJson(run.data.tags));
  return { info: runInfoToJson(run.info), data, inputs: {} };
}

// ---------------------------------------------------------------- artifacts

/** One entry of artifacts/list (paths relative to the run root) or of the proxy's list (names in the folder). */
export function artifactFromJson(value: unknown, at: JsonPath): ArtifactInfo {
  const object = asObject(value, at);
  const isDir = field(object, 'is_dir') === true;
  return { path: requiredString(object, 'path', at), isDir, fileSize: isDir ? undefined : (optionalInteger(object, 'file_size', at) ?? 0) };
}

export function artifactToJson(info: ArtifactInfo): JsonObject {
  const json: JsonObject = { path: info.path, is_dir: info.isDir };
  put(json, 'file_size', info.fileSize);
  return json;
}

// ---------------------------------------------------------------- registry

const VERSION_STATUSES: readonly ModelVersionStatus[] = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'];


export function modelVersionFromJson(value: unknown, at: JsonPath): ModelVersion {
  const object = asObject(value, at);
  const creationTimestamp = optionalInteger(object, 'creation_timestamp', at) ?? 0;
  const status = optionalString(object, 'status', at) ?? 'READY';
  if (!(VERSION_STATUSES as readonly string[]).includes(status)) throw at.child('status').fail(`one of ${VERSION_STATUSES.join(', ')}`, status);
  const aliases = list(object, 'aliases', at).map((alias, index) => {
    if (typeof alias !== 'string') throw at.child('aliases').child(index).fail('a string', alias);
    return alias;
  });
  const version = field(object, 'version');
  const source = optionalString(object, 'source', at) ?? '';
  // MLflow 3.17's SQL registry stores no model_id, so its server leaves it out: a version registered
  // from a logged model still names it in its source, models:/m-<id>, which is how MLflow relates them.
  const modelId = optionalString(object, 'model_id', at) || loggedModelIdOfUri(source);
  return {
    ...(modelId ? { modelId } : {}),
    name: requiredString(object, 'name', at),
    version: typeof version === 'number' ? String(version) : requiredString(object, 'version', at),
    creationTimestamp,
    lastUpdatedTimestamp: optionalInteger(object, 'last_updated_timestamp', at) ?? creationTimestamp,
    description: optionalString(object, 'description', at) ?? '',
    source,
    runId: optionalString(object, 'run_id', at) ?? '',
    status: status as ModelVersionStatus,
    tags: keyValuesFromJson(object, 'tags', at),
    aliases: aliases.sort(),
  };
}

/** `currentStage` is the legacy stage; our registry never moves versions between stages. */
export function modelVersionToJson(version: ModelVersion, currentStage = 'None'): JsonObject {
  const json: JsonObject = {
    name: version.name,
    version: version.version,
    creation_timestamp: version.creationTimestamp,
    last_updated_timestamp: version.lastUpdatedTimestamp,
    current_stage: currentStage,
    description: version.description,
    source: version.source,
    run_id: version.runId,
    status: version.status,
  };
  put(json, 'tags', keyValuesToJson(version.tags));
  json['run_link'] = '';
  put(json, 'aliases', version.aliases);
  if (version.modelId !== undefined) json['model_id'] = version.modelId;
  return json;
}

export function registeredModelFromJson(value: unknown, at: JsonPath): RegisteredModel {
  const object = asObject(value, at);
  const creationTimestamp = optionalInteger(object, 'creation_timestamp', at) ?? 0;
  const aliases: Record<string, string> = {};
  list(object, 'aliases', at).forEach((item, index) => {
    const where = at.child('aliases').child(index);
    const entry = asObject(item, where);
    const version = field(entry, 'version');
    aliases[requiredString(entry, 'alias', where)] = typeof version === 'number' ? String(version) : requiredString(entry, 'version', where);
  });
  return {
    name: requiredString(object, 'name', at),
    creationTimestamp,
    lastUpdatedTimestamp: optionalInteger(object, 'last_updated_timestamp', at) ?? creationTimestamp,
    description: optionalString(object, 'description', at) ?? '',
    tags: keyValuesFromJson(object, 'tags', at),
    aliases,
  };
}

export function registeredModelToJson(model: RegisteredModel, latestVersions: readonly ModelVersion[] = []): JsonObject {
  const json: JsonObject = {
    name: model.name,
    creation_timestamp: model.creationTimestamp,
    last_updated_timestamp: model.lastUpdatedTimestamp,
    description: model.description,
  };
  // latest_versions, like MLflow, carry no aliases.
  put(json, 'latest_versions', latestVersions.map((version) => modelVersionToJson({ ...version, aliases: [] })));
  put(json, 'tags', keyValuesToJson(model.tags));
  put(
    json,
    'aliases',
    Object.entries(model.aliases).map(([alias, version]) => ({ alias, version })),
  );
  return json;
}
