/**
 * MLflow's tracking and registry entities, in TypeScript naming. The REST client maps these
 * to and from MLflow's snake_case JSON; the file store maps them to MLflow's on-disk layout.
 */

export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type LifecycleStage = 'active' | 'deleted';

export interface Experiment {
  experimentId: string;
  name: string;
  artifactLocation: string;
  lifecycleStage: LifecycleStage;
  creationTime: number;
  lastUpdateTime: number;
  tags: Record<string, string>;
}

export interface Metric {
  key: string;
  value: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
  step: number;
  /** MLflow 3: the logged model this metric is about (also recorded on the model). */
  modelId?: string;
}

export interface RunInfo {
  runId: string;
  runName: string;
  experimentId: string;
  userId: string;
  status: RunStatus;
  startTime: number;
  endTime: number | undefined;
  artifactUri: string;
  lifecycleStage: LifecycleStage;
}

export interface RunData {
  /** The latest value of each metric (highest step, then timestamp, then value), as MLflow reports it. */
  metrics: Record<string, Metric>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface Run {
  info: RunInfo;
  data: RunData;
}

export interface CreateRunOptions {
  experimentId: string;
  runName?: string;
  startTime?: number;
  tags?: Record<string, string>;
  userId?: string;
  signal?: AbortSignal;
}

export interface LogBatchInput {
  metrics?: Metric[];
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface UpdateRunInput {
  status?: RunStatus;
  endTime?: number;
  runName?: string;
}

export interface SearchRunsOptions {
  experimentIds: string[];
  /** MLflow search syntax, e.g. `tags.stage = 'train' and metrics.accuracy > 0.9`. */
  filter?: string;
  /** e.g. `['attributes.start_time DESC', 'metrics.accuracy ASC']`. */
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
  signal?: AbortSignal;
}

export interface Page<T> {
  items: T[];
  nextPageToken: string | undefined;
}

export interface ArtifactInfo {
  /** Relative to the run's artifact root, '/'-separated. */
  path: string;
  isDir: boolean;
  /** Bytes; undefined for directories. */
  fileSize: number | undefined;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** MLflow tracking: experiments, runs, metrics, params, tags and run artifacts. */
export interface TrackingStore {
  /** The tracking URI this store was opened from (never with credentials in it). */
  readonly uri: string;

  createExperiment(name: string, options?: CallOptions & { tags?: Record<string, string>; artifactLocation?: string }): Promise<string>;
  getExperiment(experimentId: string, options?: CallOptions): Promise<Experiment>;
  /** undefined when no active or deleted experiment has the name. */
  getExperimentByName(name: string, options?: CallOptions): Promise<Experiment | undefined>;
  searchExperiments(options?: CallOptions & { maxResults?: number; pageToken?: string }): Promise<Page<Experiment>>;
  setExperimentTag(experimentId: string, key: string, value: string, options?: CallOptions): Promise<void>;

  createRun(options: CreateRunOptions): Promise<RunInfo>;
  getRun(runId: string, options?: CallOptions): Promise<Run>;
  updateRun(runId: string, update: UpdateRunInput, options?: CallOptions): Promise<RunInfo>;
  logBatch(runId: string, batch: LogBatchInput, options?: CallOptions): Promise<void>;
  setTag(runId: string, key: string, value: string, options?: CallOptions): Promise<void>;
  deleteTag(runId: string, key: string, options?: CallOptions): Promise<void>;
  getMetricHistory(runId: string, key: string, options?: CallOptions): Promise<Metric[]>;
  searchRuns(options: SearchRunsOptions): Promise<Page<Run>>;

  /** Writes one artifact file at `path` (relative, '/'-separated) under the run's artifact root. */
  logArtifact(runId: string, path: string, data: Uint8Array | string, options?: CallOptions): Promise<void>;
  /** Lists the direct children of `path` ('' for the root). */
  listArtifacts(runId: string, path?: string, options?: CallOptions): Promise<ArtifactInfo[]>;
  downloadArtifact(runId: string, path: string, options?: CallOptions): Promise<Uint8Array>;

