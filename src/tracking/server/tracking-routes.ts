import { MlopsError } from '../../errors.js';
import { appendLogModelHistory } from '../../model/mlmodel.js';
import type { ViewType } from '../file-store/tracking-file-store.js';
import type { ServedTrackingStore } from './stores.js';
import { LOG_BATCH_LIMITS } from '../rest/batching.js';
import { TRACKING_API } from '../rest/tracking-client.js';
import { artifactToJson, experimentToJson, metricToJson, runInfoToJson, runToJson } from '../rest/wire.js';
import type { RunStatus } from '../types.js';
import { invalidParameter } from './params.js';
import type { ApiRequest, Route } from './router.js';

const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];
const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];

function viewType(request: ApiRequest, name: string): ViewType | undefined {
  const value = request.params.optionalString(name);
  if (value === undefined) return undefined;
  if (!(VIEW_TYPES as readonly string[]).includes(value)) throw invalidParameter(name, value);
  return value as ViewType;
}

function orderBy(request: ApiRequest): string[] | undefined {
  const list = request.params.stringList('order_by');
  return list.length === 0 ? undefined : list;
}

/** MLflow's per-request log-batch limits, with its wording (mlflow/utils/validation.py). */
export function checkBatchLimits(metrics: number, params: number, tags: number): void {
  const over = (count: number, limit: number, what: string): void => {
    if (count > limit) {
      throw new MlopsError('INVALID_ARGUMENT', `A batch logging request can contain at most ${limit} ${what}. Got ${count} ${what}. Please split up ${what} across multiple requests and try again.`, {
        details: { [what]: count, limit },
      });
    }
  };
  over(metrics, LOG_BATCH_LIMITS.metrics, 'metrics');
  over(params, LOG_BATCH_LIMITS.params, 'params');
  over(tags, LOG_BATCH_LIMITS.tags, 'tags');
  const total = metrics + params + tags;
  if (total > LOG_BATCH_LIMITS.total) {
    throw new MlopsError('INVALID_ARGUMENT', `A batch logging request can contain at most ${LOG_BATCH_LIMITS.total} total metrics, params, and tags. Got ${total}. Please split up the entities across multiple requests and try again.`, {
      details: { total, limit: LOG_BATCH_LIMITS.total },
    });
  }
}

function page<T>(key: string, items: T[], token: string | undefined): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (items.length > 0) json[key] = items;
  if (token !== undefined) json['next_page_token'] = token;
  return json;
}

