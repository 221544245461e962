import type { LayersModel } from '@tensorflow/tfjs';
import { MlopsError } from '../errors.js';
import { createRandom } from './random.js';
import type { Tf } from './tf.js';

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

/**
 * Dense hidden layers, then a softmax output. Layer names are fixed (hidden_1…, output) so that
 * the saved topology does not depend on how many models the process built before.
 */
export function buildDenseNetwork(tf: Tf, spec: NetworkSpec): LayersModel {
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
  // One seed per layer, drawn from the model seed: equal seeds on two layers would give them
  // correlated starting weights.
  const random = createRandom(spec.seed);
  const nextSeed = () => Math.floor(random() * 2 ** 31);
  const model = tf.sequential({ name: 'classifier' });
  let inputUnits = spec.inputUnits;
  spec.hiddenUnits.forEach((units, index) => {
    model.add(
      tf.layers.dense({
        name: `hidden_${index + 1}`,
        inputShape: [inputUnits],
        units,
        activation: spec.activation,
        kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
        biasInitializer: 'zeros',
      }),
    );
    inputUnits = units;
  });
  model.add(
    tf.layers.dense({
      name: 'output',
      inputShape: [inputUnits],
      units: spec.outputUnits,
      activation: 'softmax',
      kernelInitializer: tf.initializers.glorotUniform({ seed: nextSeed() }),
      biasInitializer: 'zeros',
    }),
  );
  return model;
}
