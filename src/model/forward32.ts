import type { ClassifierDescription } from './classifier.js';
import { MlopsError } from '../errors.js';
import { ForwardWasm, packDenseLayer } from './forward-wasm.js';
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
 * The arithmetic runs in a small WebAssembly SIMD kernel (forward-wasm.ts: the layers' sums four
 * units at a time, the normalisation, the softmax with Math.exp, the split into label columns)
 * with the same roundings as the scalar JavaScript it replaced, so the same bits; only tanh and
 * sigmoid hidden activations run here, in JavaScript, on its float32 sums.
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

/** Where a call's arrays are in the kernel's memory, for `rows` rows (byte offsets). */
interface Layout {
  /** Normalised features, rows × featureCount floats. */
  input: number;
  /** Each layer's outputs, rows × groups × 4 floats. */
  outputs: number[];
  /** Probabilities, rows × labels floats. */
  probabilities: number;
  /** The softmax's exps of one row, labels float64s. */
  scratch: number;
  /** One raw feature column, rows float64s (scoreColumns). */
  raw: number;
  /** Each label's probability column, labels × rows float64s, then the predicted label per row, rows int32s (scoreColumns). */
  columns: number;
  predicted: number;
  end: number;
}

export class Float32Forward {
  readonly #layers: Layer[];
  readonly featureCount: number;
  readonly labelCount: number;
  readonly #kernel: ForwardWasm;
  /** Where the rows' data starts in the kernel's memory: the weights come first. */
  readonly #rowsAt: number;

  constructor(description: ClassifierDescription) {
    this.#kernel = new ForwardWasm();
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
    const layout = this.#layout(rows);
    this.#kernel.floats(layout.input, rows * this.featureCount).set(normalized.subarray(0, rows * this.featureCount));
    this.#forward(layout, rows);
    out.set(this.#kernel.floats(layout.probabilities, rows * this.labelCount));
  }

  /**
   * Rows [from, to) of raw float64 feature columns, normalised ((fround(x) − mean) / std, as
   * BatchScorer does) and scored, into each label's probability column and the predicted label
   * (the first of the largest), at the same rows — what BatchScorer's normalisation, this class's
   * `probabilities` and splitProbabilities give, in one pass through the kernel. Returns false,
   * with nothing written, when a value is NaN or infinite (as float32): the caller's own path
   * flags those rows.
   */
  scoreColumns(features: readonly Float64Array[], from: number, to: number, mean: readonly number[], std: readonly number[], columns: readonly Float64Array[], predicted: Int32Array): boolean {
    const rows = to - from;
    if (features.length !== this.featureCount || columns.length !== this.labelCount) {
      throw new MlopsError('INTERNAL', `Float32Forward.scoreColumns: ${features.length} feature and ${columns.length} label columns for a model of ${this.featureCount} and ${this.labelCount}`);
    }
    const layout = this.#layout(rows);
    const kernel = this.#kernel;
    let bad = 0;
    features.forEach((values, column) => {
      kernel.doubles(layout.raw, rows).set(values.subarray(from, to));
      bad += kernel.normalize(layout.raw, rows, mean[column]!, std[column]!, layout.input + column * 4, this.featureCount);
    });
    if (bad > 0) return false;
    this.#forward(layout, rows);
    kernel.split(layout.probabilities, rows, this.labelCount, layout.columns, layout.predicted);
    columns.forEach((values, label) => values.set(kernel.doubles(layout.columns + label * rows * 8, rows), from));
    predicted.set(kernel.ints(layout.predicted, rows), from);
    return true;
  }

  #layout(rows: number): Layout {
    const input = this.#rowsAt;
    const outputs: number[] = [];
    let end = align16(input + rows * this.featureCount * 4);
    for (const layer of this.#layers) {
      outputs.push(end);
      end = align16(end + rows * layer.groups * 16);
    }
    const probabilities = end;
    const scratch = align16(probabilities + rows * this.labelCount * 4);
    const raw = align16(scratch + this.labelCount * 8);
    const columns = align16(raw + rows * 8);
    const predicted = align16(columns + this.labelCount * rows * 8);
    const layout = { input, outputs, probabilities, scratch, raw, columns, predicted, end: align16(predicted + rows * 4) };
    this.#kernel.reserve(layout.end);
    return layout;
  }

  /** The layers and the softmax, from the normalised input to the probabilities (both in the kernel's memory). */
  #forward(layout: Layout, rows: number): void {
    const kernel = this.#kernel;
    let from = layout.input;
    let stride = this.featureCount;
    this.#layers.forEach((layer, index) => {
      const last = index === this.#layers.length - 1;
      const to = layout.outputs[index]!;
      // tfjs-layers fuses a relu Dense layer into one matMul that starts each sum from the bias;
      // other layers (tanh, sigmoid, the softmax output) add the bias after the sum.
      const relu = !last && layer.activation === RELU;
      kernel.dense(from, stride, layer.inputUnits, rows, layer.weightsAt, layer.biasAt, layer.groups, to, relu, relu);
      if (!last && (layer.activation === TANH || layer.activation === SIGMOID)) {
        activateRows(kernel.floats(to, rows * layer.groups * 4), rows, layer.units, layer.groups * 4, layer.activation);
      }
      from = to;
      stride = layer.groups * 4;
    });
    kernel.softmax(from, stride, rows, this.labelCount, layout.probabilities, layout.scratch);
  }
}

/** tanh or the logistic function of each unit's float32 sum, in place (rounded back to float32). */
function activateRows(values: Float32Array, rows: number, units: number, stride: number, activation: number): void {
  for (let r = 0, at = 0; r < rows; r++, at += stride) {
    for (let k = 0; k < units; k++) values[at + k] = activation === TANH ? Math.tanh(values[at + k]!) : 1 / (1 + Math.exp(-values[at + k]!));
  }
}
