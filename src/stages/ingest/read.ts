import * as arrow from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { parquetToTable } from '../../io/parquet.js';
import type { CallOptions, VolumeStore } from '../../workspace/types.js';
import { ingestedArrowSchema } from './output.js';
import { IRIS_SCHEMA } from './schema.js';
import type { IngestSchema } from './schema.js';

export interface ReadIngestedOptions extends CallOptions {
  /** Gives the columns of the (empty) table returned when nothing has been ingested; default Iris. */
  schema?: IngestSchema;
}

/**
 * Reads every Parquet file under the ingest stage's output folder (recursively, in path order) into one
 * table with the ingested columns. NOT_FOUND if the folder does not exist; SCHEMA_MISMATCH naming the
 * file if one file's columns differ from the others'.
 */
export async function readIngested(volumes: VolumeStore, outputPath: string, options: ReadIngestedOptions = {}): Promise<arrow.Table> {
  const call: CallOptions = options.signal === undefined ? {} : { signal: options.signal };
  const files: string[] = [];
  try {
    for await (const entry of volumes.list(outputPath, { ...call, recursive: true })) {
      if (!entry.isDirectory && entry.path.endsWith('.parquet')) files.push(entry.path);
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
  files.sort();

  let schema: arrow.Schema | undefined;
  let firstFile = '';
  const batches: arrow.RecordBatch[] = [];
  for (const file of files) {
    throwIfAborted(options.signal);
    const table = parquetToTable(await volumes.read(file, call), { source: file });
    if (schema === undefined) {
      schema = table.schema;
      firstFile = file;
    } else if (!sameColumns(schema, table.schema)) {
      throw new MlopsError(
        'SCHEMA_MISMATCH',
        `${file} has columns [${describeColumns(table.schema)}] but ${firstFile} has [${describeColumns(schema)}]; all files under ${outputPath} must share one schema`,
        { details: { file, expected: describeColumns(schema), found: describeColumns(table.schema) } },
      );
    }
    const tableSchema = schema;
    // Re-labelled with the first file's schema so nullability differences cannot split the table.
    batches.push(...table.batches.map((batch) => new arrow.RecordBatch(tableSchema, batch.data)));
  }
  if (schema === undefined) return new arrow.Table(ingestedArrowSchema(options.schema ?? IRIS_SCHEMA));
  return batches.length === 0 ? new arrow.Table(schema) : new arrow.Table(batches);
}

function sameColumns(a: arrow.Schema, b: arrow.Schema): boolean {
  return (
    a.fields.length === b.fields.length &&
    a.fields.every((field, index) => {
      const other = b.fields[index];
      return other !== undefined && other.name === field.name && arrow.util.compareTypes(field.type, other.type);
    })
  );
}

function describeColumns(schema: arrow.Schema): string {
  return schema.fields.map((field) => `${field.name}: ${String(field.type)}`).join(', ');
}
