import { MlopsError } from '../../errors.js';
import type { WriteMode } from '../../workspace/types.js';
import type { OnInvalid } from './score-batch.js';

export const DEFAULT_BATCH_SIZE = 65_536;
export const DEFAULT_OUTPUT_TABLE = 'iris_predictions';

/** Where rows come from or go to: a Parquet file or folder (a volume or local path), or a table. */
export type DataRef = { kind: 'path'; path: string } | { kind: 'table'; name: string };

/** batch_inference_job's parameters, checked and typed. */
export interface ScoreJobOptions {
  modelUri: string;
  /** The model_name parameter; the registered name comes from the resolved version when there is one. */
  modelName: string;
  input: DataRef;
  output: DataRef;
  /** Rows per scoring batch, which is also the rows per Parquet row group. */
  batchSize: number;
  mode: WriteMode;
  /** A column of the output to partition a Parquet folder by (Hive style: <column>=<value>/). */
  partitionBy: string | undefined;
  onInvalid: OnInvalid;
}

/**
 * Reads the job parameters (all strings, as Databricks job parameters are):
 * model_uri (default models:/<model_name>@champion), input_path (a Parquet file, a folder of them,
 * or a three-level table name), output_path (a `.parquet` file or a folder; empty = write
 * output_table, a bare name placed in catalog_name.schema_name), batch_size, mode
 * (overwrite|append), partition_by and on_invalid (error|null).
 */
export function parseScoreParams(params: Record<string, string>): ScoreJobOptions {
  const modelName = params.model_name ?? '';
  const modelUri = params.model_uri || (modelName ? `models:/${modelName}@champion` : '');
  if (!modelUri) throw configError('model_uri', 'batch_inference_job needs model_uri or model_name');
  const inputPath = params.input_path ?? '';
  if (!inputPath) throw configError('input_path', 'batch_inference_job parameter "input_path" is required: a Parquet file, a folder of Parquet files or a table name');
  const mode = params.mode || 'overwrite';
  if (mode !== 'overwrite' && mode !== 'append') throw configError('mode', `batch_inference_job parameter "mode" must be overwrite or append, got "${mode}"`);
  const onInvalid = params.on_invalid || 'error';
  if (onInvalid !== 'error' && onInvalid !== 'null') throw configError('on_invalid', `batch_inference_job parameter "on_invalid" must be error or null, got "${onInvalid}"`);
  const output: DataRef = params.output_path ? { kind: 'path', path: params.output_path } : { kind: 'table', name: qualifiedTableName(params) };
  const partitionBy = params.partition_by || undefined;
  if (partitionBy !== undefined && output.kind === 'table') {
    throw configError('partition_by', `partition_by "${partitionBy}" needs output_path (a folder): tables are written unpartitioned`);
  }
  if (output.kind === 'path' && isParquetFileName(output.path)) {
    if (mode === 'append') throw configError('mode', `Cannot append to the single Parquet file ${output.path}: give output_path a folder to append part files to`);
    if (partitionBy !== undefined) throw configError('partition_by', `Cannot partition into the single Parquet file ${output.path}: give output_path a folder`);
  }
  return {
    modelUri,
    modelName,
    input: isTableName(inputPath) ? { kind: 'table', name: inputPath } : { kind: 'path', path: inputPath },
    output,
    batchSize: parseBatchSize(params.batch_size),
    mode,
    partitionBy,
    onInvalid,
  };
}

/** output_table may be a bare name (placed in catalog_name.schema_name) or a full three-level name. */
export function qualifiedTableName(params: Record<string, string>): string {
  const name = params.output_table || DEFAULT_OUTPUT_TABLE;
  if (name.split('.').length === 3) return name;
  const catalog = params.catalog_name;
  const schema = params.schema_name;
  if (!catalog || !schema) {
    throw configError('output_table', `output_table "${name}" is not a three-level name and catalog_name/schema_name are not set`);
  }
  return `${catalog}.${schema}.${name}`;
}

/** catalog.schema.table, as opposed to a path: no slash, three dot-separated parts, not a .parquet file. */
export function isTableName(value: string): boolean {
  return !value.includes('/') && !value.includes('\\') && value.split('.').length === 3 && value.split('.').every((part) => part !== '') && !isParquetFileName(value);
}

/** An output path naming one file rather than a folder of part files. */
export function isParquetFileName(path: string): boolean {
  return path.toLowerCase().endsWith('.parquet');
}

function parseBatchSize(value: string | undefined): number {
  if (value === undefined || value === '') return DEFAULT_BATCH_SIZE;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new MlopsError('INVALID_ARGUMENT', `batch_size must be a positive integer, got "${value}"`, { details: { parameter: 'batch_size', value } });
  return n;
}

function configError(parameter: string, message: string): MlopsError {
  return new MlopsError('CONFIG_INVALID', message, { details: { parameter } });
}
