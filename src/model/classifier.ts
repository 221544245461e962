import type { LayersModel, Tensor } from '@tensorflow/tfjs';
import { MlopsError } from '../errors.js';
import { encodedFeatureNames, encodeRawMatrix, numericInputs, type InputColumn } from './encoding.js';
import { HIDDEN_ACTIVATIONS, type HiddenActivation } from './network.js';
import { checkMatrixSize, normalizeRows, type Normalization } from './normalization.js';
import { loadedTf, type Tf } from './tf.js';

export interface DenseLayerDescription {
  inputUnits: number;
  units: number;
  activation: HiddenActivation | 'softmax';
  /** Row-major inputUnits × units: kernel[i * units + j] weighs input i into unit j. */
  kernel: Float32Array;
  bias: Float32Array;
}

/**
 * The whole model as plain data: probabilities = softmax(…activation((x − mean) / std · K + b)…).
 * Enough to re-implement prediction elsewhere (e.g. as SQL) without tfjs.
 */
export interface ClassifierDescription {
  /** The raw input columns and how each is encoded into featureNames (see encoding.ts); absent = the features, numeric. */
  inputs?: InputColumn[];
  /** The network's (encoded) input columns. */
  featureNames: string[];
  labels: string[];
  normalization: Normalization;
  layers: DenseLayerDescription[];
}

export interface ClassifierInit {
  model: LayersModel;
  /** The encoded feature names the network takes. */
  featureNames: readonly string[];
  /** The raw input columns; default: featureNames, numeric, nothing imputed. */
  inputs?: readonly InputColumn[];
  /** The column holding the true label in labelled data; default "species" (the Iris data). */
  labelColumn?: string;
  labels: readonly string[];
  normalization: Normalization;
}

/**
 * A dense softmax classifier over named numeric features. Inputs are raw feature values; the
 * stored normalisation is applied here so that callers never have to.
 * Create one only after `await getTf()`.
 */
export class Classifier {
  readonly model: LayersModel;
  /** Own copies: changing them does not change the model, so treat them as read-only. */
  readonly featureNames: string[];
  readonly inputs: InputColumn[];
  readonly labelColumn: string;
  readonly labels: string[];
  readonly normalization: Normalization;
  readonly #tf: Tf;

  constructor(init: ClassifierInit) {
    this.#tf = loadedTf();
    checkNames(init.featureNames, 'featureNames', 1);
    checkNames(init.labels, 'labels', 2);
    checkNormalization(init.normalization, init.featureNames.length);
    checkArchitecture(init.model, init.featureNames.length, init.labels.length);
    const inputs = init.inputs === undefined ? numericInputs(init.featureNames) : init.inputs.map((input) => structuredClone(input));
    const encoded = encodedFeatureNames(inputs);
    if (encoded.join('\u0000') !== init.featureNames.join('\u0000')) {
      throw new MlopsError('INVALID_ARGUMENT', `The inputs encode to [${encoded.join(', ')}], not the featureNames [${init.featureNames.join(', ')}]`);
    }
    this.model = init.model;
    this.inputs = inputs;
    this.labelColumn = init.labelColumn ?? 'species';
    this.featureNames = [...init.featureNames];
    this.labels = [...init.labels];
    this.normalization = { mean: [...init.normalization.mean], std: [...init.normalization.std] };
  }

  /**
   * Class probabilities, row-major rows × labels.length, for row-major raw features
   * rows × featureNames.length. One tensor and one predict call for the whole batch.
   */
  predictProba(features: Float32Array, rows: number): Float32Array {
    const featureCount = this.featureNames.length;
    checkMatrixSize(features, rows, featureCount, 'features');
    if (rows === 0) return new Float32Array(0);
    const normalized = normalizeRows(features, rows, this.normalization, this.featureNames);
    const tf = this.#tf;
    // tf.tidy walks whatever its callback returns looking for tensors, element by element for a
    // typed array — so the tensor leaves tidy and is read (and disposed) outside it.
    const output = tf.tidy(() => {
      const input = tf.tensor2d(normalized, [rows, featureCount], 'float32');
      // predict's default batchSize of 32 makes big batches ~700× slower.
      return this.model.predict(input, { batchSize: rows }) as Tensor;
    });
    try {
      return output.dataSync() as Float32Array;
    } finally {
      output.dispose();
    }
  }

  /** Probabilities for a raw matrix (rows × inputs, see encodeRawMatrix): encoded, then predictProba. */
  predictRawProba(raw: ArrayLike<number>, rows: number): Float32Array {
    return this.predictProba(encodeRawMatrix(this.inputs, raw, rows), rows);
  }

