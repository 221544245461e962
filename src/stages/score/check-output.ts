import * as fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { JOB_NAMES, type ResolvedConfig } from '../../config/types.js';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { TEMP_FILE_PREFIX } from '../../io/atomic-file.js';
import { errnoCode } from '../../io/fs-errors.js';
import { openParquetFile, openParquetRanges } from '../../io/parquet.js';
import type { Workspace } from '../../workspace/types.js';
import type { SparkEngine } from '../../engine/spark-engine.js';
import { decideReplace, findPlacementConflict, relationPhrase, type ExistingOutput, type GuardedPlace, type Place } from './output-safety.js';
import { INGESTED_FOLDER, QUARANTINE_FOLDER } from '../ingest/output.js';
import { isParquetFileName, isTableName, parseScoreParams } from './params.js';

export interface OutputCheckContext {
  workspace: Workspace;
  config: ResolvedConfig;
  /** The target's Spark engine: an output table is looked up there, not in the workspace. */
  spark?: SparkEngine;
  signal?: AbortSignal;
}

/** Parameters whose values name data the project reads or keeps: an output never touches them. */
const DATA_PARAMETERS = ['input_table', 'input_path', 'source_path', 'checkpoint_path', 'data_path', 'pkl_path'] as const;

/**
 * The score stage's guard, called before any work (and by runJob before a job run is created):
 * throws CONFIG_INVALID naming the parameter and both places when output_path or output_table
 * overlaps an input, the landing files, ingested data, the workspace or the config's folder, or
 * when it would replace something batch_inference_job did not write (see output-safety.ts).
 */
export async function checkScoreOutput(ctx: OutputCheckContext, params: Record<string, string>): Promise<void> {
  const options = parseScoreParams(params);
  if (options.partitionBy !== undefined && options.output.kind === 'table' && ctx.spark === undefined) {
    throw new MlopsError('CONFIG_INVALID', `partition_by "${options.partitionBy}": expected output_path (a folder), or a target with a Spark engine: workspace tables are written unpartitioned`, {
      details: { parameter: 'partition_by', found: options.partitionBy },
    });
  }
  const parameter = options.output.kind === 'table' ? 'output_table' : 'output_path';
  const named = options.output.kind === 'table' ? options.output.name : options.output.path;
  const output = await placeOf(named, ctx);
  if (output === undefined) return;
  const shown = describePlace(named, output);

  const conflict = findPlacementConflict(output, await guardedPlaces(ctx, params));
  if (conflict !== undefined) {
    throw new MlopsError(
      'CONFIG_INVALID',
      `${parameter} ${shown} ${relationPhrase(conflict.relation)} ${conflict.guarded.what}: batch_inference_job never writes over its inputs, the project's data or its workspace; choose another ${parameter}`,
      { details: { parameter, output: placeText(output), conflict: placeText(conflict.guarded.place), relation: conflict.relation } },
    );
  }

  const layout = options.output.kind === 'table' ? 'table' : isParquetFileName(named) ? 'file' : 'folder';
  const existing = await inspect(output, ctx);
  const decision = decideReplace(existing, layout, options.mode, TEMP_FILE_PREFIX);
  if (!decision.allowed) {
    throw new MlopsError(
      'CONFIG_INVALID',
      `${parameter} ${shown} cannot be ${options.mode === 'append' ? 'appended to' : 'replaced'}: ${decision.reason}. batch_inference_job replaces only an empty output or one it wrote; choose another ${parameter}, or remove it yourself if it should go`,
      { details: { parameter, output: placeText(output) } },
    );
  }
}

/** What the output must keep away from: this job's parameters first (so messages name them), then every job's in the config. */
async function guardedPlaces(ctx: OutputCheckContext, params: Record<string, string>): Promise<GuardedPlace[]> {
  const guarded: GuardedPlace[] = [];
  const add = async (value: string | undefined, what: string, rule: GuardedPlace['rule']): Promise<void> => {
    if (value === undefined || value === '') return;
    const place = await placeOf(value, ctx);
    if (place !== undefined) guarded.push({ place, what, rule });
  };
  const fromParameters = async (values: Record<string, string>, owner: string): Promise<void> => {
    for (const key of DATA_PARAMETERS) await add(values[key], `${key}${owner} (${values[key]})`, 'overlap');
    const volume = values.volume_path?.replace(/\/+$/, '');
    if (volume) {
      await add(`${volume}/${INGESTED_FOLDER}`, `the ingested data of volume_path${owner} (${volume}/${INGESTED_FOLDER})`, 'overlap');
      await add(`${volume}/${QUARANTINE_FOLDER}`, `the quarantined files of volume_path${owner} (${volume}/${QUARANTINE_FOLDER})`, 'overlap');
    }
  };
  await fromParameters(params, '');
  for (const job of JOB_NAMES) await fromParameters(ctx.config.jobs[job]?.parameters ?? {}, ` of ${job}`);
  return [...guarded, ...(await projectPlaces(ctx))];
}

/**
 * What no job writes over: the local workspace and the config's folder (writing inside them is
 * normal: rule `contain`), the MLflow store, the workspace's tables and reports and the config file
 * (rule `overlap`). Shared by the score stage's and the ingest stage's checks.
 */
