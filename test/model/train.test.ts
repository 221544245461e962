import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../src/errors.js';
import { trainClassifier, type EpochMetrics, type LabelledRows, type TrainingData } from '../../src/model/train.js';
import { KernelRunner } from '../../src/model/kernels.js';
import { getTf } from '../../src/model/tf.js';
import { classificationMetrics } from '../../src/stages/evaluate/metrics.js';
import { stageParams } from '../../src/stages/declaration.js';
import { TRAIN_PARAMS, trainingOptions } from '../../src/stages/train/params.js';
import { stratifiedSplit } from '../../src/stages/train/split.js';

const tf = await getTf();

function readIris(): TrainingData {
  const [header, ...lines] = readFileSync(new URL('../../data/iris.csv', import.meta.url), 'utf8').trim().split('\n');
  const columns = header!.split(',');
  const labelNames: string[] = [];
  const features: number[] = [];
  const labels: number[] = [];
  for (const line of lines) {
    const cells = line.split(',');
    features.push(...cells.slice(0, 4).map(Number));
    const species = cells[4]!.trim();
    if (!labelNames.includes(species)) labelNames.push(species);
    labels.push(labelNames.indexOf(species));
  }
  return { features: Float32Array.from(features), labels: Int32Array.from(labels), rows: lines.length, featureNames: columns.slice(0, 4), labelNames };
}

function pick(data: LabelledRows, rows: Int32Array): LabelledRows {
  const features = new Float32Array(rows.length * 4);
  rows.forEach((row, i) => features.set(data.features.subarray(row * 4, row * 4 + 4), i * 4));
  return { features, labels: Int32Array.from(rows, (row) => data.labels[row]!), rows: rows.length };
}

const iris = readIris();
const defaults = trainingOptions(stageParams(TRAIN_PARAMS, { model_name: 'm', experiment_path: '/e', data_path: '/d' }));
const split = stratifiedSplit(iris.labels, { testSize: defaults.testSize, seed: defaults.seed });
const trainRows = { ...iris, ...pick(iris, split.train) };
const testRows = pick(iris, split.test);

describe('trainClassifier on Iris', () => {
  it('reaches at least 0.9 accuracy on the held-out rows with the default options, in seconds', async () => {
    expect(iris.rows).toBe(150);
    const started = performance.now();
    const { classifier, history, epochsRun, stoppedEarly } = await trainClassifier(trainRows, defaults);
    const seconds = (performance.now() - started) / 1000;
    expect(epochsRun).toBe(200);
    expect(stoppedEarly).toBe(false);
    expect(history.map((entry) => entry.epoch)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(history.at(-1)!.loss).toBeLessThan(history[0]!.loss);
    const metrics = classificationMetrics(testRows.labels, classifier.predictProba(testRows.features, testRows.rows), 3, iris.labelNames);
    expect(metrics.example_count).toBe(30);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.9);
    // ~1 s on the wasm backend of a busy 2-core machine.
    expect(seconds).toBeLessThan(10);
    classifier.dispose();
  });

  it('is deterministic: the same seed gives bit-identical weights and history', async () => {
    const options = { ...defaults, epochs: 30, hiddenUnits: [8, 4] };
    const first = await trainClassifier(trainRows, { ...options, validation: testRows });
    const second = await trainClassifier(trainRows, { ...options, validation: testRows });
    const third = await trainClassifier(trainRows, { ...options, seed: 7, validation: testRows });
    const weights = (result: typeof first) => result.classifier.describe().layers.map((layer) => [[...layer.kernel], [...layer.bias]]);
    expect(weights(second)).toEqual(weights(first));
    expect(second.history).toEqual(first.history);
    expect(second.classifier.normalization).toEqual(first.classifier.normalization);
    expect(weights(third)).not.toEqual(weights(first));
    expect(first.history[0]!.valLoss).toBeTypeOf('number');
    expect(first.history[0]!.valAccuracy).toBeTypeOf('number');
    [first, second, third].forEach((result) => result.classifier.dispose());
  });

  it('trains softmax regression when there are no hidden units', async () => {
    const { classifier } = await trainClassifier(trainRows, { ...defaults, hiddenUnits: [], epochs: 100, learningRate: 0.1 });
    expect(classifier.describe().layers).toHaveLength(1);
    const metrics = classificationMetrics(testRows.labels, classifier.predictProba(testRows.features, testRows.rows), 3, iris.labelNames);
    expect(metrics.accuracy).toBeGreaterThanOrEqual(0.8);
    classifier.dispose();
  });

  it('fits the normalisation on the training rows only', async () => {
    const { classifier } = await trainClassifier(trainRows, { ...defaults, epochs: 1 });
    const firstFeature = Array.from({ length: trainRows.rows }, (_, row) => trainRows.features[row * 4]!);
    const mean = firstFeature.reduce((a, b) => a + b, 0) / firstFeature.length;
    expect(classifier.normalization.mean[0]).toBeCloseTo(mean, 10);
    classifier.dispose();
  });
});

