import { MlopsError } from '../../errors.js';
import { Classifier } from '../classifier.js';
import { buildDenseNetwork } from '../network.js';
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
  const tf = await getTf();
  const hidden = network.layers.slice(0, -1);
  const output = network.layers[network.layers.length - 1]!;
  const model = buildDenseNetwork(tf, {
    inputUnits: network.featureCount,
    hiddenUnits: hidden.map((layer) => layer.units),
    activation: network.activation,
    outputUnits: output.units,
    seed: 0,
  });
  try {
    const weights = network.layers.flatMap((layer) => [
      tf.tensor2d(Float32Array.from(layer.kernel), [layer.inputUnits, layer.units], 'float32'),
      tf.tensor1d(Float32Array.from(layer.bias), 'float32'),
    ]);
    model.setWeights(weights);
    weights.forEach((tensor) => tensor.dispose());
    return new Classifier({
      model,
      featureNames,
      labels: network.labels,
      normalization: network.normalization ?? {
        mean: new Array<number>(network.featureCount).fill(0),
        std: new Array<number>(network.featureCount).fill(1),
      },
    });
  } catch (error) {
    model.dispose();
    throw error;
  }
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
