import { MlopsError, throwIfAborted } from '../../errors.js';
import { STAGE_DELETED_INTERNAL, STAGE_NONE } from '../file-store/entities.js';
import type { SearchEntitiesOptions } from '../file-store/entity-search.js';
import { modelVersionSearch, pageOfModelVersions, pageOfRegisteredModels, registeredModelSearch } from '../registry-search.js';
import { LIMITS, normaliseVersion, validateAlias, validateKey, validateModelName, validateValueLength } from '../file-store/validation.js';
import type { CallOptions, CreateModelVersionOptions, ModelRegistry, ModelVersion, ModelVersionStatus, Page, RegisteredModel } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { writeTransaction, type Database } from './database.js';
import { loggedModelIdOfUri } from '../logged-models.js';

export interface SqlModelRegistryOptions {
  connection: SqliteConnection;
  now?: () => number;
}

interface ModelRow {
  name: string;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
}

interface VersionRow {
  name: string;
  version: number;
  creation_time: number | null;
  last_updated_time: number | null;
  description: string | null;
  current_stage: string | null;
  source: string | null;
  run_id: string | null;
  status: string | null;
  storage_location: string | null;
}


const STATUSES: readonly ModelVersionStatus[] = ['PENDING_REGISTRATION', 'FAILED_REGISTRATION', 'READY'];

function notFound(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('NOT_FOUND', message, { details });
}

function validateTags(what: string, tags: Record<string, string>): void {
  for (const [key, value] of Object.entries(tags)) {
    validateKey('tag', key);
    validateValueLength(`${what} tag '${key}'`, value, LIMITS.tagValueLength);
  }
}

function groupKeyValues<K>(rows: Array<{ key: string; value: string | null }>, keyOf: (row: never) => K): Map<K, Record<string, string>> {
  const out = new Map<K, Record<string, string>>();
  for (const row of rows) {
    const id = keyOf(row as never);
    const entry = out.get(id) ?? {};
    entry[row.key] = row.value ?? '';
    out.set(id, entry);
  }
  return out;
}

/**
 * MLflow's model registry in the same SQLite database as the tracking store, in MLflow's own
 * tables (registered_models, model_versions, their tags, registered_model_aliases). Creating a
 * version with its tags is one transaction, and its number is taken inside it: two processes
 * never get the same version.
 */
export class SqlModelRegistry implements ModelRegistry {
  private readonly connection: SqliteConnection;
  private readonly now: () => number;

  constructor(options: SqlModelRegistryOptions) {
    this.connection = options.connection;
    this.now = options.now ?? Date.now;
  }

  private get db(): Database {
    return this.connection.db;
  }

  // ---------------------------------------------------------------- registered models

  private modelRow(name: string): ModelRow {
    validateModelName(name);
    const row = this.db.prepare('SELECT name, creation_time, last_updated_time, description FROM registered_models WHERE name = ?').get(name) as ModelRow | undefined;
    if (row === undefined) throw notFound(`Registered Model with name=${name} not found`, { name });
    return row;
  }

  private toRegisteredModel(row: ModelRow, tags?: Record<string, string>, aliases?: Record<string, string>): RegisteredModel {
    const db = this.db;
    return {
      name: row.name,
      creationTimestamp: row.creation_time ?? 0,
      lastUpdatedTimestamp: row.last_updated_time ?? 0,
      description: row.description ?? '',
      tags: tags ?? groupKeyValues(db.prepare('SELECT key, value FROM registered_model_tags WHERE name = ?').all(row.name) as Array<{ key: string; value: string }>, () => 0).get(0) ?? {},
      aliases: aliases ?? this.aliasesOf(row.name),
    };
  }

  private aliasesOf(name: string): Record<string, string> {
    const rows = this.db.prepare('SELECT alias, version FROM registered_model_aliases WHERE name = ? ORDER BY alias').all(name) as Array<{ alias: string; version: number }>;
    return Object.fromEntries(rows.map((row) => [row.alias, String(row.version)]));
  }

  private touchModel(name: string): void {
    this.db.prepare('UPDATE registered_models SET last_updated_time = ? WHERE name = ?').run(this.now(), name);
  }

