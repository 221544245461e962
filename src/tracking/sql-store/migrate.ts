import { MlopsError, throwIfAborted } from '../../errors.js';
import { FileModelRegistry } from '../file-store/registry-file-store.js';
import { FileTrackingStore } from '../file-store/tracking-file-store.js';
import type { Experiment, ModelVersion, RegisteredModel, Run } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { writeTransaction } from './database.js';
import { encodeMetricValue } from './metric-values.js';
import { allPages } from '../../http/paging.js';

export interface MigrateFileStoreOptions {
  /** The mlruns folder to read. */
  mlruns: string;
  /** The SQLite database to write (created with MLflow's schema when absent). */
  connection: SqliteConnection;
  signal?: AbortSignal;
  /** Told after each experiment and each registered model. */
  onProgress?: (event: { kind: 'experiment' | 'model'; name: string; runs?: number; versions?: number }) => void;
}

export interface MigrationSummary {
  experiments: number;
  runs: number;
  metrics: number;
  params: number;
  tags: number;
  registeredModels: number;
  modelVersions: number;
  aliases: number;
}

/**
 * Copies an MLflow file store (our previous default) into MLflow's SQL schema, keeping every id:
 * experiments (deleted ones too) with their tags, runs with their whole metric histories, params
 * and tags, registered models, versions, their tags and aliases. Artifact URIs are kept as they
 * are, so the files stay where they are. Everything is read first and written in one
 * transaction: a conflict (an id or a model name the target already holds) leaves the target as
 * it was.
 */
