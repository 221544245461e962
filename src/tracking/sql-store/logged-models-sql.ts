import { MlopsError, throwIfAborted } from '../../errors.js';
import { listArtifactFolder, readArtifactFile, writeArtifactFile } from '../file-store/artifact-folder.js';
import { appendToUri, artifactUriToPath } from '../file-store/artifact-uri.js';
import { paginate, validateMaxResults } from '../file-store/search.js';
import { LIMITS, validateArtifactPath, validateKey, validateMetric, validateValueLength } from '../file-store/validation.js';
import { loggedModelMatches, parseLoggedModelFilter, parseLoggedModelOrderBy, sortLoggedModels } from '../logged-model-search.js';
import {
  newLoggedModelId,
  validateFinalStatus,
  validateLoggedModelId,
  type ArtifactInfo,
  type CallOptions,
  type CreateLoggedModelOptions,
  type LoggedModel,
  type LoggedModelStatus,
  type LoggedModelStore,
  type Metric,
  type Page,
  type SearchLoggedModelsOptions,
} from '../logged-models.js';
import type { SqliteConnection } from './connection.js';
import { writeTransaction, type Database } from './database.js';
import { decodeMetricValue, encodeMetricValue } from './metric-values.js';
import { experimentKey } from './experiment-key.js';

/** MLflow's LoggedModelStatus proto numbers, which its SQL store keeps in logged_models.status. */
const STATUS_CODES: Record<LoggedModelStatus, number> = { PENDING: 1, READY: 2, UPLOAD_FAILED: 3 };

function statusFromCode(code: number): LoggedModelStatus {
  return (Object.keys(STATUS_CODES) as LoggedModelStatus[]).find((status) => STATUS_CODES[status] === code) ?? 'PENDING';
}

const LOGGED_MODEL_COLUMNS =
  'model_id, CAST(experiment_id AS TEXT) AS experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message';

interface LoggedModelRow {
  model_id: string;
  experiment_id: string;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: number;
  lifecycle_stage: string | null;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
}


/**
 * MLflow 3 logged models in the SQLite store: logged_models and its tags, params and metrics
 * tables; files under `<experiment artifact location>/models/<model_id>/artifacts`, where
 * `mlflow server` puts them.
 */
export class SqlLoggedModelStore implements LoggedModelStore {
  constructor(
    private readonly connection: SqliteConnection,
    private readonly options: { artifactsDestination: string; now: () => number; db: () => Database },
  ) {}

  private get db(): Database {
    return this.options.db();
  }

  private row(modelId: string): LoggedModelRow {
    validateLoggedModelId(modelId);
    const row = this.db.prepare(`SELECT ${LOGGED_MODEL_COLUMNS} FROM logged_models WHERE model_id = ? AND lifecycle_stage IS NOT 'deleted'`).get(modelId) as LoggedModelRow | undefined;
    if (row === undefined) throw new MlopsError('NOT_FOUND', `Logged model with ID '${modelId}' not found`, { details: { modelId } });
    return row;
  }

  /** The row of a live logged model (NOT_FOUND otherwise), for callers inside their own transaction. */
  getRowForUpdate(modelId: string): { modelId: string; experimentId: string } {
    const row = this.row(modelId);
    return { modelId: row.model_id, experimentId: row.experiment_id };
  }

  private load(rows: LoggedModelRow[]): LoggedModel[] {
    if (rows.length === 0) return [];
    const db = this.db;
    const ids = rows.map((row) => row.model_id);
    const marks = ids.map(() => '?').join(', ');
    const tags = new Map<string, Record<string, string>>();
    for (const tag of db.prepare(`SELECT model_id, tag_key, tag_value FROM logged_model_tags WHERE model_id IN (${marks})`).all(...ids) as Array<{ model_id: string; tag_key: string; tag_value: string | null }>) {
      const entry = tags.get(tag.model_id) ?? {};
      entry[tag.tag_key] = tag.tag_value ?? '';
      tags.set(tag.model_id, entry);
    }
    const params = new Map<string, Record<string, string>>();
    for (const param of db.prepare(`SELECT model_id, param_key, param_value FROM logged_model_params WHERE model_id IN (${marks})`).all(...ids) as Array<{ model_id: string; param_key: string; param_value: string }>) {
      const entry = params.get(param.model_id) ?? {};
      entry[param.param_key] = param.param_value;
      params.set(param.model_id, entry);
    }
    const metrics = new Map<string, LoggedModel['metrics']>();
    for (const metric of db
      .prepare(`SELECT model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, run_id FROM logged_model_metrics WHERE model_id IN (${marks}) ORDER BY rowid`)
      .all(...ids) as Array<{ model_id: string; metric_name: string; metric_timestamp_ms: number; metric_step: number; metric_value: number | null; run_id: string }>) {
      const list = metrics.get(metric.model_id) ?? [];
      list.push({
        key: metric.metric_name,
        value: metric.metric_value === null ? Number.NaN : decodeMetricValue(metric.metric_value, 0),
        timestamp: metric.metric_timestamp_ms,
        step: metric.metric_step,
        runId: metric.run_id,
      });
      metrics.set(metric.model_id, list);
    }
    return rows.map((row) => ({
      modelId: row.model_id,
      experimentId: String(row.experiment_id),
      name: row.name,
      artifactLocation: row.artifact_location,
      creationTimestamp: row.creation_timestamp_ms,
      lastUpdatedTimestamp: row.last_updated_timestamp_ms,
      status: statusFromCode(row.status),
      statusMessage: row.status_message ?? '',
      modelType: row.model_type ?? '',
      sourceRunId: row.source_run_id ?? '',
      tags: tags.get(row.model_id) ?? {},
      params: params.get(row.model_id) ?? {},
      metrics: metrics.get(row.model_id) ?? [],
    }));
  }

