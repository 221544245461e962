import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs';
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

/** Adam's constants as Keras and tfjs default them (tfjs's epsilon is its float32 backend epsilon). */
const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;

/**
 * Gradient steps of a dense softmax classifier on tfjs core ops, for batches that are already
 * tensors. One training step is ~35 tensor ops for one hidden layer, against several hundred for
 * `LayersModel.fit` (its per-batch callbacks, metric tensors, tape and per-variable optimizer):
 *
 * - all weights live in ONE flat variable, so Adam updates them with ~13 ops instead of ~13 per
 *   weight tensor (the layers read their kernels and biases as slices of it);
 * - the backward pass is written out (softmax cross-entropy's gradient is p − y, then one matMul
 *   per weight and one per layer back), not recorded on a gradient tape;
 * - the forward pass uses fused matMul + bias (+ relu/sigmoid) kernels;
 * - the probabilities come back to JavaScript (a small copy from wasm memory), where the loss and
 *   accuracy of the batch are summed: no metric tensors.
 *
 * The update is tfjs's Adam (`tf.train.adam`) applied to the flat vector, element for element.
 * Everything is deterministic for the same starting weights and batches.
 */
export class DenseTrainer {
  readonly #tf: Tf;
  readonly #shapes: DenseShape[];
  readonly #activation: HiddenActivation;
  readonly #params: Variable;
  readonly #m: Variable;
  readonly #v: Variable;
  readonly #constants: { beta1: Tensor; oneMinusBeta1: Tensor; beta2: Tensor; oneMinusBeta2: Tensor; epsilon: Tensor };
  readonly #learningRate: number;
  readonly #inverses = new Map<number, Tensor>();
  #step = 0;

