import { describe, expect, it } from 'vitest';
import { binaryMetrics } from '../../../src/stages/evaluate/binary.js';

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