  async createRegisteredModel(name: string, options: CallOptions & { description?: string; tags?: Record<string, string> } = {}): Promise<RegisteredModel> {
    throwIfAborted(options.signal);
    validateModelName(name);
    const tags = options.tags ?? {};
    validateTags('Registered model', tags);
    const db = this.db;
    writeTransaction(db, () => {
      if (db.prepare('SELECT 1 FROM registered_models WHERE name = ?').get(name) !== undefined) {
        throw new MlopsError('ALREADY_EXISTS', `Registered Model (name=${name}) already exists.`, { details: { name } });
      }
      const time = this.now();
      db.prepare('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)').run(name, time, time, options.description ?? null);
      const insertTag = db.prepare('INSERT INTO registered_model_tags (key, value, name) VALUES (?, ?, ?)');
      for (const [key, value] of Object.entries(tags)) insertTag.run(key, value, name);
    });
    return this.getRegisteredModel(name, options);
  }

  async getRegisteredModel(name: string, options: CallOptions = {}): Promise<RegisteredModel> {
    throwIfAborted(options.signal);
    return this.toRegisteredModel(this.modelRow(name));
  }

  async searchRegisteredModels(options: SearchEntitiesOptions = {}): Promise<Page<RegisteredModel>> {
    throwIfAborted(options.signal);
    const search = registeredModelSearch(options);
    return pageOfRegisteredModels(search, this.readAllModels());
  }

  private readAllModels(): RegisteredModel[] {
    const db = this.db;
    const tags = groupKeyValues(db.prepare('SELECT key, value, name FROM registered_model_tags').all() as Array<{ key: string; value: string; name: string }>, (row: { name: string }) => row.name);
    const aliases = new Map<string, Record<string, string>>();
    for (const row of db.prepare('SELECT alias, version, name FROM registered_model_aliases ORDER BY alias').all() as Array<{ alias: string; version: number; name: string }>) {
      const entry = aliases.get(row.name) ?? {};
      entry[row.alias] = String(row.version);
      aliases.set(row.name, entry);
    }
    return (db.prepare('SELECT name, creation_time, last_updated_time, description FROM registered_models').all() as ModelRow[]).map((row) =>
      this.toRegisteredModel(row, tags.get(row.name) ?? {}, aliases.get(row.name) ?? {}),
    );
  }

  async updateRegisteredModel(name: string, update: { description?: string }, options: CallOptions = {}): Promise<RegisteredModel> {
    throwIfAborted(options.signal);
    const db = this.db;
    writeTransaction(db, () => {
      const row = this.modelRow(name);
      db.prepare('UPDATE registered_models SET description = ?, last_updated_time = ? WHERE name = ?').run(update.description ?? row.description, this.now(), name);
    });
    return this.getRegisteredModel(name, options);
  }

  async setRegisteredModelTag(name: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateTags('Registered model', { [key]: value });
    const db = this.db;
    writeTransaction(db, () => {
      this.modelRow(name);
      db.prepare('INSERT INTO registered_model_tags (key, value, name) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value').run(key, value, name);
      this.touchModel(name);
    });
  }

  // ---------------------------------------------------------------- versions

  private toModelVersion(row: VersionRow, tags?: Record<string, string>, aliases?: Record<string, string>): ModelVersion {
    const db = this.db;
    const versionTags =
      tags ??
      Object.fromEntries(
        (db.prepare('SELECT key, value FROM model_version_tags WHERE name = ? AND version = ?').all(row.name, row.version) as Array<{ key: string; value: string | null }>).map((tag) => [
          tag.key,
          tag.value ?? '',
        ]),
      );
    const allAliases = aliases ?? this.aliasesOf(row.name);
    return {
      name: row.name,
      version: String(row.version),
      creationTimestamp: row.creation_time ?? 0,
      lastUpdatedTimestamp: row.last_updated_time ?? 0,
      description: row.description ?? '',
      source: row.source ?? '',
      runId: row.run_id ?? '',
      status: STATUSES.includes(row.status as ModelVersionStatus) ? (row.status as ModelVersionStatus) : 'READY',
      tags: versionTags,
      aliases: Object.entries(allAliases)
        .filter(([, version]) => version === String(row.version))
        .map(([alias]) => alias)
        .sort(),
      // MLflow 3's SQL registry keeps no model_id column: a version belongs to a logged model when its source is models:/m-<id>.
      ...(loggedModelIdOfUri(row.source ?? '') !== undefined ? { modelId: loggedModelIdOfUri(row.source!)! } : {}),
    };
  }

