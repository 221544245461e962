import type { CloudStorage } from './cloud.js';
import { apiError, empty, field, json, type FakeRequest, type FakeResponse } from './http.js';

interface UcVersion {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  source: string;
  run_id: string;
  status: 'PENDING_REGISTRATION' | 'FAILED_REGISTRATION' | 'READY';
  storage_location: string;
  tags: Map<string, string>;
}

interface UcModel {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string;
  description: string;
  owner: string;
  tags: Map<string, string>;
  aliases: Map<string, number>;
  versions: UcVersion[];
}

/** Privileges the fake can withhold from the caller, to test the error messages. */
export type Privilege = 'USE_SCHEMA' | 'CREATE_MODEL' | 'MODEL_OWNER';

/**
 * The Unity Catalog model registry: MLflow's /api/2.0/mlflow/unity-catalog/ endpoints (create →
 * generate-temporary-credentials → upload to storage_location → finalize) and the UC REST
 * /api/2.1/unity-catalog/models/{full_name}/aliases/{alias} endpoints.
 */
export class FakeUnityCatalog {
  readonly models = new Map<string, UcModel>();
  readonly denied = new Set<Privilege>();
  /** CUSTOMER_HOSTED hands out an Azure user-delegation SAS for storage_location; DEFAULT_STORAGE presigned URLs. */
  storageMode: 'CUSTOMER_HOSTED' | 'DEFAULT_STORAGE' = 'CUSTOMER_HOSTED';
  readonly #cloud: CloudStorage;
  readonly #userName: () => string;

  constructor(cloud: CloudStorage, userName: () => string) {
    this.#cloud = cloud;
    this.#userName = userName;
  }

  /** The cloud object key prefix of a version's files (same for both storage modes). */
  versionKey(name: string, version: number | string): string {
    const [catalog, schema, model] = name.split('.');
    return `models/${catalog}/${schema}/${model}/versions/${version}`;
  }