export async function migrateFileStore(options: MigrateFileStoreOptions): Promise<MigrationSummary> {
  const { connection, signal } = options;
  const tracking = new FileTrackingStore({ root: options.mlruns });
  const registry = new FileModelRegistry({ root: options.mlruns });
  const db = connection.db;
  const summary: MigrationSummary = { experiments: 0, runs: 0, metrics: 0, params: 0, tags: 0, registeredModels: 0, modelVersions: 0, aliases: 0 };

  const experiments = await allPages<Experiment>((pageToken) => tracking.searchExperiments({ viewType: 'ALL', maxResults: 50_000, ...(pageToken ? { pageToken } : {}) }));
  const insertExperiment = db.prepare(
    `INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, ?, ?, ?)
     ON CONFLICT (experiment_id) DO UPDATE SET name = excluded.name, artifact_location = excluded.artifact_location, lifecycle_stage = excluded.lifecycle_stage,
       creation_time = excluded.creation_time, last_update_time = excluded.last_update_time`,
  );
  const insertExperimentTag = db.prepare('INSERT OR REPLACE INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)');
  const insertRun = db.prepare(
    `INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time)
     VALUES (?, ?, 'UNKNOWN', '', '', ?, ?, ?, ?, '', ?, ?, ?, NULL)`,
  );
  const insertTag = db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
  const insertParam = db.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)');
  const insertMetric = db.prepare('INSERT OR IGNORE INTO metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)');
  const insertLatest = db.prepare('INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)');

  const writes: Array<() => void> = [];
  const progress: Array<() => void> = [];
  for (const experiment of experiments) {
    throwIfAborted(signal);
    const runs = await allPages<Run>((pageToken) =>
      tracking.searchRuns({ experimentIds: [experiment.experimentId], viewType: 'ALL', maxResults: 50_000, ...(pageToken ? { pageToken } : {}) }),
    );
    const histories = new Map<string, Map<string, Awaited<ReturnType<FileTrackingStore['getMetricHistory']>>>>();
    for (const run of runs) {
      const byKey = new Map<string, Awaited<ReturnType<FileTrackingStore['getMetricHistory']>>>();
      for (const key of Object.keys(run.data.metrics)) byKey.set(key, await tracking.getMetricHistory(run.info.runId, key, signal ? { signal } : {}));
      histories.set(run.info.runId, byKey);
    }
    writes.push(() => {
      const id = BigInt(experiment.experimentId);
      insertExperiment.run(id, experiment.name, experiment.artifactLocation, experiment.lifecycleStage, experiment.creationTime || null, experiment.lastUpdateTime || null);
      for (const [key, value] of Object.entries(experiment.tags)) insertExperimentTag.run(key, value, id);
      for (const run of runs) {
        const { info, data } = run;
        insertRun.run(info.runId, info.runName, info.userId, info.status, info.startTime || null, info.endTime ?? null, info.lifecycleStage, info.artifactUri, id);
        for (const [key, value] of Object.entries(data.tags)) insertTag.run(key, value, info.runId);
        for (const [key, value] of Object.entries(data.params)) insertParam.run(key, value, info.runId);
        summary.tags += Object.keys(data.tags).length;
        summary.params += Object.keys(data.params).length;
        for (const [key, history] of histories.get(info.runId) ?? new Map()) {
          for (const metric of history) {
            const encoded = encodeMetricValue(metric.value);
            insertMetric.run(key, encoded.value, metric.timestamp, metric.step, encoded.isNan, info.runId);
          }
          summary.metrics += history.length;
          const latest = data.metrics[key];
          if (latest !== undefined) {
            const encoded = encodeMetricValue(latest.value);
            insertLatest.run(key, encoded.value, latest.timestamp, latest.step, encoded.isNan, info.runId);
          }
        }
      }
    });
    summary.experiments += 1;
    summary.runs += runs.length;
    progress.push(() => options.onProgress?.({ kind: 'experiment', name: experiment.name, runs: runs.length }));
  }

  const models = await allPages<RegisteredModel>((pageToken) => registry.searchRegisteredModels({ maxResults: 1000, ...(pageToken ? { pageToken } : {}) }));
  const insertModel = db.prepare('INSERT INTO registered_models (name, creation_time, last_updated_time, description) VALUES (?, ?, ?, ?)');
  const insertModelTag = db.prepare('INSERT INTO registered_model_tags (key, value, name) VALUES (?, ?, ?)');
  const insertVersion = db.prepare(
    `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location)
     VALUES (?, ?, ?, ?, ?, NULL, 'None', ?, ?, ?, NULL, NULL, ?)`,
  );
  const insertVersionTag = db.prepare('INSERT INTO model_version_tags (key, value, name, version) VALUES (?, ?, ?, ?)');
  const insertAlias = db.prepare('INSERT INTO registered_model_aliases (alias, version, name) VALUES (?, ?, ?)');
  for (const model of models) {
    throwIfAborted(signal);
    const versions: ModelVersion[] = await registry.listModelVersions(model.name, signal ? { signal } : {});
    writes.push(() => {
      insertModel.run(model.name, model.creationTimestamp || null, model.lastUpdatedTimestamp || null, model.description === '' ? null : model.description);
      for (const [key, value] of Object.entries(model.tags)) insertModelTag.run(key, value, model.name);
      for (const version of [...versions].reverse()) {
        insertVersion.run(
          model.name,
          Number(version.version),
          version.creationTimestamp || null,
          version.lastUpdatedTimestamp || null,
          version.description === '' ? null : version.description,
          version.source,
          version.runId === '' ? null : version.runId,
          version.status,
          version.source,
        );
        for (const [key, value] of Object.entries(version.tags)) insertVersionTag.run(key, value, model.name, Number(version.version));
      }
      for (const [alias, version] of Object.entries(model.aliases)) insertAlias.run(alias, Number(version), model.name);
    });
    summary.registeredModels += 1;
    summary.modelVersions += versions.length;
    summary.aliases += Object.keys(model.aliases).length;
    progress.push(() => options.onProgress?.({ kind: 'model', name: model.name, versions: versions.length }));
  }
  throwIfAborted(signal);
  try {
    writeTransaction(db, () => {
      for (const write of writes) write();
    });
  } catch (error) {
    if (error instanceof Error && /UNIQUE constraint failed|PRIMARY KEY/.test(error.message)) {
      throw new MlopsError('ALREADY_EXISTS', `${connection.path} already holds some of the ids or names in ${options.mlruns} (${error.message}); nothing was copied`, {
        cause: error,
        details: { mlruns: options.mlruns, database: connection.path },
      });
    }
    throw error;
  }
  for (const report of progress) report();
  return summary;
}
