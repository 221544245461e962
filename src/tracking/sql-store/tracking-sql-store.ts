import { randomUUID } from 'node:crypto';
import { userInfo } from 'node:os';
import { checkBatch, newRun, RUN_NAME_TAG, validateNewExperiment, validateRunUpdate, validateTag } from '../store-input.js';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { listArtifactFolder, readArtifactFile, writeArtifactFile } from '../file-store/artifact-folder.js';
import { appendToUri, artifactUriToPath, resolveArtifactLocation } from '../file-store/artifact-uri.js';
import { RUN_STATUSES } from '../file-store/entities.js';
import { entityMatches, EXPERIMENT_SEARCH, parseEntityFilter, parseEntityOrderBy, sortEntities, type SearchEntitiesOptions } from '../file-store/entity-search.js';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME, newRunId } from '../file-store/ids.js';
import { createPageToken, paginate, parsePageToken, parseRunFilter, parseRunOrderBy, validateMaxResults } from '../file-store/search.js';
import type { ViewType } from '../file-store/tracking-file-store.js';
import {
  validateArtifactPath,
  validateExperimentId,
  validateKey,
  validateRunId,
} from '../file-store/validation.js';
import type {
  ArtifactInfo,
  CallOptions,
  CreateRunOptions,
  Experiment,
  LifecycleStage,
  LogBatchInput,
  Metric,
  Page,
  Run,
  RunInfo,
  RunStatus,
  SearchRunsOptions,
  TrackingStore,
  UpdateRunInput,
} from '../types.js';
import { writeTransaction, type Database } from './database.js';
import { experimentKey } from './experiment-key.js';
import { decodeMetricValue, encodeMetricValue, isNewerMetric } from './metric-values.js';
import type { SqliteConnection } from './connection.js';
import { SqlLoggedModelStore } from './logged-models-sql.js';
import { runSearchSql } from './run-search-sql.js';

export interface SqlTrackingStoreOptions {
  connection: SqliteConnection;
  /** The tracking URI to report (sqlite:///…). */
  uri: string;
  /** Where `mlflow-artifacts:/` URIs live: the server's --artifacts-destination folder. */
  artifactsDestination: string;
  /** New experiments' artifact root; default `mlflow-artifacts:/`, as `mlflow server` with artifact serving. */
  defaultArtifactRoot?: string;
  now?: () => number;
  /** The user for runs created without userId or an mlflow.user tag; defaults to the OS user. */
  user?: string;
}


/**
 * Experiment ids are SQLite integers up to 2^63 (MLflow's file store made 18-digit ones, which
 * migrate keeps): read as text and bound as BigInt, never through a JS number.
 */
const EXPERIMENT_COLUMNS = 'CAST(experiment_id AS TEXT) AS experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time';
const RUN_COLUMNS = 'run_uuid, name, user_id, status, start_time, end_time, lifecycle_stage, artifact_uri, CAST(experiment_id AS TEXT) AS experiment_id';
/** The same columns of the runs table aliased r, for the search statement. */
const RUN_COLUMNS_OF_R = 'r.run_uuid, r.name, r.user_id, r.status, r.start_time, r.end_time, r.lifecycle_stage, r.artifact_uri, CAST(r.experiment_id AS TEXT) AS experiment_id';


interface ExperimentRow {
  experiment_id: string;
  name: string;
  artifact_location: string | null;
  lifecycle_stage: string | null;
  creation_time: number | null;
  last_update_time: number | null;
}

interface RunRow {
  run_uuid: string;
  name: string | null;
  user_id: string | null;
  status: string | null;
  start_time: number | null;
  end_time: number | null;
  lifecycle_stage: string | null;
  artifact_uri: string | null;
  experiment_id: string;
}

interface MetricRow {
  key: string;
  value: number;
  timestamp: number | null;
  step: number;
  is_nan: number;
}

function notFound(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('NOT_FOUND', message, { details });
}

function invalid(message: string, details: Record<string, unknown>): MlopsError {
  return new MlopsError('INVALID_ARGUMENT', message, { details });
}

function osUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

function lifecycle(value: string | null): LifecycleStage {
  return value === 'deleted' ? 'deleted' : 'active';
}

function toMetric(row: MetricRow): Metric {
  return { key: row.key, value: decodeMetricValue(row.value, row.is_nan), timestamp: row.timestamp ?? 0, step: row.step };
}

