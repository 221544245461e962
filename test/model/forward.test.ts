import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DenseForward } from '../../src/model/forward.js';
import { buildDenseNetwork, HIDDEN_ACTIVATIONS } from '../../src/model/network.js';
import { Classifier } from '../../src/model/classifier.js';
import { createRandom } from '../../src/model/random.js';
import { getTf } from '../../src/model/tf.js';
import { importSklearnPickle } from '../../src/model/sklearn/import-pickle.js';

const tf = await getTf();

describe('DenseForward', () => {
  for (const activation of HIDDEN_ACTIVATIONS) {
    it(`agrees with tfjs on 2,000 seeded rows for a ${activation} network with two hidden layers`, () => {
      const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits: [16, 8], activation, outputUnits: 3, seed: 5 });
      const classifier = new Classifier({ model, featureNames: ['a', 'b', 'c', 'd'], labels: ['x', 'y', 'z'], normalization: { mean: [5, 3, 4, 1], std: [0.8, 0.4, 1.7, 0.7] } });
      const random = createRandom(9);
      const rows = 2000;
      const features = Float32Array.from({ length: rows * 4 }, () => random() * 8);
      const expected = classifier.predictProba(features, rows);
      const got = new DenseForward(classifier.describe()).predictProba(features, rows);
      let worst = 0;
      for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
      expect(worst).toBeLessThan(1e-6);
      for (let r = 0; r < rows; r++) {
        const row = (p: ArrayLike<number>) => [p[r * 3]!, p[r * 3 + 1]!, p[r * 3 + 2]!];
        expect(row(got).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
      }
      classifier.dispose();
    });
  }

  it('reproduces scikit-learn on an imported MLP fixture', async () => {
    const expected = JSON.parse(await readFile(new URL('../fixtures/sklearn/iris_mlp.expected.json', import.meta.url), 'utf8')) as {
      feature_names: string[];
      rows: { features: number[]; predict_proba: number[] }[];
    };
    const { classifier } = await importSklearnPickle(await readFile(new URL('../fixtures/sklearn/iris_mlp.pkl', import.meta.url)), { source: 'mlp', featureNames: expected.feature_names });
    const proba = new DenseForward(classifier.describe()).predictProba(expected.rows.flatMap((r) => r.features), expected.rows.length);
    expected.rows.forEach((row, r) => row.predict_proba.forEach((p, k) => expect(Math.abs(p - proba[r * 3 + k]!)).toBeLessThan(1e-6)));
    classifier.dispose();
  });

  it('checks the matrix size', async () => {
    const model = buildDenseNetwork({ inputUnits: 2, hiddenUnits: [], activation: 'relu', outputUnits: 2, seed: 1 });
    const classifier = new Classifier({ model, featureNames: ['a', 'b'], labels: ['x', 'y'], normalization: { mean: [0, 0], std: [1, 1] } });
    expect(() => new DenseForward(classifier.describe()).predictProba([1, 2, 3], 2)).toThrow(/expected rows × columns = 2 × 2 = 4/);
    classifier.dispose();
  });
});
