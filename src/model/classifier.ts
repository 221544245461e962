import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MlopsError } from '../errors.js';
import { encodedFeatureNames, encodeRawMatrix, numericInputs, type InputColumn } from './encoding.js';
import { buildLayersModel, HIDDEN_ACTIVATIONS, type HiddenActivation, type NetworkLayer } from './network.js';
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

interface ClassifierInitBase {
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
 * The network as its layers (names, initializer seeds and weights: see network.ts), or as a
 * tfjs-layers model of dense layers, whose weights the classifier copies.
 */
export type ClassifierInit = ClassifierInitBase & ({ layers: readonly NetworkLayer[]; model?: undefined } | { model: LayersModel; layers?: undefined });

/** A layer's weights as tensors of the tfjs backend, for prediction. */
interface LayerTensors {
  kernel: Tensor2D;
  bias: Tensor1D | null;
}

/**
 * A dense softmax classifier over named numeric features. Inputs are raw feature values; the
 * stored normalisation is applied here so that callers never have to.
 * Create one only after `await getTf()`.
 *
 * It holds its network as plain data and predicts with tfjs-core's ops — the ones a tfjs-layers
 * Dense layer runs, in the same order, so the same float32 results (tested) — without loading
 * tfjs-layers, which only `model` needs.
 */
export class Classifier {
  /** Own copies: changing them does not change the model, so treat them as read-only. */
  readonly featureNames: string[];
  readonly inputs: InputColumn[];
  readonly labelColumn: string;
  readonly labels: string[];
  readonly normalization: Normalization;
  readonly #tf: Tf;
  readonly #layers: DenseLayerDescription[];
  /** Per layer: whether it adds its bias (a given tfjs model may have layers without one). */
  readonly #biased: boolean[];
  /** Names and initializer seeds, when the classifier was made from its layers (then modelToFiles writes them). */
  readonly #network: NetworkLayer[] | undefined;
  #model: LayersModel | undefined;
  readonly #tensors: LayerTensors[];
  #disposed = false;