  /** The most probable class of each row (the first one on ties, like numpy's argmax). */
  predictLabels(proba: Float32Array, rows: number): Int32Array {
    const labelCount = this.labels.length;
    checkMatrixSize(proba, rows, labelCount, 'proba');
    const predicted = new Int32Array(rows);
    for (let row = 0; row < rows; row++) {
      const offset = row * labelCount;
      let best = 0;
      let bestValue = proba[offset]!;
      for (let label = 1; label < labelCount; label++) {
        const value = proba[offset + label]!;
        if (value > bestValue) {
          best = label;
          bestValue = value;
        }
      }
      predicted[row] = best;
    }
    return predicted;
  }

  describe(): ClassifierDescription {
    const layers = denseLayers(this.model).map((layer): DenseLayerDescription => {
      const [kernelTensor, biasTensor] = layer.getWeights();
      // getWeights hands out the live variables: read them, never dispose them.
      const kernel = Float32Array.from(kernelTensor!.dataSync());
      const [inputUnits, units] = kernelTensor!.shape as [number, number];
      const bias = biasTensor === undefined ? new Float32Array(units) : Float32Array.from(biasTensor.dataSync());
      return { inputUnits, units, activation: activationOf(layer) as DenseLayerDescription['activation'], kernel, bias };
    });
    return {
      inputs: this.inputs.map((input) => structuredClone(input)),
      featureNames: [...this.featureNames],
      labels: [...this.labels],
      normalization: { mean: [...this.normalization.mean], std: [...this.normalization.std] },
      layers,
    };
  }

  /** Frees the model's weights; the classifier cannot predict afterwards. */
  dispose(): void {
    this.model.dispose();
  }
}

type Layer = LayersModel['layers'][number];

function denseLayers(model: LayersModel): Layer[] {
  return model.layers.filter((layer) => layer.getClassName() !== 'InputLayer');
}

function activationOf(layer: Layer): string {
  const activation = layer.getConfig()['activation'];
  return typeof activation === 'string' ? activation : JSON.stringify(activation);
}

function checkNames(names: readonly string[], what: string, minimum: number): void {
  if (names.length < minimum) {
    throw new MlopsError('INVALID_ARGUMENT', `${what} must name at least ${minimum}, got ${names.length}: [${names.join(', ')}]`);
  }
  const seen = new Set<string>();
  for (const name of names) {
    if (typeof name !== 'string' || name === '') {
      throw new MlopsError('INVALID_ARGUMENT', `${what} must be non-empty strings, got ${JSON.stringify(name)}`);
    }
    if (seen.has(name)) throw new MlopsError('INVALID_ARGUMENT', `${what} must be unique, "${name}" appears twice`);
    seen.add(name);
  }
}

function checkNormalization(normalization: Normalization, featureCount: number): void {
  const { mean, std } = normalization;
  if (mean.length !== featureCount || std.length !== featureCount) {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `normalization must have one mean and std per feature (${featureCount}), got ${mean.length} means and ${std.length} stds`,
    );
  }
  mean.forEach((value, index) => {
    if (!Number.isFinite(value)) throw new MlopsError('INVALID_ARGUMENT', `normalization.mean[${index}] must be finite, got ${value}`);
  });
  std.forEach((value, index) => {
    if (!(Number.isFinite(value) && value > 0)) {
      throw new MlopsError('INVALID_ARGUMENT', `normalization.std[${index}] must be a positive finite number, got ${value}`);
    }
  });
}

function checkArchitecture(model: LayersModel, featureCount: number, labelCount: number): void {
  const layers = denseLayers(model);
  const fail = (found: string): never => {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `The model must be dense layers (${HIDDEN_ACTIVATIONS.join('|')}) ending in a softmax layer of ${labelCount} units ` +
        `over ${featureCount} inputs; found ${found}`,
    );
  };
  if (layers.length === 0) fail('no layers');
  layers.forEach((layer, index) => {
    if (layer.getClassName() !== 'Dense') fail(`layer ${index} ("${layer.name}") of class ${layer.getClassName()}`);
  });
  let inputUnits = featureCount;
  layers.forEach((layer, index) => {
    const where = `layer ${index} ("${layer.name}")`;
    const kernel = layer.getWeights()[0];
    const [kernelInputs, units] = (kernel?.shape ?? []) as number[];
    if (kernelInputs !== inputUnits) fail(`${where} with ${kernelInputs} inputs where ${inputUnits} were expected`);
    const activation = activationOf(layer);
    const isLast = index === layers.length - 1;
    if (isLast && (activation !== 'softmax' || units !== labelCount)) {
      fail(`an output layer with ${units} units and activation ${activation}`);
    }
    if (!isLast && !(HIDDEN_ACTIVATIONS as readonly string[]).includes(activation)) fail(`${where} with activation ${activation}`);
    inputUnits = units!;
  });
}
