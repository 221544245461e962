import { MlopsError } from '../../errors.js';
import { parseSchema } from './schema.js';
import type { IngestSchema } from './schema.js';

export const FILE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type FileFormat = (typeof FILE_FORMATS)[number];

/** `auto` picks each file's format by its extension; a named format reads every listed file as that format. */
export type FormatSetting = FileFormat | 'auto';
export type OnChange = 'reingest' | 'ignore' | 'fail';
export type OnBadFile = 'quarantine' | 'fail';
export type OnExtraColumns = 'rescue' | 'fail';

/** The data_ingestion_job parameters, named as in the reference bundle plus this project's own. */
export interface IngestParams {
  /** A folder path (relative paths resolve against the config file's folder), file://, abfss:// or https:// URL. */
  source_path: string;
  /** Volume path under which `ingested/` and `quarantine/` are written. */
  volume_path: string;
  /** Volume path of the folder holding the ingest ledger. */
  checkpoint_path: string;
  /** auto (default: by extension), csv, jsonl (or json), parquet. */
  format?: string;
  /** The MLflow experiment of the ingestion runs; default the training job's experiment_path. */
  experiment_path?: string;
  /** Column definitions (see parseSchema); '' means the Iris schema. */
  schema?: string;
  /** What to do with a file changed in place since it was ingested: reingest (default), ignore or fail. */
  on_change?: string;
  /** What to do with a file that cannot be parsed at all: quarantine (default) or fail. */
  on_bad_file?: string;
  /** Columns beyond the schema: rescue (default) into _rescued_data, or fail the file. */
  on_extra_columns?: string;
  /** Rows per output Parquet file (a bigger source file is split into parts); default 1,000,000. */
  max_rows_per_file?: string;
}

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
}

export const DEFAULT_MAX_ROWS_PER_FILE = 1_000_000;

/** Checks every parameter before anything is read or written; problems are CONFIG_INVALID naming the parameter. */
export function parseIngestSettings(params: IngestParams): IngestSettings {
  return {
    sourcePath: required(params, 'source_path'),
    volumePath: required(params, 'volume_path'),
    checkpointPath: required(params, 'checkpoint_path'),
    format: parseFormat(params.format),
    schema: parseSchema(params.schema),
    onChange: oneOf(params, 'on_change', ['reingest', 'ignore', 'fail'] as const, 'reingest'),
    onBadFile: oneOf(params, 'on_bad_file', ['quarantine', 'fail'] as const, 'quarantine'),
    onExtraColumns: oneOf(params, 'on_extra_columns', ['rescue', 'fail'] as const, 'rescue'),
    maxRowsPerFile: positiveInteger(params, 'max_rows_per_file', DEFAULT_MAX_ROWS_PER_FILE),
    experimentPath: params.experiment_path?.trim() || undefined,
  };
}

/** The `format` parameter: auto by default, case-insensitive, json is an alias of jsonl (JSON Lines). */
export function parseFormat(format: string | undefined): FormatSetting {
  const normalized = (format ?? '').trim().toLowerCase();
  if (normalized === '' || normalized === 'auto') return 'auto';
  if (normalized === 'json' || normalized === 'ndjson') return 'jsonl';
  const known = FILE_FORMATS.find((candidate) => candidate === normalized);
  if (known === undefined) {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "format" is ${JSON.stringify(format)}; expected auto, csv, jsonl (or json) or parquet`, {
      details: { parameter: 'format', found: format },
    });
  }
  return known;
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

function required(params: IngestParams, key: 'source_path' | 'volume_path' | 'checkpoint_path'): string {
  const value = params[key];
  if (typeof value !== 'string' || value.trim() === '') {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "${key}" is required; found ${JSON.stringify(value)}`, { details: { parameter: key } });
  }
  return value.trim();
}

function oneOf<T extends string>(params: IngestParams, key: keyof IngestParams, allowed: readonly T[], fallback: T): T {
  const raw = params[key];
  const value = (raw ?? '').trim().toLowerCase();
  if (value === '') return fallback;
  const match = allowed.find((candidate) => candidate === value);
  if (match === undefined) {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "${key}" is ${JSON.stringify(raw)}; expected one of ${allowed.join(', ')}`, {
      details: { parameter: key, found: raw },
    });
  }
  return match;
}

function positiveInteger(params: IngestParams, key: keyof IngestParams, fallback: number): number {
  const raw = (params[key] ?? '').trim();
  if (raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new MlopsError('CONFIG_INVALID', `Job parameter "${key}" must be a positive integer; found ${JSON.stringify(params[key])}`, {
      details: { parameter: key, found: params[key] },
    });
  }
  return value;
}
