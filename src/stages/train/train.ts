import { createHash } from 'node:crypto';
import { tableFromArrays, type Table } from 'apache-arrow';
import { MlopsError, throwIfAborted } from '../../errors.js';
import { tableToParquet } from '../../io/parquet.js';
import { appendLogModelHistory, logModelHistoryEntry, modelToFiles } from '../../model/format.js';
import { trainClassifier } from '../../model/train.js';
import type { Classifier } from '../../model/classifier.js';
import type { TrainingSummary } from '../../pipeline/state.js';
import { formatModelUri } from '../../tracking/model-uri.js';
import { systemTags } from '../../tracking/system-tags.js';
import type { Metric } from '../../tracking/types.js';
import { getOrCreateExperiment, logMetrics, withRun } from '../../tracking/with-run.js';
import type { StageContext } from '../context.js';
import { classificationMetrics } from '../evaluate/metrics.js';
import { distinctLabels, toFeatureMatrix, toLabelIndices } from '../features.js';
import { readIngested } from '../ingest/read.js';
import { IRIS_FEATURES, IRIS_LABEL } from './dataset.js';
import { parseTrainingOptions, trainingOptionsToParams } from './hyperparams.js';
import { stratifiedSplit } from './split.js';
import { registerModelVersion } from './register.js';

/** The model's folder inside the run's artifacts, as in mlflow.<flavor>.log_model("model"). */
export const MODEL_ARTIFACT_PATH = 'model';
/** The held-out rows, stored with the run so evaluation scores exactly the same set. */
export const EVAL_SET_ARTIFACT = 'eval/evaluation_set.parquet';
export const EVAL_SET_DIGEST_TAG = 'mlops.eval_set_digest';

/**
 * model_training_job: reads the ingested data, trains a tfjs classifier on a seeded stratified
 * split, logs params, per-epoch metrics, the model and the held-out set to an MLflow run, and
 * registers a new version of `model_name`.
 */
export async function runTrain(ctx: StageContext, params: Record<string, string>): Promise<TrainingSummary> {
  const modelName = requireParam(params, 'model_name');
  const experimentName = requireParam(params, 'experiment_path');
  const dataPath = requireParam(params, 'data_path');
  if (params.pkl_path) {
    throw new MlopsError('INVALID_ARGUMENT', `pkl_path "${params.pkl_path}": importing scikit-learn pickles is not supported in this version; leave pkl_path empty to train`, {
      details: { parameter: 'pkl_path' },
    });
  }
  const options = parseTrainingOptions(params);
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const { tracking } = ctx.workspace;

  const table = await readIngested(ctx.workspace.volumes, dataPath, signal);
  if (table.numRows === 0) {
    throw new MlopsError('NOT_FOUND', `No ingested rows under ${dataPath}: run data_ingestion_job first`, { details: { data_path: dataPath } });
  }
  const labelNames = distinctLabels(table, IRIS_LABEL);
  const { features } = toFeatureMatrix(table, IRIS_FEATURES, dataPath);
  const labels = toLabelIndices(table, IRIS_LABEL, labelNames, dataPath);
  const split = stratifiedSplit(labels, { testSize: options.testSize, seed: options.seed });
  const testSet = subset(features, labels, split.test);
  // Early stopping watches a validation slice of the training rows, never the test rows that
  // evaluation and approval judge the model on.
  const { fitSet, validationSet } = carveValidation(features, labels, split.train, options);

  const experiment = await getOrCreateExperiment(tracking, experimentName, signal);
  const tags = {
    ...(await systemTags({ sourceName: ctx.config.configPath ?? 'mlops-e2e', cwd: ctx.config.configDir })),
    'mlops.stage': 'train',
    'mlops.target': ctx.config.target,
    'mlops.model_name': modelName,
  };
  return withRun(tracking, { experimentId: experiment.experimentId, runName: `train-${modelName.split('.').pop()}`, tags, now: ctx.now, ...signal }, async (run) => {
    const logged = {
      ...trainingOptionsToParams(options),
      data_path: dataPath,
      rows: String(table.numRows),
      train_rows: String(fitSet.rows),
      validation_rows: String(validationSet?.rows ?? 0),
      test_rows: String(testSet.rows),
      labels: labelNames.join(','),
    };
    await tracking.logBatch(run.runId, { params: logged }, signal);

    const epochMetrics: Metric[] = [];
    const trained = await trainClassifier(
      { ...fitSet, featureNames: [...IRIS_FEATURES], labelNames },
      {
        ...options,
        ...signal,
        ...(validationSet ? { validation: validationSet } : {}),
        onEpoch: (e) => {
          const timestamp = ctx.now();
          epochMetrics.push({ key: 'loss', value: e.loss, timestamp, step: e.epoch }, { key: 'accuracy', value: e.accuracy, timestamp, step: e.epoch });
          if (e.valLoss !== undefined) epochMetrics.push({ key: 'val_loss', value: e.valLoss, timestamp, step: e.epoch });
          if (e.valAccuracy !== undefined) epochMetrics.push({ key: 'val_accuracy', value: e.valAccuracy, timestamp, step: e.epoch });
          if (e.epoch % 50 === 0) ctx.reporter.report({ type: 'progress', stage: 'train', done: e.epoch + 1, total: options.epochs, unit: 'epochs' });
        },
      },
    );
    throwIfAborted(ctx.signal);
    const testMetrics = scoreSet(trained.classifier, testSet, labelNames);
    const now = ctx.now();
    const finalMetrics = Object.entries(testMetrics).map(([key, value]) => ({ key: `test_${key}`, value, timestamp: now, step: trained.epochsRun }));
    await logMetrics(tracking, run.runId, [...epochMetrics, ...finalMetrics], signal);

    const evalSet = evaluationSetTable(testSet, labelNames);
    const digest = datasetDigest(testSet);
    await tracking.logArtifact(run.runId, EVAL_SET_ARTIFACT, tableToParquet(evalSet), signal);
    await tracking.setTag(run.runId, EVAL_SET_DIGEST_TAG, digest, signal);

    const inputExample = Array.from({ length: Math.min(3, testSet.rows) }, (_, r) => Array.from(testSet.features.subarray(r * 4, r * 4 + 4)));
    const files = await modelToFiles(trained.classifier, { runId: run.runId, artifactPath: MODEL_ARTIFACT_PATH, now: ctx.now(), inputExample });
    for (const [path, bytes] of files) await tracking.logArtifact(run.runId, `${MODEL_ARTIFACT_PATH}/${path}`, bytes, signal);
    const history = (await tracking.getRun(run.runId, signal)).data.tags['mlflow.log-model.history'];
    await tracking.setTag(run.runId, 'mlflow.log-model.history', appendLogModelHistory(history, logModelHistoryEntry(files)), signal);

    const version = await registerModelVersion(ctx, { name: modelName, source: `${run.artifactUri}/${MODEL_ARTIFACT_PATH}`, runId: run.runId });
    ctx.reporter.report({
      type: 'log',
      stage: 'train',
      message: `${trained.epochsRun} epochs, test accuracy ${testMetrics.accuracy?.toFixed(4)}; registered ${modelName} version ${version.version}`,
    });
    return {
      run_id: run.runId,
      experiment_id: experiment.experimentId,
      experiment_name: experiment.name,
      model: { name: modelName, version: version.version, uri: formatModelUri({ kind: 'version', name: modelName, version: version.version }) },
      metrics: Object.fromEntries(Object.entries(testMetrics).map(([k, v]) => [`test_${k}`, v])),
      epochs_run: trained.epochsRun,
    };
  });
}