  async createLoggedModel(options: CreateLoggedModelOptions): Promise<LoggedModel> {
    throwIfAborted(options.signal);
    if (typeof options.name !== 'string' || options.name === '') throw new MlopsError('INVALID_ARGUMENT', 'A logged model needs a name', { details: {} });
    for (const [key, value] of Object.entries(options.tags ?? {})) {
      validateKey('tag', key);
      validateValueLength(`Logged model tag '${key}'`, value, LIMITS.tagValueLength);
    }
    for (const [key, value] of Object.entries(options.params ?? {})) {
      validateKey('param', key);
      validateValueLength(`Logged model param '${key}'`, value, LIMITS.paramValueLength);
    }
    const db = this.db;
    const modelId = newLoggedModelId();
    writeTransaction(db, () => {
      const key = experimentKey(options.experimentId);
      const experiment = (key === undefined ? undefined : db.prepare('SELECT experiment_id, artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = ?').safeIntegers(true).get(key)) as
        | { experiment_id: bigint; artifact_location: string; lifecycle_stage: string }
        | undefined;
      if (experiment === undefined) throw new MlopsError('NOT_FOUND', `Experiment '${options.experimentId}' does not exist`, { details: { experimentId: options.experimentId } });
      if (experiment.lifecycle_stage !== 'active') {
        throw new MlopsError('INVALID_ARGUMENT', `Experiment '${options.experimentId}' is '${experiment.lifecycle_stage}'; logged models need an active experiment`, { details: {} });
      }
      if (options.sourceRunId !== undefined && options.sourceRunId !== '' && db.prepare('SELECT 1 FROM runs WHERE run_uuid = ?').get(options.sourceRunId) === undefined) {
        throw new MlopsError('NOT_FOUND', `Run '${options.sourceRunId}' (the logged model's source run) not found`, { details: { runId: options.sourceRunId } });
      }
      const time = this.options.now();
      db.prepare(
        `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, NULL)`,
      ).run(
        modelId,
        experiment.experiment_id,
        options.name,
        appendToUri(experiment.artifact_location, 'models', modelId, 'artifacts'),
        time,
        time,
        STATUS_CODES.PENDING,
        options.modelType ?? null,
        options.sourceRunId || null,
      );
      const insertTag = db.prepare('INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?)');
      for (const [name, value] of Object.entries(options.tags ?? {})) insertTag.run(modelId, experiment.experiment_id, name, value);
      const insertParam = db.prepare('INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?)');
      for (const [name, value] of Object.entries(options.params ?? {})) insertParam.run(modelId, experiment.experiment_id, name, value);
    });
    return this.getLoggedModel(modelId);
  }

  async getLoggedModel(modelId: string, options: CallOptions = {}): Promise<LoggedModel> {
    throwIfAborted(options.signal);
    return this.load([this.row(modelId)])[0]!;
  }

  async finalizeLoggedModel(modelId: string, status: Exclude<LoggedModelStatus, 'PENDING'>, options: CallOptions = {}): Promise<LoggedModel> {
    throwIfAborted(options.signal);
    validateFinalStatus(modelId, status);
    const db = this.db;
    writeTransaction(db, () => {
      this.row(modelId);
      db.prepare('UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?').run(STATUS_CODES[status], this.options.now(), modelId);
    });
    return this.getLoggedModel(modelId);
  }

