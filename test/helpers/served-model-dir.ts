import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { modelToFiles } from '../../src/model/format.js';
import { trainClassifier } from '../../src/model/train.js';
import { TRAINING_DEFAULTS } from '../../src/stages/train/params.js';

export const IRIS_FEATURES = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];

/** A small MLP trained on 30 Iris-like rows (20 epochs), written as an MLflow model directory in `dir`. */
export async function writeServedModelDir(dir: string): Promise<string> {
  const rows = 30;
  const features = new Float32Array(rows * 4);
  const labels = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const k = r % 3;
    labels[r] = k;
    for (let j = 0; j < 4; j++) features[r * 4 + j] = 1 + k * 2 + j * 0.5 + ((r * 7 + j * 3) % 5) * 0.1;
  }
  const { classifier } = await trainClassifier(
    { features, labels, rows, featureNames: IRIS_FEATURES, labelNames: ['setosa', 'versicolor', 'virginica'] },
    { ...TRAINING_DEFAULTS, epochs: 20 },
  );
  const files = await modelToFiles(classifier, { runId: 'test', artifactPath: 'model', now: Date.UTC(2026, 11, 5) });
  classifier.dispose();
  for (const [relative, bytes] of files) {
    await mkdir(path.dirname(path.join(dir, relative)), { recursive: true });
    await writeFile(path.join(dir, relative), bytes);
  }
  return dir;
}
