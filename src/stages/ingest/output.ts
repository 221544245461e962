import { createHash } from 'node:crypto';
import * as arrow from 'apache-arrow';
import type { IngestColumn, IngestSchema } from './schema.js';

export const INGESTED_FOLDER = 'ingested';
export const QUARANTINE_FOLDER = 'quarantine';
/** Under the quarantine folder: copies of whole files that could not be parsed (hidden from Parquet readers by the _). */
export const QUARANTINED_FILES_FOLDER = '_files';
export const RESCUED_DATA_COLUMN = '_rescued_data';
export const SOURCE_FILE_COLUMN = '_source_file';
export const INGESTED_AT_COLUMN = '_ingested_at';
export const PARTITION_COLUMN = 'ingest_date';

// UTC-adjusted, so Spark and Databricks read it as TIMESTAMP rather than TIMESTAMP_NTZ.
export const INGESTED_AT_TYPE = new arrow.TimestampMillisecond('UTC');
/** Strings are dictionary-encoded in memory (and so in Parquet); readers see plain strings. */
export const DICTIONARY_STRING = (): arrow.Dictionary<arrow.Utf8, arrow.Int32> => new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32());

export function arrowTypeOf(column: IngestColumn): arrow.DataType {
  switch (column.type) {
    case 'double':
      return new arrow.Float64();
    case 'bigint':
      return new arrow.Int64();
    case 'int':
      return new arrow.Int32();
    case 'string':
      return DICTIONARY_STRING();
  }
}

/** The columns of every ingested Parquet file: the schema's, the rescued extras, then where and when each row came from. */
export function ingestedArrowSchema(schema: IngestSchema): arrow.Schema {
  return new arrow.Schema([
    ...schema.columns.map((column) => new arrow.Field(column.name, arrowTypeOf(column), column.nullable)),
    new arrow.Field(RESCUED_DATA_COLUMN, new arrow.Utf8(), true),
    new arrow.Field(SOURCE_FILE_COLUMN, DICTIONARY_STRING(), false),
    new arrow.Field(INGESTED_AT_COLUMN, INGESTED_AT_TYPE, false),
  ]);
}

/** The quarantine table: the raw record (null for a whole file), where it was, and why it was set aside. */
export const QUARANTINE_ARROW_SCHEMA = new arrow.Schema([
  new arrow.Field('raw_record', new arrow.Utf8(), true),
  new arrow.Field(SOURCE_FILE_COLUMN, DICTIONARY_STRING(), false),
  new arrow.Field('row_number', new arrow.Int64(), true),
  new arrow.Field('reason', new arrow.Utf8(), false),
  new arrow.Field(INGESTED_AT_COLUMN, INGESTED_AT_TYPE, false),
]);

/** YYYY-MM-DD of an instant, in UTC. */
export function ingestDate(millis: number): string {
  return new Date(millis).toISOString().slice(0, 10);
}

/** <base>/ingest_date=YYYY-MM-DD: a Hive-style partition folder, so Spark and DuckDB see an ingest_date column. */
export function partitionFolder(base: string, millis: number): string {
  return joinVolumePath(base, `${PARTITION_COLUMN}=${ingestDate(millis)}`);
}

/**
 * The name stem of one attempt at ingesting one source file: the file's name without extension, then
 * 16 hex digits unique to the attempt. Every output of the attempt starts with it, so a crashed
 * attempt's leftovers can be found and removed by prefix.
 */
export function outputStem(sourcePath: string, attempt: string): string {
  const name = sourcePath.slice(sourcePath.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const base = (dot > 0 ? name.slice(0, dot) : name).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[._]+/, '') || 'file';
  const key = createHash('sha256').update(`${attempt}\n${sourcePath}`).digest('hex').slice(0, 16);
  return `${base.slice(0, 80)}.${key}`;
}

export function partFileName(stem: string, index: number): string {
  return `${stem}.part-${String(index).padStart(5, '0')}.parquet`;
}

/** Joins volume path segments with single slashes, whatever trailing slashes the parts carry. */
export function joinVolumePath(base: string, ...segments: string[]): string {
  return [base.replace(/\/+$/, ''), ...segments.map((segment) => segment.replace(/^\/+|\/+$/g, ''))].filter((part) => part !== '').join('/');
}
