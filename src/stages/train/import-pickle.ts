import { createHash } from 'node:crypto';
import { MlopsError } from '../../errors.js';
import type { Classifier } from '../../model/classifier.js';
import { importSklearnPickle } from '../../model/sklearn/import-pickle.js';
import type { TrainingSummary } from '../state.js';
import { formatModelUri } from '../../tracking/model-uri.js';
import { logMetrics } from '../../tracking/with-run.js';
import type { StageContext } from '../context.js';
import { classificationMetrics } from '../evaluate/metrics.js';
import { modelColumns, type IngestSchema } from '../ingest/schema.js';
import { evaluationSetTable, logEvaluationSet, subsetRows, type LabelledSet } from './eval-set.js';
import { inputExampleRows, logAndRegisterModel } from './log-model.js';
import { readPickleFile } from './read-pickle.js';
import { stratifiedSplit } from './split.js';
import { loadLabelledData, type LabelledData } from './training-data.js';
import { withTrainingRun } from './training-run.js';

/** Where a model version came from: a version tag and a run param. */
export const MODEL_SOURCE_TAG = 'mlops.model_source';
export const PKL_SHA256_TAG = 'mlops.pkl_sha256';

export interface ImportPickleInput {
  pklPath: string;
  modelName: string;
  experimentName: string;
  /** Ingested data to hold out the same test rows a trained model would be judged on (optional). */
  dataPath: string;
  testSize: number;
  seed: number;
  /** The data's schema: its label and (numeric) features. */
  schema: IngestSchema;
}

/**
 * model_training_job with pkl_path: imports a scikit-learn pickle (decoded by the allow-list
 * reader, never executed) as an equivalent tfjs model, and logs and registers it exactly like a
 * trained one. When ingested data exists, the same seeded split as training holds out the test
 * rows, which are scored and stored as the evaluation set, so an imported model and a trained one
 * are compared on the very same rows.
 */
export async function runImportPickle(ctx: StageContext, input: ImportPickleInput): Promise<TrainingSummary> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const file = await readPickleFile(ctx, input.pklPath);
  const sha256 = createHash('sha256').update(file.bytes).digest('hex');
  const { features } = modelColumns(input.schema);
  const { classifier, network } = await importSklearnPickle(file.bytes, { source: file.location, featureNames: features.map((f) => f.name), ...signal });
  try {
    const data = await optionalData(ctx, input.dataPath, input.schema);
    return await withTrainingRun(
      ctx,
      { modelName: input.modelName, experimentName: input.experimentName, verb: 'import', tags: { [MODEL_SOURCE_TAG]: 'pkl_path' } },
      async (run, experiment) => {
        const hidden = network.layers.slice(0, -1).map((layer) => layer.units);
        const params: Record<string, string> = {
          model_source: 'pkl_path',
          pkl_path: input.pklPath,
          pkl_sha256: sha256,
          pkl_bytes: String(file.bytes.byteLength),
          sklearn_estimator: network.estimator,
          sklearn_version: network.sklearnVersion ?? 'unknown',
          model_type: hidden.length === 0 ? 'softmax' : 'mlp',
          hidden_units: hidden.length === 0 ? '0' : hidden.join(','),
          activation: network.activation,
          standardized: String(network.normalization !== undefined),
          labels: classifier.labels.join(','),
          data_path: input.dataPath,
        };
        let metrics: Record<string, number> = {};
        let testSet: LabelledSet | undefined;
        if (data) {
          const split = stratifiedSplit(data.labels, { testSize: input.testSize, seed: input.seed });
          testSet = subsetRows(data, split.test);
          Object.assign(params, { seed: String(input.seed), test_size: String(input.testSize), rows: String(data.rows), test_rows: String(testSet.rows) });
          metrics = scoreOnModelLabels(classifier, testSet, data.labelNames);
        }
        await ctx.workspace.tracking.logBatch(run.runId, { params }, signal);
        if (data && testSet) {
          const now = ctx.now();
          await logMetrics(ctx.workspace.tracking, run.runId, Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 })), signal);
          await logEvaluationSet(ctx, run.runId, testSet, data.labelNames, evaluationSetTable(testSet, data.labelNames, data.featureNames, data.labelColumn));
        }
        const version = await logAndRegisterModel(ctx, run, classifier, {
          modelName: input.modelName,
          inputExample: testSet ? inputExampleRows(testSet.features, testSet.rows, data!.featureNames.length) : [],
          versionTags: { [MODEL_SOURCE_TAG]: 'pkl_path', [PKL_SHA256_TAG]: sha256 },
        });
        ctx.reporter.report({
          type: 'log',
          stage: 'train',
          message:
            `imported ${network.estimator} (scikit-learn ${network.sklearnVersion ?? '?'}) from ${file.location}` +
            (metrics.test_accuracy !== undefined ? `, test accuracy ${metrics.test_accuracy.toFixed(4)}` : '') +
            `; registered ${input.modelName} version ${version.version}`,
        });
        return {
          run_id: run.runId,
          experiment_id: experiment.experimentId,
          experiment_name: experiment.name,
          model: { name: input.modelName, version: version.version, uri: formatModelUri({ kind: 'version', name: input.modelName, version: version.version }) },
          metrics,
          epochs_run: 0,
        };
      },
    );
  } finally {
    classifier.dispose();
  }
}

async function optionalData(ctx: StageContext, dataPath: string, schema: IngestSchema): Promise<LabelledData | undefined> {
  if (!dataPath) return undefined;
  try {
    return await loadLabelledData(ctx, dataPath, schema);
  } catch (error) {
    if (!(error instanceof MlopsError && error.code === 'NOT_FOUND')) throw error;
    ctx.reporter.report({ type: 'log', stage: 'train', message: `no ingested data under ${dataPath}: the imported model is registered without test metrics or an evaluation set` });
    return undefined;
  }
}

/** test_accuracy, test_f1_macro, test_log_loss with the data's labels mapped onto the model's classes. */
function scoreOnModelLabels(classifier: Classifier, set: LabelledSet, dataLabels: readonly string[]): Record<string, number> {
  const toModel = dataLabels.map((label) => {
    const index = classifier.labels.indexOf(label);
    if (index < 0) {
      throw new MlopsError('SCHEMA_MISMATCH', `The data has the label "${label}", which the imported model does not predict (its classes: ${classifier.labels.join(', ')})`, {
        details: { label, classes: classifier.labels },
      });
    }
    return index;
  });
  const truth = Int32Array.from(set.labels, (k) => toModel[k]!);
  const m = classificationMetrics(truth, classifier.predictProba(set.features, set.rows), classifier.labels.length, classifier.labels);
  return { test_accuracy: m.accuracy, test_f1_macro: m.f1_macro, test_log_loss: m.log_loss };
}
