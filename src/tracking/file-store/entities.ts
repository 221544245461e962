import type {
  Experiment,
  LifecycleStage,
  ModelVersion,
  ModelVersionStatus,
  RegisteredModel,
  RunInfo,
  RunStatus,
} from '../types.js';
import type { MetaDoc, MetaValue } from './meta-yaml.js';

/**
 * The records MLflow keeps in each meta.yaml, with every field it writes, and their mapping to
 * our API types. Pure: the stores do the reading and writing.
 */

const LIFECYCLE_STAGES: readonly LifecycleStage[] = ['active', 'deleted'];

// mlflow.entities.RunStatus and SourceType, stored as integers in a run's meta.yaml.
const RUN_STATUS_CODES: Record<RunStatus, number> = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 };
const SOURCE_TYPE_LOCAL = 4;

export function runStatusCode(status: RunStatus): number {
  return RUN_STATUS_CODES[status];
}

export function runStatusFromCode(code: number): RunStatus | undefined {
  return (Object.keys(RUN_STATUS_CODES) as RunStatus[]).find((status) => RUN_STATUS_CODES[status] === code);
}

export const RUN_STATUSES = Object.keys(RUN_STATUS_CODES) as RunStatus[];

export interface StoredExperiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number | null;
  lastUpdateTime: number | null;
}

export function experimentToMeta(experiment: StoredExperiment): Record<string, MetaValue> {
  return {
    artifact_location: experiment.artifactLocation,
    creation_time: experiment.creationTime,
    experiment_id: experiment.experimentId,
    last_update_time: experiment.lastUpdateTime,
    lifecycle_stage: experiment.lifecycleStage,
    name: experiment.name,
  };
}

export function experimentFromMeta(doc: MetaDoc): StoredExperiment {
  return {
    experimentId: doc.string('experiment_id'),
    name: doc.string('name'),
    artifactLocation: doc.optionalString('artifact_location') ?? '',
    lifecycleStage: doc.oneOf('lifecycle_stage', LIFECYCLE_STAGES, 'active'),
    creationTime: doc.optionalInteger('creation_time') ?? null,
    lastUpdateTime: doc.optionalInteger('last_update_time') ?? null,
  };
}

export function toExperiment(stored: StoredExperiment, tags: Record<string, string>): Experiment {
  return {
    experimentId: stored.experimentId,
    name: stored.name,
    artifactLocation: stored.artifactLocation,
    lifecycleStage: stored.lifecycleStage,
    creationTime: stored.creationTime ?? 0,
    lastUpdateTime: stored.lastUpdateTime ?? stored.creationTime ?? 0,
    tags,
  };
}

export interface StoredRun {
  runId: string;
  /** '' when the meta.yaml has none (runs from before MLflow 2.0); the mlflow.runName tag fills in. */
  runName: string;
  experimentId: string;
  userId: string | null;
  status: RunStatus;
  startTime: number | null;
  endTime: number | null;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
  /** Only deleted runs carry it; MLflow drops the key when it rewrites an active run. */
  deletedTime?: number | null;
}

/** What MLflow's _make_persisted_run_info_dict writes, including its fixed legacy fields. */
export function runToMeta(run: StoredRun): Record<string, MetaValue> {
  return {
    artifact_uri: run.artifactUri,
    end_time: run.endTime,
    entry_point_name: '',
    experiment_id: run.experimentId,
    lifecycle_stage: run.lifecycleStage,
    run_id: run.runId,
    run_name: run.runName,
    run_uuid: run.runId,
    source_name: '',
    source_type: SOURCE_TYPE_LOCAL,
    source_version: '',
    start_time: run.startTime,
    status: runStatusCode(run.status),
    tags: [],
    user_id: run.userId,
    ...(run.deletedTime === undefined ? {} : { deleted_time: run.deletedTime }),
  };
}

export function runFromMeta(doc: MetaDoc): StoredRun {
  const statusCode = doc.optionalInteger('status');
  const status = statusCode === undefined ? 'RUNNING' : runStatusFromCode(statusCode);
  if (status === undefined) throw doc.invalid('status', 'a RunStatus code (1 RUNNING … 5 KILLED)');
  const runId = doc.optionalString('run_id') ?? doc.string('run_uuid');
  const deletedTime = doc.has('deleted_time') ? (doc.optionalInteger('deleted_time') ?? null) : undefined;
  return {
    runId,
    runName: doc.optionalString('run_name') ?? '',
    experimentId: doc.string('experiment_id'),
    userId: doc.optionalString('user_id') ?? null,
    status,
    startTime: doc.optionalInteger('start_time') ?? null,
    endTime: doc.optionalInteger('end_time') ?? null,
    artifactUri: doc.optionalString('artifact_uri') ?? '',
    lifecycleStage: doc.oneOf('lifecycle_stage', LIFECYCLE_STAGES, 'active'),
    ...(deletedTime === undefined ? {} : { deletedTime }),
  };
}

