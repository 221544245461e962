import { MlopsError } from '../../errors.js';
import { TRACKING_API } from '../rest/tracking-client.js';
import { artifactToJson } from '../rest/wire.js';
import { loggedModelStatusFromJson, loggedModelToJson } from '../rest/logged-model-wire.js';
import type { LoggedModelStore, TrackingStore } from '../types.js';
import type { ApiRequest, ApiResult, Route } from './router.js';
import { validateLoggedModelId } from '../logged-models.js';

/** What the logged-model routes need beyond LoggedModelStore (the SQLite store has it). */
export type ServedLoggedModels = LoggedModelStore & {
  deleteLoggedModelTag(modelId: string, key: string, options?: { signal?: AbortSignal }): Promise<void>;
  logLoggedModelParams(modelId: string, params: Record<string, string>, options?: { signal?: AbortSignal }): Promise<void>;
};

function modelIdOf(rest: string): { modelId: string; tail: string } {
  const [modelId = '', ...tail] = rest.split('/');
  validateLoggedModelId(decodeURIComponent(modelId), ' in the path');
  return { modelId, tail: tail.map(decodeURIComponent).join('/') };
}

/** order_by of a search: a list of {field_name, ascending} objects in the JSON body. */
function orderByOf(request: ApiRequest): Array<{ field_name?: unknown; ascending?: unknown }> {
  if (request.body.length === 0) return [];
  const body = JSON.parse(request.body.toString('utf8')) as { order_by?: unknown };
  if (body.order_by === undefined || body.order_by === null) return [];
  if (!Array.isArray(body.order_by) || body.order_by.some((entry) => typeof entry !== 'object' || entry === null)) {
    throw new MlopsError('INVALID_ARGUMENT', `order_by of a logged-model search must be a list of {field_name, ascending} objects, got ${JSON.stringify(body.order_by)}`, {});
  }
  return body.order_by as Array<{ field_name?: unknown; ascending?: unknown }>;
}

function notFound(request: ApiRequest): MlopsError {
  return new MlopsError('NOT_FOUND', `No API endpoint at ${request.method} ${request.path}`, { details: { path: request.path } });
}

/**
 * MLflow 3's logged-model API: create, get, finalize (PATCH), tags (PATCH, DELETE), params,
 * search with filter and order_by, and the artifact listing/download the UI uses. Served when
 * the tracking store has logged models (the SQLite store).
 */