  private versionRow(name: string, version: string): VersionRow {
    const canonical = normaliseVersion(version);
    this.modelRow(name);
    const row = this.db.prepare('SELECT * FROM model_versions WHERE name = ? AND version = ?').get(name, Number(canonical)) as VersionRow | undefined;
    if (row === undefined || row.current_stage === STAGE_DELETED_INTERNAL) {
      throw notFound(`Model Version (name=${name}, version=${canonical}) not found`, { name, version: canonical });
    }
    return row;
  }

  /** `runLink` is MLflow's run_link; `modelId` links the version to an MLflow 3 logged model. */
  async createModelVersion(options: CreateModelVersionOptions & { runLink?: string }): Promise<ModelVersion> {
    throwIfAborted(options.signal);
    const { name, source } = options;
    const tags = options.tags ?? {};
    validateTags('Model version', tags);
    if (typeof source !== 'string' || source === '') {
      throw new MlopsError('INVALID_ARGUMENT', `A model version needs a source URI, got ${JSON.stringify(source)}`, { details: { name } });
    }
    const db = this.db;
    const created = writeTransaction(db, () => {
      this.modelRow(name);
      const { storageLocation, sourceRunId } = this.resolveStorageLocation(source);
      const next = ((db.prepare('SELECT MAX(version) AS v FROM model_versions WHERE name = ?').get(name) as { v: number | null }).v ?? 0) + 1;
      const time = this.now();
      db.prepare(
        `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location)
         VALUES (?, ?, ?, ?, ?, NULL, ?, ?, ?, 'READY', NULL, ?, ?)`,
      ).run(name, next, time, time, options.description ?? null, STAGE_NONE, source, options.runId || sourceRunId || null, options.runLink ?? null, storageLocation);
      const insertTag = db.prepare('INSERT INTO model_version_tags (key, value, name, version) VALUES (?, ?, ?, ?)');
      for (const [key, value] of Object.entries(tags)) insertTag.run(key, value, name, next);
      db.prepare('UPDATE registered_models SET last_updated_time = ? WHERE name = ?').run(time, name);
      return next;
    });
    return this.getModelVersion(name, String(created), options);
  }

  /**
   * Where the files are, as MLflow records it in storage_location: the source itself, a
   * models:/name/version source's own location, or a logged model's artifact location (whose
   * source run then is the version's run when none is given).
   */
  private resolveStorageLocation(source: string): { storageLocation: string; sourceRunId?: string } {
    const loggedModel = loggedModelIdOfUri(source);
    if (loggedModel !== undefined) {
      const row = this.db.prepare('SELECT artifact_location, source_run_id FROM logged_models WHERE model_id = ?').get(loggedModel) as
        | { artifact_location: string; source_run_id: string | null }
        | undefined;
      if (row === undefined) throw notFound(`Logged model '${loggedModel}' (the source ${source}) does not exist`, { source });
      return { storageLocation: row.artifact_location, ...(row.source_run_id ? { sourceRunId: row.source_run_id } : {}) };
    }
    const models = /^models:\/(.+)$/.exec(source);
    if (models === null) return { storageLocation: source };
    const reference = models[1]!;
    const at = reference.lastIndexOf('@');
    const slash = reference.lastIndexOf('/');
    let row: VersionRow;
    if (at > 0) {
      const modelName = reference.slice(0, at);
      const version = this.aliasesOf(modelName)[reference.slice(at + 1)];
      if (version === undefined) throw notFound(`Alias '${reference.slice(at + 1)}' is not set on registered model '${modelName}'`, { source });
      row = this.versionRow(modelName, version);
    } else if (slash > 0) row = this.versionRow(reference.slice(0, slash), reference.slice(slash + 1));
    else throw new MlopsError('INVALID_ARGUMENT', `Model source ${source} should be models:/<name>/<version>, models:/<name>@<alias> or models:/m-<id>`, { details: { source } });
    return { storageLocation: row.storage_location ?? row.source ?? source };
  }

  async getModelVersion(name: string, version: string, options: CallOptions = {}): Promise<ModelVersion> {
    throwIfAborted(options.signal);
    return this.toModelVersion(this.versionRow(name, version));
  }

