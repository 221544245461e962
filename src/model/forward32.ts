import type { ClassifierDescription } from './classifier.js';
import { checkMatrixSize } from './normalization.js';

/**
 * The classifier's forward pass in plain JavaScript, in float32 and in the order tfjs (wasm
 * backend) computes it, for already normalised features — what batch scoring uses while
 * TensorFlow.js is still loading (see stages/score/score.ts).
 *
 * tfjs-layers runs a Dense layer whose activation it can fuse (relu, linear) as one fused
 * matMul: each unit starts from its bias and adds input × weight in input order, every product
 * and sum rounded to float32. Other layers (tanh, sigmoid, the softmax output) are a matMul
 * from zero, then the bias added, then the activation. Done the same way here, every hidden
 * value and logit is the same float32 as tfjs's (checked on 64Ki rows: no difference). Only
 * the exponentials differ: tfjs's softmax (XNNPACK) approximates exp, this one rounds
 * Math.exp, so probabilities agree within 2 float32 ulps (≤ 1.2e-7) — not always bit for bit.
 */
/** Activation codes for the hot loop. */
const RELU = 0;
const LINEAR = 1;
const TANH = 2;
const SIGMOID = 3;

interface Layer {
  inputUnits: number;
  units: number;
  /** Unit-major units × inputUnits: weights[k * inputUnits + i] weighs input i into unit k. */
  weights: Float32Array;
  bias: Float32Array;
  activation: number;
}

export class Float32Forward {
  readonly #layers: Layer[];
  readonly featureCount: number;
  readonly labelCount: number;
  #buffers: Float32Array[] = [];

  constructor(description: ClassifierDescription) {
    this.#layers = description.layers.map((layer) => {
      const { inputUnits, units, kernel } = layer;
      const weights = new Float32Array(inputUnits * units);
      for (let i = 0; i < inputUnits; i++) for (let k = 0; k < units; k++) weights[k * inputUnits + i] = kernel[i * units + k]!;
      const activation = layer.activation === 'relu' ? RELU : layer.activation === 'tanh' ? TANH : layer.activation === 'sigmoid' ? SIGMOID : LINEAR;
      return { inputUnits, units, weights, bias: Float32Array.from(layer.bias), activation };
    });
    this.featureCount = description.featureNames.length;
    this.labelCount = description.layers[description.layers.length - 1]!.units;
  }

  /** Probabilities, row-major rows × labels, of normalised features (row-major rows × features), into `out`. */
  probabilities(normalized: Float32Array, rows: number, out: Float32Array): void {
    checkMatrixSize(normalized, rows, this.featureCount, 'normalized');
    checkMatrixSize(out, rows, this.labelCount, 'out');
    let current = normalized;
    this.#layers.forEach((layer, index) => {
      const next = index === this.#layers.length - 1 ? out : this.#buffer(index, rows * layer.units);
      // The output layer (softmax) is not fused by tfjs-layers: bias after the sum.
      denseLayer(current, rows, layer, index === this.#layers.length - 1 ? LINEAR : layer.activation, index < this.#layers.length - 1 && layer.activation === RELU, next);
      current = next;
    });
    softmaxRows(out, rows, this.labelCount);
  }

  #buffer(index: number, size: number): Float32Array {
    let buffer = this.#buffers[index];
    if (buffer === undefined || buffer.length < size) this.#buffers[index] = buffer = new Float32Array(size);
    return buffer.subarray(0, size);
  }
}

/**
 * One Dense layer over all rows, in float32 as tfjs computes it: a fused layer (relu, linear —
 * `biasFirst`) starts each sum from the bias; the others add the bias after the sum.
 */
function denseLayer(input: Float32Array, rows: number, layer: Layer, activation: number, biasFirst: boolean, output: Float32Array): void {
  const f = Math.fround;
  const { inputUnits, units, weights, bias } = layer;
  for (let r = 0, at = 0, to = 0; r < rows; r++, at += inputUnits) {
    for (let k = 0, w = 0; k < units; k++, to++) {
      let sum = biasFirst ? bias[k]! : 0;
      for (let i = 0; i < inputUnits; i++, w++) sum = f(sum + f(input[at + i]! * weights[w]!));
      if (!biasFirst) sum = f(sum + bias[k]!);
      output[to] = activation === RELU ? (sum > 0 ? sum : 0) : activation === LINEAR ? sum : activation === TANH ? Math.tanh(sum) : 1 / (1 + Math.exp(-sum));
    }
  }
}

/** Softmax of each row of logits, in place, shifted by the row's largest logit so that exp never overflows. */
function softmaxRows(values: Float32Array, rows: number, classes: number): void {
  const exps = new Float64Array(classes);
  for (let r = 0, at = 0; r < rows; r++, at += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) if (values[at + k]! > max) max = values[at + k]!;
    let total = 0;
    for (let k = 0; k < classes; k++) total += exps[k] = Math.exp(values[at + k]! - max);
    for (let k = 0; k < classes; k++) values[at + k] = exps[k]! / total;
  }
}
