import { throwIfAborted } from '../../errors.js';
import type { Classifier } from '../../model/classifier.js';
import { trainClassifier } from '../../model/train.js';
import type { TrainingSummary } from '../state.js';
import { formatModelUri } from '../../tracking/model-uri.js';
import type { Metric } from '../../tracking/types.js';
import { logMetrics } from '../../tracking/with-run.js';
import type { StageContext } from '../context.js';
import { classificationMetrics } from '../evaluate/metrics.js';
import { encodedFeatureNames, fitInputs, oneHotColumns } from '../../model/encoding.js';
import { logEvaluationSet, subsetRows, type LabelledSet } from './eval-set.js';
import { stageParams } from '../declaration.js';
import { TRAIN_PARAMS, trainingOptions, trainingOptionsToParams, type TrainParams, type TrainingParameters } from './params.js';
import { MODEL_SOURCE_TAG, runImportPickle } from './import-pickle.js';
import { logAndRegisterModel } from './log-model.js';
import { stratifiedSample, stratifiedSplit } from './split.js';
import { encodeRows, loadTrainingTable, rawExampleRows, rawRowsTable } from './training-data.js';
import { withTrainingRun } from './training-run.js';
import { readStoredSchema } from '../ingest/stored-schema.js';
import { readsSparkTable } from '../spark-table.js';
import { IRIS_SCHEMA, type IngestSchema } from '../ingest/schema.js';

export { EVAL_SET_ARTIFACT, EVAL_SET_DIGEST_TAG, datasetDigest, evaluationSetTable, type LabelledSet } from './eval-set.js';
export { MODEL_ARTIFACT_PATH } from './log-model.js';

/**
 * model_training_job: with pkl_path, imports that scikit-learn pickle (see runImportPickle);
 * otherwise reads the ingested data, trains a tfjs classifier on a seeded stratified split, logs
 * params, per-epoch metrics, the model and the held-out set to an MLflow run, and registers a
 * new version of `model_name`. The same seed and data give bit-identical weights and metrics.
 */
export async function runTrain(ctx: StageContext, params: Record<string, string>): Promise<TrainingSummary> {
  return train(ctx, stageParams(TRAIN_PARAMS, params));
}

/** runTrain with its parameters already read (the train stage's declared run). */
export async function train(ctx: StageContext, params: TrainParams): Promise<TrainingSummary> {
  const modelName = params.model_name;
  const experimentName = params.experiment_path;
  const dataPath = params.data_path;
  const options = trainingOptions(params);
  const schema = await trainingSchema(ctx, params);
  if (params.pkl_path) {
    return runImportPickle(ctx, { pklPath: params.pkl_path, modelName, experimentName, dataPath, testSize: options.testSize, seed: options.seed, schema });
  }
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const { tracking } = ctx.workspace;

  const table = await loadTrainingTable(ctx, dataPath, schema);
  const { labelNames } = table;
  const split = stratifiedSplit(table.labels, { testSize: options.testSize, seed: options.seed });
  // The encoding (vocabularies, imputed means) is learned from the training rows only, like the normalisation.
  const inputs = fitInputs(table.columns, split.train);
  const all = Int32Array.from({ length: table.rows }, (_, i) => i);
  const data: LabelledSet = { features: encodeRows(table, inputs, all, dataPath), labels: table.labels, rows: table.rows };
  const featureNames = encodedFeatureNames(inputs);
  const testSet = subsetRows(data, split.test);
  const sample = sampleTrainingRows(data.labels, split.train, options);
  if (sample.sampledFrom !== undefined) {
    ctx.reporter.report({
      type: 'log',
      stage: 'train',
      message: `training on a seeded stratified sample of ${sample.rows.length} of the ${sample.sampledFrom} training rows (max_train_rows ${options.maxTrainRows}); the ${testSet.rows} test rows are all kept`,
    });
  }
  // Early stopping watches a validation slice of the training rows, never the test rows that
  // evaluation and approval judge the model on.
  const { fitSet, validationSet } = carveValidation(data, sample.rows, options);

  return withTrainingRun(ctx, { modelName, experimentName, verb: 'train', tags: { [MODEL_SOURCE_TAG]: 'trained' } }, async (run, experiment) => {
    const logged = {
      ...trainingOptionsToParams(options),
      model_source: 'trained',
      data_path: dataPath,
      rows: String(data.rows),
      train_rows: String(fitSet.rows),
      validation_rows: String(validationSet?.rows ?? 0),
      test_rows: String(testSet.rows),
      labels: labelNames.join(','),
      ...(sample.sampledFrom !== undefined ? { train_rows_sampled_from: String(sample.sampledFrom) } : {}),
      label_column: table.labelColumn,
      features: inputs.map((input) => (input.kind === 'numeric' ? input.name : `${input.name}[${input.vocabulary.length}]`)).join(',').slice(0, 6000),
    };
    await tracking.logBatch(run.runId, { params: logged, tags: { [TRAINING_SAMPLE_TAG]: sample.sampledFrom === undefined ? 'false' : 'true' } }, signal);

    const epochMetrics: Metric[] = [];
    const trained = await trainClassifier(
      { ...fitSet, featureNames, labelNames, inputs, labelColumn: table.labelColumn, unscaledFeatures: oneHotColumns(inputs) },
      {
        ...options,
        ...signal,
        ...(validationSet ? { validation: validationSet } : {}),
        onEpoch: (e) => {
          const timestamp = ctx.now();
          epochMetrics.push({ key: 'loss', value: e.loss, timestamp, step: e.epoch }, { key: 'accuracy', value: e.accuracy, timestamp, step: e.epoch });
          if (e.valLoss !== undefined) epochMetrics.push({ key: 'val_loss', value: e.valLoss, timestamp, step: e.epoch });
          if (e.valAccuracy !== undefined) epochMetrics.push({ key: 'val_accuracy', value: e.valAccuracy, timestamp, step: e.epoch });
          const shown: Record<string, number> = e.valLoss === undefined ? { loss: e.loss } : { loss: e.loss, val_loss: e.valLoss };
          ctx.reporter.report({ type: 'progress', stage: 'train', done: e.epoch + 1, total: options.epochs, unit: 'epochs', metrics: shown });
        },
      },
    );
    try {
      throwIfAborted(ctx.signal);
      const testMetrics = scoreSet(trained.classifier, testSet, labelNames);
      const now = ctx.now();
      const finalMetrics = Object.entries(testMetrics).map(([key, value]) => ({ key: `test_${key}`, value, timestamp: now, step: trained.epochsRun }));
      if (trained.bestEpoch !== undefined) finalMetrics.push({ key: 'best_epoch', value: trained.bestEpoch, timestamp: now, step: trained.epochsRun });
      await logMetrics(tracking, run.runId, [...epochMetrics, ...finalMetrics], signal);
      await tracking.logBatch(run.runId, { params: { epochs_run: String(trained.epochsRun), stopped_early: String(trained.stoppedEarly) } }, signal);
      await logEvaluationSet(ctx, run.runId, testSet, labelNames, rawRowsTable(table, split.test));

      const version = await logAndRegisterModel(ctx, run, trained.classifier, {
        modelName,
        inputExample: rawExampleRows(table, split.test),
        versionTags: { [MODEL_SOURCE_TAG]: 'trained' },
      });
      ctx.reporter.report({
        type: 'log',
        stage: 'train',
        message:
          `${options.modelType} ${trained.epochsRun} epochs${trained.stoppedEarly ? ` (stopped early, best epoch ${trained.bestEpoch})` : ''}, ` +
          `test accuracy ${testMetrics.accuracy?.toFixed(4)}; registered ${modelName} version ${version.version}`,
      });
      return {
        run_id: run.runId,
        experiment_id: experiment.experimentId,
        experiment_name: experiment.name,
        model: { name: modelName, version: version.version, uri: formatModelUri({ kind: 'version', name: modelName, version: version.version }) },
        metrics: Object.fromEntries(Object.entries(testMetrics).map(([k, v]) => [`test_${k}`, v])),
        epochs_run: trained.epochsRun,
      };
    } finally {
      trained.classifier.dispose();
    }
  });
}