  constructor(init: ClassifierInit) {
    this.#tf = loadedTf();
    checkNames(init.featureNames, 'featureNames', 1);
    checkNames(init.labels, 'labels', 2);
    checkNormalization(init.normalization, init.featureNames.length);
    const inputs = init.inputs === undefined ? numericInputs(init.featureNames) : init.inputs.map((input) => structuredClone(input));
    const encoded = encodedFeatureNames(inputs);
    if (encoded.join('\u0000') !== init.featureNames.join('\u0000')) {
      throw new MlopsError('INVALID_ARGUMENT', `The inputs encode to [${encoded.join(', ')}], not the featureNames [${init.featureNames.join(', ')}]`);
    }
    if (init.model !== undefined) {
      checkArchitecture(init.model, init.featureNames.length, init.labels.length);
      const read = readModelLayers(init.model);
      this.#layers = read.map(({ layer }) => layer);
      this.#biased = read.map(({ biased }) => biased);
      this.#network = undefined;
      this.#model = init.model;
    } else {
      checkNetwork(init.layers, init.featureNames.length, init.labels.length);
      this.#network = init.layers.map((layer) => ({ ...layer, kernel: Float32Array.from(layer.kernel), bias: Float32Array.from(layer.bias) }));
      this.#layers = this.#network.map(({ inputUnits, units, activation, kernel, bias }) => ({ inputUnits, units, activation, kernel, bias }));
      this.#biased = this.#network.map(() => true);
    }
    this.inputs = inputs;
    this.labelColumn = init.labelColumn ?? 'species';
    this.featureNames = [...init.featureNames];
    this.labels = [...init.labels];
    this.normalization = { mean: [...init.normalization.mean], std: [...init.normalization.std] };
    // The weights go to the backend once, as a tfjs-layers model's variables would.
    const tf = this.#tf;
    this.#tensors = this.#layers.map((layer, index) => ({
      kernel: tf.tensor2d(layer.kernel, [layer.inputUnits, layer.units], 'float32'),
      bias: this.#biased[index] ? tf.tensor1d(layer.bias, 'float32') : null,
    }));
  }

  /**
   * The network as a tfjs-layers model: the one given to the constructor, else built (once, and
   * tfjs-layers loaded) from the layers. Prediction does not use it, so changing its weights
   * does not change the classifier's predictions.
   */
  get model(): LayersModel {
    if (this.#disposed) throw new MlopsError('INVALID_ARGUMENT', 'This classifier was disposed: its weights are freed');
    this.#model ??= buildLayersModel(this.#tf, this.#network!);
    return this.#model;
  }

  /**
   * The layers with their names and initializer seeds when the classifier was made from them
   * (copies); undefined for one made from a tfjs-layers model.
   */
  network(): NetworkLayer[] | undefined {
    return this.#network?.map((layer) => ({ ...layer, kernel: layer.kernel.slice(), bias: layer.bias.slice() }));
  }

  /**
   * Class probabilities, row-major rows × labels.length, for row-major raw features
   * rows × featureNames.length. One tensor per layer for the whole batch.
   */
  predictProba(features: Float32Array, rows: number): Float32Array {
    const featureCount = this.featureNames.length;
    checkMatrixSize(features, rows, featureCount, 'features');
    if (rows === 0) return new Float32Array(0);
    const normalized = normalizeRows(features, rows, this.normalization, this.featureNames);
    let result = new Float32Array(0);
    this.withProbabilities(normalized, rows, (probabilities) => (result = probabilities.slice()));
    return result;
  }

  /**
   * Runs the network on normalised features (row-major rows × featureNames.length) — the whole
   * batch as one tensor — and hands the row-major probabilities to `use`. On the wasm backend
   * `use` reads them where tfjs computed them, in wasm memory (dataSync would copy them out
   * first); the view is only valid inside `use`. Nothing is returned from tf.tidy but the tensor:
   * tidy walks whatever its callback returns, element by element for a typed array.
   */
  withProbabilities(normalized: Float32Array, rows: number, use: (probabilities: Float32Array) => void): void {
    const tf = this.#tf;
    const featureCount = this.featureNames.length;
    if (this.#disposed) throw new MlopsError('INVALID_ARGUMENT', 'This classifier was disposed: its weights are freed and it cannot predict');
    checkMatrixSize(normalized, rows, featureCount, 'normalized');
    const output = tf.tidy(() => this.#forward(tf.tensor2d(normalized.subarray(0, rows * featureCount), [rows, featureCount], 'float32')));
    try {
      const backend = tf.backend() as { typedArrayFromHeap?: (tensor: Tensor) => Float32Array };
      use(typeof backend.typedArrayFromHeap === 'function' && output.dtype === 'float32' ? backend.typedArrayFromHeap(output) : (output.dataSync() as Float32Array));
    } finally {
      output.dispose();
    }
  }

  /**
   * What a tfjs-layers Dense layer's `call` computes, op for op: a layer whose activation tfjs
   * fuses (relu) is one fused matMul with bias and activation; the others (tanh, sigmoid, the
   * softmax output) a fused matMul without bias or activation, then add the bias, then the
   * activation (softmax over the last axis).
   */
  #forward(input: Tensor2D): Tensor {
    const tf = this.#tf;
    const tensors = this.#tensors;
    let x: Tensor2D = input;
    this.#layers.forEach((layer, index) => {
      const { kernel, bias } = tensors[index]!;
      if (layer.activation === 'relu') {
        x = tf.fused.matMul({ a: x, b: kernel, transposeA: false, transposeB: false, bias: bias ?? undefined, activation: 'relu' }) as Tensor2D;
        return;
      }
      let output = tf.fused.matMul({ a: x, b: kernel, transposeA: false, transposeB: false }) as Tensor2D;
      if (bias !== null) output = tf.add(output, bias) as Tensor2D;
      x = layer.activation === 'tanh' ? tf.tanh(output) : layer.activation === 'sigmoid' ? tf.sigmoid(output) : tf.softmax(output, -1);
    });
    return x;
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
    return {
      inputs: this.inputs.map((input) => structuredClone(input)),
      featureNames: [...this.featureNames],
      labels: [...this.labels],
      normalization: { mean: [...this.normalization.mean], std: [...this.normalization.std] },
      layers: this.#layers.map((layer) => ({ ...layer, kernel: layer.kernel.slice(), bias: layer.bias.slice() })),
    };
  }

  /** Frees the weights the backend holds (and the tfjs-layers model, if any); the classifier cannot predict afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#tensors.forEach(({ kernel, bias }) => {
      kernel.dispose();
      bias?.dispose();
    });
    this.#model?.dispose();
    this.#disposed = true;
  }
}

/** The dense layers' weights (copies), activations and whether each has a bias, from a checked tfjs-layers model. */
function readModelLayers(model: LayersModel): { layer: DenseLayerDescription; biased: boolean }[] {
  return denseLayers(model).map((layer) => {
    const [kernelTensor, biasTensor] = layer.getWeights();
    // getWeights hands out the live variables: read them, never dispose them.
    const kernel = Float32Array.from(kernelTensor!.dataSync());
    const [inputUnits, units] = kernelTensor!.shape as [number, number];
    const bias = biasTensor === undefined ? new Float32Array(units) : Float32Array.from(biasTensor.dataSync());
    const activation = activationOf(layer) as DenseLayerDescription['activation'];
    return { layer: { inputUnits, units, activation, kernel, bias }, biased: biasTensor !== undefined };
  });
}

