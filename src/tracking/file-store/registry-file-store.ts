import { mkdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { writeLocalFileAtomic } from '../../io/atomic-file.js';
import type { CallOptions, CreateModelVersionOptions, ModelRegistry, ModelVersion, Page, RegisteredModel } from '../types.js';
import { ioError, isDirectory, listSubdirectories, mkdirExclusive, pathExists, readKeyValueFolder, readTextIfExists, storeWriteOptions } from './disk.js';
import {
  modelVersionFromMeta,
  modelVersionToMeta,
  registeredModelFromMeta,
  registeredModelToMeta,
  STAGE_DELETED_INTERNAL,
  STAGE_NONE,
  toModelVersion,
  toRegisteredModel,
} from './entities.js';
import type { StoredModelVersion, StoredRegisteredModel } from './entities.js';
import { KeyedLock } from './keyed-lock.js';
import { dumpMetaYaml, parseMetaYaml } from './meta-yaml.js';
import type { SearchEntitiesOptions } from './entity-search.js';
import { modelVersionSearch, pageOfModelVersions, pageOfRegisteredModels, registeredModelSearch, versionMatches } from '../registry-search.js';
import { LIMITS, normaliseVersion, validateAlias, validateKey, validateModelName, validateValueLength } from './validation.js';
import { maxOf, pushAll } from '../../arrays.js';

export interface FileModelRegistryOptions {
  /** The mlruns folder; the registry lives in its models/ sub-folder, as in MLflow's FileStore. */
  root: string;
  /** Clock for creation and update times; defaults to Date.now. */
  now?: () => number;
  /** Told about each unreadable model or version that a listing skipped. */
  onCorrupt?: (error: MlopsError) => void;
}

const META = 'meta.yaml';
const VERSION_FOLDER = /^version-(\d+)$/;
// A version folder whose number another process took first is retried with the next number;
// this many collisions in a row means something else is wrong.
const MAX_VERSION_ATTEMPTS = 1000;

function notFound(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('NOT_FOUND', message, { details });
}

function validateTags(what: string, tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    validateKey('tag', key);
    validateValueLength(`${what} tag '${key}'`, value, LIMITS.tagValueLength);
  }
}

/**
 * MLflow's model registry over `<root>/models/` in MLflow 2.12's FileStore layout. Aliases are
 * the files in `aliases/`; the `aliases:` keys in meta.yaml are snapshots MLflow writes and
 * never reads, and we keep them current the same way.
 */
export class FileModelRegistry implements ModelRegistry {
  readonly root: string;
  private readonly modelsDir: string;
  private readonly now: () => number;
  private readonly onCorrupt: ((error: MlopsError) => void) | undefined;
  private readonly metaLock = new KeyedLock();
  private initialised: Promise<void> | undefined;

  constructor(options: FileModelRegistryOptions) {
    this.root = resolve(options.root);
    this.modelsDir = join(this.root, 'models');
    this.now = options.now ?? Date.now;
    this.onCorrupt = options.onCorrupt;
  }

  private ready(): Promise<void> {
    this.initialised ??= mkdir(this.modelsDir, { recursive: true }).then(
      () => undefined,
      (error: unknown) => {
        this.initialised = undefined;
        throw ioError('create the registry folder', this.modelsDir, error);
      },
    );
    return this.initialised;
  }

  private modelDir(name: string): string {
    validateModelName(name);
    return join(this.modelsDir, name);
  }

  // ---------------------------------------------------------------- registered models

  private async readModelAt(dir: string, name: string): Promise<StoredRegisteredModel> {
    const file = join(dir, META);
    const text = await readTextIfExists(file);
    if (text === undefined) {
      if (await isDirectory(dir)) throw new MlopsError('CORRUPT', `${file} is missing: the registered model folder has no metadata`, { details: { file } });
      throw notFound(`Registered model '${name}' not found in ${this.modelsDir}`, { name });
    }
    return registeredModelFromMeta(parseMetaYaml(text, file));
  }

