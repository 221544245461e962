import { describe, expect, it } from 'vitest';
import { Classifier, type ClassifierDescription } from '../../src/model/classifier.js';
import type { Tensor } from '@tensorflow/tfjs-core';
import { buildDenseNetwork, planDenseNetwork, type HiddenActivation, type NetworkLayer } from '../../src/model/network.js';
import { createRandom } from '../../src/model/random.js';
import { getTf, loadLayers } from '../../src/model/tf.js';
import { thrownMlopsError } from '../helpers/errors.js';

const tf = await getTf();
const featureNames = ['sepal_length', 'sepal_width', 'petal_length', 'petal_width'];
const labels = ['setosa', 'versicolor', 'virginica'];
const normalization = { mean: [5.8, 3.0, 3.7, 1.2], std: [0.8, 0.4, 1.8, 0.8] };

function makeClassifier(hiddenUnits: number[] = [6, 5], activation: 'relu' | 'tanh' | 'sigmoid' = 'tanh'): Classifier {
  const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits, activation, outputUnits: 3, seed: 5 });
  // Non-zero biases, so that a forward pass that forgot them would show.
  model.layers.forEach((layer, index) => {
    const [kernel, bias] = layer.getWeights();
    const shiftedBias = tf.fill(bias!.shape, 0.1 * (index + 1));
    layer.setWeights([kernel!, shiftedBias]);
    shiftedBias.dispose();
  });
  return new Classifier({ model, featureNames, labels, normalization });
}

function randomRows(rows: number, seed: number): Float32Array {
  const random = createRandom(seed);
  return Float32Array.from({ length: rows * 4 }, () => 1 + random() * 6);
}

/** The forward pass from describe() alone, in float64. */
function forward(description: ClassifierDescription, row: ArrayLike<number>): number[] {
  let values = Array.from(row, (x, j) => (x - description.normalization.mean[j]!) / description.normalization.std[j]!);
  for (const layer of description.layers) {
    const next = Array.from({ length: layer.units }, (_, unit) => {
      let sum = layer.bias[unit]!;
      for (let input = 0; input < layer.inputUnits; input++) sum += values[input]! * layer.kernel[input * layer.units + unit]!;
      return sum;
    });
    if (layer.activation === 'softmax') {
      const max = Math.max(...next);
      const exps = next.map((v) => Math.exp(v - max));
      const total = exps.reduce((a, b) => a + b, 0);
      values = exps.map((v) => v / total);
    } else {
      const act = { relu: (v: number) => Math.max(0, v), tanh: Math.tanh, sigmoid: (v: number) => 1 / (1 + Math.exp(-v)) }[layer.activation];
      values = next.map(act);
    }
  }
  return values;
}

describe('Classifier.predictProba', () => {
  it('gives one probability row per input row, each summing to 1', () => {
    const classifier = makeClassifier();
    const proba = classifier.predictProba(randomRows(10, 1), 10);
    expect(proba).toBeInstanceOf(Float32Array);
    expect(proba.length).toBe(30);
    for (let row = 0; row < 10; row++) {
      expect(proba[row * 3]! + proba[row * 3 + 1]! + proba[row * 3 + 2]!).toBeCloseTo(1, 6);
    }
    classifier.dispose();
  });

  it('applies the stored normalisation to raw inputs', () => {
    const classifier = makeClassifier();
    const raw = randomRows(5, 2);
    const identity = new Classifier({ model: classifier.model, featureNames, labels, normalization: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } });
    const normalized = raw.map((x, i) => (x - normalization.mean[i % 4]!) / normalization.std[i % 4]!);
    expect([...classifier.predictProba(raw, 5)]).toEqual([...identity.predictProba(normalized, 5)]);
    classifier.dispose();
  });

  it('returns an empty result for zero rows', () => {
    const classifier = makeClassifier();
    expect(classifier.predictProba(new Float32Array(0), 0)).toEqual(new Float32Array(0));
    classifier.dispose();
  });

  it('frees every tensor it makes', () => {
    const classifier = makeClassifier();
    const before = tf.memory().numTensors;
    classifier.predictProba(randomRows(100, 3), 100);
    expect(tf.memory().numTensors).toBe(before);
    classifier.dispose();
  });

  it('scores 200,000 rows in one call quickly (one tensor, batchSize = rows)', () => {
    const classifier = makeClassifier([16]);
    const rows = 200_000;
    const features = randomRows(rows, 4);
    const started = performance.now();
    const proba = classifier.predictProba(features, rows);
    const elapsed = performance.now() - started;
    expect(proba.length).toBe(rows * 3);
    // ~50 ms on wasm; predict's default batch of 32 would take tens of seconds.
    expect(elapsed).toBeLessThan(3_000);
    classifier.dispose();
  });

  it('rejects a features array of the wrong size and non-finite values', () => {
    const classifier = makeClassifier();
    expect(() => classifier.predictProba(new Float32Array(7), 2)).toThrow(/features has 7 values; expected rows × columns = 2 × 4 = 8/);
    const withNaN = randomRows(3, 5);
    withNaN[2 * 4 + 3] = Number.NaN;
    expect(() => classifier.predictProba(withNaN, 3)).toThrow('Row 2, feature "petal_width": expected a finite number, found NaN');
    classifier.dispose();
  });
});