export async function projectPlaces(ctx: OutputCheckContext): Promise<GuardedPlace[]> {
  const guarded: GuardedPlace[] = [];
  const add = async (value: string | undefined, what: string, rule: GuardedPlace['rule']): Promise<void> => {
    if (value === undefined || value === '') return;
    const place = await placeOf(value, ctx);
    if (place !== undefined) guarded.push({ place, what, rule });
  };
  const { config } = ctx;
  if (config.workspace.type === 'local') {
    const root = config.workspace.root;
    await add(root, `the local workspace (${root})`, 'contain');
    for (const store of ['mlruns', 'mlflow.db', 'mlartifacts', 'tables', 'reports']) await add(path.join(root, store), `the workspace's ${store} (${path.join(root, store)})`, 'overlap');
  }
  if (config.trackingUri.startsWith('file:')) await add(config.trackingUri, `the MLflow store (${config.trackingUri})`, 'overlap');
  await add(config.configDir, `the config's folder (${config.configDir})`, 'contain');
  if (config.configPath !== undefined) await add(config.configPath, `the config file (${config.configPath})`, 'overlap');
  return guarded;
}

/** A parameter value as a place: a table name, a volume path (local or remote), a local path or file: URI; undefined for other URLs (abfss://…). */
export async function placeOf(value: string, ctx: OutputCheckContext): Promise<Place | undefined> {
  if (isTableName(value)) return { kind: 'table', name: value.toLowerCase() };
  if (value.startsWith('file:')) return { kind: 'local', path: await realPathOf(fileURLToPath(value)) };
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value)) return undefined;
  if (value.startsWith('/Volumes/')) {
    const volumes = ctx.workspace.volumes as typeof ctx.workspace.volumes & { localPath?: (volumePath: string) => string };
    if (typeof volumes.localPath !== 'function') return { kind: 'volume', path: value.replace(/\/+$/, '') };
    try {
      return { kind: 'local', path: await realPathOf(volumes.localPath(value)) };
    } catch {
      return undefined; // not a valid volume path: the stage that reads it says so
    }
  }
  return { kind: 'local', path: await realPathOf(path.resolve(ctx.config.configDir, value)) };
}

/** The path with symbolic links resolved as far as it exists, so a link cannot disguise a protected folder. */
async function realPathOf(file: string): Promise<string> {
  const missing: string[] = [];
  let current = path.resolve(file);
  for (;;) {
    try {
      return path.join(await fs.realpath(current), ...missing.reverse());
    } catch (error) {
      const parent = path.dirname(current);
      if (parent === current || (errnoCode(error) !== 'ENOENT' && errnoCode(error) !== 'ENOTDIR')) return path.resolve(file);
      missing.push(path.basename(current));
      current = parent;
    }
  }
}

export async function inspect(output: Place, ctx: OutputCheckContext): Promise<ExistingOutput> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  throwIfAborted(ctx.signal);
  if (output.kind === 'table' && ctx.spark) {
    const session = await ctx.spark.session(signal);
    const name = ctx.spark.tableName(output.name);
    if (!(await session.catalog.tableExists(name, undefined, signal))) return { kind: 'absent' };
    return { kind: 'table', columns: await session.table(name).columns(signal) };
  }
  if (output.kind === 'table') {
    if (!(await ctx.workspace.tables.exists(output.name, signal))) return { kind: 'absent' };
    const info = await ctx.workspace.tables.describe(output.name, signal);
    return { kind: 'table', columns: info.schema.fields.map((field) => field.name) };
  }
  if (output.kind === 'local') {
    let info: import('node:fs').Stats;
    try {
      info = await fs.lstat(output.path);
    } catch (error) {
      if (errnoCode(error) === 'ENOENT') return { kind: 'absent' };
      throw error;
    }
    if (info.isDirectory()) return { kind: 'folder', entries: await fs.readdir(output.path) };
    return { kind: 'file', columns: await columnsOf(() => openParquetFile(output.path)) };
  }
  const entry = await ctx.workspace.volumes.stat(output.path, signal);
  if (entry === undefined) return { kind: 'absent' };
  if (entry.isDirectory) {
    const entries: string[] = [];
    for await (const child of ctx.workspace.volumes.list(output.path, signal)) entries.push(child.path.slice(child.path.lastIndexOf('/') + 1));
    return { kind: 'folder', entries };
  }
  return { kind: 'file', columns: await columnsOf(() => openParquetRanges(entry.size, (start, end) => ctx.workspace.volumes.readRange(output.path, start, end, signal), output.path)) };
}

/** The column names of a Parquet file, or undefined when it is not one. */
async function columnsOf(open: () => Promise<{ schema: { fields: { name: string }[] }; close(): Promise<void> }>): Promise<string[] | undefined> {
  try {
    const source = await open();
    try {
      return source.schema.fields.map((field) => field.name);
    } finally {
      await source.close();
    }
  } catch {
    return undefined;
  }
}

export function describePlace(named: string, place: Place): string {
  const text = placeText(place);
  return text === named ? `"${named}"` : `"${named}" (${text})`;
}

export function placeText(place: Place): string {
  return place.kind === 'table' ? place.name : place.path;
}
