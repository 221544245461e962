import { describe, expect, it } from 'vitest';
import { binaryMetrics, prCurve } from '../../../src/stages/evaluate/binary.js';

describe('binaryMetrics', () => {
  it("computes average precision as scikit-learn does (its docs' example: 0.8333…)", () => {
    // sklearn.metrics.average_precision_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.8333333333333333
    const m = binaryMetrics([false, false, true, true], [0.1, 0.4, 0.35, 0.8])!;
    expect(m.pr_auc).toBeCloseTo(0.8333333333333333, 12);
    expect(m.decision_threshold).toBe(0.5);
    // Predicting positive from 0.35 up catches both positives with one false positive: F1 0.8.
    expect(m.best_f1_threshold).toBe(0.35);
    expect(m.best_f1).toBeCloseTo(0.8, 12);
  });

  it('is 1 for a perfect ranking, groups ties, and is undefined with one class', () => {
    expect(binaryMetrics([true, false, true], [0.9, 0.1, 0.8])!.pr_auc).toBe(1);
    // All scores tied: one threshold, precision = prevalence.
    expect(binaryMetrics([true, false, false, false], [0.5, 0.5, 0.5, 0.5])!.pr_auc).toBe(0.25);
    expect(binaryMetrics([true, true], [0.2, 0.3])).toBeUndefined();
  });
});

describe('prCurve', () => {
  it("is scikit-learn's precision_recall_curve, from recall 0 (precision 1) upwards", () => {
    // sklearn.metrics.precision_recall_curve([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) read from the highest threshold:
    // precision [1, 1, 0.5, 0.6667, 0.5], recall [0, 0.5, 0.5, 1, 1], thresholds [-, 0.8, 0.4, 0.35, 0.1].
    const curve = prCurve([false, false, true, true], [0.1, 0.4, 0.35, 0.8])!;
    expect(curve.recall).toEqual([0, 0.5, 0.5, 1, 1]);
    expect(curve.precision.map((p) => Number(p.toFixed(4)))).toEqual([1, 1, 0.5, 0.6667, 0.5]);
    expect(curve.thresholds).toEqual([1, 0.8, 0.4, 0.35, 0.1]);
    expect(prCurve([true, true], [0.2, 0.3])).toBeUndefined();
  });

  it('thins a long curve to maxPoints, keeping both ends and the order', () => {
    const n = 1000;
    const isPositive = Array.from({ length: n }, (_, i) => i % 3 === 0);
    const scores = Array.from({ length: n }, (_, i) => (i * 7919) % n / n);
    const full = prCurve(isPositive, scores, 10_000)!;
    const thin = prCurve(isPositive, scores, 21)!;
    expect(full.recall).toHaveLength(n + 1);
    expect(thin.recall).toHaveLength(21);
    expect([thin.recall[0], thin.recall[20]]).toEqual([full.recall[0], full.recall[n]]);
    expect(thin.recall.every((r, i) => i === 0 || r >= thin.recall[i - 1]!)).toBe(true);
  });
});
