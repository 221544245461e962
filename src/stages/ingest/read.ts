import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { parquetToTable } from '../../io/parquet.js';
import { createHash } from 'node:crypto';
import type { CallOptions, VolumeEntry, VolumeStore } from '../../workspace/types.js';
import { INGESTED_AT_TYPE, RESCUED_DATA_COLUMN, SOURCE_FILE_COLUMN, INGESTED_AT_COLUMN } from './output.js';
import { IRIS_SCHEMA } from './schema.js';
import type { IngestSchema } from './schema.js';
import { pushAll } from '../../arrays.js';

export interface ReadIngestedOptions extends CallOptions {
  /** Gives the columns of the (empty) table returned when nothing has been ingested; default Iris. */
  schema?: IngestSchema;
}

/**
 * Reads every Parquet file below the ingest stage's output folder (recursively, in path order: every
 * ingest_date=… partition and every run) into one table. Names starting with _ or . are skipped, as
 * Spark does. Strings come back as plain Utf8 and every file gets _rescued_data (null where an older
 * file had none), so files written by different versions read as one dataset. NOT_FOUND if the folder
 * does not exist; SCHEMA_MISMATCH naming the file if one file's columns differ from the others'.
 */
export async function readIngested(volumes: VolumeStore, outputPath: string, options: ReadIngestedOptions = {}): Promise<arrow.Table> {
  const call: CallOptions = options.signal === undefined ? {} : { signal: options.signal };
  const files = await listDataFiles(volumes, outputPath, call);
  let reference: arrow.Schema | undefined;
  let firstFile = '';
  const batches: arrow.RecordBatch[] = [];
  for (const file of files) {
    throwIfAborted(options.signal);
    const table = normalize(parquetToTable(await volumes.read(file, call), { source: file }));
    if (reference === undefined) {
      reference = table.schema;
      firstFile = file;
    }
    const aligned = align(table, reference);
    if (aligned === undefined) {
      throw new MlopsError(
        'SCHEMA_MISMATCH',
        `${file} has columns [${describeColumns(table.schema)}] but ${firstFile} has [${describeColumns(reference)}]; all files under ${outputPath} must share one schema`,
        { details: { file, expected: describeColumns(reference), found: describeColumns(table.schema) } },
      );
    }
    pushAll(batches, aligned);
  }
  if (reference === undefined) return new arrow.Table(emptySchema(options.schema ?? IRIS_SCHEMA));
  return batches.length === 0 ? new arrow.Table(reference) : new arrow.Table(batches);
}

/** The data files of the ingested dataset, in path order. */
export async function listDataFiles(volumes: VolumeStore, outputPath: string, call: CallOptions = {}): Promise<string[]> {
  return (await listDataEntries(volumes, outputPath, call)).map((entry) => entry.path);
}