  private async requireModel(name: string): Promise<{ dir: string; stored: StoredRegisteredModel }> {
    const dir = this.modelDir(name);
    await this.ready();
    return { dir, stored: await this.readModelAt(dir, name) };
  }

  private async aliases(modelDir: string): Promise<Record<string, string>> {
    const files = await readKeyValueFolder(join(modelDir, 'aliases'));
    // Written by hand or by a tool that adds a newline, the version is still the version.
    return Object.fromEntries(Object.entries(files).map(([alias, version]) => [alias, version.trim()]));
  }

  private async toApi(dir: string, stored: StoredRegisteredModel): Promise<RegisteredModel> {
    return toRegisteredModel(stored, await readKeyValueFolder(join(dir, 'tags')), await this.aliases(dir));
  }

  /** Rewrites the model's meta.yaml under the lock with a fresh aliases snapshot, as MLflow does on every change. */
  private async touchModel(name: string, change: (stored: StoredRegisteredModel) => StoredRegisteredModel = (stored) => stored): Promise<StoredRegisteredModel> {
    return this.metaLock.run(`model:${name}`, async () => {
      const { dir, stored } = await this.requireModel(name);
      const updated = { ...change(stored), lastUpdatedTimestamp: this.now() };
      await writeLocalFileAtomic(join(dir, META), dumpMetaYaml(registeredModelToMeta(updated, await this.aliases(dir))), storeWriteOptions({ durable: true }));
      return updated;
    });
  }