export interface LabelledSet {
  features: Float32Array;
  labels: Int32Array;
  rows: number;
}

function subset(features: Float32Array, labels: Int32Array, rows: ArrayLike<number>): LabelledSet {
  const width = IRIS_FEATURES.length;
  const out = new Float32Array(rows.length * width);
  const outLabels = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    out.set(features.subarray(r * width, r * width + width), i * width);
    outLabels[i] = labels[r]!;
  }
  return { features: out, labels: outLabels, rows: rows.length };
}

function carveValidation(
  features: Float32Array,
  labels: Int32Array,
  trainRows: Int32Array,
  options: { earlyStoppingPatience?: number; seed: number },
): { fitSet: LabelledSet; validationSet: LabelledSet | undefined } {
  if (options.earlyStoppingPatience === undefined) return { fitSet: subset(features, labels, trainRows), validationSet: undefined };
  const trainLabels = Int32Array.from(trainRows, (r) => labels[r]!);
  const inner = stratifiedSplit(trainLabels, { testSize: 0.1, seed: options.seed + 1 });
  return {
    fitSet: subset(features, labels, Int32Array.from(inner.train, (i) => trainRows[i]!)),
    validationSet: subset(features, labels, Int32Array.from(inner.test, (i) => trainRows[i]!)),
  };
}

function scoreSet(classifier: Classifier, set: LabelledSet, labelNames: string[]): Record<string, number> {
  const proba = classifier.predictProba(set.features, set.rows);
  const m = classificationMetrics(set.labels, proba, labelNames.length, labelNames);
  return { accuracy: m.accuracy, f1_macro: m.f1_macro, log_loss: m.log_loss };
}

export function evaluationSetTable(set: LabelledSet, labelNames: string[]): Table {
  const columns: Record<string, Float64Array | string[]> = {};
  IRIS_FEATURES.forEach((name, j) => {
    const col = new Float64Array(set.rows);
    for (let r = 0; r < set.rows; r++) col[r] = set.features[r * IRIS_FEATURES.length + j]!;
    columns[name] = col;
  });
  columns[IRIS_LABEL] = Array.from(set.labels, (k) => labelNames[k]!);
  return tableFromArrays(columns);
}

/** sha256 over the rows' feature bytes and labels: the same rows give the same digest. */
export function datasetDigest(set: LabelledSet): string {
  const hash = createHash('sha256');
  hash.update(new Uint8Array(set.features.buffer, set.features.byteOffset, set.features.byteLength));
  hash.update(new Uint8Array(set.labels.buffer, set.labels.byteOffset, set.labels.byteLength));
  return hash.digest('hex');
}

function requireParam(params: Record<string, string>, name: string): string {
  const value = params[name];
  if (!value) throw new MlopsError('CONFIG_INVALID', `model_training_job parameter "${name}" is required`, { details: { parameter: name } });
  return value;
}
