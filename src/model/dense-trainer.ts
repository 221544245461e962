import type { TensorInfo } from '@tensorflow/tfjs-core';
import { MlopsError } from '../errors.js';
import { KernelRunner, type KernelScope } from './kernels.js';
import type { HiddenActivation } from './network.js';
import type { Tf } from './tf.js';

/** One dense layer's shape: inputs × units, with a bias per unit. */
export interface DenseShape {
  inputUnits: number;
  units: number;
}

export interface DenseTrainerInit {
  /** Starting weights per layer (hidden layers, then the softmax output), kernels row-major inputs × units. */
  layers: readonly { shape: DenseShape; kernel: Float32Array; bias: Float32Array }[];
  activation: HiddenActivation;
  learningRate: number;
}

/** Rows written to the backend once and scored many times (validation rows, every epoch), by the trainer that prepared them. */
export interface PreparedRows {
  readonly rows: number;
}

/**
 * Gradient steps of a dense softmax classifier: DenseTrainer on any tfjs backend, and
 * WasmDenseTrainer, the same steps with less overhead on the wasm backend.
 */
export interface DenseTraining {
  /** How many floats the weights hold. */
  readonly size: number;
  /**
   * One Adam step on a batch: `features` rows × inputs (row-major), a class index per row.
   * Returns the batch's probabilities before the step (row-major rows × classes), from which the
   * caller reads the batch's loss and accuracy as Keras reports them.
   */
  step(features: Float32Array, labels: Int32Array, rows: number): Float32Array;
  /** Writes rows × inputs features to the backend for repeated `predict` calls; `release` frees them. */
  prepare(features: Float32Array, rows: number): PreparedRows;
  release(prepared: PreparedRows): void;
  /** Probabilities for prepared rows with the current weights (row-major rows × classes). */
  predict(prepared: PreparedRows): Float32Array;
  /** A copy of the weights (per layer the kernel, then the bias), for restoring later (early stopping's best epoch). */
  snapshot(): Float32Array;
  restore(snapshot: Float32Array): void;
  /** The current weights per layer, as plain arrays (kernels row-major inputs × units). */
  weights(): { kernel: Float32Array; bias: Float32Array }[];
  dispose(): void;
}

class KernelPreparedRows implements PreparedRows {
  constructor(
    readonly rows: number,
    readonly input: TensorInfo,
  ) {}
}