/** Experiments, runs, metrics and the artifact listing of MLflow's tracking API, over the file store. */
export function trackingRoutes(store: ServedTrackingStore): Route[] {
  const route = (method: string, name: string, handler: Route['handler']): Route => ({ method, path: `${TRACKING_API}/${name}`, handler });
  const signal = (request: ApiRequest) => ({ signal: request.signal });

  const searchExperiments: Route['handler'] = async (request) => {
    const { params } = request;
    const found = await store.searchExperiments({
      ...signal(request),
      ...(params.has('max_results') ? { maxResults: params.integer('max_results') } : {}),
      ...(params.has('page_token') ? { pageToken: params.string('page_token') } : {}),
      ...(params.has('filter') ? { filter: params.optionalString('filter')! } : {}),
      ...(orderBy(request) ? { orderBy: orderBy(request)! } : {}),
      ...(viewType(request, 'view_type') ? { viewType: viewType(request, 'view_type')! } : {}),
    });
    return { json: page('experiments', found.items.map(experimentToJson), found.nextPageToken) };
  };

  const logMetric: Route['handler'] = async (request) => {
    const { params } = request;
    const modelId = params.optionalString('model_id');
    const metric = { key: params.string('key'), value: params.double('value'), timestamp: params.integer('timestamp'), step: params.optionalInteger('step') ?? 0, ...(modelId ? { modelId } : {}) };
    await store.logBatch(params.stringOf('run_id', 'run_uuid'), { metrics: [metric] }, signal(request));
    return { json: {} };
  };

  return [
    route('POST', 'experiments/create', async (request) => {
      const { params } = request;
      const artifactLocation = params.optionalString('artifact_location');
      const id = await store.createExperiment(params.string('name'), {
        ...signal(request),
        tags: params.keyValues('tags'),
        ...(artifactLocation ? { artifactLocation } : {}),
      });
      return { json: { experiment_id: id } };
    }),
    route('GET', 'experiments/get', async (request) => {
      const experiment = await store.getExperiment(request.params.string('experiment_id'), signal(request));
      return { json: { experiment: experimentToJson(experiment) } };
    }),
    route('GET', 'experiments/get-by-name', async (request) => {
      const name = request.params.string('experiment_name');
      const experiment = await store.getExperimentByName(name, signal(request));
      if (experiment === undefined) throw new MlopsError('NOT_FOUND', `Could not find experiment with name '${name}'`, { details: { name } });
      return { json: { experiment: experimentToJson(experiment) } };
    }),
    route('POST', 'experiments/search', searchExperiments),
    route('GET', 'experiments/search', searchExperiments),
    route('POST', 'experiments/set-experiment-tag', async (request) => {
      const { params } = request;
      await store.setExperimentTag(params.string('experiment_id'), params.string('key'), params.optionalString('value') ?? '', signal(request));
      return { json: {} };
    }),

    route('POST', 'runs/create', async (request) => {
      const { params } = request;
      const userId = params.optionalString('user_id');
      const runName = params.optionalString('run_name');
      const startTime = params.optionalInteger('start_time');
      const info = await store.createRun({
        ...signal(request),
        experimentId: params.string('experiment_id'),
        tags: params.keyValues('tags'),
        // As MLflow's server: the run's user is what the request says, '' when it says nothing.
        userId: userId ?? '',
        ...(runName ? { runName } : {}),
        ...(startTime === undefined ? {} : { startTime }),
      });
      const run = await store.getRun(info.runId, signal(request));
      return { json: { run: { info: runInfoToJson(run.info), data: runToJson(run)['data'] } } };
    }),
    route('GET', 'runs/get', async (request) => {
      const run = await store.getRun(request.params.stringOf('run_id', 'run_uuid'), signal(request));
      return { json: { run: runToJson(run) } };
    }),
    route('POST', 'runs/update', async (request) => {
      const { params } = request;
      const status = params.optionalString('status');
      if (status !== undefined && !(RUN_STATUSES as readonly string[]).includes(status)) throw invalidParameter('status', status);
      const endTime = params.optionalInteger('end_time');
      const runName = params.optionalString('run_name');
      const info = await store.updateRun(
        params.stringOf('run_id', 'run_uuid'),
        { ...(status ? { status: status as RunStatus } : {}), ...(endTime === undefined ? {} : { endTime }), ...(runName ? { runName } : {}) },
        signal(request),
      );
      return { json: { run_info: runInfoToJson(info) } };
    }),
    route('POST', 'runs/log-batch', async (request) => {
      const { params } = request;
      const batch = { metrics: params.metrics('metrics'), params: params.keyValues('params'), tags: params.keyValues('tags') };
      checkBatchLimits(batch.metrics.length, Object.keys(batch.params).length, Object.keys(batch.tags).length);
      await store.logBatch(params.string('run_id'), batch, signal(request));
      return { json: {} };
    }),
    route('POST', 'runs/log-metric', logMetric),
    route('POST', 'runs/log-parameter', async (request) => {
      const { params } = request;
      await store.logBatch(params.stringOf('run_id', 'run_uuid'), { params: { [params.string('key')]: params.optionalString('value') ?? '' } }, signal(request));
      return { json: {} };
    }),
    route('POST', 'runs/set-tag', async (request) => {
      const { params } = request;
      await store.setTag(params.stringOf('run_id', 'run_uuid'), params.string('key'), params.optionalString('value') ?? '', signal(request));
      return { json: {} };
    }),
    route('POST', 'runs/delete-tag', async (request) => {
      const { params } = request;
      await store.deleteTag(params.string('run_id'), params.string('key'), signal(request));
      return { json: {} };
    }),
    route('POST', 'runs/search', async (request) => {
      const { params } = request;
      const order = orderBy(request);
      const view = viewType(request, 'run_view_type');
      const found = await store.searchRuns({
        ...signal(request),
        experimentIds: params.stringList('experiment_ids'),
        ...(params.has('filter') ? { filter: params.optionalString('filter')! } : {}),
        ...(params.has('max_results') ? { maxResults: params.integer('max_results') } : {}),
        ...(params.has('page_token') ? { pageToken: params.string('page_token') } : {}),
        ...(order ? { orderBy: order } : {}),
        ...(view ? { viewType: view } : {}),
      });
      return { json: page('runs', found.items.map(runToJson), found.nextPageToken) };
    }),
    route('POST', 'runs/log-model', async (request) => {
      const { params } = request;
      const runId = params.string('run_id');
      const modelJson = params.string('model_json');
      let model: unknown;
      try {
        model = JSON.parse(modelJson);
      } catch {
        throw invalidParameter('model_json', modelJson);
      }
      if (typeof model !== 'object' || model === null || Array.isArray(model)) throw invalidParameter('model_json', modelJson);
      const history = (await store.getRun(runId, signal(request))).data.tags['mlflow.log-model.history'];
      await store.setTag(runId, 'mlflow.log-model.history', appendLogModelHistory(history, model as Record<string, unknown>), signal(request));
      return { json: {} };
    }),
    route('GET', 'metrics/get-history', async (request) => {
      const { params } = request;
      const metrics = await store.getMetricHistory(params.stringOf('run_id', 'run_uuid'), params.string('metric_key'), signal(request));
      return { json: page('metrics', metrics.map(metricToJson), undefined) };
    }),
    route('GET', 'artifacts/list', async (request) => {
      const { params } = request;
      const runId = params.stringOf('run_id', 'run_uuid');
      const run = await store.getRun(runId, signal(request));
      const files = await store.listArtifacts(runId, params.optionalString('path') ?? '', signal(request));
      return { json: { root_uri: run.info.artifactUri, ...page('files', files.map(artifactToJson), undefined) } };
    }),
  ];
}