  /**
   * MLflow 3 logged models, when the store has them: the SQLite store always, the REST client when
   * its server answers the logged-models endpoints (an MLflow 3 server), nothing for the file store.
   * Resolves to undefined when absent, so callers fall back to a model in the run's artifacts.
   */
  loggedModels?(options?: CallOptions): Promise<LoggedModelStore | undefined>;
}

export type ModelVersionStatus = 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';

export interface RegisteredModel {
  name: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string;
  tags: Record<string, string>;
  /** alias → version */
  aliases: Record<string, string>;
}

export interface ModelVersion {
  name: string;
  /** A string, as in MLflow's REST API ("1", "2", …). */
  version: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  description: string;
  source: string;
  runId: string;
  status: ModelVersionStatus;
  tags: Record<string, string>;
  aliases: string[];
  /** The MLflow 3 logged model this version was registered from (its source is then `models:/m-<id>`). */
  modelId?: string;
}

export interface CreateModelVersionOptions extends CallOptions {
  name: string;
  /** Where the model files are, e.g. the run's artifact URI + '/model'. */
  source: string;
  runId?: string;
  description?: string;
  tags?: Record<string, string>;
  /** The MLflow 3 logged model being registered (MLflow 3 servers and the SQLite store). */
  modelId?: string;
}

/** MLflow's model registry: registered models, versions, tags and aliases. */
export interface ModelRegistry {
  /** Creates the model; ALREADY_EXISTS if it exists. */
  createRegisteredModel(name: string, options?: CallOptions & { description?: string; tags?: Record<string, string> }): Promise<RegisteredModel>;
  /** NOT_FOUND if absent. */
  getRegisteredModel(name: string, options?: CallOptions): Promise<RegisteredModel>;
  searchRegisteredModels(options?: CallOptions & { maxResults?: number; pageToken?: string }): Promise<Page<RegisteredModel>>;
  updateRegisteredModel(name: string, update: { description?: string }, options?: CallOptions): Promise<RegisteredModel>;
  setRegisteredModelTag(name: string, key: string, value: string, options?: CallOptions): Promise<void>;

  createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion>;
  getModelVersion(name: string, version: string, options?: CallOptions): Promise<ModelVersion>;
  /** All versions of one model, newest first. */
  listModelVersions(name: string, options?: CallOptions): Promise<ModelVersion[]>;
  updateModelVersion(name: string, version: string, update: { description?: string }, options?: CallOptions): Promise<ModelVersion>;
  setModelVersionTag(name: string, version: string, key: string, value: string, options?: CallOptions): Promise<void>;
  deleteModelVersionTag(name: string, version: string, key: string, options?: CallOptions): Promise<void>;

  setAlias(name: string, alias: string, version: string, options?: CallOptions): Promise<void>;
  deleteAlias(name: string, alias: string, options?: CallOptions): Promise<void>;
  /** NOT_FOUND if the alias is not set. */
  getModelVersionByAlias(name: string, alias: string, options?: CallOptions): Promise<ModelVersion>;
}

/** MLflow 3's LoggedModelStatus, without its LOGGED_MODEL_ prefix. */
export type LoggedModelStatus = 'PENDING' | 'READY' | 'UPLOAD_FAILED';

/** An MLflow 3 logged model: a model as a first-class entity, with its own id, artifacts, params, metrics and tags. */
export interface LoggedModel {
  /** `m-` and 32 hex digits; its URI is `models:/<modelId>`. */
  modelId: string;
  experimentId: string;
  name: string;
  /** Where its files are, e.g. `mlflow-artifacts:/<exp>/models/<modelId>/artifacts`. */
  artifactLocation: string;
  creationTimestamp: number;
  lastUpdatedTimestamp: number;
  status: LoggedModelStatus;
  statusMessage: string;
  modelType: string;
  /** The run that produced it ('' when none). */
  sourceRunId: string;
  tags: Record<string, string>;
  params: Record<string, string>;
  /** Its metrics, each with the run that logged it. */
  metrics: Array<Metric & { runId: string }>;
}

export interface CreateLoggedModelOptions extends CallOptions {
  experimentId: string;
  name: string;
  sourceRunId?: string;
  modelType?: string;
  params?: Record<string, string>;
  tags?: Record<string, string>;
}

export interface SearchLoggedModelsOptions extends CallOptions {
  experimentIds: string[];
  /** MLflow's logged-model filter, e.g. `name = 'iris' AND metrics.accuracy > 0.9 AND params.lr = '0.1'`. */
  filter?: string;
  /** Fields such as `creation_timestamp`, `name`, `metrics.accuracy`; newest first by default. */
  orderBy?: Array<{ fieldName: string; ascending?: boolean }>;
  maxResults?: number;
  pageToken?: string;
}

/** MLflow 3 logged models: the SQLite store and MLflow 3 servers have them; MLflow 2.x stores do not. */
export interface LoggedModelStore {
  createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel>;
  getLoggedModel(modelId: string, options?: CallOptions): Promise<LoggedModel>;
  /** Marks the model READY once its files are complete (or UPLOAD_FAILED). */
  finalizeLoggedModel(modelId: string, status: Exclude<LoggedModelStatus, 'PENDING'>, options?: CallOptions): Promise<LoggedModel>;
  setLoggedModelTags(modelId: string, tags: Record<string, string>, options?: CallOptions): Promise<void>;
  /** Metrics of the model, logged by `runId` (the model's source run when omitted). */
  logLoggedModelMetrics(modelId: string, metrics: Metric[], options?: CallOptions & { runId?: string }): Promise<void>;
  searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>>;
  logLoggedModelArtifact(modelId: string, path: string, data: Uint8Array | string, options?: CallOptions): Promise<void>;
  listLoggedModelArtifacts(modelId: string, path?: string, options?: CallOptions): Promise<ArtifactInfo[]>;
  downloadLoggedModelArtifact(modelId: string, path: string, options?: CallOptions): Promise<Uint8Array>;
}
