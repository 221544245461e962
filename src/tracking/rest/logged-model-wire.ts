import type { LoggedModel, LoggedModelStatus } from '../types.js';
import { asObject, doubleToJson, keyValuesFromJson, keyValuesToJson, metricFromJson, optionalInteger, optionalString, requiredString, type JsonObject, JsonPath } from './wire.js';

/**
 * MLflow 3's LoggedModel in REST JSON (service.proto: LoggedModel {info, data}): the status is
 * the LoggedModelStatus enum name, params and tags are key/value lists, metrics carry their run.
 */

const STATUS_NAMES: Record<LoggedModelStatus, string> = { PENDING: 'LOGGED_MODEL_PENDING', READY: 'LOGGED_MODEL_READY', UPLOAD_FAILED: 'LOGGED_MODEL_UPLOAD_FAILED' };

export function loggedModelStatusToJson(status: LoggedModelStatus): string {
  return STATUS_NAMES[status];
}

export function loggedModelStatusFromJson(value: unknown): LoggedModelStatus {
  const found = (Object.keys(STATUS_NAMES) as LoggedModelStatus[]).find((status) => STATUS_NAMES[status] === value || status === value);
  return found ?? 'PENDING';
}

function list(object: JsonObject, key: string): unknown[] {
  const value = object[key];
  return Array.isArray(value) ? value : [];
}

export function loggedModelFromJson(value: unknown, at: JsonPath): LoggedModel {
  const object = asObject(value, at);
  const info = asObject(object['info'] ?? {}, at.child('info'));
  const data = asObject(object['data'] ?? {}, at.child('data'));
  const infoAt = at.child('info');
  const creationTimestamp = optionalInteger(info, 'creation_timestamp_ms', infoAt) ?? 0;
  return {
    modelId: requiredString(info, 'model_id', infoAt),
    experimentId: requiredString(info, 'experiment_id', infoAt),
    name: optionalString(info, 'name', infoAt) ?? '',
    artifactLocation: optionalString(info, 'artifact_uri', infoAt) ?? '',
    creationTimestamp,
    lastUpdatedTimestamp: optionalInteger(info, 'last_updated_timestamp_ms', infoAt) ?? creationTimestamp,
    status: loggedModelStatusFromJson(info['status']),
    statusMessage: optionalString(info, 'status_message', infoAt) ?? '',
    modelType: optionalString(info, 'model_type', infoAt) ?? '',
    sourceRunId: optionalString(info, 'source_run_id', infoAt) ?? '',
    tags: keyValuesFromJson(info, 'tags', infoAt),
    params: keyValuesFromJson(data, 'params', at.child('data')),
    metrics: list(data, 'metrics').map((item, index) => {
      const where = at.child('data').child('metrics').child(index);
      return { ...metricFromJson(item, where), runId: optionalString(asObject(item, where), 'run_id', where) ?? '' };
    }),
  };
}

export function loggedModelToJson(model: LoggedModel): JsonObject {
  const info: JsonObject = {
    model_id: model.modelId,
    experiment_id: model.experimentId,
    name: model.name,
    creation_timestamp_ms: model.creationTimestamp,
    last_updated_timestamp_ms: model.lastUpdatedTimestamp,
    artifact_uri: model.artifactLocation,
    status: loggedModelStatusToJson(model.status),
    tags: keyValuesToJson(model.tags),
  };
  if (model.modelType !== '') info['model_type'] = model.modelType;
  if (model.sourceRunId !== '') info['source_run_id'] = model.sourceRunId;
  if (model.statusMessage !== '') info['status_message'] = model.statusMessage;
  return {
    info,
    data: {
      params: keyValuesToJson(model.params),
      metrics: model.metrics.map((metric) => ({
        key: metric.key,
        value: doubleToJson(metric.value),
        timestamp: metric.timestamp,
        step: metric.step,
        model_id: model.modelId,
        ...(metric.runId !== '' ? { run_id: metric.runId } : {}),
      })),
    },
  };
}