  constructor(tf: Tf, init: DenseTrainerInit) {
    this.#tf = tf;
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
    // tf.variable shares the initial tensor's data and leaves that tensor alive: tidy disposes it.
    [this.#params, this.#m, this.#v] = tf.tidy(() => [
      tf.variable(tf.tensor1d(flat, 'float32'), true, undefined, 'float32'),
      tf.variable(tf.zeros([size], 'float32'), false),
      tf.variable(tf.zeros([size], 'float32'), false),
    ]);
    this.#constants = {
      beta1: tf.scalar(BETA1),
      oneMinusBeta1: tf.scalar(1 - BETA1),
      beta2: tf.scalar(BETA2),
      oneMinusBeta2: tf.scalar(1 - BETA2),
      epsilon: tf.scalar(EPSILON),
    };
  }

  /** How many floats the weights hold. */
  get size(): number {
    return this.#params.size;
  }

  /**
   * One Adam step on a batch: `features` rows × inputs, `targets` one-hot rows × classes.
   * Returns the batch's probabilities before the step (row-major rows × classes), from which the
   * caller reads the batch's loss and accuracy as Keras reports them.
   */
  step(features: Tensor2D, targets: Tensor2D): Float32Array {
    const tf = this.#tf;
    this.#step += 1;
    const rows = features.shape[0];
    let probabilities: Tensor | undefined;
    tf.tidy(() => {
      const weights = this.#unpack(this.#params);
      const activations: Tensor2D[] = [features];
      for (let l = 0; l < weights.length - 1; l++) activations.push(this.#hidden(activations[l]!, weights[l]!));
      const last = weights[weights.length - 1]!;
      const p = tf.softmax(tf.fused.matMul({ a: activations[activations.length - 1]!, b: last.kernel, bias: last.bias }));
      probabilities = tf.keep(p);
      // d(mean cross-entropy)/d(logits) = (p − y) / rows; then back through each layer.
      let delta: Tensor2D = tf.mul(tf.sub(p, targets), this.#inverse(rows));
      const gradients: Tensor[] = new Array(weights.length * 2);
      for (let l = weights.length - 1; l >= 0; l--) {
        const input = activations[l]!;
        gradients[2 * l] = tf.reshape(tf.matMul(input, delta, true, false), [-1]);
        gradients[2 * l + 1] = tf.sum(delta, 0);
        if (l > 0) delta = tf.mul(tf.matMul(delta, weights[l]!.kernel, false, true), this.#activationGradient(input));
      }
      this.#adam(tf.concat(gradients, 0));
    });
    try {
      return probabilities!.dataSync() as Float32Array;
    } finally {
      probabilities!.dispose();
    }
  }

  /** Probabilities for rows × inputs features with the current weights (row-major rows × classes). */
  predict(features: Tensor2D): Float32Array {
    const tf = this.#tf;
    const output = tf.tidy(() => {
      const weights = this.#unpack(this.#params);
      let current = features;
      for (let l = 0; l < weights.length - 1; l++) current = this.#hidden(current, weights[l]!);
      const last = weights[weights.length - 1]!;
      return tf.softmax(tf.fused.matMul({ a: current, b: last.kernel, bias: last.bias }));
    });
    try {
      return output.dataSync() as Float32Array;
    } finally {
      output.dispose();
    }
  }

  /** A copy of the weights, for restoring later (early stopping's best epoch). */
  snapshot(): Tensor {
    return this.#tf.keep(this.#params.clone());
  }

  restore(snapshot: Tensor): void {
    this.#params.assign(snapshot as Tensor1D);
  }

  /** The current weights per layer, as plain arrays (kernels row-major inputs × units). */
  weights(): { kernel: Float32Array; bias: Float32Array }[] {
    const flat = this.#params.dataSync() as Float32Array;
    let offset = 0;
    return this.#shapes.map((shape) => {
      const kernel = flat.slice(offset, offset + shape.inputUnits * shape.units);
      offset += kernel.length;
      const bias = flat.slice(offset, offset + shape.units);
      offset += bias.length;
      return { kernel, bias };
    });
  }

  dispose(): void {
    this.#params.dispose();
    this.#m.dispose();
    this.#v.dispose();
    Object.values(this.#constants).forEach((tensor) => tensor.dispose());
    this.#inverses.forEach((tensor) => tensor.dispose());
  }

  /** 1 / rows as a kept scalar: every full batch has the same size, so it is made once. */
  #inverse(rows: number): Tensor {
    let scalar = this.#inverses.get(rows);
    if (scalar === undefined) {
      scalar = this.#tf.keep(this.#tf.scalar(1 / rows));
      this.#inverses.set(rows, scalar);
    }
    return scalar;
  }

  #unpack(flat: Tensor): { kernel: Tensor2D; bias: Tensor1D }[] {
    const tf = this.#tf;
    let offset = 0;
    return this.#shapes.map((shape) => {
      const kernelSize = shape.inputUnits * shape.units;
      const kernel = tf.reshape(tf.slice(flat, offset, kernelSize), [shape.inputUnits, shape.units]) as Tensor2D;
      const bias = tf.slice(flat, offset + kernelSize, shape.units) as Tensor1D;
      offset += kernelSize + shape.units;
      return { kernel, bias };
    });
  }

  #hidden(input: Tensor2D, layer: { kernel: Tensor2D; bias: Tensor1D }): Tensor2D {
    const tf = this.#tf;
    // tanh has no fused kernel; relu and sigmoid do.
    if (this.#activation === 'tanh') return tf.tanh(tf.fused.matMul({ a: input, b: layer.kernel, bias: layer.bias })) as Tensor2D;
    return tf.fused.matMul({ a: input, b: layer.kernel, bias: layer.bias, activation: this.#activation }) as Tensor2D;
  }

  /** d(activation)/d(pre-activation), from the activation's output. */
  #activationGradient(output: Tensor2D): Tensor2D {
    const tf = this.#tf;
    switch (this.#activation) {
      case 'relu':
        return tf.step(output);
      case 'tanh':
        return tf.sub(tf.scalar(1), tf.square(output)) as Tensor2D;
      case 'sigmoid':
        return tf.mul(output, tf.sub(tf.scalar(1), output)) as Tensor2D;
    }
  }

  /**
   * tfjs's AdamOptimizer.applyGradients on the one flat variable, with its two bias corrections
   * folded into one scalar: w += m · (−lr / (1 − β1ᵗ)) / (√(v / (1 − β2ᵗ)) + ε).
   */
  #adam(gradient: Tensor): void {
    const tf = this.#tf;
    const c = this.#constants;
    const m = tf.add(tf.mul(this.#m, c.beta1), tf.mul(gradient, c.oneMinusBeta1));
    const v = tf.add(tf.mul(this.#v, c.beta2), tf.mul(tf.square(gradient), c.oneMinusBeta2));
    const denominator = tf.add(tf.sqrt(tf.div(v, tf.scalar(1 - BETA2 ** this.#step))), c.epsilon);
    const stepSize = tf.scalar(-this.#learningRate / (1 - BETA1 ** this.#step));
    this.#m.assign(m);
    this.#v.assign(v);
    this.#params.assign(tf.add(this.#params, tf.mul(tf.div(m, denominator), stepSize)));
  }
}
