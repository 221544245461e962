import { HttpError, MlopsError, throwIfAborted } from '../../errors.js';
import { parseMLmodel } from '../../model/mlmodel.js';
import type { CallOptions, CreateModelVersionOptions, ModelRegistry, ModelVersion, ModelVersionStatus, Page, RegisteredModel, TrackingStore } from '../../tracking/types.js';
import { abfssToBlobUrl, uploadAzureBlob } from './azure-blob.js';
import type { StorageClient } from './cloud-storage.js';
import type { DatabricksClient } from './http-client.js';
import type { Identity } from './identity.js';
import { allPages } from '../../http/paging.js';

const UC = '/api/2.0/mlflow/unity-catalog';

interface KeyValueJson {
  key: string;
  value?: string;
}

interface UcModelJson {
  name: string;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  tags?: KeyValueJson[];
  aliases?: { alias: string; version: string | number }[];
}

interface UcVersionJson {
  name: string;
  version: string | number;
  creation_timestamp?: number;
  last_updated_timestamp?: number;
  description?: string;
  source?: string;
  run_id?: string;
  status?: string;
  storage_location?: string;
  tags?: KeyValueJson[];
  aliases?: { alias: string; version: string | number }[];
}

interface TemporaryCredentialsJson {
  azure_user_delegation_sas?: { sas_token: string };
  aws_temp_credentials?: unknown;
  gcp_oauth_token?: unknown;
  r2_temp_credentials?: unknown;
  storage_mode?: 'CUSTOMER_HOSTED' | 'DEFAULT_STORAGE' | 'STORAGE_MODE_UNSPECIFIED';
}

export interface UnityCatalogRegistryOptions {
  client: DatabricksClient;
  storage: StorageClient;
  /** Where model files are read from when a version is created (the run's artifacts). */
  tracking: TrackingStore;
  identity: Identity;
  /** The Blob endpoint of a storage account; default https://<account>.blob.<suffix of the abfss host>. */
  azureBlobEndpoint?: (account: string) => string;
  azureBlockSize?: number;
}

/**
 * The Unity Catalog model registry for three-level names (catalog.schema.model), over MLflow's
 * /api/2.0/mlflow/unity-catalog/ endpoints: a version is created PENDING_REGISTRATION, its files
 * are copied from the run's artifacts into the version's storage location with temporary
 * credentials, then it is finalized (READY). Aliases go through the UC REST API
 * (/api/2.1/unity-catalog/models/{full_name}/aliases/{alias}). A model without a signature (inputs
 * and outputs) is refused before anything is created, as Unity Catalog requires one.
 */
export class UnityCatalogRegistry implements ModelRegistry {
  readonly #client: DatabricksClient;
  readonly #storage: StorageClient;
  readonly #tracking: TrackingStore;
  readonly #identity: Identity;
  readonly #azureBlobEndpoint: ((account: string) => string) | undefined;
  readonly #azureBlockSize: number | undefined;

  constructor(options: UnityCatalogRegistryOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#tracking = options.tracking;
    this.#identity = options.identity;
    this.#azureBlobEndpoint = options.azureBlobEndpoint;
    this.#azureBlockSize = options.azureBlockSize;
  }

  // ---------------------------------------------------------------- registered models

