import { beforeAll, describe, expect, it } from 'vitest';
import type { Classifier } from '../../src/model/classifier.js';
import { describeModelFiles } from '../../src/model/describe-files.js';
import { modelToFiles, readModelFiles, type ModelFilesRead } from '../../src/model/format.js';
import { Float32Forward } from '../../src/model/forward32.js';
import { getTf } from '../../src/model/tf.js';
import { trainClassifier } from '../../src/model/train.js';
import { withProbabilities } from '../../src/stages/score/score-batch.js';
import { IRIS_FEATURES, IRIS_LABELS, irisClassifier, irisColumns } from '../helpers/scoring-model.js';

async function filesOf(classifier: Classifier): Promise<ModelFilesRead> {
  const files = await modelToFiles(classifier, { runId: 'r'.repeat(32), artifactPath: 'model', now: 0 });
  return readModelFiles(async (path) => files.get(path)!);
}

async function trained(activation: 'tanh' | 'sigmoid'): Promise<Classifier> {
  await getTf();
  const { columns, species } = irisColumns();
  const features = new Float32Array(150 * 4);
  columns.forEach((column, j) => column.forEach((value, r) => (features[r * 4 + j] = value)));
  const { classifier } = await trainClassifier(
    { features, labels: Int32Array.from(species, (s) => IRIS_LABELS.indexOf(s)), rows: 150, featureNames: IRIS_FEATURES, labelNames: IRIS_LABELS },
    { epochs: 20, learningRate: 0.05, hiddenUnits: [6, 5], activation, batchSize: 32, seed: 3, testSize: 0.2 },
  );
  return classifier;
}

/** Normalised float32 features of `rows` jittered Iris rows, as BatchScorer hands them to the model. */
function normalizedRows(classifier: Classifier, rows: number): Float32Array {
  const { columns } = irisColumns();
  const out = new Float32Array(rows * 4);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < 4; j++) {
      const value = Math.fround(columns[j]![r % 150]! + (((r * 7 + j) % 13) - 6) / 10);
      out[r * 4 + j] = (value - classifier.normalization.mean[j]!) / classifier.normalization.std[j]!;
    }
  }
  return out;
}

function compare(classifier: Classifier, forward: Float32Forward, rows: number): { largest: number; labelDifferences: number } {
  const normalized = normalizedRows(classifier, rows);
  let expected = new Float32Array(0);
  withProbabilities(classifier, normalized, rows, 4, (probabilities) => (expected = probabilities.slice()));
  const actual = new Float32Array(rows * 3);
  forward.probabilities(normalized, rows, actual);
  const argmax = (values: Float32Array, row: number) => [0, 1, 2].reduce((best, k) => (values[row * 3 + k]! > values[row * 3 + best]! ? k : best), 0);
  let largest = 0;
  let labelDifferences = 0;
  for (let row = 0; row < rows; row++) {
    for (let k = 0; k < 3; k++) largest = Math.max(largest, Math.abs(actual[row * 3 + k]! - expected[row * 3 + k]!));
    if (argmax(actual, row) !== argmax(expected, row)) labelDifferences++;
  }
  return { largest, labelDifferences };
}

let relu: Classifier;
beforeAll(async () => {
  relu = await irisClassifier();
});

describe('Float32Forward', () => {
  it('gives tfjs’s probabilities within 2 float32 ulps and the same labels (relu, 20k rows)', async () => {
    const { largest, labelDifferences } = compare(relu, new Float32Forward(describeModelFiles(await filesOf(relu))!), 20_000);
    expect(largest).toBeLessThanOrEqual(2.4e-7);
    expect(labelDifferences).toBe(0);
  });

  it('within 1e-6 and the same labels for tanh and sigmoid hidden layers (not fused by tfjs: bias after the sum)', async () => {
    for (const activation of ['tanh', 'sigmoid'] as const) {
      const classifier = await trained(activation);
      try {
        const { largest, labelDifferences } = compare(classifier, new Float32Forward(classifier.describe()), 5000);
        expect(largest).toBeLessThanOrEqual(1e-6);
        expect(labelDifferences).toBe(0);
      } finally {
        classifier.dispose();
      }
    }
  });
});
