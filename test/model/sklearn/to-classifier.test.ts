import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../../src/errors.js';
import type { ImportedNetwork } from '../../../src/model/sklearn/read-estimator.js';
import { networkToClassifier } from '../../../src/model/sklearn/to-classifier.js';

const network = (overrides: Partial<ImportedNetwork> = {}): ImportedNetwork => ({
  estimator: 'LogisticRegression',
  sklearnVersion: '1.2.1',
  labels: ['a', 'b'],
  featureCount: 2,
  featureNames: undefined,
  normalization: undefined,
  activation: 'relu',
  layers: [{ inputUnits: 2, units: 2, kernel: Float64Array.of(0, 1, 0, -1), bias: Float64Array.of(0, 0.5) }],
  ...overrides,
});

describe('networkToClassifier', () => {
  it('builds a tfjs classifier with the weights as float32, an identity normalisation and the given names', async () => {
    const classifier = await networkToClassifier(network(), { featureNames: ['x', 'y'] });
    expect(classifier.featureNames).toEqual(['x', 'y']);
    expect(classifier.normalization).toEqual({ mean: [0, 0], std: [1, 1] });
    const described = classifier.describe();
    expect(Array.from(described.layers[0]!.kernel)).toEqual([0, 1, 0, -1]);
    expect(Array.from(described.layers[0]!.bias)).toEqual([0, 0.5]);
    // softmax([0, x − y + 0.5]) at x = 1, y = 0.5 → σ(1)
    const proba = classifier.predictProba(Float32Array.of(1, 0.5), 1);
    expect(proba[1]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    classifier.dispose();
  });

  it('keeps feature_names_in_ when they match the data and refuses them when they do not', async () => {
    const named = network({ featureNames: ['x', 'y'] });
    const classifier = await networkToClassifier(named, { featureNames: ['x', 'y'] });
    classifier.dispose();
    const error = await networkToClassifier(named, { featureNames: ['y', 'x'] }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('SCHEMA_MISMATCH');
    expect((error as MlopsError).message).toContain('fitted on the columns [x, y]; the data has [y, x]');
  });

  it('refuses a model whose feature count differs from the data', async () => {
    await expect(networkToClassifier(network(), { featureNames: ['a', 'b', 'c'] })).rejects.toThrow(/takes 2 features; the data has 3/);
  });
});
