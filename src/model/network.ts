import type { LayersModel } from '@tensorflow/tfjs-layers';
import { MlopsError } from '../errors.js';
import { createRandom } from './random.js';
import { loadLayers, type Tf, type TfLayers } from './tf.js';

export const HIDDEN_ACTIVATIONS = ['relu', 'tanh', 'sigmoid'] as const;
export type HiddenActivation = (typeof HIDDEN_ACTIVATIONS)[number];

export interface NetworkSpec {
  inputUnits: number;
  /** Units per hidden layer; empty for softmax regression. */
  hiddenUnits: readonly number[];
  activation: HiddenActivation;
  outputUnits: number;
  /** Seeds every initializer, so the same spec builds the same starting weights. */
  seed: number;
}

/** One dense layer of a planned network: its shape, name and kernel initializer seed, no weights. */
export interface DenseLayerPlan {
  /** hidden_1, hidden_2, …, output: fixed, so that the saved topology does not depend on how many models the process built. */
  name: string;
  inputUnits: number;
  units: number;
  activation: HiddenActivation | 'softmax';
  /** The seed of the layer's Glorot-uniform kernel initializer; model.json records it. */
  seed: number;
}

/** A dense layer with its weights, name and initializer seed: what a Classifier is made of. */
export interface NetworkLayer extends DenseLayerPlan {
  /** Row-major inputUnits × units: kernel[i * units + j] weighs input i into unit j. */
  kernel: Float32Array;
  bias: Float32Array;
}

/**
 * Dense hidden layers, then a softmax output, as plain data: the layers' names and initializer
 * seeds. One seed per layer, drawn from the model seed: equal seeds on two layers would give them
 * correlated starting weights.
 */
export function planDenseNetwork(spec: NetworkSpec): DenseLayerPlan[] {
  if (!Number.isInteger(spec.inputUnits) || spec.inputUnits < 1) {
    throw new MlopsError('INVALID_ARGUMENT', `inputUnits must be a positive integer, got ${spec.inputUnits}`);
  }
  if (!Number.isInteger(spec.outputUnits) || spec.outputUnits < 2) {
    throw new MlopsError('INVALID_ARGUMENT', `outputUnits must be an integer ≥ 2 (one per class), got ${spec.outputUnits}`);
  }
  for (const units of spec.hiddenUnits) {
    if (!Number.isInteger(units) || units < 1) {
      throw new MlopsError('INVALID_ARGUMENT', `hiddenUnits must be positive integers, got [${spec.hiddenUnits.join(', ')}]`);
    }
  }
  if (!(HIDDEN_ACTIVATIONS as readonly string[]).includes(spec.activation)) {
    throw new MlopsError('INVALID_ARGUMENT', `activation must be one of ${HIDDEN_ACTIVATIONS.join(', ')}, got "${spec.activation}"`);
  }
  const random = createRandom(spec.seed);
  const nextSeed = () => Math.floor(random() * 2 ** 31);
  const plan: DenseLayerPlan[] = [];
  let inputUnits = spec.inputUnits;
  spec.hiddenUnits.forEach((units, index) => {
    plan.push({ name: `hidden_${index + 1}`, inputUnits, units, activation: spec.activation, seed: nextSeed() });
    inputUnits = units;
  });
  plan.push({ name: 'output', inputUnits, units: spec.outputUnits, activation: 'softmax', seed: nextSeed() });
  return plan;
}

/**
 * The planned layers with their starting weights: zero biases, and kernels drawn as tfjs-layers'
 * `glorotUniform({ seed })` draws them — tfjs-core's seeded `randomUniform` over ±√(3 / fanAvg),
 * with the same arithmetic, so the same float32 bits (tested against tfjs-layers).
 */
export function startingLayers(tf: Tf, plan: readonly DenseLayerPlan[]): NetworkLayer[] {
  return plan.map((layer) => {
    // VarianceScaling (scale 1, fan_avg, uniform), step by step as tfjs-layers computes it.
    let scale = 1.0;
    scale /= Math.max(1, (layer.inputUnits + layer.units) / 2);
    const limit = Math.sqrt(3 * scale);
    const tensor = tf.randomUniform([layer.inputUnits, layer.units], -limit, limit, 'float32', layer.seed);
    try {
      return { ...layer, kernel: Float32Array.from(tensor.dataSync() as Float32Array), bias: new Float32Array(layer.units) };
    } finally {
      tensor.dispose();
    }
  });
}

/**
 * The network as tfjs-layers builds it: a Sequential model named "classifier" whose Dense layers
 * start from `glorotUniform({ seed })` kernels and zero biases (loads tfjs-layers). Nothing in
 * training or prediction uses it; startingLayers gives the same weights without tfjs-layers.
 * Needs `await getTf()` first.
 */
export function buildDenseNetwork(spec: NetworkSpec): LayersModel {
  return sequentialOf(loadLayers(), planDenseNetwork(spec));
}

/**
 * The layers as the tfjs-layers model buildDenseNetwork builds for their plan (the same topology
 * and initializer configs), holding their weights (loads tfjs-layers).
 */
export function buildLayersModel(tf: Tf, layers: readonly NetworkLayer[]): LayersModel {
  const model = sequentialOf(loadLayers(), layers);
  try {
    const weights = layers.flatMap((layer) => [tf.tensor2d(layer.kernel, [layer.inputUnits, layer.units], 'float32'), tf.tensor1d(layer.bias, 'float32')]);
    try {
      model.setWeights(weights);
    } finally {
      weights.forEach((tensor) => tensor.dispose());
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}

function sequentialOf(tfl: TfLayers, plan: readonly DenseLayerPlan[]): LayersModel {
  const model = tfl.sequential({ name: 'classifier' });
  try {
    for (const layer of plan) {
      model.add(
        tfl.layers.dense({
          name: layer.name,
          inputShape: [layer.inputUnits],
          units: layer.units,
          activation: layer.activation,
          kernelInitializer: tfl.initializers.glorotUniform({ seed: layer.seed }),
          biasInitializer: 'zeros',
        }),
      );
    }
    return model;
  } catch (error) {
    model.dispose();
    throw error;
  }
}
