import type { ClassifierDescription } from '../../model/classifier.js';
import { compileClassifierSql } from '../../model/sql/compile.js';
import type { ModelRef, PredictionSummary } from '../state.js';
import { sqlString } from '../../model/sql/literals.js';
import type { SqlScoring } from '../../workspace/types.js';
import type { ScoreJobOptions } from './params.js';

/**
 * Scoring inside a Databricks SQL warehouse: the model is compiled to SQL expressions and one
 * CREATE OR REPLACE TABLE … AS SELECT writes the predictions table, so no row leaves Databricks.
 * The output has the same columns as local scoring.
 */
export async function scoreOnWarehouse(
  warehouse: SqlScoring,
  options: ScoreJobOptions & { output: { kind: 'table'; name: string } },
  description: ClassifierDescription,
  model: ModelRef,
  scoredAt: number,
  signal: AbortSignal | undefined,
): Promise<PredictionSummary> {
  const sql = compileClassifierSql(description);
  // An ISO timestamp literal without a zone: both Spark SQL and DuckDB cast it to TIMESTAMP.
  const stamp = new Date(scoredAt).toISOString().replace('T', ' ').replace('Z', '');
  const result = await warehouse.scoreOnWarehouse({
    input: options.input.kind === 'table' ? { table: options.input.name } : { volumePath: options.input.path },
    outputTable: options.output.name,
    passThrough: description.featureNames,
    columns: [
      { name: 'prediction', expression: sql.prediction },
      ...sql.probabilities.map((p) => ({ name: p.column, expression: p.expression })),
      { name: 'model_name', expression: sqlString(model.name, 'spark') },
      { name: 'model_version', expression: sqlString(model.version, 'spark') },
      { name: 'scored_at', expression: `CAST(${sqlString(stamp, 'spark')} AS TIMESTAMP)` },
    ],
    ...(signal ? { signal } : {}),
  });
  return { path: result.table, rows: result.rows, table: result.table, model };
}

/** Whether a job can run entirely on the warehouse: a table output, replaced whole, unpartitioned. */
export function canScoreOnWarehouse(options: ScoreJobOptions): options is ScoreJobOptions & { output: { kind: 'table'; name: string } } {
  return options.output.kind === 'table' && options.mode === 'overwrite' && options.partitionBy === undefined && options.onInvalid === 'error';
}
