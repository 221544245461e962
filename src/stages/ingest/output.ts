import * as arrow from 'apache-arrow';
import type { IngestSchema } from './schema.js';
import type { ValidatedFile } from './validate.js';

export const INGESTED_FOLDER = 'ingested';
export const QUARANTINE_FOLDER = 'quarantine';
export const SOURCE_FILE_COLUMN = '_source_file';
export const INGESTED_AT_COLUMN = '_ingested_at';

// UTC-adjusted, so Spark and Databricks read it as TIMESTAMP rather than TIMESTAMP_NTZ.
const INGESTED_AT_TYPE = new arrow.TimestampMillisecond('UTC');

/** The columns of every ingested Parquet file: the schema's columns, then where and when each row came from. */
export function ingestedArrowSchema(schema: IngestSchema): arrow.Schema {
  return new arrow.Schema([
    ...schema.columns.map((column) => new arrow.Field(column.name, column.type === 'float64' ? new arrow.Float64() : new arrow.Utf8(), false)),
    new arrow.Field(SOURCE_FILE_COLUMN, new arrow.Utf8(), false),
    new arrow.Field(INGESTED_AT_COLUMN, INGESTED_AT_TYPE, false),
  ]);
}

export const QUARANTINE_ARROW_SCHEMA = new arrow.Schema([
  new arrow.Field('raw_line', new arrow.Utf8(), false),
  new arrow.Field(SOURCE_FILE_COLUMN, new arrow.Utf8(), false),
  new arrow.Field('line_number', new arrow.Int32(), false),
  new arrow.Field('reason', new arrow.Utf8(), false),
  new arrow.Field(INGESTED_AT_COLUMN, INGESTED_AT_TYPE, false),
]);

export function buildIngestedTable(schema: IngestSchema, validated: ValidatedFile, ingestedAt: number): arrow.Table {
  const rows = validated.rows;
  const children = schema.columns.map((column, index) => {
    const values = validated.columns[index] ?? [];
    return column.type === 'float64' ? float64Data(values as number[]) : utf8Data(values as string[]);
  });
  children.push(utf8Data(new Array<string>(rows).fill(validated.file)), timestampData(rows, ingestedAt));
  return tableOf(ingestedArrowSchema(schema), rows, children);
}

export function buildQuarantineTable(validated: ValidatedFile, ingestedAt: number): arrow.Table {
  const rows = validated.quarantined;
  return tableOf(QUARANTINE_ARROW_SCHEMA, rows.length, [
    utf8Data(rows.map((row) => row.raw)),
    utf8Data(new Array<string>(rows.length).fill(validated.file)),
    arrow.makeData({ type: new arrow.Int32(), length: rows.length, nullCount: 0, data: Int32Array.from(rows, (row) => row.line) }),
    utf8Data(rows.map((row) => row.reason)),
    timestampData(rows.length, ingestedAt),
  ]);
}

/**
 * The output file for a source file: its folder and name without extension, then the first 16 hex
 * digits of its content hash. The same bytes always map to the same name, so re-ingesting after a
 * failure overwrites instead of duplicating, and a rewritten file gets a name of its own.
 */
export function outputFileName(sourcePath: string, sha256: string): string {
  const slash = sourcePath.lastIndexOf('/');
  const folder = sourcePath.slice(0, slash + 1);
  const name = sourcePath.slice(slash + 1);
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return `${folder}${stem}.${sha256.slice(0, 16)}.parquet`;
}

/** Joins volume path segments with single slashes, whatever trailing slashes the parts carry. */
export function joinVolumePath(base: string, ...segments: string[]): string {
  return [base.replace(/\/+$/, ''), ...segments.map((segment) => segment.replace(/^\/+|\/+$/g, ''))].filter((part) => part !== '').join('/');
}

function tableOf(schema: arrow.Schema, length: number, children: arrow.Data[]): arrow.Table {
  const struct = arrow.makeData({ type: new arrow.Struct(schema.fields), length, nullCount: 0, children });
  return new arrow.Table([new arrow.RecordBatch(schema, struct)]);
}

function float64Data(values: readonly number[]): arrow.Data {
  return arrow.makeData({ type: new arrow.Float64(), length: values.length, nullCount: 0, data: Float64Array.from(values) });
}

function utf8Data(values: readonly string[]): arrow.Data {
  const encoder = new TextEncoder();
  const encoded = values.map((value) => encoder.encode(value));
  const offsets = new Int32Array(values.length + 1);
  encoded.forEach((bytes, index) => (offsets[index + 1] = (offsets[index] ?? 0) + bytes.byteLength));
  const data = new Uint8Array(offsets[values.length] ?? 0);
  encoded.forEach((bytes, index) => data.set(bytes, offsets[index] ?? 0));
  return arrow.makeData({ type: new arrow.Utf8(), length: values.length, nullCount: 0, valueOffsets: offsets, data });
}

function timestampData(length: number, millis: number): arrow.Data {
  return arrow.makeData({ type: INGESTED_AT_TYPE, length, nullCount: 0, data: new BigInt64Array(length).fill(BigInt(millis)) });
}