  async createRegisteredModel(name: string, options: CallOptions & { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    const full = checkName(name);
    const body = await this.#call<{ registered_model: UcModelJson }>('POST', 'registered-models/create', { name: full, description: options.description, tags: tagsJson(options.tags) }, options, {
      action: `create registered model ${full}`,
      name: full,
    });
    return modelFromJson(body.registered_model);
  }

  async getRegisteredModel(name: string, options: CallOptions = {}): Promise<RegisteredModel> {
    const full = checkName(name);
    const body = await this.#call<{ registered_model: UcModelJson }>('GET', 'registered-models/get', { name: full }, options, { action: `read registered model ${full}`, name: full });
    return modelFromJson(body.registered_model);
  }

  async searchRegisteredModels(options: CallOptions & { maxResults?: number; pageToken?: string } = {}): Promise<Page<RegisteredModel>> {
    const body = await this.#call<{ registered_models?: UcModelJson[]; next_page_token?: string }>(
      'GET',
      'registered-models/search',
      { max_results: options.maxResults, page_token: options.pageToken },
      options,
      { action: 'search registered models' },
    );
    return { items: (body.registered_models ?? []).map(modelFromJson), nextPageToken: body.next_page_token || undefined };
  }

  async updateRegisteredModel(name: string, update: { description?: string }, options: CallOptions = {}): Promise<RegisteredModel> {
    const full = checkName(name);
    const body = await this.#call<{ registered_model: UcModelJson }>('PATCH', 'registered-models/update', { name: full, description: update.description }, options, {
      action: `update registered model ${full}`,
      name: full,
      needsOwner: true,
    });
    return modelFromJson(body.registered_model);
  }

  async setRegisteredModelTag(name: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    const full = checkName(name);
    await this.#call('POST', 'registered-models/tags', { name: full, key, value }, options, { action: `tag registered model ${full}`, name: full, needsOwner: true });
  }

  // ---------------------------------------------------------------- versions

  async createModelVersion(options: CreateModelVersionOptions): Promise<ModelVersion> {
    const full = checkName(options.name);
    const signal = options.signal ? { signal: options.signal } : {};
    // Everything that can be checked is checked before the registry is touched.
    const files = await this.#modelFiles(full, options.source, options.runId, signal);
    const created = await this.#call<{ model_version: UcVersionJson }>(
      'POST',
      'model-versions/create',
      { name: full, source: options.source, run_id: files.runId, description: options.description, tags: tagsJson(options.tags) },
      options,
      { action: `create a version of ${full}`, name: full },
    );
    const version = String(created.model_version.version);
    try {
      await this.#uploadFiles(full, version, created.model_version.storage_location ?? '', files, signal);
    } catch (error) {
      throw new MlopsError(
        error instanceof MlopsError ? error.code : 'IO',
        `Model ${full} version ${version} stays PENDING_REGISTRATION: uploading its files failed: ${(error as Error).message}`,
        { cause: error, details: { name: full, version } },
      );
    }
    const finalized = await this.#call<{ model_version: UcVersionJson }>('POST', 'model-versions/finalize', { name: full, version }, options, {
      action: `finalize version ${version} of ${full}`,
      name: full,
    });
    return versionFromJson(finalized.model_version);
  }

  async getModelVersion(name: string, version: string, options: CallOptions = {}): Promise<ModelVersion> {
    const full = checkName(name);
    const body = await this.#call<{ model_version: UcVersionJson }>('GET', 'model-versions/get', { name: full, version }, options, {
      action: `read version ${version} of ${full}`,
      name: full,
    });
    return versionFromJson(body.model_version);
  }

  async listModelVersions(name: string, options: CallOptions = {}): Promise<ModelVersion[]> {
    const full = checkName(name);
    const versions = await allPages(
      async (pageToken) => {
        const body = await this.#call<{ model_versions?: UcVersionJson[]; next_page_token?: string }>(
          'GET',
          'model-versions/search',
          { filter: `name='${full}'`, max_results: 1000, page_token: pageToken },
          options,
          { action: `list versions of ${full}`, name: full },
        );
        return { items: (body.model_versions ?? []).map(versionFromJson), nextPageToken: body.next_page_token };
      },
      { what: `the version listing of ${full}`, ...(options.signal ? { signal: options.signal } : {}) },
    );
    if (versions.length === 0) await this.getRegisteredModel(full, options); // NOT_FOUND for an unknown model
    return versions.sort((a, b) => Number(b.version) - Number(a.version));
  }

  async updateModelVersion(name: string, version: string, update: { description?: string }, options: CallOptions = {}): Promise<ModelVersion> {
    const full = checkName(name);
    const body = await this.#call<{ model_version: UcVersionJson }>('PATCH', 'model-versions/update', { name: full, version, description: update.description }, options, {
      action: `update version ${version} of ${full}`,
      name: full,
      needsOwner: true,
    });
    return versionFromJson(body.model_version);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    const full = checkName(name);
    await this.#call('POST', 'model-versions/tags', { name: full, version, key, value }, options, { action: `tag version ${version} of ${full}`, name: full, needsOwner: true });
  }

  async deleteModelVersionTag(name: string, version: string, key: string, options: CallOptions = {}): Promise<void> {
    const full = checkName(name);
    await this.#call('DELETE', 'model-versions/tags', { name: full, version, key }, options, { action: `untag version ${version} of ${full}`, name: full, needsOwner: true });
  }

  // ---------------------------------------------------------------- aliases (UC REST 2.1)

  async setAlias(name: string, alias: string, version: string, options: CallOptions = {}): Promise<void> {
    const full = checkName(name);
    await this.#aliasCall('PUT', full, alias, { alias, full_name: full, version_num: Number(version) }, options, `set alias ${alias} of ${full} to version ${version}`);
  }

  async deleteAlias(name: string, alias: string, options: CallOptions = {}): Promise<void> {
    const full = checkName(name);
    await this.#aliasCall('DELETE', full, alias, undefined, options, `delete alias ${alias} of ${full}`);
  }

  async getModelVersionByAlias(name: string, alias: string, options: CallOptions = {}): Promise<ModelVersion> {
    const full = checkName(name);
    const info = await this.#aliasCall<{ version?: number | string }>('GET', full, alias, undefined, options, `read alias ${alias} of ${full}`);
    if (info.version === undefined) throw new MlopsError('NOT_FOUND', `Alias ${alias} of ${full} names no version`, { details: { name: full, alias } });
    return this.getModelVersion(full, String(info.version), options);
  }

  // ---------------------------------------------------------------- internals

  async #aliasCall<T = Record<string, unknown>>(method: string, full: string, alias: string, json: unknown, options: CallOptions, action: string): Promise<T> {
    try {
      return await this.#client.json<T>(method, `/api/2.1/unity-catalog/models/${encodeURIComponent(full)}/aliases/${encodeURIComponent(alias)}`, {
        ...(json !== undefined ? { json } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
      });
    } catch (error) {
      throw await this.#explain(error, { action, name: full, needsOwner: method !== 'GET', alias });
    }
  }

  async #call<T = Record<string, unknown>>(
    method: string,
    path: string,
    fields: Record<string, unknown>,
    options: CallOptions,
    context: { action: string; name?: string; needsOwner?: boolean },
  ): Promise<T> {
    const defined = Object.fromEntries(Object.entries(fields).filter(([, value]) => value !== undefined));
    const request =
      method === 'GET'
        ? { query: Object.fromEntries(Object.entries(defined).map(([k, v]) => [k, String(v)])) }
        : { json: defined };
    try {
      return await this.#client.json<T>(method, `${UC}/${path}`, { ...request, ...(options.signal ? { signal: options.signal } : {}) });
    } catch (error) {
      throw await this.#explain(error, context);
    }
  }

  /** Turns PERMISSION_DENIED into a message that says which privilege is missing and how to get it. */
  async #explain(error: unknown, context: { action: string; name?: string; needsOwner?: boolean; alias?: string }): Promise<unknown> {
    if (!(error instanceof HttpError) || (error.status !== 403 && error.serverCode !== 'PERMISSION_DENIED')) {
      if (error instanceof MlopsError && error.code === 'NOT_FOUND' && context.name !== undefined) {
        return new MlopsError('NOT_FOUND', `Cannot ${context.action}: ${error.message.replace(/^Databricks [A-Z]+ \S+ failed with 404 \w+: /, '')}`, {
          cause: error,
          details: { name: context.name, ...(context.alias ? { alias: context.alias } : {}) },
        });
      }
      return error;
    }
    const [catalog, schema] = (context.name ?? '..').split('.');
    const user = await this.#identity.me().then((me) => me.userName).catch(() => '<you>');
    const server = error.message.replace(/^Databricks [A-Z]+ \S+ failed with 403 \w+: /, '');
    let needed: string;
    let grant: string;
    if (/USE SCHEMA/i.test(server)) {
      needed = `USE SCHEMA on ${catalog}.${schema} (and USE CATALOG on ${catalog})`;
      grant = `GRANT USE CATALOG ON CATALOG ${catalog} TO \`${user}\`; GRANT USE SCHEMA ON SCHEMA ${catalog}.${schema} TO \`${user}\``;
    } else if (/CREATE.?MODEL/i.test(server)) {
      needed = `CREATE MODEL on schema ${catalog}.${schema}`;
      grant = `GRANT CREATE MODEL ON SCHEMA ${catalog}.${schema} TO \`${user}\``;
    } else if (context.needsOwner || /owner/i.test(server)) {
      needed = `ownership of model ${context.name} (or MANAGE on it)`;
      grant = `ALTER MODEL ${context.name} OWNER TO \`${user}\` (run by the current owner), or GRANT MANAGE ON MODEL ${context.name} TO \`${user}\``;
    } else {
      needed = `a privilege on ${context.name ?? 'the object'}`;
      grant = 'ask the owner of the model or schema, or a metastore admin';
    }
    return new HttpError(
      `Permission denied: cannot ${context.action} as ${user}: Unity Catalog requires ${needed}. The workspace said: ${server}`,
      { status: error.status, method: error.method, url: error.url, serverCode: 'PERMISSION_DENIED', cause: error, details: { name: context.name, needed, hint: grant } },
    );
  }

  /** Finds the model directory among the run's artifacts and checks its signature. */
  async #modelFiles(full: string, source: string, runId: string | undefined, signal: CallOptions): Promise<{ runId: string; dir: string; files: string[] }> {
    const located = await this.#locate(source, runId, signal);
    const mlmodelPath = located.dir === '' ? 'MLmodel' : `${located.dir}/MLmodel`;
    let text: string;
    try {
      text = new TextDecoder().decode(await this.#tracking.downloadArtifact(located.runId, mlmodelPath, signal));
    } catch (error) {
      throw new MlopsError('INVALID_ARGUMENT', `Cannot register ${source} as a version of ${full}: it has no MLmodel file (run ${located.runId}, ${mlmodelPath}); register the folder logged with the model`, {
        cause: error,
        details: { name: full, source },
      });
    }
    const model = parseMLmodel(text, `${source}/MLmodel`);
    const signature = model.signature;
    if (!signature || !signature.inputs || signature.inputs.length === 0 || !signature.outputs || signature.outputs.length === 0) {
      const found = !signature ? 'no signature' : !signature.inputs || signature.inputs.length === 0 ? 'a signature without inputs' : 'a signature with inputs only';
      throw new MlopsError(
        'INVALID_ARGUMENT',
        `Cannot register ${source} in Unity Catalog as ${full}: all models in Unity Catalog must be logged with a signature that has both inputs and outputs; its MLmodel has ${found}`,
        { details: { name: full, source, hint: 'log the model with a signature (inputs and outputs), then register it again' } },
      );
    }
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await this.#tracking.listArtifacts(located.runId, dir, signal)) {
        throwIfAborted(signal.signal);
        if (entry.isDir) await walk(entry.path);
        else files.push(located.dir === '' ? entry.path : entry.path.slice(located.dir.length + 1));
      }
    };
    await walk(located.dir);
    return { runId: located.runId, dir: located.dir, files: files.sort() };
  }

  async #locate(source: string, runId: string | undefined, signal: CallOptions): Promise<{ runId: string; dir: string }> {
    const runsUri = /^runs:\/([^/]+)\/?(.*)$/.exec(source);
    if (runsUri) return { runId: runsUri[1]!, dir: runsUri[2]!.replace(/\/+$/, '') };
    if (runId === undefined || runId === '') {
      throw new MlopsError('INVALID_ARGUMENT', `Cannot register ${source}: Unity Catalog model versions are copied from a run's artifacts, so a run id (or a runs:/ source) is needed`, {
        details: { source },
      });
    }
    const root = (await this.#tracking.getRun(runId, signal)).info.artifactUri.replace(/\/+$/, '');
    if (source.replace(/\/+$/, '') === root) return { runId, dir: '' };
    if (!source.startsWith(`${root}/`)) {
      throw new MlopsError('INVALID_ARGUMENT', `Cannot register ${source}: it is not under the artifact root ${root} of run ${runId}`, { details: { source, runId } });
    }
    return { runId, dir: source.slice(root.length + 1).replace(/\/+$/, '') };
  }

  async #uploadFiles(full: string, version: string, storageLocation: string, files: { runId: string; dir: string; files: string[] }, signal: CallOptions): Promise<void> {
    let credentials = await this.#credentials(full, version, signal);
    for (const relative of files.files) {
      throwIfAborted(signal.signal);
      const data = await this.#tracking.downloadArtifact(files.runId, files.dir === '' ? relative : `${files.dir}/${relative}`, signal);
      for (let attempt = 0; ; attempt++) {
        try {
          await this.#uploadOne(full, version, storageLocation, credentials, relative, data, signal);
          break;
        } catch (error) {
          if (attempt > 0 || !(error instanceof HttpError && error.serverCode === 'URL_EXPIRED')) throw error;
          credentials = await this.#credentials(full, version, signal); // the temporary credentials expired
        }
      }
    }
  }

  async #credentials(full: string, version: string, signal: CallOptions): Promise<TemporaryCredentialsJson> {
    const body = await this.#call<{ credentials?: TemporaryCredentialsJson }>(
      'POST',
      'model-versions/generate-temporary-credentials',
      { name: full, version, operation: 'MODEL_VERSION_OPERATION_READ_WRITE' },
      signal,
      { action: `get write credentials for version ${version} of ${full}`, name: full },
    );
    return body.credentials ?? {};
  }

  async #uploadOne(full: string, version: string, storageLocation: string, credentials: TemporaryCredentialsJson, relative: string, data: Uint8Array, signal: CallOptions): Promise<void> {
    if (credentials.storage_mode === 'DEFAULT_STORAGE') {
      const [catalog, schema, model] = full.split('.');
      const target = `/Models/${catalog}/${schema}/${model}/${version}/${relative}`;
      const presigned = await this.#client.json<{ url: string; headers?: { name: string; value: string }[] }>('POST', '/api/2.0/fs/create-upload-url', { json: { path: target }, ...signal });
      const headers: Record<string, string> = {};
      for (const header of presigned.headers ?? []) headers[header.name] = header.value;
      await this.#storage.expectOk({ method: 'PUT', url: presigned.url, headers, body: data, ...signal }, `Uploading ${relative} of ${full} version ${version}`);
      return;
    }
    const sas = credentials.azure_user_delegation_sas?.sas_token;
    if (sas !== undefined) {
      const url = abfssToBlobUrl(storageLocation, relative, sas, this.#azureBlobEndpoint);
      await uploadAzureBlob(this.#storage, url, data, { ...(this.#azureBlockSize ? { blockSize: this.#azureBlockSize } : {}), ...signal });
      return;
    }
    const kind = credentials.aws_temp_credentials ? 'AWS' : credentials.gcp_oauth_token ? 'GCP' : credentials.r2_temp_credentials ? 'R2' : 'unknown';
    throw new MlopsError('HTTP', `Model version storage ${storageLocation} needs ${kind} temporary credentials, which this version cannot use yet (Azure SAS and Databricks default storage are supported)`, {
      details: { name: full, version, storageLocation },
    });
  }
}