describe('early stopping', () => {
  it('stops after `patience` epochs without a better validation loss and keeps the best weights', async () => {
    const patience = 3;
    const { classifier, history, epochsRun, stoppedEarly, bestEpoch } = await trainClassifier(trainRows, {
      ...defaults,
      learningRate: 0.3,
      epochs: 500,
      earlyStoppingPatience: patience,
      validation: testRows,
    });
    expect(stoppedEarly).toBe(true);
    expect(epochsRun).toBeLessThan(500);
    expect(bestEpoch).toBe(epochsRun - 1 - patience);
    const best = history[bestEpoch!]!;
    for (const entry of history) expect(entry.valLoss!).toBeGreaterThanOrEqual(best.valLoss!);
    // The returned model is the best epoch's: its log loss on the validation rows is that epoch's.
    const metrics = classificationMetrics(testRows.labels, classifier.predictProba(testRows.features, testRows.rows), 3, iris.labelNames);
    expect(metrics.log_loss).toBeCloseTo(best.valLoss!, 4);
    classifier.dispose();
  });

  it('needs validation rows to watch', async () => {
    await expect(trainClassifier(trainRows, { ...defaults, earlyStoppingPatience: 2 })).rejects.toThrow(/needs validation rows/);
  });
});

describe('progress, cancellation and bad input', () => {
  it('reports every epoch and stops between epochs when aborted, freeing its tensors', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: EpochMetrics[] = [];
    const training = trainClassifier(trainRows, {
      ...defaults,
      signal: controller.signal,
      validation: testRows,
      onEpoch: (metrics) => {
        seen.push(metrics);
        if (metrics.epoch === 2) controller.abort();
      },
    });
    await expect(training).rejects.toMatchObject({ code: 'ABORTED' });
    expect(seen.map((metrics) => metrics.epoch)).toEqual([0, 1, 2]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves no tensors behind once the classifier is disposed', async () => {
    const before = tf.memory().numTensors;
    const { classifier } = await trainClassifier(trainRows, { ...defaults, epochs: 3, validation: testRows, earlyStoppingPatience: 5 });
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('leaves nothing on the backend either, finished or aborted (the trainer\'s kernel results are not in tf.memory)', async () => {
    const backend = new KernelRunner(tf);
    const before = backend.liveData();
    const { classifier } = await trainClassifier(trainRows, { ...defaults, epochs: 3, validation: testRows, earlyStoppingPatience: 5 });
    classifier.dispose();
    expect(backend.liveData()).toBe(before);
    const controller = new AbortController();
    const aborted = trainClassifier(trainRows, { ...defaults, signal: controller.signal, validation: testRows, earlyStoppingPatience: 5, onEpoch: () => controller.abort() });
    await expect(aborted).rejects.toMatchObject({ code: 'ABORTED' });
    expect(backend.liveData()).toBe(before);
  });

  it('rejects labels out of range, mismatched sizes and bad options', async () => {
    const badLabels = { ...trainRows, labels: trainRows.labels.map((label, row) => (row === 4 ? 3 : label)) };
    await expect(trainClassifier(badLabels, defaults)).rejects.toThrow('training row 4: label index must be in 0..2 (setosa, versicolor, virginica), got 3');
    await expect(trainClassifier({ ...trainRows, rows: 10 }, defaults)).rejects.toThrow(/training features has 480 values; expected rows × columns = 10 × 4 = 40/);
    await expect(trainClassifier(trainRows, { ...defaults, epochs: 0 })).rejects.toThrow('epochs must be a positive integer, got 0');
    await expect(trainClassifier(trainRows, { ...defaults, learningRate: -1 })).rejects.toBeInstanceOf(MlopsError);
    await expect(trainClassifier({ ...trainRows, labelNames: ['only'] }, defaults)).rejects.toThrow(/at least two classes/);
  });
});

describe('cancellation from outside (Ctrl-C while a long training runs)', () => {
  it('stops within a second of the abort, between batches, with ABORTED and no tensors left', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let abortedAt = 0;
    let epochsSeen = 0;
    const training = trainClassifier(trainRows, {
      ...defaults,
      epochs: 1_000_000,
      signal: controller.signal,
      onEpoch: () => {
        epochsSeen += 1;
      },
    });
    // A timer, not onEpoch: the abort must arrive through the event loop while training runs.
    setTimeout(() => {
      abortedAt = performance.now();
      controller.abort(new Error('interrupted (SIGINT)'));
    }, 300);
    const error = await training.then(
      () => undefined,
      (caught: unknown) => caught,
    );
    const stoppedAfter = performance.now() - abortedAt;
    expect(abortedAt).toBeGreaterThan(0);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('ABORTED');
    expect(stoppedAfter).toBeLessThan(1000);
    expect(epochsSeen).toBeGreaterThan(0);
    expect(tf.memory().numTensors).toBe(before);
  });
});