/** Adam's constants as Keras and tfjs default them (tfjs's epsilon is its float32 backend epsilon). */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * Gradient steps of a dense softmax classifier on tfjs kernels. A step is ~27 kernel calls for
 * one hidden layer, against ~40 ops before and several hundred for `LayersModel.fit`:
 *
 * - the kernels are called directly (see kernels.ts): no engine scope, tape or tidy per op;
 * - all weights live in ONE flat tensor (per layer the kernel row-major, then the bias), so Adam
 *   updates them with 13 kernels, not 13 per weight tensor;
 * - the input rows get a column of ones, so the first layer's kernel and bias are one matrix
 *   (one slice of the flat weights, one matMul forward, one for its gradient);
 * - the backward pass is written out (softmax cross-entropy's gradient is p − y), not taped;
 * - the batch's probabilities come back to JavaScript (a small copy), where the caller sums the
 *   loss and accuracy: no metric tensors.
 *
 * The update is tfjs's Adam (`tf.train.adam`) applied to the flat vector, element for element.
 * Everything is deterministic for the same starting weights and batches.
 */
export class DenseTrainer implements DenseTraining {
  readonly #k: KernelRunner;
  readonly #shapes: DenseShape[];
  readonly #activation: HiddenActivation;
  readonly #learningRate: number;
  #params: TensorInfo;
  #m: TensorInfo;
  #v: TensorInfo;
  readonly #constants: { beta1: TensorInfo; oneMinusBeta1: TensorInfo; beta2: TensorInfo; oneMinusBeta2: TensorInfo; epsilon: TensorInfo; one: TensorInfo };
  /** Per batch size: 1/rows as a scalar and a [1, 1, rows] row of ones (bias gradients). */
  readonly #perRows = new Map<number, { inverse: TensorInfo; ones: TensorInfo }>();
  #step = 0;
  #disposed = false;

  constructor(tf: Tf, init: DenseTrainerInit) {
    this.#k = new KernelRunner(tf);
    this.#shapes = init.layers.map((layer) => layer.shape);
    this.#activation = init.activation;
    this.#learningRate = init.learningRate;
    const size = this.#shapes.reduce((total, shape) => total + (shape.inputUnits + 1) * shape.units, 0);
    const flat = new Float32Array(size);
    let offset = 0;
    for (const layer of init.layers) {
      flat.set(layer.kernel, offset);
      offset += layer.kernel.length;
      flat.set(layer.bias, offset);
      offset += layer.bias.length;
    }
    this.#params = this.#k.write(flat, [size]);
    this.#m = this.#k.write(new Float32Array(size), [size]);
    this.#v = this.#k.write(new Float32Array(size), [size]);
    const scalar = (value: number) => this.#k.write(Float32Array.of(value), []);
    this.#constants = {
      beta1: scalar(BETA1),
      oneMinusBeta1: scalar(1 - BETA1),
      beta2: scalar(BETA2),
      oneMinusBeta2: scalar(1 - BETA2),
      epsilon: scalar(EPSILON),
      one: scalar(1),
    };
  }

  /** How many floats the weights hold. */
  get size(): number {
    return this.#params.shape[0]!;
  }

  /**
   * One Adam step on a batch: `features` rows × inputs (row-major), a class index per row.
   * Returns the batch's probabilities before the step (row-major rows × classes), from which the
   * caller reads the batch's loss and accuracy as Keras reports them.
   */
  step(features: Float32Array, labels: Int32Array, rows: number): Float32Array {
    const scope = this.#k.scope();
    const run = scope.run.bind(scope);
    this.#step += 1;
    try {
      const classes = this.#shapes[this.#shapes.length - 1]!.units;
      const input = scope.write(withOnesColumn(features, rows, this.#shapes[0]!.inputUnits), [1, rows, this.#shapes[0]!.inputUnits + 1]);
      const targets = scope.write(oneHot(labels, rows, classes), [1, rows, classes]);
      const weights = this.#unpack(run);
      const activations = this.#forward(run, input, weights);
      const p = activations.pop()!;
      const probabilities = this.#k.read(p);
      const { inverse, ones } = this.#rowsConstants(rows);
      // d(mean cross-entropy)/d(logits) = (p − y) / rows; then back through each layer.
      let delta = run('Multiply', { a: run('Sub', { a: p, b: targets }), b: inverse });
      const gradients: TensorInfo[] = [];
      for (let l = weights.length - 1; l >= 0; l--) {
        const layerInput = activations[l]!;
        const kernelGradient = run('BatchMatMul', { a: layerInput, b: delta }, { transposeA: true, transposeB: false });
        // The first layer's input carries the ones column: its kernel gradient includes the bias's.
        if (l === 0) gradients.unshift(flatten(run, kernelGradient));
        else gradients.unshift(flatten(run, kernelGradient), flatten(run, run('BatchMatMul', { a: ones, b: delta }, { transposeA: false, transposeB: false })));
        if (l > 0) {
          const back = run('BatchMatMul', { a: delta, b: weights[l]!.kernel }, { transposeA: false, transposeB: true });
          delta = run('Multiply', { a: back, b: this.#activationGradient(run, layerInput) });
        }
      }
      this.#adam(scope, gradients.length === 1 ? gradients[0]! : run('Concat', gradients, { axis: 0 }));
      return probabilities;
    } finally {
      scope.close();
    }
  }

  /** Writes rows × inputs features to the backend for repeated `predict` calls; `release` frees them. */
  prepare(features: Float32Array, rows: number): PreparedRows {
    const inputs = this.#shapes[0]!.inputUnits;
    return new KernelPreparedRows(rows, this.#k.write(withOnesColumn(features, rows, inputs), [1, rows, inputs + 1]));
  }

  release(prepared: PreparedRows): void {
    this.#k.free([kernelPrepared(prepared).input]);
  }

  /** Probabilities for prepared rows with the current weights (row-major rows × classes). */
  predict(prepared: PreparedRows): Float32Array {
    const scope = this.#k.scope();
    const run = scope.run.bind(scope);
    try {
      return this.#k.read(this.#forward(run, kernelPrepared(prepared).input, this.#unpack(run)).pop()!);
    } finally {
      scope.close();
    }
  }

  /** A copy of the weights, for restoring later (early stopping's best epoch). */
  snapshot(): Float32Array {
    return this.#k.read(this.#params).slice();
  }

  restore(snapshot: Float32Array): void {
    const restored = this.#k.write(snapshot.slice(), [snapshot.length]);
    this.#k.free([this.#params]);
    this.#params = restored;
  }

  /** The current weights per layer, as plain arrays (kernels row-major inputs × units). */
  weights(): { kernel: Float32Array; bias: Float32Array }[] {
    return splitWeights(this.#k.read(this.#params), this.#shapes);
  }

  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    this.#k.free([this.#params, this.#m, this.#v, ...Object.values(this.#constants)]);
    for (const { inverse, ones } of this.#perRows.values()) this.#k.free([inverse, ones]);
    this.#perRows.clear();
  }

  #rowsConstants(rows: number): { inverse: TensorInfo; ones: TensorInfo } {
    let constants = this.#perRows.get(rows);
    if (constants === undefined) {
      constants = { inverse: this.#k.write(Float32Array.of(1 / rows), []), ones: this.#k.write(new Float32Array(rows).fill(1), [1, 1, rows]) };
      this.#perRows.set(rows, constants);
    }
    return constants;
  }

  /**
   * The layers' weights as slices of the flat tensor: the first layer's kernel with its bias as
   * an extra last row (inputs + 1 × units, matching the ones column), the others kernel and bias.
   */
  #unpack(run: KernelRunner['run']): { kernel: TensorInfo; bias: TensorInfo | undefined }[] {
    let offset = 0;
    return this.#shapes.map((shape, index) => {
      const kernelRows = index === 0 ? shape.inputUnits + 1 : shape.inputUnits;
      const kernelSize = kernelRows * shape.units;
      const kernel = run('Reshape', { x: run('Slice', { x: this.#params }, { begin: [offset], size: [kernelSize] }) }, { shape: [1, kernelRows, shape.units] });
      const bias = index === 0 ? undefined : run('Slice', { x: this.#params }, { begin: [offset + kernelSize], size: [shape.units] });
      offset += (shape.inputUnits + 1) * shape.units;
      return { kernel, bias };
    });
  }

  /** Each layer's input (the first is `input`), then the probabilities as the last entry. */
  #forward(run: KernelRunner['run'], input: TensorInfo, weights: { kernel: TensorInfo; bias: TensorInfo | undefined }[]): TensorInfo[] {
    const activations = [input];
    weights.forEach((layer, index) => {
      const last = index === weights.length - 1;
      // tanh has no fused kernel; relu and sigmoid do.
      const fused = last || this.#activation === 'tanh' ? 'linear' : this.#activation;
      const inputs: Record<string, TensorInfo> = { a: activations[index]!, b: layer.kernel };
      if (layer.bias !== undefined) inputs['bias'] = layer.bias;
      let output = run('_FusedMatMul', inputs, { transposeA: false, transposeB: false, activation: fused });
      if (last) output = run('Softmax', { logits: output }, { dim: 2 });
      else if (this.#activation === 'tanh') output = run('Tanh', { x: output });
      activations.push(output);
    });
    return activations;
  }

  /** d(activation)/d(pre-activation), from the activation's output. */
  #activationGradient(run: KernelRunner['run'], output: TensorInfo): TensorInfo {
    const one = this.#constants.one;
    switch (this.#activation) {
      case 'relu':
        return run('Step', { x: output }, { alpha: 0 });
      case 'tanh':
        return run('Sub', { a: one, b: run('Square', { x: output }) });
      case 'sigmoid':
        return run('Multiply', { a: output, b: run('Sub', { a: one, b: output }) });
    }
  }

  /**
   * tfjs's AdamOptimizer.applyGradients on the one flat tensor, with its two bias corrections
   * folded into one scalar: w += m · (−lr / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε).
   */
  #adam(scope: KernelScope, gradient: TensorInfo): void {
    const run = scope.run.bind(scope);
    const c = this.#constants;
    const m = run('Add', { a: run('Multiply', { a: this.#m, b: c.beta1 }), b: run('Multiply', { a: gradient, b: c.oneMinusBeta1 }) });
    const v = run('Add', { a: run('Multiply', { a: this.#v, b: c.beta2 }), b: run('Multiply', { a: run('Square', { x: gradient }), b: c.oneMinusBeta2 }) });
    const correction2 = scope.write(Float32Array.of(1 - BETA2 ** this.#step), []);
    const denominator = run('Add', { a: run('Sqrt', { x: run('RealDiv', { a: v, b: correction2 }) }), b: c.epsilon });
    const stepSize = scope.write(Float32Array.of(-this.#learningRate / (1 - BETA1 ** this.#step)), []);
    const params = run('Add', { a: this.#params, b: run('Multiply', { a: run('RealDiv', { a: m, b: denominator }), b: stepSize }) });
    this.#k.free([this.#params, this.#m, this.#v]);
    this.#params = scope.keep(params);
    this.#m = scope.keep(m);
    this.#v = scope.keep(v);
  }
}

/** The flat weights (per layer the kernel row-major inputs × units, then the bias) as copies per layer. */
export function splitWeights(flat: Float32Array, shapes: readonly DenseShape[]): { kernel: Float32Array; bias: Float32Array }[] {
  let offset = 0;
  return shapes.map((shape) => {
    const kernel = flat.slice(offset, offset + shape.inputUnits * shape.units);
    offset += kernel.length;
    const bias = flat.slice(offset, offset + shape.units);
    offset += bias.length;
    return { kernel, bias };
  });
}

function kernelPrepared(prepared: PreparedRows): KernelPreparedRows {
  if (!(prepared instanceof KernelPreparedRows)) throw new MlopsError('INTERNAL', 'DenseTrainer was given rows another trainer prepared');
  return prepared;
}

function flatten(run: KernelRunner['run'], tensor: TensorInfo): TensorInfo {
  return run('Reshape', { x: tensor }, { shape: [-1] });
}

/** Row-major rows × inputs → rows × (inputs + 1), the last column all ones. */
function withOnesColumn(features: Float32Array, rows: number, inputs: number): Float32Array {
  const out = new Float32Array(rows * (inputs + 1));
  for (let row = 0; row < rows; row++) {
    const from = row * inputs;
    const to = row * (inputs + 1);
    for (let column = 0; column < inputs; column++) out[to + column] = features[from + column]!;
    out[to + inputs] = 1;
  }
  return out;
}

function oneHot(labels: Int32Array, rows: number, classes: number): Float32Array {
  const values = new Float32Array(rows * classes);
  for (let row = 0; row < rows; row++) values[row * classes + labels[row]!] = 1;
  return values;
}
