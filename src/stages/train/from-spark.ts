import type { Table } from 'apache-arrow';
import { MlopsError } from '../../errors.js';
import type { SparkEngine } from '../../engine/spark-engine.js';
import type { CallOptions } from '../../workspace/types.js';
import { modelColumns, type IngestSchema } from '../ingest/schema.js';

/**
 * The most rows train pulls from a Spark table into this process. Above it train stops with a
 * message saying so, rather than sampling silently: training on a sample is the user's choice
 * (a sampled table, e.g. CREATE TABLE … AS SELECT * FROM … TABLESAMPLE (n ROWS)). Two million rows
 * of a few DOUBLE columns are ~100 MB as Arrow, beside the copies training makes.
 */
export const MAX_SPARK_TRAINING_ROWS = 2_000_000;

/**
 * The training table's label and feature columns (only those: `_source_file` and the other
 * bookkeeping columns stay in Spark), pulled as Arrow. Counts first, so a table above the cap is
 * refused before a row is sent.
 */
export async function pullTrainingTable(spark: SparkEngine, name: string, schema: IngestSchema, options: CallOptions & { maxRows?: number } = {}): Promise<Table> {
  const call = options.signal ? { signal: options.signal } : {};
  const cap = options.maxRows ?? MAX_SPARK_TRAINING_ROWS;
  const session = await spark.session(call);
  const table = spark.tableName(name);
  const { label, features } = modelColumns(schema);
  const frame = session.table(table).select(...[...features.map((f) => f.name), label.name]);
  const rows = await frame.count(call);
  if (rows > cap) {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `data_path ${name} (Spark table ${table} at ${spark.remote}) has ${rows} rows, more than the ${cap} train pulls into this process; train on a sample table instead (CREATE TABLE … AS SELECT * FROM ${table} TABLESAMPLE (${cap} ROWS))`,
      { details: { data_path: name, rows, max_rows: cap } },
    );
  }
  return frame.toArrow(call);
}
