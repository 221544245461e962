import { MlopsError } from '../../errors.js';
import { ovrRocAuc, type OvrRocAuc } from './roc-auc.js';

export interface ClassMetrics {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Rows whose true class this is. */
  support: number;
  /** One-vs-rest ROC AUC of this class; null when the class is absent from the truth (or is all of it). */
  roc_auc: number | null;
}

/** Scores named as MLflow metric keys. */
export interface ClassificationMetrics {
  accuracy: number;
  /** Micro averages pool every row; for single-label classification all three equal accuracy. */
  precision_micro: number;
  recall_micro: number;
  f1_micro: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  log_loss: number;
  /** One-vs-rest ROC AUC, macro average (scikit-learn's roc_auc_score(multi_class="ovr")). */
  roc_auc: number;
  /** One-vs-rest ROC AUC weighted by class support. */
  roc_auc_weighted: number;
  example_count: number;
  per_class: ClassMetrics[];
  /** confusion_matrix[true][predicted] = rows. */
  confusion_matrix: number[][];
}

/** The scalar metrics logged to MLflow, in this order. */
export const MLFLOW_METRIC_KEYS = [
  'accuracy',
  'precision_micro',
  'recall_micro',
  'f1_micro',
  'precision_macro',
  'recall_macro',
  'f1_macro',
  'precision_weighted',
  'recall_weighted',
  'f1_weighted',
  'log_loss',
  'roc_auc',
  'roc_auc_weighted',
  'example_count',
] as const;

/** scikit-learn's historical log_loss clipping, so a confident miss costs ~34.5 instead of ∞. */
export const LOG_LOSS_EPSILON = 1e-15;

/**
 * Classification metrics from true class indices and predicted probabilities (row-major rows ×
 * numClasses), with scikit-learn's definitions:
 * - the predicted class is the most probable one (the first on ties);
 * - a precision or recall whose denominator is 0 counts as 0 (zero_division=0);
 * - macro averages cover the classes that occur in the truth or the predictions, as
 *   scikit-learn does without `labels`; weighted averages weigh each class by its support;
 * - log loss clips probabilities to [1e-15, 1 − 1e-15] and renormalises each row before
 *   averaging −ln p(true class);
 * - micro averages pool all rows (so equal accuracy here);
 * - ROC AUC is one-vs-rest per class, averaged over the classes present in the truth.
 */
export function classificationMetrics(
  yTrue: Int32Array,
  proba: Float32Array,
  numClasses: number,
  labelNames: readonly string[],
): ClassificationMetrics {
  const rows = yTrue.length;
  checkInputs(yTrue, proba, numClasses, labelNames);
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let logLossSum = 0;
  for (let row = 0; row < rows; row++) {
    const offset = row * numClasses;
    let predicted = 0;
    let rowSum = 0;
    for (let k = 0; k < numClasses; k++) {
      const p = proba[offset + k]!;
      if (p > proba[offset + predicted]!) predicted = k;
      rowSum += clip(p);
    }
    const truth = yTrue[row]!;
    confusion[truth]![predicted]! += 1;
    logLossSum -= Math.log(clip(proba[offset + truth]!) / rowSum);
  }

  return metricsFromAggregates({ confusion, logLossSum, rows, auc: ovrRocAuc(yTrue, proba, numClasses), labelNames });
}

/**
 * What every metric is derived from: the confusion matrix (confusion[true][predicted] = rows), the
 * sum of the rows' clipped −ln p(true class), the row count and the one-vs-rest AUCs. Computed in
 * this process by classificationMetrics, or by an engine (Spark SQL) that scored the rows itself.
 */
export interface MetricAggregates {
  confusion: number[][];
  logLossSum: number;
  rows: number;
  auc: OvrRocAuc;
  labelNames: readonly string[];
}