  async listModelVersions(name: string, options: CallOptions = {}): Promise<ModelVersion[]> {
    throwIfAborted(options.signal);
    this.modelRow(name);
    const aliases = this.aliasesOf(name);
    const rows = this.db.prepare('SELECT * FROM model_versions WHERE name = ? AND current_stage IS NOT ? ORDER BY version DESC').all(name, STAGE_DELETED_INTERNAL) as VersionRow[];
    return rows.map((row) => this.toModelVersion(row, undefined, aliases));
  }

  /**
   * Versions of every model, filtered with MLflow's syntax and ordered as MLflow does by default:
   * last update first, then name, then the highest version.
   */
  async searchModelVersions(options: SearchEntitiesOptions = {}): Promise<Page<ModelVersion>> {
    throwIfAborted(options.signal);
    const search = modelVersionSearch(options);
    const db = this.db;
    const tags = new Map<string, Record<string, string>>();
    for (const row of db.prepare('SELECT key, value, name, version FROM model_version_tags').all() as Array<{ key: string; value: string | null; name: string; version: number }>) {
      const id = `${row.name}\u0000${row.version}`;
      const entry = tags.get(id) ?? {};
      entry[row.key] = row.value ?? '';
      tags.set(id, entry);
    }
    const aliases = new Map<string, Record<string, string>>();
    for (const row of db.prepare('SELECT alias, version, name FROM registered_model_aliases').all() as Array<{ alias: string; version: number; name: string }>) {
      const entry = aliases.get(row.name) ?? {};
      entry[row.alias] = String(row.version);
      aliases.set(row.name, entry);
    }
    const versions = (db.prepare('SELECT * FROM model_versions WHERE current_stage IS NOT ?').all(STAGE_DELETED_INTERNAL) as VersionRow[])
      .map((row) => this.toModelVersion(row, tags.get(`${row.name}\u0000${row.version}`) ?? {}, aliases.get(row.name) ?? {}));
    return pageOfModelVersions(search, versions);
  }

  async updateModelVersion(name: string, version: string, update: { description?: string }, options: CallOptions = {}): Promise<ModelVersion> {
    throwIfAborted(options.signal);
    const db = this.db;
    writeTransaction(db, () => {
      const row = this.versionRow(name, version);
      db.prepare('UPDATE model_versions SET description = ?, last_updated_time = ? WHERE name = ? AND version = ?').run(
        update.description ?? row.description,
        this.now(),
        name,
        row.version,
      );
    });
    return this.getModelVersion(name, version, options);
  }

  async setModelVersionTag(name: string, version: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateTags('Model version', { [key]: value });
    const db = this.db;
    writeTransaction(db, () => {
      const row = this.versionRow(name, version);
      db.prepare('INSERT INTO model_version_tags (key, value, name, version) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET value = excluded.value').run(key, value, name, row.version);
      this.touchModel(name);
    });
  }

  async deleteModelVersionTag(name: string, version: string, key: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateKey('tag', key);
    const db = this.db;
    writeTransaction(db, () => {
      const row = this.versionRow(name, version);
      const deleted = db.prepare('DELETE FROM model_version_tags WHERE key = ? AND name = ? AND version = ?').run(key, name, row.version);
      if (deleted.changes > 0) this.touchModel(name);
    });
  }

  // ---------------------------------------------------------------- aliases

  async setAlias(name: string, alias: string, version: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateAlias(alias);
    const db = this.db;
    writeTransaction(db, () => {
      const row = this.versionRow(name, version);
      db.prepare('INSERT INTO registered_model_aliases (alias, version, name) VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET version = excluded.version').run(alias, row.version, name);
      this.touchModel(name);
    });
  }

  async deleteAlias(name: string, alias: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateAlias(alias);
    const db = this.db;
    writeTransaction(db, () => {
      this.modelRow(name);
      const deleted = db.prepare('DELETE FROM registered_model_aliases WHERE name = ? AND alias = ?').run(name, alias);
      if (deleted.changes > 0) this.touchModel(name);
    });
  }

  async getModelVersionByAlias(name: string, alias: string, options: CallOptions = {}): Promise<ModelVersion> {
    throwIfAborted(options.signal);
    validateAlias(alias);
    this.modelRow(name);
    const version = this.aliasesOf(name)[alias];
    if (version === undefined) throw notFound(`Registered model alias ${alias} not found on model '${name}'`, { name, alias });
    return this.getModelVersion(name, version, options);
  }
}
