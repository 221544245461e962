import { randomUUID } from 'node:crypto';
import { closeSync, constants, copyFileSync, existsSync, fsyncSync, linkSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { MlopsError } from '../../errors.js';
import { TEMP_FILE_PREFIX } from '../../io/atomic-file.js';
import { schemaTemplatePath } from '../schema-template.js';
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

let addon: object | undefined;

/**
 * better-sqlite3's native addon, loaded on the first open, so commands that never touch the store
 * do not pay for it. Its JavaScript is imported with this module (the CLI's bundle holds it: loading
 * the package's ~15 CommonJS files took ~15 ms of a cold run), and is handed the addon directly
 * (`nativeBinding`) instead of letting the `bindings` package search for it.
 */
function loadAddon(): object {
  if (addon === undefined) {
    try {
      const require = createRequire(import.meta.url);
      addon = require(require.resolve('better-sqlite3/build/Release/better_sqlite3.node')) as object;
    } catch (error) {
      throw new MlopsError('INTERNAL', `The SQLite driver better-sqlite3 could not be loaded (${(error as Error).message}); run npm ci to build it for this Node version`, {
        cause: error,
      });
    }
  }
  return addon;
}

export interface OpenDatabaseOptions {
  /**
   * An empty MLflow database at MLFLOW_REVISION that a new file starts as a copy of (default: the
   * one the build leaves, schemaTemplatePath()); false, or a template that is not there, runs
   * MLflow's schema statements instead.
   */
  schemaTemplate?: string | false;
}

/**
 * Opens (creating when absent) an MLflow tracking database: WAL so readers never wait for a
 * writer, a busy timeout so writers from other processes (ours or a real `mlflow server`) queue
 * instead of failing, foreign keys on as MLflow's SQLAlchemy engine sets them. An empty file
 * gets MLflow's schema at MLFLOW_REVISION; an existing one must be at that revision, or at a
 * newer one that still has every column this store uses.
 *
 * A file that does not exist yet starts as a copy of the schema template when there is one
 * (writeSchemaTemplate, run by the build): copying ~1 MB takes ~3 ms, where running the ~150
 * statements takes ~15 ms and leaves ~1 MB in the WAL that closing the database then copies
 * into the file and fsyncs (~12 ms more).
 */
export function openMlflowDatabase(path: string, options: OpenDatabaseOptions = {}): Database {
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (error) {
    throw new MlopsError('IO', `Could not create the folder of the tracking database ${path}: ${(error as Error).message}`, { cause: error, details: { path } });
  }
  const nativeBinding = loadAddon();
  const template = options.schemaTemplate ?? schemaTemplatePath();
  if (template !== false && !existsSync(path)) seedFromTemplate(path, template);
  let db: Database;
  try {
    db = new BetterSqlite3(path, { timeout: BUSY_TIMEOUT_MS, nativeBinding: nativeBinding as never });
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

/**
 * Creates `path` as a copy of `template`, or leaves it absent (then the schema statements run as
 * before): the copy is written to a temporary file beside it, fsynced, and hard-linked to `path`,
 * which fails when another process created the database meanwhile (theirs is kept), so no reader
 * ever sees a part-written file, and the name never outlives a power loss without its bytes. The
 * folder is not fsynced here: SQLite fsyncs it when it creates the WAL file beside the database,
 * on the first write, before anything is committed to it; a database lost before that held no
 * data, and is simply created again. Any failure (no template, no hard links on this file system)
 * just falls back.
 */
function seedFromTemplate(path: string, template: string): void {
  if (!existsSync(template)) return;
  const temp = join(dirname(path), `${TEMP_FILE_PREFIX}${basename(path)}.${randomUUID()}.tmp`);
  try {
    copyFileSync(template, temp, constants.COPYFILE_EXCL);
    syncFile(temp);
    linkSync(temp, path);
  } catch {
    // Fall back to the statements (or, on EEXIST, open the database the other process made).
  } finally {
    rmSync(temp, { force: true });
  }
}

function syncFile(path: string): void {
  const fd = openSync(path, 'r+');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Writes an empty MLflow database at MLFLOW_REVISION to `target` (the build's schema template):
 * made by the same statements as a new database without a template, closed (so its WAL is
 * checkpointed into the file and removed), then renamed into place.
 */
export function writeSchemaTemplate(target: string): void {
  const temp = `${target}.${process.pid}.tmp`;
  rmSync(temp, { force: true });
  mkdirSync(dirname(target), { recursive: true });
  openMlflowDatabase(temp, { schemaTemplate: false }).close();
  renameSync(temp, target);
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
