import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { allPages } from '../../http/paging.js';
import type {
  ArtifactInfo,
  CallOptions,
  CreateRunOptions,
  Experiment,
  LogBatchInput,
  Metric,
  Page,
  Run,
  RunInfo,
  SearchRunsOptions,
  TrackingStore,
  UpdateRunInput,
} from '../types.js';
import { defaultArtifactRepository, type ArtifactRepository, type ArtifactRepositoryFactory } from './artifact-repository.js';
import { chunkLogBatch } from './batching.js';
import type { MlflowHttpClient } from './http-client.js';
import {
  asObject,
  experimentFromJson,
  JsonPath,
  keyValuesToJson,
  metricFromJson,
  metricToJson,
  runFromJson,
  runInfoFromJson,
  type JsonObject,
} from './wire.js';

/** The MLflow tracking API's path prefix. */
export const TRACKING_API = '/api/2.0/mlflow';

/**
 * The tag a create carries so that, after an ambiguous failure, the client can find what the
 * earlier attempt made instead of making it twice. Removed again once the create succeeded.
 */
export const CLIENT_REQUEST_ID_TAG = 'mlops.client_request_id';

export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface RestTrackingStoreOptions {
  http: MlflowHttpClient;
  /** The tracking URI to report (without credentials); defaults to the base URL. */
  uri?: string;
  /** Artifact repositories for schemes beyond mlflow-artifacts: and file: (e.g. dbfs:/ on Databricks). */
  artifactRepository?: ArtifactRepositoryFactory;
  /** The user for runs created without userId or an mlflow.user tag; defaults to the OS user, as MLflow's client does. */
  user?: string;
  newRequestId?: () => string;
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function signalOf(options: CallOptions | undefined): { signal?: AbortSignal } {
  return options?.signal ? { signal: options.signal } : {};
}

/** A quoted string literal for MLflow's filter grammar. */
export function filterString(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw new MlopsError('INVALID_ARGUMENT', `Cannot search for a value containing both ' and ": ${value}`, { details: { value } });
}

/**
 * TrackingStore over any MLflow tracking server's REST API (mlflow server, Databricks, …).
 * log-batch requests stay within MLflow's limits (1000 metrics, 100 params, 100 tags, 1000 in
 * all); creating a run never makes two runs, even when a response is lost and the call retried.
 */
export class RestTrackingStore implements TrackingStore {
  readonly uri: string;
  readonly http: MlflowHttpClient;
  private readonly artifactRepositoryFactory: ArtifactRepositoryFactory | undefined;
  private readonly user: string | undefined;
  private readonly newRequestId: () => string;
  private readonly artifactUris = new Map<string, string>();

  constructor(options: RestTrackingStoreOptions) {
    this.http = options.http;
    this.uri = options.uri ?? options.http.baseUrl;
    this.artifactRepositoryFactory = options.artifactRepository;
    this.user = options.user;
    this.newRequestId = options.newRequestId ?? (() => randomUUID().replace(/-/g, ''));
  }

  private get<T = unknown>(path: string, query: Record<string, string | number | undefined>, options?: CallOptions): Promise<T> {
    return this.http.request<T>('GET', `${TRACKING_API}/${path}`, { query, ...signalOf(options) });
  }

  private post<T = unknown>(path: string, json: JsonObject, options?: CallOptions): Promise<T> {
    return this.http.request<T>('POST', `${TRACKING_API}/${path}`, { json, ...signalOf(options) });
  }

  // ---------------------------------------------------------------- experiments

  async createExperiment(name: string, options: CallOptions & { tags?: Record<string, string>; artifactLocation?: string } = {}): Promise<string> {
    const json: JsonObject = { name };
    if (options.artifactLocation !== undefined && options.artifactLocation !== '') json['artifact_location'] = options.artifactLocation;
    if (options.tags !== undefined) json['tags'] = keyValuesToJson(options.tags);
    const source = 'POST experiments/create';
    const body = await this.http.request<unknown>('POST', `${TRACKING_API}/experiments/create`, {
      json,
      ...signalOf(options),
      // Names are unique: an experiment with this name after a lost response is the one we made.
      recover: async (signal) => {
        const found = await this.getExperimentByName(name, signal ? { signal } : {});
        return found === undefined ? undefined : { experiment_id: found.experimentId };
      },
    });
    const object = asObject(body, new JsonPath(source, ''));
    const id = object['experiment_id'];
    if (typeof id !== 'string') throw new JsonPath(source, 'experiment_id').fail('a string', id);
    return id;
  }

  async getExperiment(experimentId: string, options: CallOptions = {}): Promise<Experiment> {
    const body = await this.get('experiments/get', { experiment_id: experimentId }, options);
    const at = new JsonPath('GET experiments/get', '');
    return experimentFromJson(asObject(body, at)['experiment'], at.child('experiment'));
  }

  async getExperimentByName(name: string, options: CallOptions = {}): Promise<Experiment | undefined> {
    let body: unknown;
    try {
      body = await this.get('experiments/get-by-name', { experiment_name: name }, options);
    } catch (error) {
      if (error instanceof MlopsError && error.code === 'NOT_FOUND') return undefined;
      throw error;
    }
    const at = new JsonPath('GET experiments/get-by-name', '');
    return experimentFromJson(asObject(body, at)['experiment'], at.child('experiment'));
  }

  async searchExperiments(
    options: CallOptions & { maxResults?: number; pageToken?: string; filter?: string; orderBy?: string[]; viewType?: ViewType } = {},
  ): Promise<Page<Experiment>> {
    const json: JsonObject = {};
    if (options.maxResults !== undefined) json['max_results'] = options.maxResults;
    if (options.pageToken !== undefined) json['page_token'] = options.pageToken;
    if (options.filter !== undefined) json['filter'] = options.filter;
    if (options.orderBy !== undefined) json['order_by'] = options.orderBy;
    if (options.viewType !== undefined) json['view_type'] = options.viewType;
    const at = new JsonPath('POST experiments/search', '');
    const body = asObject(await this.post('experiments/search', json, options), at);
    return { items: listOf(body, 'experiments', at).map((item, index) => experimentFromJson(item, at.child('experiments').child(index))), nextPageToken: pageToken(body) };
  }

  async setExperimentTag(experimentId: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    await this.post('experiments/set-experiment-tag', { experiment_id: experimentId, key, value }, options);
  }

  // ---------------------------------------------------------------- runs

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    throwIfAborted(options.signal);
    const tags = { ...(options.tags ?? {}) };
    // As MLflow's client: the user comes from userId, else the mlflow.user tag, else the OS user.
    const userId = options.userId ?? tags['mlflow.user'] ?? this.user ?? osUser();
    tags['mlflow.user'] ??= userId;
    const requestId = this.newRequestId();
    const json: JsonObject = {
      experiment_id: options.experimentId,
      user_id: userId,
      start_time: options.startTime ?? Date.now(),
      tags: keyValuesToJson({ ...tags, [CLIENT_REQUEST_ID_TAG]: requestId }),
    };
    if (options.runName !== undefined && options.runName !== '') json['run_name'] = options.runName;
    const at = new JsonPath('POST runs/create', '');
    const body = await this.http.request<unknown>('POST', `${TRACKING_API}/runs/create`, {
      json,
      ...signalOf(options),
      recover: async (signal) => {
        const found = await this.findRunByRequestId(options.experimentId, requestId, signal);
        return found === undefined ? undefined : { run: { info: found } };
      },
    });
    const run = asObject(asObject(body, at)['run'], at.child('run'));
    const info = runInfoFromJson(run['info'], at.child('run').child('info'));
    this.artifactUris.set(info.runId, info.artifactUri);
    // The tag did its job; a failure to remove it leaves only a harmless extra tag behind.
    await this.deleteTag(info.runId, CLIENT_REQUEST_ID_TAG, signalOf(options)).catch(() => undefined);
    return info;
  }

  /** The run an earlier attempt of createRun made, if the server has it. */
  private async findRunByRequestId(experimentId: string, requestId: string, signal: AbortSignal | undefined): Promise<unknown> {
    const page = await this.searchRuns({
      experimentIds: [experimentId],
      filter: `tags.\`${CLIENT_REQUEST_ID_TAG}\` = ${filterString(requestId)}`,
      maxResults: 1,
      viewType: 'ALL',
      ...(signal ? { signal } : {}),
    });
    const run = page.items[0];
    if (run === undefined) return undefined;
    return { run_id: run.info.runId, run_uuid: run.info.runId, experiment_id: run.info.experimentId, run_name: run.info.runName, user_id: run.info.userId, status: run.info.status, start_time: run.info.startTime, artifact_uri: run.info.artifactUri, lifecycle_stage: run.info.lifecycleStage };
  }

  async getRun(runId: string, options: CallOptions = {}): Promise<Run> {
    const at = new JsonPath('GET runs/get', '');
    const body = asObject(await this.get('runs/get', { run_id: runId }, options), at);
    const run = runFromJson(body['run'], at.child('run'));
    this.artifactUris.set(run.info.runId, run.info.artifactUri);
    return run;
  }

  async updateRun(runId: string, update: UpdateRunInput, options: CallOptions = {}): Promise<RunInfo> {
    const json: JsonObject = { run_id: runId, run_uuid: runId };
    if (update.status !== undefined) json['status'] = update.status;
    if (update.endTime !== undefined) json['end_time'] = update.endTime;
    if (update.runName !== undefined && update.runName !== '') json['run_name'] = update.runName;
    const at = new JsonPath('POST runs/update', '');
    const body = asObject(await this.post('runs/update', json, options), at);
    return runInfoFromJson(body['run_info'], at.child('run_info'));
  }

  /** Sends the batch in as few log-batch requests as MLflow's per-request limits allow. */
  async logBatch(runId: string, batch: LogBatchInput, options: CallOptions = {}): Promise<void> {
    for (const chunk of chunkLogBatch(batch)) {
      throwIfAborted(options.signal);
      const json: JsonObject = { run_id: runId };
      if (chunk.metrics.length > 0) json['metrics'] = chunk.metrics.map(metricToJson);
      if (chunk.params.length > 0) json['params'] = chunk.params.map(([key, value]) => ({ key, value }));
      if (chunk.tags.length > 0) json['tags'] = chunk.tags.map(([key, value]) => ({ key, value }));
      await this.post('runs/log-batch', json, options);
    }
  }

  async setTag(runId: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    await this.post('runs/set-tag', { run_id: runId, run_uuid: runId, key, value }, options);
  }

  async deleteTag(runId: string, key: string, options: CallOptions = {}): Promise<void> {
    await this.post('runs/delete-tag', { run_id: runId, key }, options);
  }

  async getMetricHistory(runId: string, key: string, options: CallOptions = {}): Promise<Metric[]> {
    const at = new JsonPath('GET metrics/get-history', '');
    return allPages(
      async (token): Promise<{ items: Metric[]; nextPageToken: string | undefined }> => {
        const body = asObject(await this.get('metrics/get-history', { run_id: runId, metric_key: key, page_token: token }, options), at);
        return { items: listOf(body, 'metrics', at).map((item, index) => metricFromJson(item, at.child('metrics').child(index))), nextPageToken: pageToken(body) };
      },
      { what: `the history of metric ${key} of run ${runId}`, ...(options.signal ? { signal: options.signal } : {}) },
    );
  }

  async searchRuns(options: SearchRunsOptions & { viewType?: ViewType }): Promise<Page<Run>> {
    const json: JsonObject = { experiment_ids: options.experimentIds };
    if (options.filter !== undefined && options.filter !== '') json['filter'] = options.filter;
    if (options.viewType !== undefined) json['run_view_type'] = options.viewType;
    if (options.maxResults !== undefined) json['max_results'] = options.maxResults;
    if (options.orderBy !== undefined && options.orderBy.length > 0) json['order_by'] = options.orderBy;
    if (options.pageToken !== undefined) json['page_token'] = options.pageToken;
    const at = new JsonPath('POST runs/search', '');
    const body = asObject(await this.post('runs/search', json, options), at);
    return { items: listOf(body, 'runs', at).map((item, index) => runFromJson(item, at.child('runs').child(index))), nextPageToken: pageToken(body) };
  }

  // ---------------------------------------------------------------- artifacts

  /** The repository for the run's artifact root (looked up once per run). */
  async artifactRepository(runId: string, options: CallOptions = {}): Promise<ArtifactRepository> {
    let artifactUri = this.artifactUris.get(runId);
    if (artifactUri === undefined) {
      artifactUri = (await this.getRun(runId, options)).info.artifactUri;
      this.artifactUris.set(runId, artifactUri);
    }
    return this.artifactRepositoryFactory?.(artifactUri) ?? defaultArtifactRepository(this.http, artifactUri);
  }

  async logArtifact(runId: string, path: string, data: Uint8Array | string, options: CallOptions = {}): Promise<void> {
    await (await this.artifactRepository(runId, options)).upload(path, data, options.signal);
  }

  async listArtifacts(runId: string, path = '', options: CallOptions = {}): Promise<ArtifactInfo[]> {
    return (await this.artifactRepository(runId, options)).list(path, options.signal);
  }

  async downloadArtifact(runId: string, path: string, options: CallOptions = {}): Promise<Uint8Array> {
    try {
      return await (await this.artifactRepository(runId, options)).download(path, options.signal);
    } catch (error) {
      if (error instanceof MlopsError && error.code === 'NOT_FOUND' && !error.message.includes(runId)) {
        throw new MlopsError('NOT_FOUND', `Artifact '${path}' of run ${runId} does not exist: ${error.message}`, { cause: error, details: { runId, path } });
      }
      throw error;
    }
  }
}

export function listOf(body: JsonObject, key: string, at: JsonPath): unknown[] {
  const value = body[key];
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw at.child(key).fail('a list', value);
  return value;
}

export function pageToken(body: JsonObject): string | undefined {
  const token = body['next_page_token'];
  return typeof token === 'string' && token !== '' ? token : undefined;
}