  async setLoggedModelTags(modelId: string, tags: Record<string, string>, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    for (const [key, value] of Object.entries(tags)) {
      validateKey('tag', key);
      validateValueLength(`Logged model tag '${key}'`, value, LIMITS.tagValueLength);
    }
    const db = this.db;
    writeTransaction(db, () => {
      const row = this.row(modelId);
      const upsert = db.prepare(
        'INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET tag_value = excluded.tag_value',
      );
      for (const [key, value] of Object.entries(tags)) upsert.run(modelId, BigInt(row.experiment_id), key, value);
      db.prepare('UPDATE logged_models SET last_updated_timestamp_ms = ? WHERE model_id = ?').run(this.options.now(), modelId);
    });
  }

  async deleteLoggedModelTag(modelId: string, key: string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const db = this.db;
    writeTransaction(db, () => {
      this.row(modelId);
      const deleted = db.prepare('DELETE FROM logged_model_tags WHERE model_id = ? AND tag_key = ?').run(modelId, key);
      if (deleted.changes === 0) throw new MlopsError('NOT_FOUND', `No tag with key '${key}' on logged model ${modelId}`, { details: { modelId, key } });
    });
  }

  async logLoggedModelParams(modelId: string, params: Record<string, string>, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    const db = this.db;
    writeTransaction(db, () => {
      const row = this.row(modelId);
      const insert = db.prepare('INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE SET param_value = excluded.param_value');
      for (const [key, value] of Object.entries(params)) {
        validateKey('param', key);
        insert.run(modelId, BigInt(row.experiment_id), key, value);
      }
    });
  }

  async logLoggedModelMetrics(modelId: string, metrics: Metric[], options: CallOptions & { runId?: string } = {}): Promise<void> {
    throwIfAborted(options.signal);
    metrics.forEach(validateMetric);
    writeTransaction(this.db, () => this.insertMetrics(modelId, metrics, options.runId));
  }

  /** Inside a caller's transaction: the metrics rows of one logged model (MLflow 3 logs them with the run that measured them). */
  insertMetrics(modelId: string, metrics: readonly Metric[], runId: string | undefined): void {
    const row = this.row(modelId);
    const insert = this.db.prepare(
      `INSERT OR REPLACE INTO logged_model_metrics (model_id, metric_name, metric_timestamp_ms, metric_step, metric_value, experiment_id, run_id, dataset_uuid, dataset_name, dataset_digest)
       VALUES (?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)`,
    );
    for (const metric of metrics) {
      insert.run(modelId, metric.key, metric.timestamp, metric.step, Number.isNaN(metric.value) ? null : encodeMetricValue(metric.value).value, BigInt(row.experiment_id), runId ?? row.source_run_id ?? '');
    }
  }

  async searchLoggedModels(options: SearchLoggedModelsOptions): Promise<Page<LoggedModel>> {
    throwIfAborted(options.signal);
    const maxResults = validateMaxResults(options.maxResults);
    const filter = parseLoggedModelFilter(options.filter);
    const orderBy = parseLoggedModelOrderBy(options.orderBy);
    const ids = options.experimentIds.map(experimentKey).filter((id): id is bigint => id !== undefined);
    if (ids.length === 0) return { items: [], nextPageToken: undefined };
    const rows = this.db
      .prepare(`SELECT ${LOGGED_MODEL_COLUMNS} FROM logged_models WHERE experiment_id IN (${ids.map(() => '?').join(', ')}) AND lifecycle_stage IS NOT 'deleted'`)
      .all(...ids) as LoggedModelRow[];
    const models = this.load(rows).filter((model) => loggedModelMatches(model, filter));
    return paginate(sortLoggedModels(models, orderBy), options.pageToken, maxResults);
  }

  private artifactRoot(modelId: string): string {
    return artifactUriToPath(this.row(modelId).artifact_location, { artifactsDestination: this.options.artifactsDestination });
  }

  async logLoggedModelArtifact(modelId: string, path: string, data: Uint8Array | string, options: CallOptions = {}): Promise<void> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: false });
    await writeArtifactFile(this.artifactRoot(modelId), path, data);
  }

  async listLoggedModelArtifacts(modelId: string, path = '', options: CallOptions = {}): Promise<ArtifactInfo[]> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: true });
    return listArtifactFolder(this.artifactRoot(modelId), path);
  }

  async downloadLoggedModelArtifact(modelId: string, path: string, options: CallOptions = {}): Promise<Uint8Array> {
    throwIfAborted(options.signal);
    validateArtifactPath(path, { allowRoot: false });
    return readArtifactFile(this.artifactRoot(modelId), path, `of logged model ${modelId}`);
  }
}
