import type { Classifier } from '../classifier.js';
import { unpickleAsync } from '../pickle/unpickle.js';
import { SKLEARN_ALLOW_LIST } from './allow-list.js';
import { readSklearnEstimator, type ImportedNetwork } from './read-estimator.js';
import { networkToClassifier } from './to-classifier.js';

export interface ImportSklearnOptions {
  /** Names the pickle in errors (its path). */
  source: string;
  /** Input column names for a model fitted without feature names. */
  featureNames: readonly string[];
  /** Stops decoding (ABORTED) between slices of work. */
  signal?: AbortSignal;
}

export interface ImportedSklearnModel {
  classifier: Classifier;
  network: ImportedNetwork;
}

/**
 * A scikit-learn pickle → an equivalent tfjs Classifier. The pickle is decoded by the
 * allow-list reader, never executed; see readSklearnEstimator for what can be imported.
 */
export async function importSklearnPickle(bytes: Uint8Array, options: ImportSklearnOptions): Promise<ImportedSklearnModel> {
  const decoded = await unpickleAsync(bytes, {
    allowList: SKLEARN_ALLOW_LIST,
    source: options.source,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  const network = readSklearnEstimator(decoded, options.source);
  const classifier = await networkToClassifier(network, { featureNames: options.featureNames });
  return { classifier, network };
}
