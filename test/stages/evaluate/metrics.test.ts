import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../../src/errors.js';
import { classificationMetrics, metricsForMlflow, MLFLOW_METRIC_KEYS, perClassMetricsForMlflow } from '../../../src/stages/evaluate/metrics.js';

/** Probabilities that put `confidence` on the predicted class and share the rest. */
function probaFor(predicted: number[], classes: number, confidence = 0.8): Float32Array {
  const proba = new Float32Array(predicted.length * classes).fill((1 - confidence) / (classes - 1));
  predicted.forEach((k, row) => (proba[row * classes + k] = confidence));
  return proba;
}

describe('classificationMetrics', () => {
  it('matches scikit-learn’s precision_recall_fscore_support documentation example', () => {
    // y_true = [cat, dog, pig, cat, dog, pig], y_pred = [cat, pig, dog, cat, cat, dog]
    // macro → (0.222…, 0.333…, 0.266…), weighted → (0.222…, 0.333…, 0.266…)
    const metrics = classificationMetrics(Int32Array.from([0, 1, 2, 0, 1, 2]), probaFor([0, 2, 1, 0, 0, 1], 3), 3, ['cat', 'dog', 'pig']);
    expect(metrics.precision_macro).toBeCloseTo(2 / 9, 12);
    expect(metrics.recall_macro).toBeCloseTo(1 / 3, 12);
    expect(metrics.f1_macro).toBeCloseTo(0.8 / 3, 12);
    expect(metrics.precision_weighted).toBeCloseTo(2 / 9, 12);
    expect(metrics.recall_weighted).toBeCloseTo(1 / 3, 12);
    expect(metrics.f1_weighted).toBeCloseTo(0.8 / 3, 12);
    expect(metrics.accuracy).toBeCloseTo(1 / 3, 12);
    expect(metrics.per_class[0]).toEqual({ label: 'cat', precision: 2 / 3, recall: 1, f1: 0.8, support: 2, roc_auc: 0.875 });
    expect(metrics.per_class[1]).toEqual({ label: 'dog', precision: 0, recall: 0, f1: 0, support: 2, roc_auc: 0.25 });
    // Micro averages pool the rows: equal to accuracy for single-label predictions.
    expect([metrics.precision_micro, metrics.recall_micro, metrics.f1_micro]).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('matches scikit-learn’s log_loss documentation example', () => {
    // log_loss(["spam", "ham", "ham", "spam"], [[.1, .9], [.9, .1], [.8, .2], [.35, .65]]) = 0.21616…
    const proba = new Float32Array([0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65]);
    const metrics = classificationMetrics(Int32Array.from([1, 0, 0, 1]), proba, 2, ['ham', 'spam']);
    expect(metrics.log_loss).toBeCloseTo(0.21616, 5);
    expect(metrics.accuracy).toBe(1);
  });

  it('computes a hand-worked three-class case', () => {
    // truth:     0 0 1 1 2 2
    // predicted: 0 1 1 1 2 0
    const yTrue = Int32Array.from([0, 0, 1, 1, 2, 2]);
    const proba = new Float32Array([
      0.7, 0.2, 0.1, // → 0, p(true) = 0.7
      0.3, 0.6, 0.1, // → 1, p(true) = 0.3
      0.1, 0.8, 0.1, // → 1, p(true) = 0.8
      0.2, 0.5, 0.3, // → 1, p(true) = 0.5
      0.1, 0.1, 0.8, // → 2, p(true) = 0.8
      0.5, 0.1, 0.4, // → 0, p(true) = 0.4
    ]);
    const metrics = classificationMetrics(yTrue, proba, 3, ['a', 'b', 'c']);
    expect(metrics.confusion_matrix).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(metrics.accuracy).toBeCloseTo(4 / 6, 12);
    // precision: a 1/2, b 2/3, c 1/1; recall: a 1/2, b 2/2, c 1/2; f1: a 0.5, b 0.8, c 2/3
    expect(metrics.per_class.map((m) => m.precision)).toEqual([0.5, 2 / 3, 1]);
    expect(metrics.per_class.map((m) => m.recall)).toEqual([0.5, 1, 0.5]);
    expect(metrics.per_class[1]!.f1).toBeCloseTo(0.8, 12);
    expect(metrics.per_class[2]!.f1).toBeCloseTo(2 / 3, 12);
    expect(metrics.precision_macro).toBeCloseTo((0.5 + 2 / 3 + 1) / 3, 12);
    expect(metrics.recall_macro).toBeCloseTo(2 / 3, 12);
    expect(metrics.f1_macro).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
    expect(metrics.f1_weighted).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12); // equal supports
    // Rows sum to 1 in float32 only approximately; the renormalisation makes that irrelevant.
    const expectedLogLoss = -(Math.log(0.7) + Math.log(0.3) + Math.log(0.8) + Math.log(0.5) + Math.log(0.8) + Math.log(0.4)) / 6;
    expect(metrics.log_loss).toBeCloseTo(expectedLogLoss, 6);
    expect(metrics.example_count).toBe(6);
  });

  it('weights by support when classes are unbalanced', () => {
    // truth: 0 0 0 1, predicted: 0 0 1 1 → f1: class 0 = 0.8, class 1 = 2/3
    const metrics = classificationMetrics(Int32Array.from([0, 0, 0, 1]), probaFor([0, 0, 1, 1], 2), 2, ['x', 'y']);
    expect(metrics.f1_macro).toBeCloseTo((0.8 + 2 / 3) / 2, 12);
    expect(metrics.f1_weighted).toBeCloseTo((0.8 * 3 + 2 / 3) / 4, 12);
    expect(metrics.precision_weighted).toBeCloseTo((1 * 3 + 0.5) / 4, 12);
    expect(metrics.recall_weighted).toBeCloseTo(metrics.accuracy, 12);
  });

  it('leaves out of the macro average a class that is neither true nor predicted, as scikit-learn does', () => {
    const metrics = classificationMetrics(Int32Array.from([0, 1, 1]), probaFor([0, 1, 0], 3), 3, ['a', 'b', 'c']);
    // a: P 1/2 R 1; b: P 1 R 1/2; c absent
    expect(metrics.precision_macro).toBeCloseTo(0.75, 12);
    expect(metrics.recall_macro).toBeCloseTo(0.75, 12);
    expect(metrics.per_class[2]).toEqual({ label: 'c', precision: 0, recall: 0, f1: 0, support: 0, roc_auc: null });
  });

  it('clips probabilities at 1e-15 so a confident miss costs ln(1e15)', () => {
    const metrics = classificationMetrics(Int32Array.from([1]), new Float32Array([1, 0]), 2, ['a', 'b']);
    expect(metrics.log_loss).toBeCloseTo(-Math.log(1e-15), 6);
    expect(metrics.log_loss).toBeCloseTo(34.538776, 5);
  });

  it('breaks ties towards the first class, like argmax', () => {
    const metrics = classificationMetrics(Int32Array.from([0, 1]), new Float32Array([0.5, 0.5, 0.5, 0.5]), 2, ['a', 'b']);
    expect(metrics.confusion_matrix).toEqual([
      [1, 0],
      [1, 0],
    ]);
  });

  it('flattens the scalar metrics for MLflow', () => {
    const metrics = classificationMetrics(Int32Array.from([0, 1]), probaFor([0, 1], 2), 2, ['a', 'b']);
    const flat = metricsForMlflow(metrics);
    expect(Object.keys(flat)).toEqual([...MLFLOW_METRIC_KEYS]);
    expect(flat).toMatchObject({ accuracy: 1, f1_macro: 1, f1_weighted: 1, example_count: 2 });
    expect(flat['log_loss']).toBeCloseTo(-Math.log(0.8), 6);
    expect(flat).toMatchObject({ roc_auc: 1, roc_auc_weighted: 1, precision_micro: 1 });
  });

  it('gives per-class metrics MLflow keys, one per metric and label', () => {
    const metrics = classificationMetrics(Int32Array.from([0, 1, 1]), probaFor([0, 1, 0], 2), 2, ['setosa', 'Iris virginica!']);
    const flat = perClassMetricsForMlflow(metrics);
    expect(Object.keys(flat)).toEqual([
      'precision_setosa', 'recall_setosa', 'f1_setosa', 'support_setosa', 'roc_auc_setosa',
      'precision_Iris virginica_', 'recall_Iris virginica_', 'f1_Iris virginica_', 'support_Iris virginica_', 'roc_auc_Iris virginica_',
    ]);
    expect(flat).toMatchObject({ precision_setosa: 0.5, recall_setosa: 1, support_setosa: 1, 'recall_Iris virginica_': 0.5 });
  });

  it('rejects inputs that do not fit together', () => {
    const check = (run: () => unknown, message: RegExp) => {
      expect(run).toThrow(MlopsError);
      expect(run).toThrow(message);
    };
    check(() => classificationMetrics(new Int32Array(0), new Float32Array(0), 2, ['a', 'b']), /at least one row/);
    check(() => classificationMetrics(Int32Array.from([0]), new Float32Array(3), 2, ['a', 'b']), /proba has 3 values; expected rows × classes = 1 × 2 = 2/);
    check(() => classificationMetrics(Int32Array.from([2]), new Float32Array(2), 2, ['a', 'b']), /Row 0: true class index must be in 0..1, got 2/);
    check(() => classificationMetrics(Int32Array.from([0]), new Float32Array(2), 2, ['a']), /Expected 2 label names, got 1/);
    check(() => classificationMetrics(Int32Array.from([0]), new Float32Array([Number.NaN, 1]), 2, ['a', 'b']), /Row 0, class "a": expected a finite probability, found NaN/);
  });
});
