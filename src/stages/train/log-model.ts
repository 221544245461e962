import type { Classifier } from '../../model/classifier.js';
import { appendLogModelHistory, logModelHistoryEntry, modelToFiles } from '../../model/format.js';
import type { ModelVersion, RunInfo } from '../../tracking/types.js';
import type { StageContext } from '../context.js';
import { registerModelVersion } from './register.js';

/** The model's folder inside the run's artifacts, as in mlflow.<flavor>.log_model("model"). */
export const MODEL_ARTIFACT_PATH = 'model';

export interface LogModelInput {
  modelName: string;
  /** Up to three raw feature rows, kept as the model's input example. */
  inputExample: (number | string | null)[][];
  /** Tags of the new model version (e.g. where the model came from). */
  versionTags: Record<string, string>;
}

/**
 * Logs a classifier as the run's MLflow model (the same files whether it was trained or imported),
 * appends it to the run's mlflow.log-model.history, and registers a new version of the model.
 */
export async function logAndRegisterModel(ctx: StageContext, run: RunInfo, classifier: Classifier, input: LogModelInput): Promise<ModelVersion> {
  const { tracking } = ctx.workspace;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const files = await modelToFiles(classifier, { runId: run.runId, artifactPath: MODEL_ARTIFACT_PATH, now: ctx.now(), inputExample: input.inputExample });
  for (const [path, bytes] of files) await tracking.logArtifact(run.runId, `${MODEL_ARTIFACT_PATH}/${path}`, bytes, signal);
  const history = (await tracking.getRun(run.runId, signal)).data.tags['mlflow.log-model.history'];
  await tracking.setTag(run.runId, 'mlflow.log-model.history', appendLogModelHistory(history, logModelHistoryEntry(files)), signal);
  return registerModelVersion(ctx, {
    name: input.modelName,
    source: `${run.artifactUri}/${MODEL_ARTIFACT_PATH}`,
    runId: run.runId,
    tags: input.versionTags,
  });
}

/** The first rows of a row-major feature matrix, as an input example. */
export function inputExampleRows(features: Float32Array, rows: number, width: number, count = 3): number[][] {
  return Array.from({ length: Math.min(count, rows) }, (_, r) => Array.from(features.subarray(r * width, (r + 1) * width)));
}