function keyValues(rows: Array<{ key: string; value: string | null }>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const row of rows) out[row.key] = row.value ?? '';
  return out;
}

/**
 * MLflow tracking over an SQLite database in MLflow's own schema (what `mlflow server
 * --backend-store-uri sqlite:///…` reads and writes), with artifacts under the folder that
 * server's `--artifacts-destination` names. Every logical write is one IMMEDIATE transaction.
 */
export class SqlTrackingStore implements TrackingStore {
  readonly uri: string;
  /** The database file. */
  readonly root: string;
  readonly artifactsDestination: string;
  private readonly connection: SqliteConnection;
  private readonly defaultArtifactRoot: string;
  private readonly now: () => number;
  private readonly user: string | undefined;
  /** MLflow 3 logged models in the same database. */
  readonly logged: SqlLoggedModelStore;

  constructor(options: SqlTrackingStoreOptions) {
    this.uri = options.uri;
    this.connection = options.connection;
    this.root = options.connection.path;
    this.artifactsDestination = options.artifactsDestination;
    this.defaultArtifactRoot = options.defaultArtifactRoot ?? 'mlflow-artifacts:/';
    this.now = options.now ?? Date.now;
    this.user = options.user;
    this.logged = new SqlLoggedModelStore(this.connection, { artifactsDestination: this.artifactsDestination, now: this.now, db: () => this.db });
  }

  async loggedModels(): Promise<SqlLoggedModelStore> {
    return this.logged;
  }

  /** The database, opened (and given MLflow's schema and the Default experiment) on first use. */
  get db(): Database {
    const db = this.connection.db;
    this.connection.once('default-experiment', () => this.ensureDefaultExperiment(db));
    return db;
  }

  /** MLflow's SQL store creates experiment 0 when the experiments table is empty. */
  private ensureDefaultExperiment(db: Database): void {
    writeTransaction(db, () => {
      const count = (db.prepare('SELECT COUNT(*) AS n FROM experiments').get() as { n: number }).n;
      if (count > 0) return;
      const time = this.now();
      db.prepare(
        "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, ?, 'active', ?, ?)",
      ).run(Number(DEFAULT_EXPERIMENT_ID), DEFAULT_EXPERIMENT_NAME, appendToUri(this.defaultArtifactRoot, DEFAULT_EXPERIMENT_ID), time, time);
    });
  }

  // ---------------------------------------------------------------- experiments

  private experimentTags(experimentId: string): Record<string, string> {
    return keyValues(this.db.prepare('SELECT key, value FROM experiment_tags WHERE experiment_id = ?').all(experimentKey(experimentId)) as Array<{ key: string; value: string | null }>);
  }

  private toExperiment(row: ExperimentRow, tags?: Record<string, string>): Experiment {
    return {
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location ?? '',
      lifecycleStage: lifecycle(row.lifecycle_stage),
      creationTime: row.creation_time ?? 0,
      lastUpdateTime: row.last_update_time ?? 0,
      tags: tags ?? this.experimentTags(row.experiment_id),
    };
  }