export function loggedModelRoutes(tracking: TrackingStore): Route[] {
  const base = `${TRACKING_API}/logged-models`;
  let store: Promise<ServedLoggedModels> | undefined;
  const models = (request: ApiRequest): Promise<ServedLoggedModels> => {
    store ??= (async () => {
      const found = await tracking.loggedModels?.({ signal: request.signal });
      if (found === undefined) throw new MlopsError('NOT_FOUND', `This tracking store (${tracking.uri}) has no logged models`, {});
      return found as ServedLoggedModels;
    })();
    return store;
  };
  const signal = (request: ApiRequest) => ({ signal: request.signal });
  const answer = (model: Parameters<typeof loggedModelToJson>[0]): ApiResult => ({ json: { model: loggedModelToJson(model) } });

  const post = async (request: ApiRequest): Promise<ApiResult> => {
    const { params } = request;
    const store = await models(request);
    if (request.rest === '') {
      const sourceRunId = params.optionalString('source_run_id');
      const modelType = params.optionalString('model_type');
      return answer(
        await store.createLoggedModel({
          ...signal(request),
          experimentId: params.string('experiment_id'),
          name: params.optionalString('name') ?? 'model',
          ...(sourceRunId ? { sourceRunId } : {}),
          ...(modelType ? { modelType } : {}),
          params: params.keyValues('params'),
          tags: params.keyValues('tags'),
        }),
      );
    }
    if (request.rest === 'search') {
      const orderBy = orderByOf(request);
      const maxResults = params.optionalInteger('max_results');
      const pageToken = params.optionalString('page_token');
      const filter = params.optionalString('filter');
      const page = await store.searchLoggedModels({
        ...signal(request),
        experimentIds: params.stringList('experiment_ids'),
        ...(filter ? { filter } : {}),
        orderBy: orderBy.map((entry) => ({ fieldName: String(entry.field_name ?? ''), ascending: entry.ascending !== false })),
        ...(maxResults !== undefined ? { maxResults } : {}),
        ...(pageToken ? { pageToken } : {}),
      });
      return { json: { models: page.items.map(loggedModelToJson), ...(page.nextPageToken ? { next_page_token: page.nextPageToken } : {}) } };
    }
    const { modelId, tail } = modelIdOf(request.rest);
    if (tail === 'params') {
      await store.logLoggedModelParams(modelId, params.keyValues('params'), signal(request));
      return { json: {} };
    }
    throw notFound(request);
  };

  const get = async (request: ApiRequest): Promise<ApiResult> => {
    const store = await models(request);
    const { modelId, tail } = modelIdOf(request.rest);
    if (tail === '') return answer(await store.getLoggedModel(modelId, signal(request)));
    if (tail === 'artifacts/directories') {
      const path = request.params.optionalString('artifact_directory_path') ?? '';
      const files = await store.listLoggedModelArtifacts(modelId, path, signal(request));
      return { json: { files: files.map(artifactToJson) } };
    }
    if (tail === 'artifacts/files') {
      const path = request.params.string('artifact_file_path');
      return { bytes: await store.downloadLoggedModelArtifact(modelId, path, signal(request)), contentType: 'application/octet-stream' };
    }
    throw notFound(request);
  };

  const patch = async (request: ApiRequest): Promise<ApiResult> => {
    const store = await models(request);
    const { modelId, tail } = modelIdOf(request.rest);
    if (tail === '') {
      const status = loggedModelStatusFromJson(request.params.string('status'));
      if (status === 'PENDING') throw new MlopsError('INVALID_ARGUMENT', `A logged model is finalized as LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED`, {});
      return answer(await store.finalizeLoggedModel(modelId, status, signal(request)));
    }
    if (tail === 'tags') {
      await store.setLoggedModelTags(modelId, request.params.keyValues('tags'), signal(request));
      return { json: {} };
    }
    throw notFound(request);
  };

  const remove = async (request: ApiRequest): Promise<ApiResult> => {
    const store = await models(request);
    const { modelId, tail } = modelIdOf(request.rest);
    if (tail.startsWith('tags/')) {
      await store.deleteLoggedModelTag(modelId, tail.slice('tags/'.length), signal(request));
      return { json: {} };
    }
    throw notFound(request);
  };

  const outputs = async (request: ApiRequest): Promise<ApiResult> => {
    const store = tracking as TrackingStore & { logOutputs?: (runId: string, models: Array<{ modelId: string; step: number }>, options?: { signal?: AbortSignal }) => Promise<void> };
    if (store.logOutputs === undefined) throw notFound(request);
    const body = request.body.length === 0 ? {} : (JSON.parse(request.body.toString('utf8')) as { models?: unknown });
    const models = Array.isArray(body.models) ? body.models : [];
    await store.logOutputs(
      request.params.string('run_id'),
      models.map((entry: { model_id?: unknown; step?: unknown }) => ({ modelId: String(entry.model_id ?? ''), step: Number(entry.step ?? 0) || 0 })),
      signal(request),
    );
    return { json: {} };
  };

  return [
    { method: 'POST', path: `${TRACKING_API}/runs/outputs`, handler: outputs },
    { method: 'POST', path: base, prefix: true, handler: post },
    { method: 'GET', path: base, prefix: true, handler: get },
    { method: 'PATCH', path: base, prefix: true, handler: patch },
    { method: 'DELETE', path: base, prefix: true, handler: remove },
  ];
}
