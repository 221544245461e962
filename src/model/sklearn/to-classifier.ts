import { MlopsError } from '../../errors.js';
import { Classifier } from '../classifier.js';
import { planDenseNetwork } from '../network.js';
import { getTf } from '../tf.js';
import type { ImportedNetwork } from './read-estimator.js';

export interface ToClassifierOptions {
  /**
   * The names of the model's input columns, in order. A model fitted on a DataFrame carries
   * them (feature_names_in_) and they must agree; one fitted on a plain array takes these.
   */
  featureNames: readonly string[];
}

/**
 * The equivalent tfjs Classifier: the same dense layers (float32 weights), a softmax output and
 * the scaler as the stored normalisation, so it saves, loads and serves like a trained model.
 */
export async function networkToClassifier(network: ImportedNetwork, options: ToClassifierOptions): Promise<Classifier> {
  const featureNames = resolveFeatureNames(network, options.featureNames);
  await getTf();
  const hidden = network.layers.slice(0, -1);
  const output = network.layers[network.layers.length - 1]!;
  // The names and initializer seeds model.json records: those of a network planned from seed 0.
  const plan = planDenseNetwork({
    inputUnits: network.featureCount,
    hiddenUnits: hidden.map((layer) => layer.units),
    activation: network.activation,
    outputUnits: output.units,
    seed: 0,
  });
  return new Classifier({
    layers: plan.map((layer, index) => {
      const imported = network.layers[index]!;
      return { ...layer, kernel: Float32Array.from(imported.kernel), bias: Float32Array.from(imported.bias) };
    }),
    featureNames,
    labels: network.labels,
    normalization: network.normalization ?? {
      mean: new Array<number>(network.featureCount).fill(0),
      std: new Array<number>(network.featureCount).fill(1),
    },
  });
}

function resolveFeatureNames(network: ImportedNetwork, expected: readonly string[]): string[] {
  if (network.featureNames !== undefined) {
    const same = network.featureNames.length === expected.length && network.featureNames.every((name, i) => name === expected[i]);
    if (!same) {
      throw new MlopsError(
        'SCHEMA_MISMATCH',
        `The ${network.estimator} was fitted on the columns [${network.featureNames.join(', ')}]; the data has [${expected.join(', ')}]`,
        { details: { expected, found: network.featureNames } },
      );
    }
    return [...network.featureNames];
  }
  if (network.featureCount !== expected.length) {
    throw new MlopsError(
      'SCHEMA_MISMATCH',
      `The ${network.estimator} takes ${network.featureCount} features; the data has ${expected.length} (${expected.join(', ')})`,
      { details: { expected: expected.length, found: network.featureCount } },
    );
  }
  return [...expected];
}
