import path from 'node:path';
import { MlopsError } from '../../errors.js';
import type { SparkEngine } from '../../engine/spark-engine.js';
import type { ClassifierDescription } from '../../model/classifier.js';
import { compileClassifierSql } from '../../model/sql/compile.js';
import { sparkInstant, sqlIdentifier, sqlString } from '../../model/sql/literals.js';
import type { DataFrame } from '../../spark/dataframe.js';
import type { SparkSession } from '../../spark/session.js';
import type { StageContext } from '../context.js';
import { projectAll } from '../spark-table.js';
import type { ModelRef, PredictionSummary } from '../state.js';
import { INVALID_REASON_COLUMN, probabilityColumn } from './output-schema.js';
import type { DataRef, ScoreJobOptions } from './params.js';
import type { OnInvalid } from './score-batch.js';

export interface SparkProjectionOptions {
  model: ModelRef;
  scoredAt: number;
  onInvalid: OnInvalid;
}

/**
 * The projections that turn input rows into the prediction table's columns, to run one after the
 * other (selectExpr, chained): one per hidden layer of the model, adding its units as columns
 * (CompiledLayers says why), then the prediction table's columns in the batch scorer's order (see
 * output-schema.ts): the features (numeric ones as DOUBLE), prediction, one probability per label,
 * invalid_reason (on_invalid null only), model_name, model_version, scored_at. Pure: the same text
 * scores in Spark (and the benchmark's PySpark peer runs exactly this). With on_invalid error a row
 * that cannot be scored fails the query with RAISE_ERROR naming the feature and what it was.
 */
export function sparkScoreProjections(description: ClassifierDescription, options: SparkProjectionOptions): string[][] {
  const sql = compileClassifierSql(description, { dialect: 'spark' });
  const { prediction: predicted, probabilities } = sql.layered;
  const inputs = description.inputs ?? description.featureNames.map((name) => ({ name, kind: 'numeric' as const }));
  const prediction =
    options.onInvalid === 'error'
      ? `CASE WHEN ${sql.valid} THEN ${predicted} ELSE RAISE_ERROR(CONCAT('a row cannot be scored: ', ${sql.invalidReason}, '; expected finite numbers. Set on_invalid: null to write such rows with a null prediction and a reason instead')) END`
      : predicted;
  return sql.layered.projections([
    ...inputs.map((input) => {
      const id = sqlIdentifier(input.name, 'spark');
      return input.kind === 'numeric' ? `CAST(${id} AS DOUBLE) AS ${id}` : `CAST(${id} AS STRING) AS ${id}`;
    }),
    `${prediction} AS prediction`,
    ...probabilities.map((p) => `${p.expression} AS ${sqlIdentifier(probabilityColumn(p.label), 'spark')}`),
    ...(options.onInvalid === 'null' ? [`${sql.invalidReason} AS ${INVALID_REASON_COLUMN}`] : []),
    `${sqlString(options.model.name, 'spark')} AS model_name`,
    `${sqlString(options.model.version, 'spark')} AS model_version`,
    `${sparkInstant(options.scoredAt, sqlIdentifier(inputs[0]!.name, 'spark'))} AS scored_at`,
  ]);
}

/** The input as a DataFrame of the engine: a table (its name mapped to the session catalog) or Parquet at a path Spark can read. */
export function sparkInput(spark: SparkEngine, session: SparkSession, input: DataRef, baseDir: string): DataFrame {
  if (input.kind === 'table') return session.table(spark.tableName(input.name));
  const where = /^[a-z][a-z0-9+.-]*:/i.test(input.path) || input.path.startsWith('/') ? input.path : path.resolve(baseDir, input.path);
  return session.read.parquet(where);
}

/**
 * batch_inference_job on the target's Spark engine: the model compiled to Spark SQL is projected
 * over the input and the predictions are written by Spark (saveAsTable with the job's mode and
 * partition_by, or Parquet at output_path on Spark's file system). No row passes through this
 * process: it sends a plan and reads back one count.
 */
export async function scoreOnSpark(ctx: StageContext, spark: SparkEngine, options: ScoreJobOptions, description: ClassifierDescription, model: ModelRef, scoredAt: number): Promise<PredictionSummary> {
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const session = await spark.session(call);
  const input = sparkInput(spark, session, options.input, ctx.config.configDir);
  const columns = await input.columns(call);
  const missing = (description.inputs?.map((i) => i.name) ?? description.featureNames).filter((name) => !columns.includes(name));
  const source = options.input.kind === 'table' ? `table ${spark.tableName(options.input.name)}` : options.input.path;
  if (missing.length > 0) {
    throw new MlopsError('SCHEMA_MISMATCH', `${source} on Spark (${spark.remote}): feature column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `"${m}"`).join(', ')} missing (found ${columns.join(', ')})`, {
      details: { source, missing },
    });
  }
  const scored = projectAll(input, sparkScoreProjections(description, { model, scoredAt, onInvalid: options.onInvalid }));
  const writer = scored.write.mode(options.mode);
  if (options.partitionBy !== undefined) writer.partitionBy(options.partitionBy);
  let written: string;
  if (options.output.kind === 'table') {
    written = spark.tableName(options.output.name);
    await spark.ensureSchemaOf(options.output.name, call);
    await writer.saveAsTable(written, call);
  } else {
    written = /^[a-z][a-z0-9+.-]*:/i.test(options.output.path) || options.output.path.startsWith('/') ? options.output.path : path.resolve(ctx.config.configDir, options.output.path);
    await writer.parquet(written, call);
  }
  // The projection keeps every input row: the input's count is the output's (Parquet answers it from its footers).
  const rows = await input.count(call);
  ctx.reporter.report({ type: 'log', stage: 'score', message: `${rows} rows from ${source} scored on Spark ${spark.remote} (Spark ${session.version}) with ${model.uri} → ${written}` });
  return options.output.kind === 'table' ? { path: written, rows, table: options.output.name, model } : { path: written, rows, model };
}

