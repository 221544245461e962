import type { Classifier } from '../model/classifier.js';
import { modelFromFiles } from '../model/format.js';
import { resolveModelUri, type ResolvedModelLocation } from '../tracking/model-uri.js';
import type { Workspace } from '../workspace/types.js';

export interface LoadedModel {
  classifier: Classifier;
  location: ResolvedModelLocation;
}

/** Loads a tfjs model from any MLflow model URI (runs:/, models:/name/version, @alias, /latest). */
export async function loadModel(workspace: Workspace, uri: string, options: { signal?: AbortSignal } = {}): Promise<LoadedModel> {
  const location = await resolveModelUri(uri, workspace, options);
  const classifier = await modelFromFiles((relative) => workspace.tracking.downloadArtifact(location.runId, `${location.artifactPath}/${relative}`, options));
  return { classifier, location };
}
