import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importSklearnPickle } from '../../../src/model/sklearn/import-pickle.js';

const fixtures = join(import.meta.dirname, '..', '..', 'fixtures', 'sklearn');

interface Expected {
  estimator: string;
  pickle_protocol: number;
  feature_names: string[];
  classes: string[];
  rows: { index: number; features: number[]; predict: string; predict_proba: number[] }[];
}

const CASES = [
  ['iris_logreg', 'LogisticRegression'],
  ['iris_logreg_p5', 'LogisticRegression'],
  ['iris_mlp', 'MLPClassifier'],
  ['iris_mlp_p5', 'MLPClassifier'],
  ['iris_pipeline_logreg', 'Pipeline(StandardScaler, LogisticRegression)'],
  ['iris_pipeline_logreg_p5', 'Pipeline(StandardScaler, LogisticRegression)'],
] as const;

describe('importSklearnPickle against real scikit-learn 1.2.1 pickles', () => {
  for (const [base, estimator] of CASES) {
    it(`${base}.pkl: same label on all 150 rows, probabilities within 1e-6 of scikit-learn`, async () => {
      const expected = JSON.parse(await readFile(join(fixtures, `${base}.expected.json`), 'utf8')) as Expected;
      const bytes = await readFile(join(fixtures, `${base}.pkl`));
      const { classifier, network } = await importSklearnPickle(bytes, { source: `${base}.pkl`, featureNames: expected.feature_names });
      expect(network.estimator).toBe(estimator);
      expect(network.sklearnVersion).toBe('1.2.1');
      expect(classifier.labels).toEqual(expected.classes);
      expect(classifier.featureNames).toEqual(expected.feature_names);

      const rows = expected.rows.length;
      expect(rows).toBe(150);
      const proba = classifier.predictProba(Float32Array.from(expected.rows.flatMap((row) => row.features)), rows);
      const predicted = classifier.predictLabels(proba, rows);
      let worst = 0;
      expected.rows.forEach((row, r) => {
        expect(classifier.labels[predicted[r]!], `row ${row.index}`).toBe(row.predict);
        row.predict_proba.forEach((p, k) => {
          worst = Math.max(worst, Math.abs(p - proba[r * expected.classes.length + k]!));
        });
      });
      expect(worst).toBeLessThan(1e-6);
      classifier.dispose();
    });
  }

  it('gives the protocol 4 and protocol 5 encodings of one model the same weights', async () => {
    const names = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
    const p4 = await importSklearnPickle(await readFile(join(fixtures, 'iris_mlp.pkl')), { source: 'p4', featureNames: names });
    const p5 = await importSklearnPickle(await readFile(join(fixtures, 'iris_mlp_p5.pkl')), { source: 'p5', featureNames: names });
    expect(p5.network.layers).toEqual(p4.network.layers);
    expect(p4.network.layers.map((l) => [l.inputUnits, l.units])).toEqual([[4, 16], [16, 3]]);
    expect(p4.network.activation).toBe('relu');
    p4.classifier.dispose();
    p5.classifier.dispose();
  });
});
