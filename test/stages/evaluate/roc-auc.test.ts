import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/model/random.js';
import { binaryRocAuc, ovrRocAuc } from '../../../src/stages/evaluate/roc-auc.js';

/** The definition, pair by pair: P(score of a positive > score of a negative), ties one half. */
function pairwiseAuc(isPositive: boolean[], scores: number[]): number {
  let wins = 0;
  let pairs = 0;
  isPositive.forEach((positive, i) => {
    if (!positive) return;
    isPositive.forEach((negative, j) => {
      if (negative) return;
      pairs++;
      wins += scores[i]! > scores[j]! ? 1 : scores[i] === scores[j] ? 0.5 : 0;
    });
  });
  return wins / pairs;
}

describe('binaryRocAuc', () => {
  it('matches scikit-learn’s roc_auc_score documentation example (0.75)', () => {
    expect(binaryRocAuc([false, false, true, true], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, 0.5 when every score ties', () => {
    expect(binaryRocAuc([false, true], [0.2, 0.9])).toBe(1);
    expect(binaryRocAuc([true, false], [0.2, 0.9])).toBe(0);
    expect(binaryRocAuc([true, false, true, false], [0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('is undefined when only one class is present', () => {
    expect(binaryRocAuc([true, true], [0.1, 0.2])).toBeUndefined();
    expect(binaryRocAuc([false], [0.1])).toBeUndefined();
  });

  it('equals the pairwise definition on 500 seeded rows with many ties', () => {
    const random = createRandom(11);
    const isPositive = Array.from({ length: 500 }, () => random() < 0.3);
    const scores = Array.from({ length: 500 }, () => Math.round(random() * 20) / 20);
    expect(binaryRocAuc(isPositive, scores)).toBeCloseTo(pairwiseAuc(isPositive, scores), 12);
  });
});

describe('ovrRocAuc', () => {
  it('averages the one-vs-rest AUC of each class (a hand-worked case)', () => {
    // class 0: positives 0.6, 0.3 vs negatives 0.5, 0.1 → 3 of 4 pairs = 0.75
    // class 1: positive 0.3 vs 0.3 (tie), 0.2, 0.45 → 1.5 of 3 = 0.5
    // class 2: positive 0.7 vs everything lower → 1
    const result = ovrRocAuc(
      Int32Array.from([0, 1, 2, 0]),
      new Float32Array([0.6, 0.3, 0.1, 0.5, 0.3, 0.2, 0.1, 0.2, 0.7, 0.3, 0.45, 0.25]),
      3,
    );
    expect(result.perClass).toEqual([0.75, 0.5, 1]);
    expect(result.macro).toBeCloseTo(0.75, 12);
    expect(result.weighted).toBeCloseTo((0.75 * 2 + 0.5 + 1) / 4, 12);
  });

  it('leaves a class without true rows out of both averages', () => {
    const result = ovrRocAuc(Int32Array.from([0, 1]), new Float32Array([0.9, 0.05, 0.05, 0.2, 0.7, 0.1]), 3);
    expect(result.perClass).toEqual([1, 1, undefined]);
    expect(result.macro).toBe(1);
    expect(Number.isNaN(ovrRocAuc(Int32Array.from([0, 0]), new Float32Array([0.9, 0.1, 0.8, 0.2]), 2).macro)).toBe(true);
  });
});