  #check(name: string, needs: Privilege[]): FakeResponse | undefined {
    const parts = name.split('.');
    if (parts.length !== 3 || parts.some((p) => p === '')) {
      return apiError(400, 'INVALID_PARAMETER_VALUE', `Model name '${name}' is not a valid three-level name <catalog>.<schema>.<model>.`);
    }
    const schema = `${parts[0]}.${parts[1]}`;
    if (this.denied.has('USE_SCHEMA')) return apiError(403, 'PERMISSION_DENIED', `User does not have USE SCHEMA on Schema '${schema}'.`);
    if (needs.includes('CREATE_MODEL') && this.denied.has('CREATE_MODEL')) return apiError(403, 'PERMISSION_DENIED', `User does not have CREATE MODEL on Schema '${schema}'.`);
    if (needs.includes('MODEL_OWNER') && this.denied.has('MODEL_OWNER')) return apiError(403, 'PERMISSION_DENIED', `User is not an owner of Registered Model '${name}'.`);
    return undefined;
  }

  #model(name: string): UcModel | FakeResponse {
    const model = this.models.get(name.toLowerCase());
    if (model === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Registered model '${name}' does not exist.`);
    return model;
  }

  #version(name: string, version: string | undefined): UcVersion | FakeResponse {
    const model = this.#model(name);
    if (!('versions' in model)) return model;
    const found = model.versions.find((v) => String(v.version) === version);
    if (found === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Model version ${name}/${version} does not exist.`);
    return found;
  }

  #modelJson(model: UcModel): Record<string, unknown> {
    return {
      name: model.name,
      creation_timestamp: model.creation_timestamp,
      last_updated_timestamp: model.last_updated_timestamp,
      user_id: model.user_id,
      description: model.description,
      aliases: [...model.aliases].map(([alias, version]) => ({ alias, version: String(version) })),
      tags: [...model.tags].map(([key, value]) => ({ key, value })),
    };
  }

  #versionJson(version: UcVersion): Record<string, unknown> {
    const model = this.models.get(version.name)!;
    return {
      name: version.name,
      version: String(version.version),
      creation_timestamp: version.creation_timestamp,
      last_updated_timestamp: version.last_updated_timestamp,
      user_id: version.user_id,
      description: version.description,
      source: version.source,
      run_id: version.run_id,
      status: version.status,
      storage_location: version.storage_location,
      aliases: [...model.aliases].filter(([, v]) => v === version.version).map(([alias]) => ({ alias, version: String(version.version) })),
      tags: [...version.tags].map(([key, value]) => ({ key, value })),
    };
  }

  // ------------------------------------------------------------------ registered models

  createModel(req: FakeRequest): FakeResponse {
    const name = String(req.json.name ?? '').toLowerCase();
    const denied = this.#check(name, ['CREATE_MODEL']);
    if (denied) return denied;
    if (this.models.has(name)) return apiError(400, 'RESOURCE_ALREADY_EXISTS', `Registered model '${name}' already exists.`);
    const now = Date.now();
    const tags = new Map<string, string>();
    for (const tag of (req.json.tags as { key: string; value: string }[] | undefined) ?? []) tags.set(tag.key, tag.value ?? '');
    const model: UcModel = {
      name,
      creation_timestamp: now,
      last_updated_timestamp: now,
      user_id: this.#userName(),
      description: String(req.json.description ?? ''),
      owner: this.#userName(),
      tags,
      aliases: new Map(),
      versions: [],
    };
    this.models.set(name, model);
    return json({ registered_model: this.#modelJson(model) });
  }

  getModel(req: FakeRequest): FakeResponse {
    const name = field(req, 'name') ?? '';
    const denied = this.#check(name, []);
    if (denied) return denied;
    const model = this.#model(name);
    if (!('versions' in model)) return model;
    return json({ registered_model: this.#modelJson(model) });
  }

  searchModels(req: FakeRequest): FakeResponse {
    const max = Number(field(req, 'max_results') ?? 100);
    const offset = Number(field(req, 'page_token') ?? 0);
    const all = [...this.models.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
    return json({ registered_models: all.slice(offset, offset + max).map((m) => this.#modelJson(m)), ...(offset + max < all.length ? { next_page_token: String(offset + max) } : {}) });
  }

  updateModel(req: FakeRequest): FakeResponse {
    const model = this.#model(String(req.json.name ?? ''));
    if (!('versions' in model)) return model;
    if (typeof req.json.description === 'string') model.description = req.json.description;
    model.last_updated_timestamp = Date.now();
    return json({ registered_model: this.#modelJson(model) });
  }

  modelTag(req: FakeRequest): FakeResponse {
    const model = this.#model(String(field(req, 'name') ?? ''));
    if (!('versions' in model)) return model;
    const key = String(field(req, 'key') ?? '');
    if (req.method === 'DELETE') model.tags.delete(key);
    else model.tags.set(key, String(req.json.value ?? ''));
    return empty();
  }

  // ------------------------------------------------------------------ versions

  createVersion(req: FakeRequest): FakeResponse {
    const name = String(req.json.name ?? '').toLowerCase();
    const denied = this.#check(name, []);
    if (denied) return denied;
    const model = this.#model(name);
    if (!('versions' in model)) return model;
    if (typeof req.json.source !== 'string' || req.json.source === '') return apiError(400, 'INVALID_PARAMETER_VALUE', 'Missing value for required parameter source.');
    const now = Date.now();
    const number = (model.versions.at(-1)?.version ?? 0) + 1;
    const tags = new Map<string, string>();
    for (const tag of (req.json.tags as { key: string; value: string }[] | undefined) ?? []) tags.set(tag.key, tag.value ?? '');
    const version: UcVersion = {
      name,
      version: number,
      creation_timestamp: now,
      last_updated_timestamp: now,
      user_id: this.#userName(),
      description: String(req.json.description ?? ''),
      source: req.json.source,
      run_id: String(req.json.run_id ?? ''),
      status: 'PENDING_REGISTRATION',
      storage_location: `abfss://models@fakestorage.dfs.core.windows.net/${this.versionKey(name, number).slice('models/'.length)}`,
      tags,
    };
    model.versions.push(version);
    return json({ model_version: this.#versionJson(version) });
  }

  temporaryCredentials(req: FakeRequest): FakeResponse {
    const version = this.#version(String(req.json.name ?? ''), String(req.json.version ?? ''));
    if (!('storage_location' in version)) return version;
    const operation = String(req.json.operation ?? '');
    if (operation !== 'MODEL_VERSION_OPERATION_READ_WRITE' && operation !== 'MODEL_VERSION_OPERATION_READ') {
      return apiError(400, 'INVALID_PARAMETER_VALUE', `Invalid operation ${operation}.`);
    }
    if (operation === 'MODEL_VERSION_OPERATION_READ_WRITE' && version.status !== 'PENDING_REGISTRATION') {
      return apiError(400, 'INVALID_PARAMETER_VALUE', 'Model version files can only be written while the version is PENDING_REGISTRATION.');
    }
    const expiration = Date.now() + 15 * 60_000;
    if (this.storageMode === 'DEFAULT_STORAGE') return json({ credentials: { expiration_time: expiration, storage_mode: 'DEFAULT_STORAGE' } });
    const methods = operation === 'MODEL_VERSION_OPERATION_READ_WRITE' ? ['GET', 'PUT'] : ['GET'];
    const sas = this.#cloud.sasFor(`/_azure/fakestorage/${this.versionKey(version.name, version.version)}`, methods);
    return json({ credentials: { azure_user_delegation_sas: { sas_token: sas }, expiration_time: expiration, storage_mode: 'CUSTOMER_HOSTED' } });
  }

  finalize(req: FakeRequest): FakeResponse {
    const version = this.#version(String(req.json.name ?? ''), String(req.json.version ?? ''));
    if (!('storage_location' in version)) return version;
    if (version.status !== 'PENDING_REGISTRATION') return apiError(400, 'INVALID_PARAMETER_VALUE', `Model version ${version.name}/${version.version} is ${version.status}, not PENDING_REGISTRATION.`);
    if (!this.#cloud.objects.has(`${this.versionKey(version.name, version.version)}/MLmodel`)) {
      version.status = 'FAILED_REGISTRATION';
      return apiError(400, 'INVALID_PARAMETER_VALUE', `No MLmodel file was found at ${version.storage_location}; upload the model files before finalizing.`);
    }
    version.status = 'READY';
    version.last_updated_timestamp = Date.now();
    return json({ model_version: this.#versionJson(version) });
  }

  getVersion(req: FakeRequest): FakeResponse {
    const name = field(req, 'name') ?? '';
    const denied = this.#check(name, []);
    if (denied) return denied;
    const version = this.#version(name, field(req, 'version'));
    if (!('storage_location' in version)) return version;
    return json({ model_version: this.#versionJson(version) });
  }

  searchVersions(req: FakeRequest): FakeResponse {
    const filter = field(req, 'filter') ?? '';
    const match = /^\s*name\s*=\s*(['"])(.*)\1\s*$/.exec(filter);
    if (match === null) return apiError(400, 'INVALID_PARAMETER_VALUE', `Unsupported filter '${filter}'; expected name='<catalog>.<schema>.<model>'.`);
    const model = this.#model(match[2]!);
    if (!('versions' in model)) return json({ model_versions: [] });
    const max = Number(field(req, 'max_results') ?? 10_000);
    const offset = Number(field(req, 'page_token') ?? 0);
    const all = [...model.versions].reverse();
    return json({ model_versions: all.slice(offset, offset + max).map((v) => this.#versionJson(v)), ...(offset + max < all.length ? { next_page_token: String(offset + max) } : {}) });
  }

  updateVersion(req: FakeRequest): FakeResponse {
    const version = this.#version(String(req.json.name ?? ''), String(req.json.version ?? ''));
    if (!('storage_location' in version)) return version;
    if (typeof req.json.description === 'string') version.description = req.json.description;
    version.last_updated_timestamp = Date.now();
    return json({ model_version: this.#versionJson(version) });
  }

  versionTag(req: FakeRequest): FakeResponse {
    const version = this.#version(String(field(req, 'name') ?? ''), field(req, 'version'));
    if (!('storage_location' in version)) return version;
    const key = String(field(req, 'key') ?? '');
    if (req.method === 'DELETE') version.tags.delete(key);
    else version.tags.set(key, String(req.json.value ?? ''));
    return empty();
  }

  getByAliasMlflow(req: FakeRequest): FakeResponse {
    const name = field(req, 'name') ?? '';
    const model = this.#model(name);
    if (!('versions' in model)) return model;
    const alias = field(req, 'alias') ?? '';
    const number = model.aliases.get(alias);
    if (number === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Registered model alias ${alias} not found.`);
    return json({ model_version: this.#versionJson(model.versions.find((v) => v.version === number)!) });
  }

  // ------------------------------------------------------------------ UC REST 2.1 aliases

  alias(req: FakeRequest, fullName: string, alias: string): FakeResponse {
    const needs: Privilege[] = req.method === 'GET' ? [] : ['MODEL_OWNER'];
    const denied = this.#check(fullName, needs);
    if (denied) return denied;
    const model = this.#model(fullName);
    if (!('versions' in model)) return model;
    if (req.method === 'PUT') {
      const versionNum = Number(req.json.version_num);
      if (!model.versions.some((v) => v.version === versionNum)) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Model version ${fullName}/${req.json.version_num} does not exist.`);
      if (req.json.alias !== undefined && req.json.alias !== alias) return apiError(400, 'INVALID_PARAMETER_VALUE', 'alias in the body does not match the path.');
      model.aliases.set(alias, versionNum);
      return json({ alias_name: alias, version_num: versionNum });
    }
    if (req.method === 'DELETE') {
      model.aliases.delete(alias);
      return empty();
    }
    const number = model.aliases.get(alias);
    if (number === undefined) return apiError(404, 'RESOURCE_DOES_NOT_EXIST', `Alias ${alias} does not exist on Registered Model '${fullName}'.`);
    const version = model.versions.find((v) => v.version === number)!;
    const [catalog, schema, name] = fullName.split('.');
    return json({
      model_name: name,
      catalog_name: catalog,
      schema_name: schema,
      version: version.version,
      source: version.source,
      run_id: version.run_id,
      status: version.status,
      storage_location: version.storage_location,
      comment: version.description,
      created_at: version.creation_timestamp,
      updated_at: version.last_updated_timestamp,
      aliases: [...model.aliases].filter(([, v]) => v === version.version).map(([a]) => ({ alias_name: a, version_num: version.version })),
    });
  }

  /** POST /api/2.0/fs/create-upload-url for DEFAULT_STORAGE model files (/Models/c/s/m/<version>/<file>). */
  createUploadUrl(req: FakeRequest, mode: 'upload' | 'download'): FakeResponse {
    const target = String(req.json.path ?? '');
    const match = /^\/Models\/([^/]+)\/([^/]+)\/([^/]+)\/(\d+)\/(.+)$/.exec(target);
    if (match === null) return apiError(400, 'INVALID_PARAMETER_VALUE', `Path ${target} is not a model version file path (/Models/<catalog>/<schema>/<model>/<version>/<file>).`);
    const [, catalog, schema, model, version, file] = match;
    const fullName = `${catalog}.${schema}.${model}`;
    const found = this.#version(fullName, version);
    if (!('storage_location' in found)) return found;
    if (mode === 'upload' && found.status !== 'PENDING_REGISTRATION') return apiError(400, 'INVALID_PARAMETER_VALUE', 'Model version files can only be written while the version is PENDING_REGISTRATION.');
    const key = `${this.versionKey(fullName, version!)}/${file}`;
    return json({ url: this.#cloud.url(`/_s3/${key}`, [mode === 'upload' ? 'PUT' : 'GET'], 's3'), headers: [{ name: 'x-amz-server-side-encryption', value: 'AES256' }] });
  }
}