/** The data files of the ingested dataset with their sizes and modification times, in path order. */
export async function listDataEntries(volumes: VolumeStore, outputPath: string, call: CallOptions = {}): Promise<VolumeEntry[]> {
  const files: VolumeEntry[] = [];
  const base = outputPath.replace(/\/+$/, '');
  try {
    for await (const entry of volumes.list(base, { ...call, recursive: true })) {
      if (entry.isDirectory || !entry.path.endsWith('.parquet')) continue;
      const relative = entry.path.slice(base.length + 1).split('/');
      if (relative.some((segment) => segment.startsWith('_') || segment.startsWith('.'))) continue;
      files.push(entry);
    }
  } catch (error) {
    if (error instanceof MlopsError && error.code === 'NOT_FOUND') {
      throw new MlopsError('NOT_FOUND', `No ingested data at ${outputPath}: the folder does not exist. Run the ingest stage (data_ingestion_job) first.`, {
        cause: error,
        details: { path: outputPath },
      });
    }
    throw error;
  }
  return files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/**
 * A fingerprint of the ingested dataset under outputPath: sha256 over each data file's path
 * (relative to it), size and modification time. Ingestion only adds or replaces files, so any new,
 * replaced or removed file changes it, without reading a byte of data. NOT_FOUND like listDataFiles.
 */
export async function ingestedFingerprint(volumes: VolumeStore, outputPath: string, call: CallOptions = {}): Promise<string> {
  const base = outputPath.replace(/\/+$/, '');
  const hash = createHash('sha256');
  for (const entry of await listDataEntries(volumes, outputPath, call)) hash.update(`${entry.path.slice(base.length + 1)}\0${entry.size}\0${entry.modifiedAt}\n`);
  return hash.digest('hex');
}

/** ingestedFingerprint of a folder, or a file's path, size and time; "absent" when nothing is there. */
export async function pathFingerprint(volumes: VolumeStore, path: string, call: CallOptions = {}): Promise<string> {
  const entry = await volumes.stat(path, call);
  if (entry === undefined) return 'absent';
  if (entry.isDirectory) return ingestedFingerprint(volumes, path, call);
  return createHash('sha256').update(`${entry.path}\0${entry.size}\0${entry.modifiedAt}`).digest('hex');
}

function emptySchema(schema: IngestSchema): arrow.Schema {
  return new arrow.Schema([
    ...schema.columns.map((column) => new arrow.Field(column.name, plainType(column.type), column.nullable)),
    new arrow.Field(RESCUED_DATA_COLUMN, new arrow.Utf8(), true),
    new arrow.Field(SOURCE_FILE_COLUMN, new arrow.Utf8(), false),
    new arrow.Field(INGESTED_AT_COLUMN, INGESTED_AT_TYPE, false),
  ]);
}

function plainType(type: IngestSchema['columns'][number]['type']): arrow.DataType {
  return type === 'double' ? new arrow.Float64() : type === 'bigint' ? new arrow.Int64() : type === 'int' ? new arrow.Int32() : new arrow.Utf8();
}

/** Dictionary-encoded strings decoded to Utf8; a missing _rescued_data added as nulls. */
function normalize(table: arrow.Table): arrow.Table {
  const columns: Record<string, arrow.Vector> = {};
  let changed = false;
  for (const field of table.schema.fields) {
    const vector = table.getChild(field.name)!;
    if (arrow.DataType.isDictionary(field.type)) {
      columns[field.name] = arrow.vectorFromArray([...vector].map((value) => (value === null ? null : String(value))), new arrow.Utf8());
      changed = true;
    } else columns[field.name] = vector;
  }
  if (!table.schema.fields.some((field) => field.name === RESCUED_DATA_COLUMN)) {
    columns[RESCUED_DATA_COLUMN] = arrow.vectorFromArray(new Array<string | null>(table.numRows).fill(null), new arrow.Utf8());
    changed = true;
  }
  if (!changed) return table;
  const fields = Object.entries(columns).map(([name, vector]) => {
    const original = table.schema.fields.find((field) => field.name === name);
    return new arrow.Field(name, vector.type, original?.nullable ?? true);
  });
  return new arrow.Table(new arrow.Schema(fields), Object.fromEntries(Object.entries(columns)));
}

/** The table's batches under the reference schema (columns by name), or undefined if they do not fit it. */
function align(table: arrow.Table, reference: arrow.Schema): arrow.RecordBatch[] | undefined {
  if (table.schema.fields.length !== reference.fields.length) return undefined;
  for (const field of reference.fields) {
    const other = table.schema.fields.find((candidate) => candidate.name === field.name);
    if (other === undefined || !compatible(field.type, other.type)) return undefined;
  }
  return table.batches.map((batch) => {
    const children = reference.fields.map((field) => {
      const data = batch.getChild(field.name)!.data[0]!;
      // Same buffers, the reference's type: only a timestamp's time zone label may differ.
      return data.type === field.type ? data : data.clone(field.type);
    });
    return new arrow.RecordBatch(reference, arrow.makeData({ type: new arrow.Struct(reference.fields), length: batch.numRows, nullCount: 0, children }));
  });
}

function compatible(a: arrow.DataType, b: arrow.DataType): boolean {
  if (arrow.DataType.isTimestamp(a) && arrow.DataType.isTimestamp(b)) return a.unit === b.unit && (a.timezone === null) === (b.timezone === null);
  return arrow.util.compareTypes(a, b);
}

function describeColumns(schema: arrow.Schema): string {
  return schema.fields.map((field) => `${field.name}: ${String(field.type)}`).join(', ');
}