  async createRegisteredModel(name: string, options: CallOptions & { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    throwIfAborted(options.signal);
    const dir = this.modelDir(name);
    const tags = options.tags ?? {};
    validateTags('Registered model', tags);
    await this.ready();
    if (!(await mkdirExclusive(dir))) throw new MlopsError('ALREADY_EXISTS', `Registered model '${name}' already exists (${dir})`, { details: { name } });
    const time = this.now();
    const stored: StoredRegisteredModel = { name, creationTimestamp: time, lastUpdatedTimestamp: time, description: options.description ?? null };
    await writeLocalFileAtomic(join(dir, META), dumpMetaYaml(registeredModelToMeta(stored, {})), storeWriteOptions({ durable: true }));
    for (const [key, value] of Object.entries(tags)) await writeLocalFileAtomic(join(dir, 'tags', ...key.split('/')), value, storeWriteOptions({ tempDir: dir }));
    if (Object.keys(tags).length > 0) await this.touchModel(name);
    return this.getRegisteredModel(name, options);
  }

  async getRegisteredModel(name: string, options: CallOptions = {}): Promise<RegisteredModel> {
    throwIfAborted(options.signal);
    const { dir, stored } = await this.requireModel(name);
    return this.toApi(dir, stored);
  }

  /**
   * Registered models in pages, by name unless `orderBy` says otherwise, filtered with MLflow's
   * syntax (`name LIKE 'iris%'`, `tags.task = 'classification'`); an unreadable model is skipped
   * and reported to onCorrupt.
   */
  async searchRegisteredModels(options: SearchEntitiesOptions = {}): Promise<Page<RegisteredModel>> {
    throwIfAborted(options.signal);
    const search = registeredModelSearch(options);
    return pageOfRegisteredModels(search, await this.readAllModels(options.signal));
  }

  private async readAllModels(signal: AbortSignal | undefined): Promise<RegisteredModel[]> {
    await this.ready();
    const models: RegisteredModel[] = [];
    for (const name of await listSubdirectories(this.modelsDir)) {
      throwIfAborted(signal);
      const dir = join(this.modelsDir, name);
      try {
        models.push(await this.toApi(dir, await this.readModelAt(dir, name)));
      } catch (error) {
        if (!(error instanceof MlopsError && (error.code === 'CORRUPT' || error.code === 'NOT_FOUND'))) throw error;
        if (error.code === 'CORRUPT') this.onCorrupt?.(error);
      }
    }
    return models;
  }

  /**
   * Model versions of every model, filtered with MLflow's syntax (`name = 'iris'`, `run_id IN
   * ('…')`, `version_number > 2`, `tags.approval = 'approved'`) and ordered as MLflow does by
   * default: last update first, then name, then the highest version.
   */
  async searchModelVersions(options: SearchEntitiesOptions = {}): Promise<Page<ModelVersion>> {
    throwIfAborted(options.signal);
    const search = modelVersionSearch(options);
    // An equality on name narrows the walk to one model folder.
    const named = search.filter.find((clause) => clause.attribute === 'name' && clause.comparator === '=');
    const names = named !== undefined ? [String(named.value)] : (await this.readAllModels(options.signal)).map((model) => model.name);
    const versions: ModelVersion[] = [];
    for (const name of names) {
      let list: ModelVersion[];
      try {
        list = await this.listModelVersions(name, options);
      } catch (error) {
        if (error instanceof MlopsError && error.code === 'NOT_FOUND' && named !== undefined) continue;
        throw error;
      }
      pushAll(versions, list.filter((version) => versionMatches(search, version)));
    }
    return pageOfModelVersions(search, versions);
  }

  async updateRegisteredModel(name: string, update: { description?: string }, options: CallOptions = {}): Promise<RegisteredModel> {
    throwIfAborted(options.signal);
    await this.touchModel(name, (stored) => ({ ...stored, description: update.description ?? stored.description }));
    return this.getRegisteredModel(name, options);
  }

  async setRegisteredModelTag(name: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateTags('Registered model', { [key]: value });
    const { dir } = await this.requireModel(name);
    await writeLocalFileAtomic(join(dir, 'tags', ...key.split('/')), value, storeWriteOptions({ tempDir: dir }));
    await this.touchModel(name);
  }

  // ---------------------------------------------------------------- versions

  private versionDir(modelDir: string, version: string): string {
    return join(modelDir, `version-${version}`);
  }

  private async readVersionAt(dir: string): Promise<StoredModelVersion> {
    const file = join(dir, META);
    const text = await readTextIfExists(file);
    if (text === undefined) throw new MlopsError('CORRUPT', `${file} is missing: the model version folder has no metadata`, { details: { file } });
    return modelVersionFromMeta(parseMetaYaml(text, file));
  }

  private aliasesOf(aliases: Record<string, string>, version: number | string): string[] {
    return Object.entries(aliases)
      .filter(([, target]) => target === String(version))
      .map(([alias]) => alias)
      .sort();
  }

  private async versionToApi(modelDir: string, versionDir: string, stored: StoredModelVersion, aliases?: Record<string, string>): Promise<ModelVersion> {
    const allAliases = aliases ?? (await this.aliases(modelDir));
    return toModelVersion(stored, await readKeyValueFolder(join(versionDir, 'tags')), this.aliasesOf(allAliases, stored.version));
  }

  /**
   * The version's folder and record. A folder without meta.yaml is a version another process is
   * still creating, so it is NOT_FOUND like one that was deleted.
   */
  private async requireVersion(name: string, version: string): Promise<{ modelDir: string; dir: string; stored: StoredModelVersion; version: string }> {
    const canonical = normaliseVersion(version);
    const { dir: modelDir } = await this.requireModel(name);
    const dir = this.versionDir(modelDir, canonical);
    const missing = (): MlopsError => notFound(`Model version ${canonical} of registered model '${name}' not found (${dir})`, { name, version: canonical });
    if (!(await pathExists(join(dir, META)))) throw missing();
    const stored = await this.readVersionAt(dir);
    if (stored.currentStage === STAGE_DELETED_INTERNAL) throw missing();
    return { modelDir, dir, stored, version: canonical };
  }

  /** Version numbers that have a folder, including ones still being written by another process. */
  private async takenVersionNumbers(modelDir: string): Promise<number[]> {
    return (await listSubdirectories(modelDir))
      .map((name) => VERSION_FOLDER.exec(name)?.[1])
      .filter((digits): digits is string => digits !== undefined)
      .map(Number);
  }

  /** `runLink` is MLflow's run_link field; its REST server stores '' when a request has none. */
  async createModelVersion(options: CreateModelVersionOptions & { runLink?: string }): Promise<ModelVersion> {
    throwIfAborted(options.signal);
    const { name, source } = options;
    const tags = options.tags ?? {};
    validateTags('Model version', tags);
    if (typeof source !== 'string' || source === '') {
      throw new MlopsError('INVALID_ARGUMENT', `A model version needs a source URI, got ${JSON.stringify(source)}`, { details: { name } });
    }
    const { dir: modelDir } = await this.requireModel(name);
    const storageLocation = await this.resolveStorageLocation(source);

    // The version folder is created exclusively: mkdir fails if another writer took the number,
    // and then we move on to the next one. One call never yields two versions.
    let candidate = maxOf(await this.takenVersionNumbers(modelDir), 0) + 1;
    let versionDir: string | undefined;
    for (let attempt = 0; attempt < MAX_VERSION_ATTEMPTS; attempt += 1) {
      throwIfAborted(options.signal);
      const dir = this.versionDir(modelDir, String(candidate));
      if (await mkdirExclusive(dir)) {
        versionDir = dir;
        break;
      }
      candidate = maxOf(await this.takenVersionNumbers(modelDir), candidate) + 1;
    }
    if (versionDir === undefined) {
      throw new MlopsError('INTERNAL', `Could not allocate a version folder for registered model '${name}' after ${MAX_VERSION_ATTEMPTS} attempts in ${modelDir}`, {
        details: { name },
      });
    }

    const time = this.now();
    const stored: StoredModelVersion = {
      name,
      version: candidate,
      creationTimestamp: time,
      lastUpdatedTimestamp: time,
      description: options.description ?? null,
      currentStage: STAGE_NONE,
      source,
      runId: options.runId ?? null,
      runLink: options.runLink ?? null,
      status: 'READY',
      statusMessage: null,
      storageLocation,
      userId: null,
    };
    await writeLocalFileAtomic(join(versionDir, META), dumpMetaYaml(modelVersionToMeta(stored, [])), storeWriteOptions({ tempDir: modelDir, durable: true }));
    for (const [key, value] of Object.entries(tags)) await writeLocalFileAtomic(join(versionDir, 'tags', ...key.split('/')), value, storeWriteOptions({ tempDir: versionDir }));
    await this.touchModel(name);
    return toModelVersion(stored, { ...tags }, []);
  }

  /** MLflow stores where the files are: the source itself, or for a models:/ source, that version's location. */
  private async resolveStorageLocation(source: string): Promise<string> {
    const models = /^models:\/(.+)$/.exec(source);
    if (models === null) return source;
    const reference = models[1]!;
    const at = reference.lastIndexOf('@');
    const slash = reference.lastIndexOf('/');
    let target: ModelVersion;
    if (at > 0) target = await this.getModelVersionByAlias(reference.slice(0, at), reference.slice(at + 1));
    else if (slash > 0) target = await this.getModelVersion(reference.slice(0, slash), reference.slice(slash + 1));
    else throw new MlopsError('INVALID_ARGUMENT', `Model source ${source} should be models:/<name>/<version> or models:/<name>@<alias>`, { details: { source } });
    const { stored } = await this.requireVersion(target.name, target.version);
    return stored.storageLocation ?? stored.source ?? source;
  }

  async getModelVersion(name: string, version: string, options: CallOptions = {}): Promise<ModelVersion> {
    throwIfAborted(options.signal);
    const { modelDir, dir, stored } = await this.requireVersion(name, version);
    return this.versionToApi(modelDir, dir, stored);
  }

  /** Every readable version, newest first; folders still being created are left out, broken ones reported. */
  async listModelVersions(name: string, options: CallOptions = {}): Promise<ModelVersion[]> {
    throwIfAborted(options.signal);
    const { dir: modelDir } = await this.requireModel(name);
    const aliases = await this.aliases(modelDir);
    const versions: ModelVersion[] = [];
    for (const number of (await this.takenVersionNumbers(modelDir)).sort((a, b) => b - a)) {
      throwIfAborted(options.signal);
      const dir = this.versionDir(modelDir, String(number));
      if (!(await pathExists(join(dir, META)))) continue;
      try {
        const stored = await this.readVersionAt(dir);
        if (stored.currentStage !== STAGE_DELETED_INTERNAL) versions.push(await this.versionToApi(modelDir, dir, stored, aliases));
      } catch (error) {
        if (!(error instanceof MlopsError && error.code === 'CORRUPT')) throw error;
        this.onCorrupt?.(error);
      }
    }
    return versions;
  }

  private async rewriteVersion(name: string, version: string, change: (stored: StoredModelVersion) => StoredModelVersion): Promise<void> {
    await this.metaLock.run(`version:${name}:${normaliseVersion(version)}`, async () => {
      const { modelDir, dir, stored } = await this.requireVersion(name, version);
      const updated = { ...change(stored), lastUpdatedTimestamp: this.now() };
      const aliases = this.aliasesOf(await this.aliases(modelDir), updated.version);
      await writeLocalFileAtomic(join(dir, META), dumpMetaYaml(modelVersionToMeta(updated, aliases)), storeWriteOptions({ tempDir: modelDir, durable: true }));
    });
  }

  async updateModelVersion(name: string, version: string, update: { description?: string }, options: CallOptions = {}): Promise<ModelVersion> {
    throwIfAborted(options.signal);
    await this.rewriteVersion(name, version, (stored) => ({ ...stored, description: update.description ?? stored.description }));
    return this.getModelVersion(name, version, options);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateTags('Model version', { [key]: value });
    const { dir } = await this.requireVersion(name, version);
    await writeLocalFileAtomic(join(dir, 'tags', ...key.split('/')), value, storeWriteOptions({ tempDir: dir }));
    // MLflow marks the registered model (not the version) as updated when a version tag changes.
    await this.touchModel(name);
  }

  async deleteModelVersionTag(name: string, version: string, key: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateKey('tag', key);
    const { dir } = await this.requireVersion(name, version);
    const file = join(dir, 'tags', ...key.split('/'));
    if (!(await pathExists(file))) return;
    await rm(file, { force: true }).catch((error: unknown) => {
      throw ioError('delete', file, error);
    });
    await this.touchModel(name);
  }

  // ---------------------------------------------------------------- aliases

  async setAlias(name: string, alias: string, version: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateAlias(alias);
    const { modelDir, version: canonical } = await this.requireVersion(name, version);
    // Just the number, no newline: the format MLflow writes and reads.
    await writeLocalFileAtomic(join(modelDir, 'aliases', alias), canonical, storeWriteOptions({ tempDir: modelDir }));
    await this.touchModel(name);
  }

  async deleteAlias(name: string, alias: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateAlias(alias);
    const { dir } = await this.requireModel(name);
    const file = join(dir, 'aliases', alias);
    if (!(await pathExists(file))) return;
    await rm(file, { force: true }).catch((error: unknown) => {
      throw ioError('delete', file, error);
    });
    await this.touchModel(name);
  }

  async getModelVersionByAlias(name: string, alias: string, options: CallOptions = {}): Promise<ModelVersion> {
    throwIfAborted(options.signal);
    validateAlias(alias);
    const { dir } = await this.requireModel(name);
    const file = join(dir, 'aliases', alias);
    const version = await readTextIfExists(file);
    if (version === undefined) throw notFound(`Alias '${alias}' is not set on registered model '${name}' (no file ${file})`, { name, alias });
    return this.getModelVersion(name, version.trim(), options);
  }
}