export function toRunInfo(stored: StoredRun, tags: Record<string, string>): RunInfo {
  return {
    runId: stored.runId,
    runName: stored.runName || tags['mlflow.runName'] || '',
    experimentId: stored.experimentId,
    userId: stored.userId ?? '',
    status: stored.status,
    startTime: stored.startTime ?? 0,
    endTime: stored.endTime ?? undefined,
    artifactUri: stored.artifactUri,
    lifecycleStage: stored.lifecycleStage,
  };
}

export interface StoredRegisteredModel {
  name: string;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  description: string | null;
}

/** `aliases` is the snapshot MLflow writes (and ignores on read); the aliases/ files are the truth. */
export function registeredModelToMeta(model: StoredRegisteredModel, aliases: Record<string, string>): Record<string, MetaValue> {
  return {
    aliases: { ...aliases },
    creation_timestamp: model.creationTimestamp,
    description: model.description,
    last_updated_timestamp: model.lastUpdatedTimestamp,
    name: model.name,
  };
}

export function registeredModelFromMeta(doc: MetaDoc): StoredRegisteredModel {
  return {
    name: doc.string('name'),
    creationTimestamp: doc.optionalInteger('creation_timestamp') ?? null,
    lastUpdatedTimestamp: doc.optionalInteger('last_updated_timestamp') ?? null,
    description: doc.optionalString('description') ?? null,
  };
}

export function toRegisteredModel(stored: StoredRegisteredModel, tags: Record<string, string>, aliases: Record<string, string>): RegisteredModel {
  return {
    name: stored.name,
    creationTimestamp: stored.creationTimestamp ?? 0,
    lastUpdatedTimestamp: stored.lastUpdatedTimestamp ?? stored.creationTimestamp ?? 0,
    description: stored.description ?? '',
    tags,
    aliases,
  };
}

/** The stage MLflow gives every new version, and the one marking a deleted version. */
export const STAGE_NONE = 'None';
export const STAGE_DELETED_INTERNAL = 'Deleted_Internal';

const VERSION_STATUSES: readonly ModelVersionStatus[] = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'];

export interface StoredModelVersion {
  name: string;
  version: number;
  creationTimestamp: number | null;
  lastUpdatedTimestamp: number | null;
  description: string | null;
  currentStage: string;
  source: string | null;
  runId: string | null;
  runLink: string | null;
  status: ModelVersionStatus;
  statusMessage: string | null;
  storageLocation: string | null;
  userId: string | null;
}

/** `aliases` is again only a snapshot: the registered model's aliases/ files are what counts. */
export function modelVersionToMeta(version: StoredModelVersion, aliases: string[]): Record<string, MetaValue> {
  return {
    aliases: [...aliases],
    creation_timestamp: version.creationTimestamp,
    current_stage: version.currentStage,
    description: version.description,
    last_updated_timestamp: version.lastUpdatedTimestamp,
    name: version.name,
    run_id: version.runId,
    run_link: version.runLink,
    source: version.source,
    status: version.status,
    status_message: version.statusMessage,
    storage_location: version.storageLocation,
    user_id: version.userId,
    version: version.version,
  };
}

export function modelVersionFromMeta(doc: MetaDoc): StoredModelVersion {
  return {
    name: doc.string('name'),
    version: doc.integer('version'),
    creationTimestamp: doc.optionalInteger('creation_timestamp') ?? null,
    lastUpdatedTimestamp: doc.optionalInteger('last_updated_timestamp') ?? null,
    description: doc.optionalString('description') ?? null,
    currentStage: doc.optionalString('current_stage') ?? STAGE_NONE,
    source: doc.optionalString('source') ?? null,
    runId: doc.optionalString('run_id') ?? null,
    runLink: doc.optionalString('run_link') ?? null,
    status: doc.oneOf('status', VERSION_STATUSES, 'READY'),
    statusMessage: doc.optionalString('status_message') ?? null,
    storageLocation: doc.optionalString('storage_location') ?? null,
    userId: doc.optionalString('user_id') ?? null,
  };
}

export function toModelVersion(stored: StoredModelVersion, tags: Record<string, string>, aliases: string[]): ModelVersion {
  return {
    name: stored.name,
    version: String(stored.version),
    creationTimestamp: stored.creationTimestamp ?? 0,
    lastUpdatedTimestamp: stored.lastUpdatedTimestamp ?? stored.creationTimestamp ?? 0,
    description: stored.description ?? '',
    source: stored.source ?? '',
    runId: stored.runId ?? '',
    status: stored.status,
    tags,
    aliases,
  };
}