/** Unity Catalog model names are catalog.schema.model, stored lower-case. */
function checkName(name: string): string {
  const parts = name.split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(part))) {
    throw new MlopsError('INVALID_ARGUMENT', `Model name ${JSON.stringify(name)} is not a Unity Catalog name <catalog>.<schema>.<model> (letters, digits, _ and -)`, {
      details: { name },
    });
  }
  return name.toLowerCase();
}

function tagsJson(tags: Record<string, string> | undefined): KeyValueJson[] | undefined {
  return tags === undefined ? undefined : Object.entries(tags).map(([key, value]) => ({ key, value }));
}

function tagsOf(tags: KeyValueJson[] | undefined): Record<string, string> {
  return Object.fromEntries((tags ?? []).map((tag) => [tag.key, tag.value ?? '']));
}

function modelFromJson(json: UcModelJson): RegisteredModel {
  const created = Number(json.creation_timestamp ?? 0);
  return {
    name: json.name,
    creationTimestamp: created,
    lastUpdatedTimestamp: Number(json.last_updated_timestamp ?? created),
    description: json.description ?? '',
    tags: tagsOf(json.tags),
    aliases: Object.fromEntries((json.aliases ?? []).map((a) => [a.alias, String(a.version)])),
  };
}

const STATUSES: readonly ModelVersionStatus[] = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'];

function versionFromJson(json: UcVersionJson): ModelVersion {
  const created = Number(json.creation_timestamp ?? 0);
  const status = (STATUSES as readonly string[]).includes(json.status ?? '') ? (json.status as ModelVersionStatus) : 'READY';
  return {
    name: json.name,
    version: String(json.version),
    creationTimestamp: created,
    lastUpdatedTimestamp: Number(json.last_updated_timestamp ?? created),
    description: json.description ?? '',
    source: json.source ?? '',
    runId: json.run_id ?? '',
    status,
    tags: tagsOf(json.tags),
    aliases: (json.aliases ?? []).map((a) => a.alias).sort(),
  };
}
