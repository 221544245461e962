import { randomUUID } from 'node:crypto';
import { HttpError, MlopsError } from '../../errors.js';
import type { CallOptions, CreateModelVersionOptions, ModelRegistry, ModelVersion, Page, RegisteredModel } from '../types.js';
import type { MlflowHttpClient } from './http-client.js';
import { CLIENT_REQUEST_ID_TAG, filterString, listOf, pageToken, TRACKING_API } from './tracking-client.js';
import { asObject, JsonPath, keyValuesToJson, modelVersionFromJson, registeredModelFromJson, type JsonObject } from './wire.js';
import { allPages, pagedItems } from '../../http/paging.js';

export interface RestModelRegistryOptions {
  http: MlflowHttpClient;
  newRequestId?: () => string;
}

export interface SearchRegistryOptions extends CallOptions {
  filter?: string;
  orderBy?: string[];
  maxResults?: number;
  pageToken?: string;
}

function signalOf(options: CallOptions | undefined): { signal?: AbortSignal } {
  return options?.signal ? { signal: options.signal } : {};
}

/**
 * ModelRegistry over MLflow's model registry REST API. Creating a model version never makes two
 * versions, even when a response is lost and the call is retried.
 */
export class RestModelRegistry implements ModelRegistry {
  readonly http: MlflowHttpClient;
  private readonly newRequestId: () => string;

  constructor(options: RestModelRegistryOptions) {
    this.http = options.http;
    this.newRequestId = options.newRequestId ?? (() => randomUUID().replace(/-/g, ''));
  }

  private call<T = unknown>(method: string, path: string, payload: JsonObject, options?: CallOptions): Promise<T> {
    const request = method === 'GET' ? { query: payload as Record<string, string | number | undefined> } : { json: payload };
    return this.http.request<T>(method, `${TRACKING_API}/${path}`, { ...request, ...signalOf(options) });
  }

  private static registeredModel(body: unknown, source: string): RegisteredModel {
    const at = new JsonPath(source, '');
    return registeredModelFromJson(asObject(body, at)['registered_model'], at.child('registered_model'));
  }

  private static modelVersion(body: unknown, source: string): ModelVersion {
    const at = new JsonPath(source, '');
    return modelVersionFromJson(asObject(body, at)['model_version'], at.child('model_version'));
  }

  // ---------------------------------------------------------------- registered models

  async createRegisteredModel(name: string, options: CallOptions & { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    const json: JsonObject = { name };
    if (options.description !== undefined) json['description'] = options.description;
    if (options.tags !== undefined) json['tags'] = keyValuesToJson(options.tags);
    const body = await this.http.request<unknown>('POST', `${TRACKING_API}/registered-models/create`, {
      json,
      ...signalOf(options),
      // Names are unique: a model with this name after a lost response is the one we made.
      recover: async (signal) => {
        try {
          return { registered_model: await this.getRegisteredModelJson(name, signal) };
        } catch (error) {
          if (error instanceof MlopsError && error.code === 'NOT_FOUND') return undefined;
          throw error;
        }
      },
    });
    return RestModelRegistry.registeredModel(body, 'POST registered-models/create');
  }

  private async getRegisteredModelJson(name: string, signal: AbortSignal | undefined): Promise<unknown> {
    const at = new JsonPath('GET registered-models/get', '');
    return asObject(await this.call('GET', 'registered-models/get', { name }, signal ? { signal } : {}), at)['registered_model'];
  }

  async getRegisteredModel(name: string, options: CallOptions = {}): Promise<RegisteredModel> {
    return RestModelRegistry.registeredModel(await this.call('GET', 'registered-models/get', { name }, options), 'GET registered-models/get');
  }

  async searchRegisteredModels(options: SearchRegistryOptions = {}): Promise<Page<RegisteredModel>> {
    const at = new JsonPath('GET registered-models/search', '');
    const query = {
      filter: options.filter,
      max_results: options.maxResults,
      page_token: options.pageToken,
      ...(options.orderBy ? { order_by: options.orderBy } : {}),
    };
    const body = asObject(await this.http.request('GET', `${TRACKING_API}/registered-models/search`, { query, ...signalOf(options) }), at);
    return {
      items: listOf(body, 'registered_models', at).map((item, index) => registeredModelFromJson(item, at.child('registered_models').child(index))),
      nextPageToken: pageToken(body),
    };
  }

  async updateRegisteredModel(name: string, update: { description?: string }, options: CallOptions = {}): Promise<RegisteredModel> {
    const json: JsonObject = { name };
    if (update.description !== undefined) json['description'] = update.description;
    return RestModelRegistry.registeredModel(await this.call('PATCH', 'registered-models/update', json, options), 'PATCH registered-models/update');
  }

  async setRegisteredModelTag(name: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    await this.call('POST', 'registered-models/set-tag', { name, key, value }, options);
  }

  // ---------------------------------------------------------------- versions

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    const requestId = this.newRequestId();
    const json: JsonObject = {
      name: options.name,
      source: options.source,
      tags: keyValuesToJson({ ...(options.tags ?? {}), [CLIENT_REQUEST_ID_TAG]: requestId }),
    };
    if (options.runId !== undefined && options.runId !== '') json['run_id'] = options.runId;
    if (options.description !== undefined) json['description'] = options.description;
    const body = await this.http.request<unknown>('POST', `${TRACKING_API}/model-versions/create`, {
      json,
      ...signalOf(options),
      recover: async (signal) => {
        const found = await this.findVersionByRequestId(options.name, requestId, signal);
        return found === undefined ? undefined : { model_version: found };
      },
    });
    const version = RestModelRegistry.modelVersion(body, 'POST model-versions/create');
    // The tag did its job; a failure to remove it leaves only a harmless extra tag behind.
    await this.deleteModelVersionTag(version.name, version.version, CLIENT_REQUEST_ID_TAG, signalOf(options)).catch(() => undefined);
    const tags = { ...version.tags };
    delete tags[CLIENT_REQUEST_ID_TAG];
    return { ...version, tags };
  }

