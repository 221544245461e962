import { describe, expect, it } from 'vitest';
import { getTf } from '../../../src/model/tf.js';
import { NdArray, NumpyDtype } from '../../../src/model/pickle/numpy.js';
import { PyObject, type PickleValue } from '../../../src/model/pickle/values.js';
import { SKLEARN_CLASSES } from '../../../src/model/sklearn/allow-list.js';
import { readSklearnEstimator } from '../../../src/model/sklearn/read-estimator.js';
import { networkToClassifier } from '../../../src/model/sklearn/to-classifier.js';

await getTf();

function floats(shape: number[], values: number[]): NdArray {
  const array = new NdArray();
  array.fill(shape, new NumpyDtype('f8', 'test'), false, new Uint8Array(Float64Array.from(values).buffer), 'test');
  return array;
}

function strings(values: string[]): NdArray {
  const width = Math.max(...values.map((v) => v.length));
  const raw = new Uint32Array(values.length * width);
  values.forEach((v, i) => [...v].forEach((c, j) => (raw[i * width + j] = c.codePointAt(0)!)));
  const array = new NdArray();
  array.fill([values.length], new NumpyDtype(`U${width}`, 'test'), false, new Uint8Array(raw.buffer), 'test');
  return array;
}

function estimator(className: string, attributes: Record<string, PickleValue>): PyObject {
  const object = new PyObject(className);
  for (const [key, value] of Object.entries(attributes)) object.attributes.set(key, value);
  return object;
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const x = [[1, 2], [-1, 0.5], [3, -2]];

async function probabilities(model: PyObject): Promise<number[][]> {
  const network = readSklearnEstimator(model, 'test.pkl');
  const classifier = await networkToClassifier(network, { featureNames: ['a', 'b'] });
  const proba = classifier.predictProba(Float32Array.from(x.flat()), x.length);
  classifier.dispose();
  const width = network.labels.length;
  return x.map((_, r) => Array.from(proba.subarray(r * width, (r + 1) * width)));
}

describe('readSklearnEstimator', () => {
  it('maps a binary LogisticRegression onto softmax([0, z]) = [1 − σ(z), σ(z)], as predict_proba gives', async () => {
    const model = estimator(SKLEARN_CLASSES.logisticRegression, {
      classes_: strings(['no', 'yes']),
      coef_: floats([1, 2], [0.5, -0.25]),
      intercept_: floats([1], [0.1]),
      multi_class: 'auto',
      solver: 'lbfgs',
      n_features_in_: 2,
    });
    const got = await probabilities(model);
    x.forEach(([a, b], r) => {
      const p = sigmoid(0.5 * a! - 0.25 * b! + 0.1);
      expect(got[r]![0]).toBeCloseTo(1 - p, 6);
      expect(got[r]![1]).toBeCloseTo(p, 6);
    });
  });

  it('maps a multinomial binary LogisticRegression onto softmax([−z, z])', async () => {
    const model = estimator(SKLEARN_CLASSES.logisticRegression, {
      classes_: strings(['no', 'yes']),
      coef_: floats([1, 2], [0.5, -0.25]),
      intercept_: floats([1], [0.1]),
      multi_class: 'multinomial',
    });
    const got = await probabilities(model);
    x.forEach(([a, b], r) => expect(got[r]![1]).toBeCloseTo(sigmoid(2 * (0.5 * a! - 0.25 * b! + 0.1)), 6));
  });

  it('refuses a one-vs-rest multiclass LogisticRegression, whose probabilities are not a softmax', () => {
    const model = estimator(SKLEARN_CLASSES.logisticRegression, {
      classes_: strings(['a', 'b', 'c']),
      coef_: floats([3, 2], [1, 2, 3, 4, 5, 6]),
      intercept_: floats([3], [0, 0, 0]),
      multi_class: 'auto',
      solver: 'liblinear',
    });
    expect(() => readSklearnEstimator(model, 'ovr.pkl')).toThrow(/ovr\.pkl: a one-vs-rest LogisticRegression \(multi_class="auto", solver="liblinear"\)/);
  });

  it('multiplies out identity hidden layers of an MLPClassifier into one softmax layer', async () => {
    const model = estimator(SKLEARN_CLASSES.mlpClassifier, {
      classes_: strings(['a', 'b', 'c']),
      activation: 'identity',
      out_activation_: 'softmax',
      coefs_: [floats([2, 2], [1, 2, 3, 4]), floats([2, 3], [1, 0, -1, 0.5, 1, 0])],
      intercepts_: [floats([2], [0.5, -0.5]), floats([3], [0, 0.1, 0.2])],
    });
    const network = readSklearnEstimator(model, 'id.pkl');
    expect(network.layers).toHaveLength(1);
    const got = await probabilities(model);
    x.forEach(([a, b], r) => {
      const h = [a! * 1 + b! * 3 + 0.5, a! * 2 + b! * 4 - 0.5];
      const z = [h[0]! * 1 + h[1]! * 0.5, h[0]! * 0 + h[1]! * 1 + 0.1, h[0]! * -1 + h[1]! * 0 + 0.2];
      const m = Math.max(...z);
      const e = z.map((v) => Math.exp(v - m));
      const s = e.reduce((t, v) => t + v, 0);
      e.forEach((v, k) => expect(got[r]![k]).toBeCloseTo(v / s, 5));
    });
  });

  it('maps a binary MLPClassifier (one logistic output) and keeps tanh / logistic hidden activations', async () => {
    const model = estimator(SKLEARN_CLASSES.mlpClassifier, {
      classes_: floats([2], [0, 1]),
      activation: 'tanh',
      out_activation_: 'logistic',
      coefs_: [floats([2, 2], [1, -1, 0.5, 2]), floats([2, 1], [1.5, -0.5])],
      intercepts_: [floats([2], [0.1, 0.2]), floats([1], [-0.3])],
    });
    const network = readSklearnEstimator(model, 'bin.pkl');
    expect(network.labels).toEqual(['0.0', '1.0']);
    expect(network.activation).toBe('tanh');
    const got = await probabilities(model);
    x.forEach(([a, b], r) => {
      const h = [Math.tanh(a! * 1 + b! * 0.5 + 0.1), Math.tanh(a! * -1 + b! * 2 + 0.2)];
      expect(got[r]![1]).toBeCloseTo(sigmoid(h[0]! * 1.5 - h[1]! * 0.5 - 0.3), 6);
    });
    expect(readSklearnEstimator(estimator(SKLEARN_CLASSES.mlpClassifier, { ...Object.fromEntries(model.attributes), activation: 'logistic' }), 'l.pkl').activation).toBe('sigmoid');
  });

  it('refuses multilabel MLPs, pipelines with other steps, and other estimators, naming them', () => {
    const multilabel = estimator(SKLEARN_CLASSES.mlpClassifier, {
      classes_: strings(['a', 'b', 'c']),
      out_activation_: 'logistic',
      coefs_: [floats([2, 3], [1, 2, 3, 4, 5, 6])],
      intercepts_: [floats([3], [0, 0, 0])],
    });
    expect(() => readSklearnEstimator(multilabel, 'm.pkl')).toThrow(/multilabel models cannot be imported/);

    const scaler = estimator(SKLEARN_CLASSES.standardScaler, { mean_: floats([2], [0, 0]), scale_: floats([2], [1, 1]) });
    const pca = estimator('sklearn.decomposition._pca PCA', {});
    const twoSteps = estimator(SKLEARN_CLASSES.pipeline, { steps: [Object.freeze(['pca', pca]), Object.freeze(['scaler', scaler]), Object.freeze(['model', multilabel])] });
    expect(() => readSklearnEstimator(twoSteps, 'p.pkl')).toThrow(/only Pipeline\(StandardScaler, classifier\).*found Pipeline\(PCA, StandardScaler, MLPClassifier\)/);
    expect(() => readSklearnEstimator(scaler, 's.pkl')).toThrow(/s\.pkl: StandardScaler cannot be imported/);
  });

  it('turns a StandardScaler step into the stored normalisation, honouring with_mean / with_std', () => {
    const model = estimator(SKLEARN_CLASSES.logisticRegression, {
      classes_: strings(['no', 'yes']),
      coef_: floats([1, 2], [1, 1]),
      intercept_: floats([1], [0]),
    });
    const scaler = estimator(SKLEARN_CLASSES.standardScaler, { with_mean: false, with_std: true, mean_: floats([2], [5, 6]), scale_: floats([2], [2, 4]) });
    const pipeline = estimator(SKLEARN_CLASSES.pipeline, { steps: [Object.freeze(['s', scaler]), Object.freeze(['skip', 'passthrough']), Object.freeze(['m', model])], _sklearn_version: '1.3.0' });
    const network = readSklearnEstimator(pipeline, 'p.pkl');
    expect(network.normalization).toEqual({ mean: [0, 0], std: [2, 4] });
    expect(network.estimator).toBe('Pipeline(StandardScaler, LogisticRegression)');
    expect(network.sklearnVersion).toBe('1.3.0');
  });

  it('reports weights that do not fit together or are not finite', () => {
    const badShape = estimator(SKLEARN_CLASSES.logisticRegression, { classes_: strings(['a', 'b', 'c']), coef_: floats([2, 2], [1, 2, 3, 4]), intercept_: floats([2], [0, 0]) });
    expect(() => readSklearnEstimator(badShape, 'b.pkl')).toThrow(/coef_ is 2×2 .* 3 classes need 3 rows/);
    const nan = estimator(SKLEARN_CLASSES.logisticRegression, { classes_: strings(['a', 'b']), coef_: floats([1, 2], [1, NaN]), intercept_: floats([1], [0]) });
    expect(() => readSklearnEstimator(nan, 'n.pkl')).toThrow(/coef_\[1\] is NaN/);
    const wrongCount = estimator(SKLEARN_CLASSES.logisticRegression, { classes_: strings(['a', 'b']), coef_: floats([1, 2], [1, 2]), intercept_: floats([1], [0]), n_features_in_: 3 });
    expect(() => readSklearnEstimator(wrongCount, 'w.pkl')).toThrow(/n_features_in_ is 3 but the weights take 2/);
  });
});
