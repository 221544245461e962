import { randomUUID } from 'node:crypto';
import { MlopsError } from '../../errors.js';
import type { ClassifierDescription } from '../../model/classifier.js';
import { compileClassifierSql } from '../../model/sql/compile.js';
import { sqlDouble, sqlIdentifier, sqlString } from '../../model/sql/literals.js';
import type { DataFrame } from '../../spark/dataframe.js';
import type { SparkSession } from '../../spark/session.js';
import type { CallOptions } from '../../workspace/types.js';
import { projectAll } from '../spark-table.js';
import { LOG_LOSS_EPSILON, metricsFromAggregates, type ClassificationMetrics } from './metrics.js';
import { ovrFromPerClass } from './roc-auc.js';

/**
 * The Spark SQL that evaluates a scored view (columns __truth, __prediction, __p0…): the confusion
 * counts, the log-loss sum (probabilities clipped to [1e-15, 1 − 1e-15] and renormalised per row,
 * as scikit-learn) and, per class, the rank sum of its positives with tied scores sharing their
 * average rank (the Mann–Whitney form of the one-vs-rest ROC AUC). Pure, so the SQL is tested
 * without Spark; metricsFromAggregates turns the answers into the metrics.
 */
export function evaluationSql(view: string, labels: readonly string[]): { confusion: string; logLoss: string; auc: string } {
  const clip = (p: string) => `LEAST(GREATEST(${p}, ${sqlDouble(LOG_LOSS_EPSILON)}), 1E0 - ${sqlDouble(LOG_LOSS_EPSILON)})`;
  const p = (k: number) => `__p${k}`;
  const truthProbability = `CASE ${labels.map((label, k) => `WHEN __truth = ${sqlString(label, 'spark')} THEN ${p(k)}`).join(' ')} END`;
  const rowSum = labels.map((_, k) => clip(p(k))).join(' + ');
  const auc = labels
    .map(
      (label, k) =>
        `SELECT ${k} AS class, SUM(CASE WHEN __truth = ${sqlString(label, 'spark')} THEN __rank ELSE 0E0 END) AS rank_sum, ` +
        `SUM(CASE WHEN __truth = ${sqlString(label, 'spark')} THEN 1 ELSE 0 END) AS positives, COUNT(*) AS n ` +
        `FROM (SELECT __truth, RANK() OVER (ORDER BY ${p(k)}) + (COUNT(*) OVER (PARTITION BY ${p(k)}) - 1) / 2E0 AS __rank FROM ${view})`,
    )
    .join(' UNION ALL ');
  return {
    confusion: `SELECT __truth AS truth, __prediction AS prediction, COUNT(*) AS n FROM ${view} GROUP BY __truth, __prediction`,
    logLoss: `SELECT SUM(-LN(${clip(truthProbability)} / (${rowSum}))) AS log_loss_sum, COUNT(*) AS n FROM ${view}`,
    auc,
  };
}

/**
 * Scores `rows` (a DataFrame with the model's inputs and `labelColumn`) with the model compiled to
 * Spark SQL and computes the evaluation metrics and confusion matrix there: only the aggregates
 * (a k×k matrix, a sum, k rank sums) come back to this process.
 */
export async function evaluateOnSpark(
  session: SparkSession,
  rows: DataFrame,
  description: ClassifierDescription,
  labelColumn: string,
  where: string,
  options: CallOptions = {},
): Promise<ClassificationMetrics> {
  const sql = compileClassifierSql(description, { dialect: 'spark' });
  const labels = sql.labels;
  const view = `__mlops_eval_${randomUUID().replaceAll('-', '')}`;
  // The layered form (one projection per hidden layer, see CompiledLayers): Spark computes each unit once per row.
  const { prediction, probabilities } = sql.layered;
  const scored = projectAll(
    rows,
    sql.layered.projections([`CAST(${sqlIdentifier(labelColumn, 'spark')} AS STRING) AS __truth`, `${prediction} AS __prediction`, ...probabilities.map((probability, k) => `${probability.expression} AS __p${k}`)]),
  );
  await scored.createOrReplaceTempView(view, options);
  try {
    const text = evaluationSql(view, labels);
    const confusion = await (await session.sql(text.confusion, undefined, options)).collect(options);
    const [loss] = await (await session.sql(text.logLoss, undefined, options)).collect(options);
    const auc = await (await session.sql(text.auc, undefined, options)).collect(options);
    return metricsFromEvaluationRows({ confusion, loss, auc }, labels, labelColumn, where);
  } finally {
    await session.catalog.dropTempView(view, options).catch(() => undefined);
  }
}

type SqlRow = Record<string, unknown>;

/** The metrics from the answers to evaluationSql's three queries (rows as any SQL engine returns them: numbers or bigints). */
export function metricsFromEvaluationRows(answers: { confusion: SqlRow[]; loss: SqlRow | undefined; auc: SqlRow[] }, labels: readonly string[], labelColumn: string, where: string): ClassificationMetrics {
  const index = new Map(labels.map((label, k) => [label, k]));
  const confusion = labels.map(() => new Array<number>(labels.length).fill(0));
  for (const row of answers.confusion) {
    const truth = index.get(String(row.truth));
    const predicted = row.prediction === null ? undefined : index.get(String(row.prediction));
    if (truth === undefined) {
      throw new MlopsError('SCHEMA_MISMATCH', `${where}: ${Number(row.n)} rows have label ${JSON.stringify(row.truth)} in "${labelColumn}", which the model does not predict (${labels.join(', ')})`, {
        details: { column: labelColumn, found: row.truth },
      });
    }
    if (predicted === undefined) {
      throw new MlopsError('INVALID_ARGUMENT', `${where}: ${Number(row.n)} rows could not be scored (a feature is null, NaN or infinite)`, { details: { rows: Number(row.n) } });
    }
    confusion[truth]![predicted]! += Number(row.n);
  }
  const total = Number(answers.loss?.n ?? 0);
  if (total === 0) throw new MlopsError('NOT_FOUND', `${where}: no rows to evaluate`);
  const supports = new Array<number>(labels.length).fill(0);
  const perClass: (number | undefined)[] = new Array(labels.length).fill(undefined);
  for (const row of answers.auc) {
    const k = Number(row.class);
    const positives = Number(row.positives);
    const negatives = Number(row.n) - positives;
    supports[k] = positives;
    perClass[k] = positives === 0 || negatives === 0 ? undefined : (Number(row.rank_sum) - (positives * (positives + 1)) / 2) / (positives * negatives);
  }
  return metricsFromAggregates({ confusion, logLossSum: Number(answers.loss!.log_loss_sum), rows: total, auc: ovrFromPerClass(perClass, supports), labelNames: labels });
}