  /** The version an earlier attempt of createModelVersion made, if the server has it (raw JSON). */
  private async findVersionByRequestId(name: string, requestId: string, signal: AbortSignal | undefined): Promise<unknown> {
    const at = new JsonPath('GET model-versions/search', '');
    const search = async (token: string | undefined) => {
      const body = asObject(
        await this.http.request('GET', `${TRACKING_API}/model-versions/search`, { query: { filter: `name=${filterString(name)}`, page_token: token }, ...(signal ? { signal } : {}) }),
        at,
      );
      return { items: listOf(body, 'model_versions', at), nextPageToken: pageToken(body) };
    };
    let index = 0;
    for await (const item of pagedItems(search, { what: `the version search of ${name}`, ...(signal ? { signal } : {}) })) {
      const version = modelVersionFromJson(item, at.child('model_versions').child(index++));
      if (version.tags[CLIENT_REQUEST_ID_TAG] === requestId) return item;
    }
    return undefined;
  }

  async getModelVersion(name: string, version: string, options: CallOptions = {}): Promise<ModelVersion> {
    return RestModelRegistry.modelVersion(await this.call('GET', 'model-versions/get', { name, version }, options), 'GET model-versions/get');
  }

  /** One page of MLflow's model version search (GET, as MLflow 2.12 serves it). */
  async searchModelVersions(options: SearchRegistryOptions = {}): Promise<Page<ModelVersion>> {
    const at = new JsonPath('GET model-versions/search', '');
    const query = {
      filter: options.filter,
      max_results: options.maxResults,
      page_token: options.pageToken,
      ...(options.orderBy ? { order_by: options.orderBy } : {}),
    };
    const body = asObject(await this.http.request('GET', `${TRACKING_API}/model-versions/search`, { query, ...signalOf(options) }), at);
    return {
      items: listOf(body, 'model_versions', at).map((item, index) => modelVersionFromJson(item, at.child('model_versions').child(index))),
      nextPageToken: pageToken(body),
    };
  }

  /** Every version of the model, newest first; NOT_FOUND when the model does not exist. */
  async listModelVersions(name: string, options: CallOptions = {}): Promise<ModelVersion[]> {
    // Search answers an unknown name with no versions, where the interface promises NOT_FOUND;
    // the model also knows the aliases, which search results leave out.
    const model = await this.getRegisteredModel(name, options);
    const versions: ModelVersion[] = await allPages((token) => this.searchModelVersions({ filter: `name=${filterString(name)}`, ...(token ? { pageToken: token } : {}), ...signalOf(options) }), {
      what: `the version search of ${name}`,
      ...signalOf(options),
    });
    return versions
      .filter((version) => version.name === name)
      .map((version) => ({ ...version, aliases: Object.entries(model.aliases).filter(([, target]) => target === version.version).map(([alias]) => alias).sort() }))
      .sort((a, b) => Number(b.version) - Number(a.version));
  }

  async updateModelVersion(name: string, version: string, update: { description?: string }, options: CallOptions = {}): Promise<ModelVersion> {
    const json: JsonObject = { name, version };
    if (update.description !== undefined) json['description'] = update.description;
    return RestModelRegistry.modelVersion(await this.call('PATCH', 'model-versions/update', json, options), 'PATCH model-versions/update');
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    await this.call('POST', 'model-versions/set-tag', { name, version, key, value }, options);
  }

  async deleteModelVersionTag(name: string, version: string, key: string, options: CallOptions = {}): Promise<void> {
    await this.call('DELETE', 'model-versions/delete-tag', { name, version, key }, options);
  }

  // ---------------------------------------------------------------- aliases

  async setAlias(name: string, alias: string, version: string, options: CallOptions = {}): Promise<void> {
    await this.call('POST', 'registered-models/alias', { name, alias, version }, options);
  }

  async deleteAlias(name: string, alias: string, options: CallOptions = {}): Promise<void> {
    await this.call('DELETE', 'registered-models/alias', { name, alias }, options);
  }

  async getModelVersionByAlias(name: string, alias: string, options: CallOptions = {}): Promise<ModelVersion> {
    try {
      return RestModelRegistry.modelVersion(await this.call('GET', 'registered-models/alias', { name, alias }, options), 'GET registered-models/alias');
    } catch (error) {
      // MLflow 2.12 answers an unset alias with 400 INVALID_PARAMETER_VALUE "Registered model alias <a> not found."
      if (error instanceof HttpError && error.serverCode === 'INVALID_PARAMETER_VALUE' && /alias .* not found/i.test(error.message)) {
        throw new MlopsError('NOT_FOUND', `Alias '${alias}' is not set on registered model '${name}' (${error.message})`, { cause: error, details: { name, alias } });
      }
      throw error;
    }
  }
}
