import { HttpError, MlopsError } from '../../errors.js';
import {
  validateFinalStatus,
  validateLoggedModelId,
  type ArtifactInfo,
  type CallOptions,
  type CreateLoggedModelOptions,
  type LoggedModel,
  type LoggedModelStatus,
  type LoggedModelStore,
  type Metric,
  type Page,
  type SearchLoggedModelsOptions,
} from '../logged-models.js';
import { defaultArtifactRepository, type ArtifactRepository, type ArtifactRepositoryFactory } from './artifact-repository.js';
import type { MlflowHttpClient } from './http-client.js';
import { loggedModelFromJson, loggedModelStatusToJson } from './logged-model-wire.js';
import { asObject, JsonPath, keyValuesToJson, metricToJson, type JsonObject } from './wire.js';

const API = '/api/2.0/mlflow';

function signalOf(options: CallOptions | undefined): { signal?: AbortSignal } {
  return options?.signal ? { signal: options.signal } : {};
}

/**
 * MLflow 3's logged-models endpoints (`/api/2.0/mlflow/logged-models…`). Files go to the model's
 * artifact location through the server's artifact proxy, as MLflow's client sends them.
 */
export class RestLoggedModelStore implements LoggedModelStore {
  private readonly locations = new Map<string, string>();

  constructor(
    private readonly http: MlflowHttpClient,
    private readonly artifactRepositoryFactory?: ArtifactRepositoryFactory,
  ) {}

  private model(body: unknown, source: string): LoggedModel {
    const at = new JsonPath(source, '');
    const model = loggedModelFromJson(asObject(body, at)['model'], at.child('model'));
    this.locations.set(model.modelId, model.artifactLocation);
    return model;
  }

  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    const json: JsonObject = { experiment_id: options.experimentId, name: options.name };
    if (options.sourceRunId) json['source_run_id'] = options.sourceRunId;
    if (options.modelType) json['model_type'] = options.modelType;
    if (options.params) json['params'] = keyValuesToJson(options.params);
    if (options.tags) json['tags'] = keyValuesToJson(options.tags);
    return this.model(await this.http.request('POST', `${API}/logged-models`, { json, ...signalOf(options) }), 'POST logged-models');
  }

  async getLoggedModel(modelId: string, options: CallOptions = {}): Promise<LoggedModel> {
    validateLoggedModelId(modelId);
    return this.model(await this.http.request('GET', `${API}/logged-models/${encodeURIComponent(modelId)}`, signalOf(options)), 'GET logged-models/<id>');
  }

  async finalizeLoggedModel(modelId: string, status: Exclude<LoggedModelStatus, 'PENDING'>, options: CallOptions = {}): Promise<LoggedModel> {
    validateFinalStatus(modelId, status);
    const body = await this.http.request('PATCH', `${API}/logged-models/${encodeURIComponent(modelId)}`, {
      json: { model_id: modelId, status: loggedModelStatusToJson(status) },
      ...signalOf(options),
    });
    return this.model(body, 'PATCH logged-models/<id>');
  }

  async setLoggedModelTags(modelId: string, tags: Record<string, string>, options: CallOptions = {}): Promise<void> {
    await this.http.request('PATCH', `${API}/logged-models/${encodeURIComponent(modelId)}/tags`, { json: { model_id: modelId, tags: keyValuesToJson(tags) }, ...signalOf(options) });
  }

  /** Logged through log-batch with the model id on each metric, as MLflow 3's client does. */
  async logLoggedModelMetrics(modelId: string, metrics: Metric[], options: CallOptions & { runId?: string } = {}): Promise<void> {
    const runId = options.runId ?? (await this.getLoggedModel(modelId, options)).sourceRunId;
    if (runId === '') throw new MlopsError('INVALID_ARGUMENT', `Metrics of logged model ${modelId} need a run to log them (the model has no source run)`, { details: { modelId } });
    for (let start = 0; start < metrics.length; start += 1000) {
      const chunk = metrics.slice(start, start + 1000).map((metric) => ({ ...metricToJson(metric), model_id: modelId }));
      await this.http.request('POST', `${API}/runs/log-batch`, { json: { run_id: runId, metrics: chunk }, ...signalOf(options) });
    }
  }

  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    const json: JsonObject = { experiment_ids: options.experimentIds };
    if (options.filter) json['filter'] = options.filter;
    if (options.maxResults !== undefined) json['max_results'] = options.maxResults;
    if (options.pageToken) json['page_token'] = options.pageToken;
    if (options.orderBy) json['order_by'] = options.orderBy.map((entry) => ({ field_name: entry.fieldName, ascending: entry.ascending ?? true }));
    const source = 'POST logged-models/search';
    const at = new JsonPath(source, '');
    const body = asObject(await this.http.request('POST', `${API}/logged-models/search`, { json, ...signalOf(options) }), at);
    const models = Array.isArray(body['models']) ? body['models'] : [];
    const token = body['next_page_token'];
    return {
      items: models.map((item, index) => loggedModelFromJson(item, at.child('models').child(index))),
      nextPageToken: typeof token === 'string' && token !== '' ? token : undefined,
    };
  }

  private async repository(modelId: string, options: CallOptions): Promise<ArtifactRepository> {
    const location = this.locations.get(modelId) ?? (await this.getLoggedModel(modelId, options)).artifactLocation;
    return this.artifactRepositoryFactory?.(location) ?? defaultArtifactRepository(this.http, location);
  }

  async logLoggedModelArtifact(modelId: string, path: string, data: Uint8Array | string, options: CallOptions = {}): Promise<void> {
    await (await this.repository(modelId, options)).upload(path, data, options.signal);
  }

  async listLoggedModelArtifacts(modelId: string, path = '', options: CallOptions = {}): Promise<ArtifactInfo[]> {
    return (await this.repository(modelId, options)).list(path, options.signal);
  }

  async downloadLoggedModelArtifact(modelId: string, path: string, options: CallOptions = {}): Promise<Uint8Array> {
    return (await this.repository(modelId, options)).download(path, options.signal);
  }
}

/**
 * Whether the server has the logged-models endpoints: an MLflow 3 server answers a search; an
 * MLflow 2.x server has no such route and answers 404.
 */
export async function probeLoggedModels(http: MlflowHttpClient, options: CallOptions = {}): Promise<boolean> {
  try {
    await http.request('POST', `${API}/logged-models/search`, { json: { experiment_ids: ['0'], max_results: 1 }, ...signalOf(options) });
    return true;
  } catch (error) {
    // An unknown route: MLflow 2.x's Flask answers an HTML 404 (no error code), our server ENDPOINT_NOT_FOUND.
    if (error instanceof HttpError && (error.status === 404 || error.status === 405) && (error.serverCode === undefined || error.serverCode === 'ENDPOINT_NOT_FOUND')) return false;
    throw error;
  }
}
