import type { Classifier } from '../model/classifier.js';
import { classifierFromFiles, readModelFiles, type ModelFilesRead } from '../model/format.js';
import { downloadModelFile, resolveModelUri, type ResolvedModelLocation } from '../tracking/model-uri.js';
import type { Workspace } from '../workspace/types.js';

export interface LoadedModel {
  classifier: Classifier;
  location: ResolvedModelLocation;
}

/** A model's files, fetched and checked but not yet handed to TensorFlow.js. */
export interface FetchedModel {
  location: ResolvedModelLocation;
  files: ModelFilesRead;
  /** The raw input columns the model reads (its features, for a model without an encoding). */
  featureNames: string[];
  /** Those of them that are categorical (strings). */
  categorical: string[];
}

/** Loads a tfjs model from any MLflow model URI (runs:/, models:/name/version, @alias, /latest). */
export async function loadModel(workspace: Workspace, uri: string, options: { signal?: AbortSignal } = {}): Promise<LoadedModel> {
  const fetched = await fetchModel(workspace, uri, options);
  return { classifier: await classifierFromFiles(fetched.files), location: fetched.location };
}

/**
 * The part of loadModel that needs no TensorFlow.js: resolves the URI and reads the model's files.
 * Batch scoring uses it to know the feature columns, and start reading them, while tfjs loads.
 */
export async function fetchModel(workspace: Workspace, uri: string, options: { signal?: AbortSignal } = {}): Promise<FetchedModel> {
  const location = await resolveModelUri(uri, workspace, options);
  const files = await readModelFiles((relative) => downloadModelFile(location, workspace.tracking, relative, options));
  const inputs = files.preprocessing.inputs;
  return {
    location,
    files,
    featureNames: inputs ? inputs.map((input) => input.name) : files.preprocessing.featureNames,
    categorical: inputs ? inputs.filter((input) => input.kind === 'categorical').map((input) => input.name) : [],
  };
}