describe('Classifier.predictLabels', () => {
  it('picks the most probable class, the first one on ties', () => {
    const classifier = makeClassifier();
    const proba = new Float32Array([0.1, 0.7, 0.2, 0.5, 0.2, 0.3, 0.4, 0.2, 0.4, 1 / 3, 1 / 3, 1 / 3]);
    expect([...classifier.predictLabels(proba, 4)]).toEqual([1, 0, 0, 0]);
    expect(() => classifier.predictLabels(proba, 5)).toThrow(/proba has 12 values; expected rows × columns = 5 × 3 = 15/);
    classifier.dispose();
  });
});

describe('Classifier.describe', () => {
  it('is enough to recompute the probabilities without tfjs', () => {
    for (const activation of ['relu', 'tanh', 'sigmoid'] as const) {
      const classifier = makeClassifier([6, 5], activation);
      const description = classifier.describe();
      expect(description.layers.map((layer) => [layer.inputUnits, layer.units, layer.activation])).toEqual([
        [4, 6, activation],
        [6, 5, activation],
        [5, 3, 'softmax'],
      ]);
      expect(description.layers[1]!.bias[0]).toBeCloseTo(0.2, 6);
      const features = randomRows(20, 6);
      const proba = classifier.predictProba(features, 20);
      for (let row = 0; row < 20; row++) {
        const expected = forward(description, features.subarray(row * 4, row * 4 + 4));
        expected.forEach((p, k) => expect(proba[row * 3 + k]).toBeCloseTo(p, 5));
      }
      classifier.dispose();
    }
  });

  it('hands out copies, not the live weights', () => {
    const classifier = makeClassifier();
    const description = classifier.describe();
    description.layers[0]!.kernel.fill(0);
    expect(classifier.describe().layers[0]!.kernel.some((value) => value !== 0)).toBe(true);
    classifier.dispose();
  });
});

describe('new Classifier', () => {
  function expectInvalid(build: () => unknown, message: RegExp): void {
    thrownMlopsError(build, 'INVALID_ARGUMENT', message);
  }

  it('checks names, normalisation and architecture against each other', () => {
    const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits: [3], activation: 'relu', outputUnits: 3, seed: 1 });
    expectInvalid(() => new Classifier({ model, featureNames: ['a', 'b', 'c'], labels, normalization: { mean: [0, 0, 0], std: [1, 1, 1] } }), /layer 0 \("hidden_1"\) with 4 inputs where 3 were expected/);
    expectInvalid(() => new Classifier({ model, featureNames, labels: ['x', 'y'], normalization }), /softmax layer of 2 units.*output layer with 3 units/);
    expectInvalid(() => new Classifier({ model, featureNames, labels: ['x', 'x', 'y'], normalization }), /labels must be unique, "x" appears twice/);
    expectInvalid(() => new Classifier({ model, featureNames, labels, normalization: { mean: [0, 0, 0, 0], std: [1, 0, 1, 1] } }), /normalization.std\[1\] must be a positive finite number, got 0/);
    expectInvalid(() => new Classifier({ model, featureNames, labels, normalization: { mean: [0], std: [1] } }), /one mean and std per feature \(4\)/);
    model.dispose();
  });

  it('refuses layers other than dense ones', () => {
    const tfl = loadLayers();
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3, activation: 'softmax' }), tfl.layers.dropout({ rate: 0.5 })] });
    expectInvalid(() => new Classifier({ model, featureNames, labels, normalization }), /of class Dropout/);
    model.dispose();
  });
});

