import { isMlopsError } from '../../errors.js';
import { ParamError, stageParams, type ParamsDeclaration, type ParamSpec } from '../declaration.js';
import { custom, integer, oneOf, text } from '../param-types.js';
import { MAX_NAME_LENGTH } from '../shared-params.js';
import { IRIS_SCHEMA_DDL, parseSchema, type IngestSchema } from './schema.js';

export const FILE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** `auto` picks each file's format by its extension; a named format reads every listed file as that format. */
export type FormatSetting = FileFormat | 'auto';
export type OnChange = 'reingest' | 'ignore' | 'fail';
export type OnBadFile = 'quarantine' | 'fail';
export type OnExtraColumns = 'rescue' | 'fail';

/** The data_ingestion_job parameters as given (strings), named as in the reference bundle plus this project's own. */
export interface IngestParams {
  /** A folder path (relative paths resolve against the config file's folder), file://, abfss:// or https:// URL. */
  source_path: string;
  /** Volume path under which `ingested/` and `quarantine/` are written. */
  volume_path: string;
  /** Volume path of the folder holding the ingest ledger. */
  checkpoint_path: string;
  format?: string;
  experiment_path?: string;
  schema?: string;
  on_change?: string;
  on_bad_file?: string;
  on_extra_columns?: string;
  max_rows_per_file?: string;
  ingested_table?: string;
}

/** The same parameters, read and checked. */
export interface IngestSettings {
  sourcePath: string;
  volumePath: string;
  checkpointPath: string;
  format: FormatSetting;
  schema: IngestSchema;
  onChange: OnChange;
  onBadFile: OnBadFile;
  onExtraColumns: OnExtraColumns;
  maxRowsPerFile: number;
  experimentPath: string | undefined;
  /** catalog.schema.table that Spark appends good rows to ('' = the local Parquet volume). */
  ingestedTable: string;
}

export const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;

/** The `schema` parameter (ingest reads the files by it; train takes its label and features from it). */
export const SCHEMA_PARAM: ParamSpec<IngestSchema> = custom({
  default: IRIS_SCHEMA_DDL,
  description: "column definitions: name TYPE [NOT NULL] [IN ('a', …)] [LABEL] [EXCLUDE], separated by commas ('' = Iris)",
  parse(raw) {
    try {
      return parseSchema(raw);
    } catch (error) {
      // parseSchema says where in the text it stopped; that is what the user needs to read.
      if (isMlopsError(error)) throw new ParamError(error.message.replace(/^Job parameter "schema":? (expected )?/, ''));
      throw error;
    }
  },
});

const TABLE_PART = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** `ingested_table`: '' (off) or catalog.schema.table, each part a plain identifier (the name goes into Spark SQL). */
export const INGESTED_TABLE_PARAM: ParamSpec<string> = custom({
  default: '',
  description: "catalog.schema.table that Spark appends the good rows to, and <table>_quarantine the bad ones ('' = Parquet on the volume); needs the target's Spark engine",
  parse(raw) {
    const value = raw.trim();
    if (value === '') return '';
    const parts = value.split('.');
    if (parts.length !== 3 || !parts.every((part) => TABLE_PART.test(part))) {
      throw new ParamError("'' or a three-level table name catalog.schema.table, each part letters, digits and _");
    }
    return value;
  },
});

export interface IngestParamValues {
  source_path: string;
  volume_path: string;
  checkpoint_path: string;
  format: FormatSetting;
  experiment_path: string;
  schema: IngestSchema;
  on_change: OnChange;
  on_bad_file: OnBadFile;
  on_extra_columns: OnExtraColumns;
  max_rows_per_file: number;
  ingested_table: string;
}

export const INGEST_PARAMS: ParamsDeclaration<IngestParamValues> = {
  name: 'ingest',
  params: {
    source_path: text({ required: true, description: 'the landing folder: a path, file://, abfss:// or https:// URL' }),
    volume_path: text({ required: true, description: 'the volume folder that receives ingested/ and quarantine/' }),
    checkpoint_path: text({ required: true, description: 'the volume folder that holds the ingest ledger' }),
    format: oneOf<FormatSetting>(['auto', ...FILE_FORMATS], {
      default: 'auto',
      empty: 'auto',
      aliases: { json: 'jsonl', ndjson: 'jsonl' },
      expected: 'auto, csv, jsonl (or json) or parquet',
      description: 'the files\' format; auto picks it by extension',
    }),
    experiment_path: text({ maxLength: MAX_NAME_LENGTH, description: "the MLflow experiment of ingestion runs ('' = the training job's)" }),
    schema: SCHEMA_PARAM,
    on_change: oneOf(['reingest', 'ignore', 'fail'] as const, { default: 'reingest', empty: 'reingest', description: 'a file changed in place since it was ingested' }),
    on_bad_file: oneOf(['quarantine', 'fail'] as const, { default: 'quarantine', empty: 'quarantine', description: 'a file that cannot be parsed at all' }),
    on_extra_columns: oneOf(['rescue', 'fail'] as const, { default: 'rescue', empty: 'rescue', description: 'columns beyond the schema' }),
    max_rows_per_file: integer({ default: String(DEFAULT_MAX_ROWS_PER_FILE), min: 1, max: 2 ** 31 - 1, empty: DEFAULT_MAX_ROWS_PER_FILE, description: 'rows per output Parquet part' }),
    ingested_table: INGESTED_TABLE_PARAM,
  },
};

/** Checks every parameter before anything is read or written: CONFIG_INVALID listing each problem. */
export function parseIngestSettings(params: IngestParams): IngestSettings {
  return ingestSettings(stageParams(INGEST_PARAMS, params as unknown as Record<string, string | undefined>));
}

export function ingestSettings(values: IngestParamValues): IngestSettings {
  return {
    sourcePath: values.source_path,
    volumePath: values.volume_path,
    checkpointPath: values.checkpoint_path,
    format: values.format,
    schema: values.schema,
    onChange: values.on_change,
    onBadFile: values.on_bad_file,
    onExtraColumns: values.on_extra_columns,
    maxRowsPerFile: values.max_rows_per_file,
    experimentPath: values.experiment_path || undefined,
    ingestedTable: values.ingested_table,
  };
}

const EXTENSIONS: Record<string, FileFormat> = {
  csv: 'csv',
  jsonl: 'jsonl',
  ndjson: 'jsonl',
  json: 'jsonl',
  parquet: 'parquet',
  pq: 'parquet',
};

/** A file's format under a format setting; undefined when `auto` does not know the extension. */
export function formatOf(filePath: string, setting: FormatSetting): FileFormat | undefined {
  if (setting !== 'auto') return setting;
  const name = filePath.slice(filePath.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot <= 0 ? undefined : EXTENSIONS[name.slice(dot + 1).toLowerCase()];
}