/** Throws the one message both checks give for a network that is not dense layers ending in a softmax over the labels. */
function architectureFailure(featureCount: number, labelCount: number): (found: string) => never {
  return (found) => {
    throw new MlopsError(
      'INVALID_ARGUMENT',
      `The model must be dense layers (${HIDDEN_ACTIVATIONS.join('|')}) ending in a softmax layer of ${labelCount} units ` +
        `over ${featureCount} inputs; found ${found}`,
    );
  };
}

/** The same rules as checkArchitecture, for layers given as data; also their weights' sizes, names and seeds. */
function checkNetwork(layers: readonly NetworkLayer[], featureCount: number, labelCount: number): void {
  const fail = architectureFailure(featureCount, labelCount);
  if (layers.length === 0) fail('no layers');
  const names = new Set<string>();
  let inputUnits = featureCount;
  layers.forEach((layer, index) => {
    const where = `layer ${index} ("${layer.name}")`;
    if (typeof layer.name !== 'string' || layer.name === '' || names.has(layer.name)) fail(`${where}: layer names must be unique and non-empty`);
    names.add(layer.name);
    if (!Number.isInteger(layer.seed)) fail(`${where} with the initializer seed ${layer.seed} (an integer is expected)`);
    if (layer.inputUnits !== inputUnits) fail(`${where} with ${layer.inputUnits} inputs where ${inputUnits} were expected`);
    if (!(Number.isInteger(layer.units) && layer.units > 0)) fail(`${where} with ${layer.units} units`);
    const isLast = index === layers.length - 1;
    if (isLast && (layer.activation !== 'softmax' || layer.units !== labelCount)) {
      fail(`an output layer with ${layer.units} units and activation ${layer.activation}`);
    }
    if (!isLast && !(HIDDEN_ACTIVATIONS as readonly string[]).includes(layer.activation)) fail(`${where} with activation ${layer.activation}`);
    if (layer.kernel.length !== layer.inputUnits * layer.units || layer.bias.length !== layer.units) {
      fail(`${where} with ${layer.kernel.length} kernel and ${layer.bias.length} bias values for ${layer.inputUnits} × ${layer.units} units`);
    }
    inputUnits = layer.units;
  });
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
  const fail = architectureFailure(featureCount, labelCount);
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