describe('Classifier made from its layers (no tfjs-layers)', () => {
  /** Seeded weights with non-zero biases for 4 inputs → hidden → 3 classes. */
  function layersOf(hiddenUnits: number[], activation: HiddenActivation, seed: number): NetworkLayer[] {
    const random = createRandom(seed);
    return planDenseNetwork({ inputUnits: 4, hiddenUnits, activation, outputUnits: 3, seed }).map((layer) => ({
      ...layer,
      kernel: Float32Array.from({ length: layer.inputUnits * layer.units }, () => random() * 3 - 1.5),
      bias: Float32Array.from({ length: layer.units }, () => random() - 0.5),
    }));
  }

  /** tfjs-layers' model of the same architecture and weights: the reference. */
  function referenceModel(hiddenUnits: number[], activation: HiddenActivation, seed: number, layers: NetworkLayer[]) {
    const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits, activation, outputUnits: 3, seed });
    const weights = layers.flatMap((layer) => [tf.tensor2d(layer.kernel, [layer.inputUnits, layer.units]), tf.tensor1d(layer.bias)]);
    model.setWeights(weights);
    weights.forEach((tensor) => tensor.dispose());
    return model;
  }

  const ARCHITECTURES: [number[], HiddenActivation][] = [
    [[], 'relu'],
    [[16], 'relu'],
    [[7], 'tanh'],
    [[5], 'sigmoid'],
    [[6, 5], 'relu'],
    [[6, 5], 'tanh'],
    [[8, 4], 'sigmoid'],
  ];

  it("predicts bit for bit what tfjs-layers' model predicts (relu, tanh, sigmoid; 0–2 hidden layers), as does one made from that model", () => {
    ARCHITECTURES.forEach(([hiddenUnits, activation], index) => {
      const layers = layersOf(hiddenUnits, activation, index + 1);
      const classifier = new Classifier({ layers, featureNames, labels, normalization });
      const model = referenceModel(hiddenUnits, activation, index + 1, layers);
      const fromModel = new Classifier({ model, featureNames, labels, normalization });
      const rows = 2_000;
      const features = randomRows(rows, index + 10);
      const normalized = features.map((x, i) => (x - normalization.mean[i % 4]!) / normalization.std[i % 4]!);
      const input = tf.tensor2d(normalized, [rows, 4]);
      const output = model.predict(input, { batchSize: rows }) as Tensor;
      const expected = output.dataSync() as Float32Array;
      const ours = classifier.predictProba(features, rows);
      // As bytes: every float32 the same, not merely close.
      expect(Buffer.from(ours.buffer).equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength))).toBe(true);
      expect(Buffer.from(fromModel.predictProba(features, rows).buffer).equals(Buffer.from(ours.buffer))).toBe(true);
      [input, output].forEach((tensor) => tensor.dispose());
      classifier.dispose();
      fromModel.dispose();
    });
  });

  it('describes its layers, keeps its network (copies) and builds the tfjs-layers model only when asked', () => {
    const layers = layersOf([6], 'tanh', 3);
    const classifier = new Classifier({ layers, featureNames, labels, normalization });
    expect(classifier.describe().layers).toEqual(layers.map(({ name: _name, seed: _seed, ...layer }) => layer));
    expect(classifier.network()).toEqual(layers);
    classifier.network()![0]!.kernel.fill(0);
    layers[0]!.kernel.fill(0);
    expect(classifier.describe().layers[0]!.kernel.some((value) => value !== 0)).toBe(true);
    const reference = referenceModel([6], 'tanh', 3, layersOf([6], 'tanh', 3));
    const model = classifier.model;
    expect(classifier.model).toBe(model);
    expect(model.toJSON(null, false)).toEqual(reference.toJSON(null, false));
    expect(model.getWeights().map((tensor) => [...tensor.dataSync()])).toEqual(reference.getWeights().map((tensor) => [...tensor.dataSync()]));
    reference.dispose();
    classifier.dispose();
  });

  it('checks the layers against the names and each other', () => {
    const layers = layersOf([6], 'relu', 4);
    const invalid = (edit: (copy: NetworkLayer[]) => void, message: RegExp) => {
      const copy = layers.map((layer) => ({ ...layer }));
      edit(copy);
      thrownMlopsError(() => new Classifier({ layers: copy, featureNames, labels, normalization }), 'INVALID_ARGUMENT', message);
    };
    invalid((copy) => (copy[1]!.activation = 'tanh'), /output layer with 3 units and activation tanh/);
    invalid((copy) => (copy[0]!.activation = 'softmax'), /layer 0 \("hidden_1"\) with activation softmax/);
    invalid((copy) => (copy[0]!.kernel = copy[0]!.kernel.subarray(1)), /layer 0 \("hidden_1"\) with 23 kernel and 6 bias values for 4 × 6 units/);
    invalid((copy) => (copy[1]!.name = 'hidden_1'), /layer 1 \("hidden_1"\): layer names must be unique/);
    invalid((copy) => (copy[0]!.seed = 0.5), /initializer seed 0.5/);
    invalid((copy) => copy.splice(0, 1), /layer 0 \("output"\) with 6 inputs where 4 were expected/);
    invalid((copy) => copy.splice(0), /found no layers/);
  });

  it('cannot predict once disposed', () => {
    const classifier = new Classifier({ layers: layersOf([], 'relu', 5), featureNames, labels, normalization });
    const before = tf.memory().numTensors;
    classifier.dispose();
    expect(tf.memory().numTensors).toBe(before - 2);
    thrownMlopsError(() => classifier.predictProba(randomRows(1, 1), 1), 'INVALID_ARGUMENT', /disposed/);
  });
});
