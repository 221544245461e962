import type { WriteMode } from '../../workspace/types.js';
import { stageParams, type ParamProblem, type ParamsDeclaration } from '../declaration.js';
import { integer, oneOf, text } from '../param-types.js';
import { modelNameParam } from '../shared-params.js';
import type { OnInvalid } from './score-batch.js';

export const DEFAULT_BATCH_SIZE = 65_536;
export const DEFAULT_OUTPUT_TABLE = 'iris_predictions';
/** A batch of more rows than this would need gigabytes for its tensors alone. */
export const MAX_BATCH_SIZE = 4_194_304;

/** Where rows come from or go to: a Parquet file or folder (a volume or local path), or a table. */
export type DataRef = { kind: 'path'; path: string } | { kind: 'table'; name: string };

/** batch_inference_job's parameters, as read. */
export interface ScoreParams {
  catalog_name: string;
  schema_name: string;
  model_name: string;
  model_uri: string;
  input_path: string;
  input_table: string;
  output_table: string;
  output_path: string;
  batch_size: number;
  mode: WriteMode;
  partition_by: string;
  on_invalid: OnInvalid;
}

/** batch_inference_job's parameters, resolved into what the scorer does. */
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

export const SCORE_PARAMS: ParamsDeclaration<ScoreParams> = {
  name: 'score',
  params: {
    catalog_name: text({ description: 'the catalog of a bare output_table' }),
    schema_name: text({ description: 'the schema of a bare output_table' }),
    model_name: modelNameParam({ required: false }),
    model_uri: text({ description: "any MLflow model URI ('' = models:/<model_name>@champion)" }),
    input_path: text({ description: 'a Parquet file, a folder of Parquet files or a table catalog.schema.table (when input_table is not set)' }),
    input_table: text({ description: "a table catalog.schema.table to score ('' = input_path); on a Spark target, a table of the engine" }),
    output_table: text({ default: DEFAULT_OUTPUT_TABLE, description: 'the predictions table (a bare name goes into catalog_name.schema_name)' }),
    output_path: text({ description: "'' writes output_table; a path ending in .parquet writes one file, another path a folder of parts" }),
    batch_size: integer({ default: String(DEFAULT_BATCH_SIZE), min: 1, max: MAX_BATCH_SIZE, empty: DEFAULT_BATCH_SIZE, description: 'rows per scoring batch and per row group' }),
    mode: oneOf(['overwrite', 'append'] as const, { default: 'overwrite', empty: 'overwrite', description: 'replace or add to the output' }),
    partition_by: text({ description: 'a prediction column to partition an output_path folder by (Hive style)' }),
    on_invalid: oneOf(['error', 'null'] as const, { default: 'error', empty: 'error', description: 'a row whose feature is invalid: stop, or write a null prediction' }),
  },
  check(params) {
    const problems: ParamProblem[] = [];
    if (!params.model_uri && !params.model_name) problems.push({ parameter: 'model_uri', expected: 'model_uri or model_name', found: '' });
    if (!params.input_table && !params.input_path) problems.push({ parameter: 'input_path', expected: 'input_path or input_table', found: '' });
    if (params.input_table && !isTableName(params.input_table)) problems.push({ parameter: 'input_table', expected: 'a three-level table name catalog.schema.table', found: params.input_table });
    const output = outputOf(params);
    if (output.kind === 'table' && !isQualified(output.name)) {
      problems.push({ parameter: 'output_table', expected: 'a three-level name, or catalog_name and schema_name set (catalog_name/schema_name are not set)', found: params.output_table });
    }
    if (output.kind === 'path' && isParquetFileName(output.path)) {
      if (params.mode === 'append') problems.push({ parameter: 'mode', expected: `overwrite: cannot append to the single Parquet file ${output.path} (give output_path a folder)`, found: params.mode });
      if (params.partition_by) problems.push({ parameter: 'partition_by', expected: `nothing: cannot partition into the single Parquet file ${output.path} (give output_path a folder)`, found: params.partition_by });
    }
    return problems;
  },
};

/** Reads batch_inference_job's job parameters (strings): CONFIG_INVALID listing every problem. */
export function parseScoreParams(params: Record<string, string>): ScoreJobOptions {
  return scoreJobOptions(stageParams(SCORE_PARAMS, params));
}

export function scoreJobOptions(params: ScoreParams): ScoreJobOptions {
  return {
    modelUri: params.model_uri || `models:/${params.model_name}@champion`,
    modelName: params.model_name,
    input: params.input_table ? { kind: 'table', name: params.input_table } : isTableName(params.input_path) ? { kind: 'table', name: params.input_path } : { kind: 'path', path: params.input_path },
    output: outputOf(params),
    batchSize: params.batch_size,
    mode: params.mode,
    partitionBy: params.partition_by || undefined,
    onInvalid: params.on_invalid,
  };
}

function outputOf(params: ScoreParams): DataRef {
  return params.output_path ? { kind: 'path', path: params.output_path } : { kind: 'table', name: qualifiedTableName(params) };
}

/** output_table may be a bare name (placed in catalog_name.schema_name) or a full three-level name. */
export function qualifiedTableName(params: Pick<Partial<ScoreParams>, 'output_table' | 'catalog_name' | 'schema_name'>): string {
  const name = params.output_table || DEFAULT_OUTPUT_TABLE;
  if (isQualified(name)) return name;
  const catalog = params.catalog_name;
  const schema = params.schema_name;
  return catalog && schema ? `${catalog}.${schema}.${name}` : name;
}

function isQualified(name: string): boolean {
  return name.split('.').length === 3;
}

/** catalog.schema.table, as opposed to a path: no slash, three dot-separated parts, not a .parquet file. */
export function isTableName(value: string): boolean {
  return !value.includes('/') && !value.includes('\\') && value.split('.').length === 3 && value.split('.').every((part) => part !== '') && !isParquetFileName(value);
}

/** An output path naming one file rather than a folder of part files. */
export function isParquetFileName(path: string): boolean {
  return path.toLowerCase().endsWith('.parquet');
}