/**
 * The schema training reads the data by: its `schema` parameter when set, else the one ingestion
 * stored with the data under data_path, else (data ingested before schemas were stored) Iris.
 */
export async function trainingSchema(ctx: Pick<StageContext, 'workspace' | 'signal' | 'spark'>, params: Pick<TrainParams, 'schema' | 'data_path'>): Promise<IngestSchema> {
  if (params.schema !== undefined) return params.schema;
  // A Spark table has no folder beside it for ingestion's stored schema.
  if (params.data_path === '' || readsSparkTable(ctx, params.data_path)) return IRIS_SCHEMA;
  return (await readStoredSchema(ctx.workspace.volumes, params.data_path, ctx.signal ? { signal: ctx.signal } : {})) ?? IRIS_SCHEMA;
}

/** Run tag: "true" when the model trained on a sample of the training rows (max_train_rows). */
export const TRAINING_SAMPLE_TAG = 'mlops.training_sampled';

/** The training part, or a seeded stratified sample of it when it has more than max_train_rows rows. */
function sampleTrainingRows(labels: Int32Array, trainRows: Int32Array, options: TrainingParameters): { rows: Int32Array; sampledFrom: number | undefined } {
  if (options.maxTrainRows === 0 || trainRows.length <= options.maxTrainRows) return { rows: trainRows, sampledFrom: undefined };
  const trainLabels = Int32Array.from(trainRows, (r) => labels[r]!);
  // Its own seed stream: the split above and the validation carve below use seed and seed + 1.
  const picked = stratifiedSample(trainLabels, options.maxTrainRows, options.seed + 2);
  return { rows: Int32Array.from(picked, (i) => trainRows[i]!), sampledFrom: trainRows.length };
}

function carveValidation(
  data: LabelledSet,
  trainRows: Int32Array,
  options: TrainingParameters,
): { fitSet: LabelledSet; validationSet: LabelledSet | undefined } {
  if (options.earlyStoppingPatience === undefined) return { fitSet: subsetRows(data, trainRows), validationSet: undefined };
  const trainLabels = Int32Array.from(trainRows, (r) => data.labels[r]!);
  const inner = stratifiedSplit(trainLabels, { testSize: options.validationSize, seed: options.seed + 1 });
  return {
    fitSet: subsetRows(data, Int32Array.from(inner.train, (i) => trainRows[i]!)),
    validationSet: subsetRows(data, Int32Array.from(inner.test, (i) => trainRows[i]!)),
  };
}

function scoreSet(classifier: Classifier, set: LabelledSet, labelNames: string[]): Record<string, number> {
  const proba = classifier.predictProba(set.features, set.rows);
  const m = classificationMetrics(set.labels, proba, labelNames.length, labelNames);
  return { accuracy: m.accuracy, f1_macro: m.f1_macro, log_loss: m.log_loss };
}
