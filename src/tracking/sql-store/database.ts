import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type BetterSqlite3 from 'better-sqlite3';
import { MlopsError } from '../../errors.js';
import { MLFLOW_RELEASE, MLFLOW_REVISION, MLFLOW_REVISION_HISTORY, MLFLOW_SCHEMA_STATEMENTS } from './mlflow-schema.js';

export type Database = BetterSqlite3.Database;

/** How long a writer waits for another process's write transaction before giving up. */
export const BUSY_TIMEOUT_MS = 30_000;

/** The columns this store reads and writes; a newer MLflow schema that keeps them stays usable. */
const COLUMNS_WE_USE: Record<string, string[]> = {
  experiments: ['experiment_id', 'name', 'artifact_location', 'lifecycle_stage', 'creation_time', 'last_update_time'],
  experiment_tags: ['key', 'value', 'experiment_id'],
  runs: ['run_uuid', 'name', 'source_type', 'source_name', 'entry_point_name', 'user_id', 'status', 'start_time', 'end_time', 'source_version', 'lifecycle_stage', 'artifact_uri', 'experiment_id', 'deleted_time'],
  metrics: ['key', 'value', 'timestamp', 'run_uuid', 'step', 'is_nan'],
  latest_metrics: ['key', 'value', 'timestamp', 'step', 'is_nan', 'run_uuid'],
  params: ['key', 'value', 'run_uuid'],
  tags: ['key', 'value', 'run_uuid'],
  registered_models: ['name', 'creation_time', 'last_updated_time', 'description'],
  registered_model_tags: ['key', 'value', 'name'],
  registered_model_aliases: ['alias', 'version', 'name'],
  model_versions: ['name', 'version', 'creation_time', 'last_updated_time', 'description', 'user_id', 'current_stage', 'source', 'run_id', 'status', 'status_message', 'run_link', 'storage_location'],
  model_version_tags: ['key', 'value', 'name', 'version'],
  logged_models: ['model_id', 'experiment_id', 'name', 'artifact_location', 'creation_timestamp_ms', 'last_updated_timestamp_ms', 'status', 'lifecycle_stage', 'model_type', 'source_run_id', 'status_message'],
  logged_model_tags: ['model_id', 'experiment_id', 'tag_key', 'tag_value'],
  logged_model_params: ['model_id', 'experiment_id', 'param_key', 'param_value'],
  logged_model_metrics: ['model_id', 'metric_name', 'metric_timestamp_ms', 'metric_step', 'metric_value', 'experiment_id', 'run_id', 'dataset_uuid', 'dataset_name', 'dataset_digest'],
};

let driver: typeof BetterSqlite3 | undefined;

/** better-sqlite3 is a native addon: loaded on the first open, so commands that never touch the store do not pay for it. */
function loadDriver(): typeof BetterSqlite3 {
  if (driver === undefined) {
    try {
      driver = createRequire(import.meta.url)('better-sqlite3') as typeof BetterSqlite3;
    } catch (error) {
      throw new MlopsError('INTERNAL', `The SQLite driver better-sqlite3 could not be loaded (${(error as Error).message}); run npm ci to build it for this Node version`, {
        cause: error,
      });
    }
  }
  return driver;
}

/**
 * Opens (creating when absent) an MLflow tracking database: WAL so readers never wait for a
 * writer, a busy timeout so writers from other processes (ours or a real `mlflow server`) queue
 * instead of failing, foreign keys on as MLflow's SQLAlchemy engine sets them. An empty file
 * gets MLflow's schema at MLFLOW_REVISION; an existing one must be at that revision, or at a
 * newer one that still has every column this store uses.
 */
export function openMlflowDatabase(path: string): Database {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new MlopsError('IO', `Could not create the folder of the tracking database ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
  }
  const Driver = loadDriver();
  let db: Database;
  try {
    db = new Driver(path, { timeout: BUSY_TIMEOUT_MS });
    db.pragma('journal_mode = WAL');
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('foreign_keys = ON');
  } catch (error) {
    throw new MlopsError('IO', `Could not open the SQLite tracking database ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
  }
  try {
    ensureSchema(db, path);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function tableNames(db: Database): Set<string> {
  return new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((row) => row.name));
}

function ensureSchema(db: Database, path: string): void {
  if (!tableNames(db).has('alembic_version')) {
    // Two processes may race to create the schema: the immediate transaction lets one in, and the other then finds the tables.
    db.transaction(() => {
      if (tableNames(db).has('alembic_version')) return;
      const existing = tableNames(db);
      if (existing.size > 0) {
        throw new MlopsError('CORRUPT', `${path} is an SQLite database with tables (${[...existing].slice(0, 5).join(', ')}…) but no alembic_version table: it is not an MLflow tracking database`, {
          details: { path },
        });
      }
      for (const statement of MLFLOW_SCHEMA_STATEMENTS) db.exec(statement);
      db.prepare('INSERT INTO alembic_version (version_num) VALUES (?)').run(MLFLOW_REVISION);
    }).immediate();
  }
  checkRevision(db, path);
}

/** The revision check MLflow does on start-up (`_verify_schema`), plus what to do about a difference. */
export function checkRevision(db: Database, path: string): void {
  const rows = db.prepare('SELECT version_num FROM alembic_version').all() as Array<{ version_num: string }>;
  const found = rows[0]?.version_num;
  if (found === MLFLOW_REVISION) return;
  if (found === undefined) {
    throw new MlopsError('CORRUPT', `${path} has an empty alembic_version table: its MLflow schema revision is unknown (expected ${MLFLOW_REVISION}, MLflow ${MLFLOW_RELEASE})`, {
      details: { path, expected: MLFLOW_REVISION },
    });
  }
  if (MLFLOW_REVISION_HISTORY.includes(found)) {
    throw new MlopsError(
      'SCHEMA_MISMATCH',
      `${path} is at MLflow schema revision ${found}, older than ${MLFLOW_REVISION} (MLflow ${MLFLOW_RELEASE}) that this version writes; upgrade it with: mlflow db upgrade sqlite:///${path}`,
      { details: { path, found, expected: MLFLOW_REVISION } },
    );
  }
  // A revision we do not know comes from a newer MLflow. It is usable while every column we touch is still there.
  const missing: string[] = [];
  for (const [table, columns] of Object.entries(COLUMNS_WE_USE)) {
    const present = new Set((db.prepare(`PRAGMA table_info("${table}")`).all() as Array<{ name: string }>).map((row) => row.name));
    for (const column of columns) if (!present.has(column)) missing.push(`${table}.${column}`);
  }
  if (missing.length > 0) {
    throw new MlopsError(
      'SCHEMA_MISMATCH',
      `${path} is at MLflow schema revision ${found}, newer than ${MLFLOW_REVISION} (MLflow ${MLFLOW_RELEASE}), and lacks ${missing.slice(0, 5).join(', ')}; ` +
        `open it with the MLflow release that upgraded it (mlflow server --backend-store-uri sqlite:///${path}), or copy its runs to a new store with: mlops tracking migrate`,
      { details: { path, found, expected: MLFLOW_REVISION, missing } },
    );
  }
}

/** Runs `work` as one IMMEDIATE transaction: the write lock is taken up front, so two writers queue on the busy timeout instead of deadlocking. */
export function writeTransaction<T>(db: Database, work: () => T): T {
  return db.transaction(work).immediate();
}
