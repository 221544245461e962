import type { ClassifierDescription } from './classifier.js';
import { DenseWasm, packDenseLayer } from './dense-wasm.js';
import { checkMatrixSize } from './normalization.js';

/**
 * The classifier's forward pass without TensorFlow.js, in float32 and in the order tfjs (wasm
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
 *
 * The layers' sums run in a small WebAssembly SIMD kernel (dense-wasm.ts: four units at a time,
 * the same float32 roundings as the scalar loop, ~6× faster than it on 65,536 rows); the
 * activations tanh and sigmoid and the softmax run here, in JavaScript, on its float32 sums.
 */
/** Activation codes. */
const RELU = 0;
const LINEAR = 1;
const TANH = 2;
const SIGMOID = 3;

interface Layer {
  inputUnits: number;
  units: number;
  /** Units in groups of four, as the kernel computes them; the outputs' row stride is groups × 4. */
  groups: number;
  /** Byte offsets of the packed weights and bias in the kernel's memory (see packDenseLayer). */
  weightsAt: number;
  biasAt: number;
  activation: number;
}

/** Byte offsets in the kernel's memory are kept at multiples of 16 (one f32x4). */
const align16 = (bytes: number): number => Math.ceil(bytes / 16) * 16;

export class Float32Forward {
  readonly #layers: Layer[];
  readonly featureCount: number;
  readonly labelCount: number;
  readonly #kernel: DenseWasm;
  /** Where the rows' data starts in the kernel's memory: the weights come first. */
  readonly #rowsAt: number;

  constructor(description: ClassifierDescription) {
    this.#kernel = new DenseWasm();
    let at = 0;
    const packed = description.layers.map((layer) => {
      const { weights, bias, groups } = packDenseLayer(layer.inputUnits, layer.units, layer.kernel, layer.bias);
      const weightsAt = at;
      const biasAt = align16(weightsAt + weights.byteLength);
      at = align16(biasAt + bias.byteLength);
      const activation = layer.activation === 'relu' ? RELU : layer.activation === 'tanh' ? TANH : layer.activation === 'sigmoid' ? SIGMOID : LINEAR;
      return { layer: { inputUnits: layer.inputUnits, units: layer.units, groups, weightsAt, biasAt, activation }, weights, bias };
    });
    this.#rowsAt = at;
    this.#kernel.reserve(at);
    for (const { layer, weights, bias } of packed) {
      this.#kernel.floats(layer.weightsAt, weights.length).set(weights);
      this.#kernel.floats(layer.biasAt, bias.length).set(bias);
    }
    this.#layers = packed.map(({ layer }) => layer);
    this.featureCount = description.featureNames.length;
    this.labelCount = description.layers[description.layers.length - 1]!.units;
  }

  /** Probabilities, row-major rows × labels, of normalised features (row-major rows × features), into `out`. */
  probabilities(normalized: Float32Array, rows: number, out: Float32Array): void {
    checkMatrixSize(normalized, rows, this.featureCount, 'normalized');
    checkMatrixSize(out, rows, this.labelCount, 'out');
    const kernel = this.#kernel;
    const inputAt = this.#rowsAt;
    // Each layer's outputs after its inputs: rows × groups × 4 floats.
    const outputsAt: number[] = [];
    let end = align16(inputAt + rows * this.featureCount * 4);
    for (const layer of this.#layers) {
      outputsAt.push(end);
      end = align16(end + rows * layer.groups * 16);
    }
    kernel.reserve(end);
    kernel.floats(inputAt, rows * this.featureCount).set(normalized.subarray(0, rows * this.featureCount));
    let from = inputAt;
    let stride = this.featureCount;
    this.#layers.forEach((layer, index) => {
      const last = index === this.#layers.length - 1;
      // tfjs-layers fuses a relu Dense layer into one matMul that starts each sum from the bias;
      // other layers (tanh, sigmoid, the softmax output) add the bias after the sum.
      const relu = !last && layer.activation === RELU;
      kernel.dense(from, stride, layer.inputUnits, rows, layer.weightsAt, layer.biasAt, layer.groups, outputsAt[index]!, relu, relu);
      if (!last && (layer.activation === TANH || layer.activation === SIGMOID)) {
        activateRows(kernel.floats(outputsAt[index]!, rows * layer.groups * 4), rows, layer.units, layer.groups * 4, layer.activation);
      }
      from = outputsAt[index]!;
      stride = layer.groups * 4;
    });
    softmaxRows(kernel.floats(from, rows * stride), stride, out, rows, this.labelCount);
  }
}

/** tanh or the logistic function of each unit's float32 sum, in place (rounded back to float32). */
function activateRows(values: Float32Array, rows: number, units: number, stride: number, activation: number): void {
  for (let r = 0, at = 0; r < rows; r++, at += stride) {
    for (let k = 0; k < units; k++) values[at + k] = activation === TANH ? Math.tanh(values[at + k]!) : 1 / (1 + Math.exp(-values[at + k]!));
  }
}

/** Softmax of each row of logits (rows of `stride` floats) into `out` (rows × classes), shifted by the row's largest logit so that exp never overflows. */
function softmaxRows(logits: Float32Array, stride: number, out: Float32Array, rows: number, classes: number): void {
  const exps = new Float64Array(classes);
  for (let r = 0, at = 0, to = 0; r < rows; r++, at += stride, to += classes) {
    let max = -Infinity;
    for (let k = 0; k < classes; k++) if (logits[at + k]! > max) max = logits[at + k]!;
    let total = 0;
    for (let k = 0; k < classes; k++) total += exps[k] = Math.exp(logits[at + k]! - max);
    for (let k = 0; k < classes; k++) out[to + k] = exps[k]! / total;
  }
}
