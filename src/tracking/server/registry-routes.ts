import { MlopsError } from '../../errors.js';
import type { ServedModelRegistry } from './stores.js';
import { TRACKING_API } from '../rest/tracking-client.js';
import { modelVersionToJson, registeredModelToJson } from '../rest/wire.js';
import type { ModelVersion, RegisteredModel } from '../types.js';
import { checkModelVersionSource, type SourceCheckContext } from './model-version-source.js';
import type { ApiRequest, Route } from './router.js';

// The legacy stages: our registry keeps every version in 'None' and moves aliases instead.
const STAGES = ['None', 'Staging', 'Production', 'Archived'];

function page<T>(key: string, items: T[], token: string | undefined): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (items.length > 0) json[key] = items;
  if (token !== undefined) json['next_page_token'] = token;
  return json;
}

/**
 * MLflow's model registry API (registered models, versions, tags, aliases), over the file registry.
 * `sources` locates a run's artifacts, so model-versions/create accepts only what MLflow's
 * server accepts as a source (see checkModelVersionSource).
 */
export function registryRoutes(registry: ServedModelRegistry, sources: SourceCheckContext): Route[] {
  const route = (method: string, name: string, handler: Route['handler']): Route => ({ method, path: `${TRACKING_API}/${name}`, handler });
  const signal = (request: ApiRequest) => ({ signal: request.signal });

  /** latest_versions as MLflow reports them: the newest version per stage, here the newest of all. */
  const modelJson = async (model: RegisteredModel, request: ApiRequest): Promise<unknown> => {
    const versions = await registry.listModelVersions(model.name, signal(request));
    return registeredModelToJson(model, versions.slice(0, 1));
  };

  const searchOptions = (request: ApiRequest) => {
    const { params } = request;
    const orderBy = params.stringList('order_by');
    return {
      ...signal(request),
      ...(params.has('filter') ? { filter: params.optionalString('filter')! } : {}),
      ...(params.has('max_results') ? { maxResults: params.integer('max_results') } : {}),
      ...(params.has('page_token') ? { pageToken: params.string('page_token') } : {}),
      ...(orderBy.length > 0 ? { orderBy } : {}),
    };
  };

  const latestVersions: Route['handler'] = async (request) => {
    const { params } = request;
    const stages = params.stringList('stages');
    for (const stage of stages) {
      if (!STAGES.some((known) => known.toLowerCase() === stage.toLowerCase())) {
        throw new MlopsError('INVALID_ARGUMENT', `Invalid Model Version stage: ${stage}. Value must be one of ${STAGES.join(', ')}.`, { details: { stage } });
      }
    }
    const versions = await registry.listModelVersions(params.string('name'), signal(request));
    const wanted = stages.length === 0 || stages.some((stage) => stage.toLowerCase() === 'none');
    return { json: page('model_versions', wanted ? versions.slice(0, 1).map((version) => modelVersionToJson({ ...version, aliases: [] })) : [], undefined) };
  };

  const versionJson = (version: ModelVersion) => ({ model_version: modelVersionToJson(version) });

  return [
    route('POST', 'registered-models/create', async (request) => {
      const { params } = request;
      const description = params.optionalString('description');
      // As MLflow's server, which reads the proto's '' default: an absent description is stored as ''.
      const model = await registry.createRegisteredModel(params.string('name'), { ...signal(request), tags: params.keyValues('tags'), description: description ?? '' });
      return { json: { registered_model: registeredModelToJson(model) } };
    }),
    route('GET', 'registered-models/get', async (request) => {
      const model = await registry.getRegisteredModel(request.params.string('name'), signal(request));
      return { json: { registered_model: await modelJson(model, request) } };
    }),
    route('GET', 'registered-models/search', async (request) => {
      const found = await registry.searchRegisteredModels(searchOptions(request));
      const models: unknown[] = [];
      for (const model of found.items) models.push(await modelJson({ ...model, aliases: {} }, request));
      return { json: page('registered_models', models, found.nextPageToken) };
    }),
    route('PATCH', 'registered-models/update', async (request) => {
      const { params } = request;
      const description = params.optionalString('description');
      const model = await registry.updateRegisteredModel(params.string('name'), description === undefined ? {} : { description }, signal(request));
      return { json: { registered_model: await modelJson(model, request) } };
    }),
    route('POST', 'registered-models/set-tag', async (request) => {
      const { params } = request;
      await registry.setRegisteredModelTag(params.string('name'), params.string('key'), params.optionalString('value') ?? '', signal(request));
      return { json: {} };
    }),
    route('POST', 'registered-models/get-latest-versions', latestVersions),
    route('GET', 'registered-models/get-latest-versions', latestVersions),
    route('POST', 'registered-models/alias', async (request) => {
      const { params } = request;
      await registry.setAlias(params.string('name'), params.string('alias'), params.string('version'), signal(request));
      return { json: {} };
    }),
    route('DELETE', 'registered-models/alias', async (request) => {
      const { params } = request;
      await registry.deleteAlias(params.string('name'), params.string('alias'), signal(request));
      return { json: {} };
    }),
    route('GET', 'registered-models/alias', async (request) => {
      const { params } = request;
      const alias = params.string('alias');
      try {
        return { json: versionJson(await registry.getModelVersionByAlias(params.string('name'), alias, signal(request))) };
      } catch (error) {
        // MLflow 2.12 answers an unset alias of an existing model with 400 INVALID_PARAMETER_VALUE and these words.
        if (error instanceof MlopsError && error.code === 'NOT_FOUND' && error.details?.['alias'] !== undefined) {
          throw new MlopsError('INVALID_ARGUMENT', `Registered model alias ${alias} not found.`, { cause: error, details: { alias } });
        }
        throw error;
      }
    }),

    route('POST', 'model-versions/create', async (request) => {
      const { params } = request;
      const runId = params.optionalString('run_id');
      const modelId = params.optionalString('model_id');
      const name = params.string('name');
      const source = params.string('source');
      await checkModelVersionSource(source, runId, sources);
      // Absent description and run_link are stored as '', as MLflow's server does.
      const version = await registry.createModelVersion({
        ...signal(request),
        name,
        source,
        tags: params.keyValues('tags'),
        ...(runId ? { runId } : {}),
        ...(modelId ? { modelId } : {}),
        description: params.optionalString('description') ?? '',
        runLink: params.optionalString('run_link') ?? '',
      });
      return { json: versionJson(version) };
    }),
    route('GET', 'model-versions/get', async (request) => {
      const { params } = request;
      return { json: versionJson(await registry.getModelVersion(params.string('name'), params.string('version'), signal(request))) };
    }),
    route('GET', 'model-versions/search', async (request) => {
      const found = await registry.searchModelVersions(searchOptions(request));
      // Search results, like MLflow's, carry no aliases.
      return { json: page('model_versions', found.items.map((version) => modelVersionToJson({ ...version, aliases: [] })), found.nextPageToken) };
    }),
    route('PATCH', 'model-versions/update', async (request) => {
      const { params } = request;
      const description = params.optionalString('description');
      const version = await registry.updateModelVersion(params.string('name'), params.string('version'), description === undefined ? {} : { description }, signal(request));
      return { json: versionJson(version) };
    }),
    route('POST', 'model-versions/set-tag', async (request) => {
      const { params } = request;
      await registry.setModelVersionTag(params.string('name'), params.string('version'), params.string('key'), params.optionalString('value') ?? '', signal(request));
      return { json: {} };
    }),
    route('DELETE', 'model-versions/delete-tag', async (request) => {
      const { params } = request;
      await registry.deleteModelVersionTag(params.string('name'), params.string('version'), params.string('key'), signal(request));
      return { json: {} };
    }),
    route('GET', 'model-versions/get-download-uri', async (request) => {
      const { params } = request;
      const version = await registry.getModelVersion(params.string('name'), params.string('version'), signal(request));
      return { json: { artifact_uri: version.source } };
    }),
  ];
}