/** The metrics of classificationMetrics from their aggregates. */
export function metricsFromAggregates({ confusion, logLossSum, rows, auc, labelNames }: MetricAggregates): ClassificationMetrics {
  let correct = 0;
  confusion.forEach((truthRow, k) => (correct += truthRow[k]!));
  const perClass = labelNames.map((label, k): ClassMetrics => {
    const truePositives = confusion[k]![k]!;
    const support = confusion[k]!.reduce((sum, count) => sum + count, 0);
    const predictedCount = confusion.reduce((sum, truthRow) => sum + truthRow[k]!, 0);
    const precision = predictedCount === 0 ? 0 : truePositives / predictedCount;
    const recall = support === 0 ? 0 : truePositives / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return { label, precision, recall, f1, support, roc_auc: auc.perClass[k] ?? null };
  });
  const present = perClass.filter((_, k) => perClass[k]!.support > 0 || confusion.some((truthRow) => truthRow[k]! > 0));
  const macro = (pick: (metrics: ClassMetrics) => number) => present.reduce((sum, metrics) => sum + pick(metrics), 0) / present.length;
  const weighted = (pick: (metrics: ClassMetrics) => number) =>
    perClass.reduce((sum, metrics) => sum + pick(metrics) * metrics.support, 0) / rows;

  // Micro precision = micro recall = TP / rows when every row has one true and one predicted class.
  const micro = correct / rows;
  return {
    accuracy: correct / rows,
    precision_micro: micro,
    recall_micro: micro,
    f1_micro: micro,
    precision_macro: macro((m) => m.precision),
    recall_macro: macro((m) => m.recall),
    f1_macro: macro((m) => m.f1),
    precision_weighted: weighted((m) => m.precision),
    recall_weighted: weighted((m) => m.recall),
    f1_weighted: weighted((m) => m.f1),
    log_loss: logLossSum / rows,
    roc_auc: auc.macro,
    roc_auc_weighted: auc.weighted,
    example_count: rows,
    per_class: perClass,
    confusion_matrix: confusion,
  };
}

/** Just the scalar metrics, keyed for MLflow's log_batch. */
export function metricsForMlflow(metrics: ClassificationMetrics): Record<string, number> {
  return Object.fromEntries(MLFLOW_METRIC_KEYS.map((key) => [key, metrics[key]]));
}

/**
 * Per-class metrics as MLflow metric keys `<metric>_<label>` (precision, recall, f1, support,
 * roc_auc). Characters MLflow does not allow in keys become "_"; an undefined AUC is left out.
 */
export function perClassMetricsForMlflow(metrics: ClassificationMetrics): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of metrics.per_class) {
    const label = c.label.replace(/[^A-Za-z0-9_\-. /]/g, '_');
    out[`precision_${label}`] = c.precision;
    out[`recall_${label}`] = c.recall;
    out[`f1_${label}`] = c.f1;
    out[`support_${label}`] = c.support;
    if (c.roc_auc !== null) out[`roc_auc_${label}`] = c.roc_auc;
  }
  return out;
}

function clip(p: number): number {
  return Math.min(Math.max(p, LOG_LOSS_EPSILON), 1 - LOG_LOSS_EPSILON);
}

function checkInputs(yTrue: Int32Array, proba: Float32Array, numClasses: number, labelNames: readonly string[]): void {
  const rows = yTrue.length;
  if (rows === 0) throw new MlopsError('INVALID_ARGUMENT', 'Metrics need at least one row, got none');
  if (!Number.isInteger(numClasses) || numClasses < 1) {
    throw new MlopsError('INVALID_ARGUMENT', `numClasses must be a positive integer, got ${numClasses}`);
  }
  if (labelNames.length !== numClasses) {
    throw new MlopsError('INVALID_ARGUMENT', `Expected ${numClasses} label names, got ${labelNames.length}: [${labelNames.join(', ')}]`);
  }
  if (proba.length !== rows * numClasses) {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `proba has ${proba.length} values; expected rows × classes = ${rows} × ${numClasses} = ${rows * numClasses}`,
    );
  }
  yTrue.forEach((truth, row) => {
    if (truth < 0 || truth >= numClasses) {
      throw new MlopsError('INVALID_ARGUMENT', `Row ${row}: true class index must be in 0..${numClasses - 1}, got ${truth}`, {
        details: { row, found: truth },
      });
    }
  });
  for (let index = 0; index < proba.length; index++) {
    if (!Number.isFinite(proba[index]!)) {
      const row = Math.floor(index / numClasses);
      throw new MlopsError(
        'INVALID_ARGUMENT',
        `Row ${row}, class "${labelNames[index % numClasses]}": expected a finite probability, found ${proba[index]}`,
        { details: { row, found: proba[index] } },
      );
    }
  }
}