  private experimentRow(experimentId: string): ExperimentRow {
    validateExperimentId(experimentId);
    const id = experimentKey(experimentId);
    const row = id !== undefined ? (this.db.prepare(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE experiment_id = ?`).get(id) as ExperimentRow | undefined) : undefined;
    if (row === undefined) throw notFound(`Experiment '${experimentId}' does not exist in ${this.uri}`, { experimentId });
    return row;
  }

  async createExperiment(name: string, options: CallOptions & { tags?: Record<string, string>; artifactLocation?: string } = {}): Promise<string> {
    throwIfAborted(options.signal);
    validateNewExperiment(name, options);
    const tags = Object.entries(options.tags ?? {});
    const db = this.db;
    return writeTransaction(db, () => {
      const existing = db.prepare(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE name = ?`).get(name) as ExperimentRow | undefined;
      if (existing !== undefined) {
        const deleted = existing.lifecycle_stage === 'deleted' ? ' in deleted state (restore it, or delete it permanently to reuse the name)' : '';
        throw new MlopsError('ALREADY_EXISTS', `Experiment '${name}' already exists${deleted} with id ${existing.experiment_id}`, {
          details: { name, experimentId: String(existing.experiment_id) },
        });
      }
      const time = this.now();
      const location = options.artifactLocation === undefined || options.artifactLocation === '' ? undefined : resolveArtifactLocation(options.artifactLocation);
      const inserted = db
        .prepare("INSERT INTO experiments (name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (?, ?, 'active', ?, ?)")
        .run(name, location ?? null, time, time);
      const id = String(inserted.lastInsertRowid);
      if (location === undefined) db.prepare('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?').run(appendToUri(this.defaultArtifactRoot, id), BigInt(id));
      const insertTag = db.prepare('INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?)');
      for (const [key, value] of tags) insertTag.run(key, value, BigInt(id));
      return id;
    });
  }

  async getExperiment(experimentId: string, options: CallOptions = {}): Promise<Experiment> {
    throwIfAborted(options.signal);
    return this.toExperiment(this.experimentRow(experimentId));
  }

  async getExperimentByName(name: string, options: CallOptions = {}): Promise<Experiment | undefined> {
    throwIfAborted(options.signal);
    const row = this.db.prepare(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments WHERE name = ?`).get(name) as ExperimentRow | undefined;
    return row === undefined ? undefined : this.toExperiment(row);
  }

  async searchExperiments(options: SearchEntitiesOptions & { viewType?: ViewType } = {}): Promise<Page<Experiment>> {
    throwIfAborted(options.signal);
    const maxResults = validateMaxResults(options.maxResults);
    const filter = parseEntityFilter(options.filter, EXPERIMENT_SEARCH);
    const orderBy = parseEntityOrderBy(options.orderBy, EXPERIMENT_SEARCH);
    const viewType = options.viewType ?? 'ACTIVE_ONLY';
    const db = this.db;
    const rows = db.prepare(`SELECT ${EXPERIMENT_COLUMNS} FROM experiments`).all() as ExperimentRow[];
    const tagRows = db.prepare('SELECT key, value, CAST(experiment_id AS TEXT) AS experiment_id FROM experiment_tags').all() as Array<{ key: string; value: string | null; experiment_id: string }>;
    const tagsById = new Map<string, Record<string, string>>();
    for (const tag of tagRows) {
      const tags = tagsById.get(tag.experiment_id) ?? {};
      tags[tag.key] = tag.value ?? '';
      tagsById.set(tag.experiment_id, tags);
    }
    const experiments = rows
      .filter((row) => viewType === 'ALL' || (lifecycle(row.lifecycle_stage) === 'active') === (viewType === 'ACTIVE_ONLY'))
      .map((row) => this.toExperiment(row, tagsById.get(row.experiment_id) ?? {}))
      .filter((experiment) => entityMatches(experiment, filter, EXPERIMENT_SEARCH));
    const defaultOrder = (a: Experiment, b: Experiment): number => {
      if (b.creationTime !== a.creationTime) return b.creationTime - a.creationTime;
      const [x, y] = [BigInt(a.experimentId), BigInt(b.experimentId)];
      return x > y ? -1 : x < y ? 1 : 0;
    };
    return paginate(sortEntities(experiments, orderBy, EXPERIMENT_SEARCH, defaultOrder), options.pageToken, maxResults);
  }

  async setExperimentTag(experimentId: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateTag(key, value, 'Experiment tag');
    const db = this.db;
    writeTransaction(db, () => {
      const row = this.experimentRow(experimentId);
      if (lifecycle(row.lifecycle_stage) !== 'active') {
        throw invalid(`The experiment ${experimentId} must be in the 'active' lifecycle_stage to set tags, found '${row.lifecycle_stage}'`, { experimentId });
      }
      db.prepare('INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?) ON CONFLICT (key, experiment_id) DO UPDATE SET value = excluded.value').run(
        key,
        value,
        BigInt(row.experiment_id),
      );
    });
  }

  // ---------------------------------------------------------------- runs

  private runRow(runId: string): RunRow {
    validateRunId(runId);
    const row = this.db.prepare(`SELECT ${RUN_COLUMNS} FROM runs WHERE run_uuid = ?`).get(runId) as RunRow | undefined;
    if (row === undefined) throw notFound(`Run '${runId}' not found in ${this.uri}`, { runId });
    return row;
  }

  private activeRunRow(runId: string): RunRow {
    const row = this.runRow(runId);
    if (lifecycle(row.lifecycle_stage) !== 'active') {
      throw invalid(`The run ${runId} must be in the 'active' state to be changed, found '${row.lifecycle_stage}'`, { runId });
    }
    return row;
  }

  private toRunInfo(row: RunRow, tags: Record<string, string>): RunInfo {
    return {
      runId: row.run_uuid,
      runName: row.name || tags[RUN_NAME_TAG] || '',
      experimentId: String(row.experiment_id),
      userId: row.user_id ?? '',
      status: (RUN_STATUSES as string[]).includes(row.status ?? '') ? (row.status as RunStatus) : 'RUNNING',
      startTime: row.start_time ?? 0,
      endTime: row.end_time ?? undefined,
      artifactUri: row.artifact_uri ?? '',
      lifecycleStage: lifecycle(row.lifecycle_stage),
    };
  }

  private runTags(runId: string): Record<string, string> {
    return keyValues(this.db.prepare('SELECT key, value FROM tags WHERE run_uuid = ?').all(runId) as Array<{ key: string; value: string | null }>);
  }

  private loadRun(row: RunRow): Run {
    const db = this.db;
    const tags = this.runTags(row.run_uuid);
    const params = keyValues(db.prepare('SELECT key, value FROM params WHERE run_uuid = ?').all(row.run_uuid) as Array<{ key: string; value: string }>);
    const metrics: Record<string, Metric> = {};
    for (const metric of db.prepare('SELECT key, value, timestamp, step, is_nan FROM latest_metrics WHERE run_uuid = ?').all(row.run_uuid) as MetricRow[]) {
      metrics[metric.key] = toMetric(metric);
    }
    return { info: this.toRunInfo(row, tags), data: { metrics, params, tags } };
  }

  private defaultUser(): string {
    return this.user ?? osUser();
  }

  async createRun(options: CreateRunOptions): Promise<RunInfo> {
    throwIfAborted(options.signal);
    const { runName, userId, startTime, tags } = newRun(options, { user: () => this.defaultUser(), now: this.now });
    const db = this.db;
    return writeTransaction(db, () => {
      const experiment = this.experimentRow(options.experimentId);
      if (lifecycle(experiment.lifecycle_stage) !== 'active') {
        throw invalid(`Could not create a run in experiment ${options.experimentId}: it is '${experiment.lifecycle_stage}', not active`, {
          experimentId: options.experimentId,
        });
      }
      const runId = newRunId();
      const row: RunRow = {
        run_uuid: runId,
        name: runName,
        user_id: userId,
        status: 'RUNNING',
        start_time: startTime,
        end_time: null,
        lifecycle_stage: 'active',
        artifact_uri: appendToUri(experiment.artifact_location ?? '', runId, 'artifacts'),
        experiment_id: experiment.experiment_id,
      };
      db.prepare(
        `INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id)
         VALUES (?, ?, 'UNKNOWN', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?)`,
      ).run(runId, runName, userId, startTime, row.artifact_uri, BigInt(experiment.experiment_id));
      const insertTag = db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
      for (const [key, value] of Object.entries(tags)) insertTag.run(key, value, runId);
      return this.toRunInfo(row, tags);
    });
  }

  async getRun(runId: string, options: CallOptions = {}): Promise<Run> {
    throwIfAborted(options.signal);
    return this.loadRun(this.runRow(runId));
  }

  async updateRun(runId: string, update: UpdateRunInput, options: CallOptions = {}): Promise<RunInfo> {
    throwIfAborted(options.signal);
    const runName = validateRunUpdate(runId, update);
    const db = this.db;
    return writeTransaction(db, () => {
      const row = this.activeRunRow(runId);
      const updated: RunRow = { ...row, status: update.status ?? row.status, end_time: update.endTime ?? row.end_time, name: runName ?? row.name };
      db.prepare('UPDATE runs SET status = ?, end_time = ?, name = ? WHERE run_uuid = ?').run(updated.status, updated.end_time, updated.name, runId);
      if (runName !== undefined) this.upsertRunTag(runId, RUN_NAME_TAG, runName);
      return this.toRunInfo(updated, this.runTags(runId));
    });
  }

  private upsertRunTag(runId: string, key: string, value: string): void {
    this.db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?) ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value').run(key, value, runId);
    // MLflow keeps the run's name column and the mlflow.runName tag in step.
    if (key === RUN_NAME_TAG) this.db.prepare('UPDATE runs SET name = ? WHERE run_uuid = ?').run(value, runId);
  }

  /**
   * Metrics, params and tags in one transaction: all of the batch or none of it. A local store
   * has no request to keep small, so a batch may be any size.
   */
  async logBatch(runId: string, batch: LogBatchInput, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const { metrics, params, tags } = checkBatch(batch);
    const db = this.db;
    writeTransaction(db, () => {
      this.activeRunRow(runId);
      if (params.length > 0) {
        const existingParam = db.prepare('SELECT value FROM params WHERE key = ? AND run_uuid = ?').pluck();
        const insertParam = db.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?)');
        for (const [key, value] of params) {
          const existing = existingParam.get(key, runId) as string | undefined;
          if (existing === undefined) insertParam.run(key, value, runId);
          else if (existing !== value) {
            throw invalid(
              `Changing param values is not allowed. Param with key='${key}' was already logged with value='${existing}' for run ID='${runId}'. Attempted logging new value '${value}'`,
              { runId, key, existing, attempted: value },
            );
          }
        }
      }
      if (metrics.length > 0) this.insertMetrics(runId, metrics);
      const byModel = new Map<string, Metric[]>();
      for (const metric of metrics) if (metric.modelId !== undefined) byModel.set(metric.modelId, [...(byModel.get(metric.modelId) ?? []), metric]);
      for (const [modelId, modelMetrics] of byModel) this.logged.insertMetrics(modelId, modelMetrics, runId);
      for (const [key, value] of tags) this.upsertRunTag(runId, key, value);
    });
  }

  private insertMetrics(runId: string, metrics: readonly Metric[]): void {
    const db = this.db;
    // The primary key covers (key, timestamp, step, run, value, is_nan): MLflow ignores an exact repeat.
    const insert = db.prepare('INSERT OR IGNORE INTO metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)');
    const latestByKey = new Map<string, { value: number; isNan: 0 | 1; timestamp: number; step: number }>();
    for (const metric of metrics) {
      const encoded = encodeMetricValue(metric.value);
      insert.run(metric.key, encoded.value, metric.timestamp, metric.step, encoded.isNan, runId);
      const candidate = { ...encoded, timestamp: metric.timestamp, step: metric.step };
      const current = latestByKey.get(metric.key);
      if (current === undefined || isNewerMetric(candidate, current)) latestByKey.set(metric.key, candidate);
    }
    const readLatest = db.prepare('SELECT value, timestamp, step, is_nan FROM latest_metrics WHERE key = ? AND run_uuid = ?');
    const upsertLatest = db.prepare(
      `INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan`,
    );
    for (const [key, candidate] of latestByKey) {
      const current = readLatest.get(key, runId) as MetricRow | undefined;
      if (current !== undefined && !isNewerMetric(candidate, { value: current.value, timestamp: current.timestamp ?? 0, step: current.step })) continue;
      upsertLatest.run(key, candidate.value, candidate.timestamp, candidate.step, candidate.isNan, runId);
    }
  }

  async setTag(runId: string, key: string, value: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateTag(key, value);
    const db = this.db;
    writeTransaction(db, () => {
      this.activeRunRow(runId);
      this.upsertRunTag(runId, key, value);
    });
  }

  async deleteTag(runId: string, key: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateKey('tag', key);
    const db = this.db;
    writeTransaction(db, () => {
      this.activeRunRow(runId);
      const deleted = db.prepare('DELETE FROM tags WHERE key = ? AND run_uuid = ?').run(key, runId);
      if (deleted.changes === 0) throw notFound(`No tag with name '${key}' in run ${runId}`, { runId, key });
    });
  }

  /** MLflow 3's run outputs: which logged models a run produced, at which step (rows of the inputs table, as MLflow keeps them). */
  async logOutputs(runId: string, models: Array<{ modelId: string; step: number }>, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const db = this.db;
    writeTransaction(db, () => {
      this.activeRunRow(runId);
      const insert = db.prepare(
        "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, ?)",
      );
      for (const model of models) {
        this.logged.getRowForUpdate(model.modelId);
        insert.run(randomUUID().replace(/-/g, ''), runId, model.modelId, model.step);
      }
    });
  }

  async getMetricHistory(runId: string, key: string, options: CallOptions = {}): Promise<Metric[]> {
    throwIfAborted(options.signal);
    validateKey('metric', key);
    this.runRow(runId);
    // rowid keeps the logged order, as the file store's append-only files do.
    const rows = this.db.prepare('SELECT key, value, timestamp, step, is_nan FROM metrics WHERE run_uuid = ? AND key = ? ORDER BY rowid').all(runId, key) as MetricRow[];
    return rows.map(toMetric);
  }

  /**
   * Runs of the given experiments: MLflow's filter, order_by and offset paging in one SQL
   * statement (see run-search-sql.ts), then the data of that page's runs only, in three queries.
   */
  async searchRuns(options: SearchRunsOptions & { viewType?: ViewType }): Promise<Page<Run>> {
    throwIfAborted(options.signal);
    const maxResults = validateMaxResults(options.maxResults);
    const filter = parseRunFilter(options.filter);
    const orderBy = parseRunOrderBy(options.orderBy);
    const offset = parsePageToken(options.pageToken);
    const experimentIds = options.experimentIds.map(experimentKey).filter((id): id is bigint => id !== undefined);
    if (experimentIds.length === 0) return { items: [], nextPageToken: undefined };
    const db = this.db;
    const query = runSearchSql({ experimentIds, viewType: options.viewType ?? 'ACTIVE_ONLY', filter, orderBy, offset, limit: maxResults + 1 }, RUN_COLUMNS_OF_R);
    const rows = db.prepare(query.sql).all(query.values) as RunRow[];
    const more = rows.length > maxResults;
    if (more) rows.length = maxResults;
    const data = new Map<string, Run['data']>();
    for (const row of rows) data.set(row.run_uuid, { metrics: {}, params: {}, tags: {} });
    // One bound JSON array of the page's run ids: a page may hold more ids than SQLite allows parameters.
    const pageIds = JSON.stringify(rows.map((row) => row.run_uuid));
    const inPage = 'run_uuid IN (SELECT value FROM json_each(?))';
    for (const tag of db.prepare(`SELECT key, value, run_uuid FROM tags WHERE ${inPage}`).all(pageIds) as Array<{ key: string; value: string | null; run_uuid: string }>) {
      data.get(tag.run_uuid)!.tags[tag.key] = tag.value ?? '';
    }
    for (const param of db.prepare(`SELECT key, value, run_uuid FROM params WHERE ${inPage}`).all(pageIds) as Array<{ key: string; value: string; run_uuid: string }>) {
      data.get(param.run_uuid)!.params[param.key] = param.value;
    }
    for (const metric of db.prepare(`SELECT key, value, timestamp, step, is_nan, run_uuid FROM latest_metrics WHERE ${inPage}`).all(pageIds) as Array<MetricRow & { run_uuid: string }>) {
      data.get(metric.run_uuid)!.metrics[metric.key] = toMetric(metric);
    }
    return {
      items: rows.map((row) => {
        const runData = data.get(row.run_uuid)!;
        return { info: this.toRunInfo(row, runData.tags), data: runData };
      }),
      nextPageToken: more ? createPageToken(offset + maxResults) : undefined,
    };
  }

  // ---------------------------------------------------------------- artifacts

  /** The local folder behind an artifact URI of this store. */
  artifactPath(uri: string): string {
    return artifactUriToPath(uri, { artifactsDestination: this.artifactsDestination });
  }

  private artifactRoot(runId: string): string {
    return this.artifactPath(this.runRow(runId).artifact_uri ?? '');
  }

  async logArtifact(runId: string, path: string, data: Uint8Array | string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: false });
    await writeArtifactFile(this.artifactRoot(runId), path, data);
  }

  async listArtifacts(runId: string, path = '', options: CallOptions = {}): Promise<ArtifactInfo[]> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: true });
    return listArtifactFolder(this.artifactRoot(runId), path);
  }

  async downloadArtifact(runId: string, path: string, options: CallOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: false });
    try {
      return await readArtifactFile(this.artifactRoot(runId), path, `of run ${runId}`);
    } catch (error) {
      if (error instanceof MlopsError && error.details !== undefined) error.details['runId'] = runId;
      throw error;
    }
  }
}
