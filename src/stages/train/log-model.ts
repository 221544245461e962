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
 * Logs a classifier as an MLflow model (the same files whether it was trained or imported) and
 * registers a new version of it. Where the store has MLflow 3 logged models (the SQLite store,
 * an MLflow 3 server), the model is a LoggedModel: created PENDING with the run's params, its
 * files written to its own artifact location, its final metrics logged, then marked READY; the
 * version's source is `models:/m-<id>`. Elsewhere (a file store, an MLflow 2.x server) the files
 * go to the run's `model/` artifacts, as MLflow 2 logs them. Either way the run's
 * mlflow.log-model.history records it.
 */
export async function logAndRegisterModel(ctx: StageContext, run: RunInfo, classifier: Classifier, input: LogModelInput): Promise<ModelVersion> {
  const { tracking } = ctx.workspace;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const files = await modelToFiles(classifier, { runId: run.runId, artifactPath: MODEL_ARTIFACT_PATH, now: ctx.now(), inputExample: input.inputExample });
  const logged = await tracking.loggedModels?.(signal);
  if (logged !== undefined) {
    const data = (await tracking.getRun(run.runId, signal)).data;
    const model = await logged.createLoggedModel({
      experimentId: run.experimentId,
      name: MODEL_ARTIFACT_PATH,
      sourceRunId: run.runId,
      modelType: 'tfjs',
      params: data.params,
      tags: { 'mlops.model_name': input.modelName },
      ...signal,
    });
    try {
      for (const [path, bytes] of files) await logged.logLoggedModelArtifact(model.modelId, path, bytes, signal);
      const metrics = Object.values(data.metrics);
      if (metrics.length > 0) await logged.logLoggedModelMetrics(model.modelId, metrics, { runId: run.runId, ...signal });
    } catch (error) {
      await logged.finalizeLoggedModel(model.modelId, 'UPLOAD_FAILED', signal).catch(() => undefined);
      throw error;
    }
    await logged.finalizeLoggedModel(model.modelId, 'READY', signal);
    const history = data.tags['mlflow.log-model.history'];
    await tracking.setTag(run.runId, 'mlflow.log-model.history', appendLogModelHistory(history, { ...logModelHistoryEntry(files), model_id: model.modelId }), signal);
    return registerModelVersion(ctx, { name: input.modelName, source: `models:/${model.modelId}`, runId: run.runId, modelId: model.modelId, tags: input.versionTags });
  }
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
