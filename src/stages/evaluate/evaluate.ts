import type { Table } from 'apache-arrow';
import { MlopsError } from '../../errors.js';
import { parquetToTable } from '../../io/parquet.js';
import type { Classifier } from '../../model/classifier.js';
import type { EvaluationSummary, ModelRef } from '../state.js';
import { systemTags } from '../../tracking/system-tags.js';
import type { Metric } from '../../tracking/types.js';
import { getOrCreateExperiment, logMetrics, withRun } from '../../tracking/with-run.js';
import type { StageContext } from '../context.js';
import { currentChampion } from '../deploy/deploy.js';
import { encodedFromArrow, toLabelIndices } from '../features.js';
import { readIngested } from '../ingest/read.js';
import { loadModel } from '../load-model.js';
import { EVAL_SET_ARTIFACT, EVAL_SET_DIGEST_TAG, datasetDigest } from '../train/eval-set.js';
import { binaryMetrics, prCurve } from './binary.js';
import { evaluateOnSpark } from './on-spark.js';
import { confusionMatrixSvg } from './confusion-svg.js';
import { classificationMetrics, metricsForMlflow, perClassMetricsForMlflow, type ClassificationMetrics } from './metrics.js';

export interface EvaluateInput {
  model: ModelRef;
  experimentPath: string;
  /** Used when the model's run stored no evaluation set (e.g. a model registered elsewhere). */
  dataPath?: string;
}

/** Artifacts of the evaluation run, like those mlflow.evaluate logs. */
export const EVALUATION_ARTIFACTS = {
  confusionJson: 'evaluation/confusion_matrix.json',
  confusionSvg: 'evaluation/confusion_matrix.svg',
  perClassJson: 'evaluation/per_class_metrics.json',
  perClassCsv: 'evaluation/per_class_metrics.csv',
  metricsJson: 'evaluation/metrics.json',
} as const;

interface EvaluationSet {
  table: Table;
  /** Where the rows came from: the training run's artifact URI or the data path. */
  source: string;
  /** The digest the training run recorded for its held-out rows, when it did. */
  recordedDigest: string | undefined;
}

/**
 * Scores a model version like mlflow.evaluate scores a classifier — accuracy; micro, macro and
 * weighted precision/recall/F1; log loss; one-vs-rest ROC AUC; per-class metrics; example count;
 * the confusion matrix as JSON and SVG — on its fixed evaluation set: the rows held out when it
 * was trained, identified by their digest. The current champion is scored on the very same rows
 * so approval compares like with like.
 */
export async function runEvaluate(ctx: StageContext, input: EvaluateInput): Promise<EvaluationSummary> {
  const { tracking } = ctx.workspace;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const { model } = input;
  const candidate = await loadModel(ctx.workspace, `models:/${model.name}/${model.version}`, signal);
  let championClassifier: Classifier | undefined;
  try {
    const evalSet = await evaluationSet(ctx, candidate.location.runId, input.dataPath);
    const where = `evaluation set of ${model.name} version ${model.version} (${evalSet.source})`;
    const labelNames = candidate.classifier.labels;
    const { features, rows } = encodedFromArrow(candidate.classifier.inputs, evalSet.table, where);
    const labels = toLabelIndices(evalSet.table, candidate.classifier.labelColumn, labelNames, where);
    const digest = datasetDigest({ features, labels, rows }, labelNames);
    if (evalSet.recordedDigest !== undefined && evalSet.recordedDigest !== digest) {
      throw new MlopsError(
        'CORRUPT',
        `${where}: its rows have digest ${digest}, but the training run recorded ${evalSet.recordedDigest} (tag ${EVAL_SET_DIGEST_TAG}); the evaluation set was changed after training`,
        { details: { expected: evalSet.recordedDigest, found: digest } },
      );
    }
    // On a Spark target the rows are scored by the model compiled to Spark SQL and the metrics
    // aggregated there; otherwise here, with the model itself.
    const spark = ctx.spark ? await ctx.spark.session(signal) : undefined;
    const sparkRows = spark ? await spark.createDataFrame(evalSet.table, signal) : undefined;
    const full =
      spark && sparkRows
        ? await evaluateOnSpark(spark, sparkRows, candidate.classifier.describe(), candidate.classifier.labelColumn, where, signal)
        : classificationMetrics(labels, candidate.classifier.predictProba(features, rows), labelNames.length, labelNames);
    const metrics = metricsForMlflow(full);
    // A two-class model also gets PR AUC and its decision threshold (for the second label, the positive one).
    const isPositive = labelNames.length === 2 ? Array.from(labels, (k) => k === 1) : undefined;
    const positiveScores = isPositive ? positiveColumn(candidate.classifier.predictProba(features, rows), rows) : undefined;
    const binary = isPositive && positiveScores ? binaryMetrics(isPositive, positiveScores) : undefined;
    if (binary) Object.assign(metrics, binary);
    const curve = isPositive && positiveScores ? prCurve(isPositive, positiveScores) : undefined;

    let champion: EvaluationSummary['champion'];
    const championVersion = await currentChampion(ctx, model.name);
    if (championVersion !== undefined && championVersion !== model.version) {
      const loaded = await loadModel(ctx.workspace, `models:/${model.name}/${championVersion}`, signal);
      championClassifier = loaded.classifier;
      const champLabels = loaded.classifier.labels;
      if (champLabels.length === labelNames.length && champLabels.every((l) => labelNames.includes(l))) {
        let championMetrics: ClassificationMetrics;
        if (spark && sparkRows) {
          championMetrics = await evaluateOnSpark(spark, sparkRows, loaded.classifier.describe(), candidate.classifier.labelColumn, where, signal);
        } else {
          const champTruth = toLabelIndices(evalSet.table, candidate.classifier.labelColumn, champLabels, where);
          const champFeatures = encodedFromArrow(loaded.classifier.inputs, evalSet.table, where);
          championMetrics = classificationMetrics(champTruth, loaded.classifier.predictProba(champFeatures.features, rows), champLabels.length, champLabels);
        }
        champion = { version: championVersion, metrics: metricsForMlflow(championMetrics) };
      } else {
        ctx.reporter.report({ type: 'log', stage: 'evaluate', message: `champion version ${championVersion} predicts other labels (${champLabels.join(', ')}); not compared` });
      }
    }

    const experiment = await getOrCreateExperiment(tracking, input.experimentPath, signal);
    const tags = {
      ...(await systemTags({ sourceName: ctx.config.configPath ?? 'mlops-e2e', cwd: ctx.config.configDir })),
      'mlops.stage': 'evaluate',
      'mlops.target': ctx.config.target,
      'mlops.model_name': model.name,
      'mlops.model_version': model.version,
      [EVAL_SET_DIGEST_TAG]: digest,
    };
    const runName = `evaluate-${model.name.split('.').pop()}-v${model.version}`;
    return await withRun(tracking, { experimentId: experiment.experimentId, runName, tags, parentRunId: ctx.parentRunId, now: ctx.now, ...signal }, async (run) => {
      const now = ctx.now();
      const point = (key: string, value: number): Metric => ({ key, value, timestamp: now, step: 0 });
      const logged = [...Object.entries(metrics), ...Object.entries(perClassMetricsForMlflow(full))]
        .filter(([, value]) => Number.isFinite(value))
        .map(([key, value]) => point(key, value));
      if (champion) {
        for (const [key, value] of Object.entries(champion.metrics)) if (Number.isFinite(value)) logged.push(point(`champion_${key}`, value));
      }
      await logMetrics(tracking, run.runId, logged, signal);
      await tracking.logBatch(
        run.runId,
        {
          params: {
            model_uri: model.uri,
            eval_rows: String(rows),
            eval_dataset_digest: digest,
            eval_dataset_source: evalSet.source,
            champion_version: champion?.version ?? '',
            eval_engine: spark ? `spark ${spark.version} (${ctx.spark!.remote})` : 'local',
          },
        },
        signal,
      );
      const confusion = { labels: labelNames, matrix: full.confusion_matrix };
      await tracking.logArtifact(run.runId, EVALUATION_ARTIFACTS.confusionJson, JSON.stringify(confusion, null, 2), signal);
      await tracking.logArtifact(run.runId, EVALUATION_ARTIFACTS.confusionSvg, confusionMatrixSvg(confusion, `${model.name} v${model.version} — ${rows} rows`), signal);
      await tracking.logArtifact(run.runId, EVALUATION_ARTIFACTS.perClassJson, JSON.stringify(full.per_class, null, 2), signal);
      await tracking.logArtifact(run.runId, EVALUATION_ARTIFACTS.perClassCsv, perClassCsv(full), signal);
      await tracking.logArtifact(
        run.runId,
        EVALUATION_ARTIFACTS.metricsJson,
        JSON.stringify({ metrics, per_class: full.per_class, dataset: { digest, rows, source: evalSet.source }, champion, ...(curve ? { pr_curve: curve } : {}) }, null, 2),
        signal,
      );
      ctx.reporter.report({
        type: 'log',
        stage: 'evaluate',
        message:
          `${model.name} v${model.version} on ${rows} rows: accuracy ${fmt(metrics.accuracy)}, f1_macro ${fmt(metrics.f1_macro)}, roc_auc ${fmt(metrics.roc_auc)}` +
          (champion ? ` (champion v${champion.version}: accuracy ${fmt(champion.metrics.accuracy)})` : ''),
      });
      return {
        run_id: run.runId,
        model,
        metrics,
        confusion_matrix: confusion,
        dataset_digest: digest,
        dataset_rows: rows,
        ...(champion ? { champion } : {}),
        ...(curve ? { pr_curve: { positive_label: labelNames[1]!, ...curve } } : {}),
      };
    });
  } finally {
    candidate.classifier.dispose();
    championClassifier?.dispose();
  }
}

/** The second class's probabilities of a two-class probability matrix. */
function positiveColumn(proba: Float32Array, rows: number): Float64Array {
  return Float64Array.from({ length: rows }, (_, r) => proba[r * 2 + 1]!);
}

async function evaluationSet(ctx: StageContext, runId: string, dataPath: string | undefined): Promise<EvaluationSet> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  try {
    const table = parquetToTable(await ctx.workspace.tracking.downloadArtifact(runId, EVAL_SET_ARTIFACT, signal));
    const recordedDigest = (await ctx.workspace.tracking.getRun(runId, signal)).data.tags[EVAL_SET_DIGEST_TAG];
    return { table, source: `runs:/${runId}/${EVAL_SET_ARTIFACT}`, recordedDigest };
  } catch (error) {
    if (!(error instanceof MlopsError && error.code === 'NOT_FOUND')) throw error;
  }
  if (!dataPath) {
    throw new MlopsError('NOT_FOUND', `Run ${runId} stored no ${EVAL_SET_ARTIFACT} and no data_path was given to evaluate on`, { details: { run_id: runId } });
  }
  ctx.reporter.report({ type: 'log', stage: 'evaluate', message: `run ${runId} stored no evaluation set; evaluating on all of ${dataPath}` });
  return { table: await readIngested(ctx.workspace.volumes, dataPath, signal), source: dataPath, recordedDigest: undefined };
}

/** Like mlflow.evaluate's per_class_metrics.csv: one row per class. */
function perClassCsv(metrics: ClassificationMetrics): string {
  const quote = (text: string) => (/[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const lines = ['label,precision,recall,f1,support,roc_auc'];
  for (const c of metrics.per_class) lines.push([quote(c.label), c.precision, c.recall, c.f1, c.support, c.roc_auc ?? ''].join(','));
  return lines.join('\n') + '\n';
}

function fmt(value: number | undefined): string {
  return value === undefined || !Number.isFinite(value) ? String(value) : value.toFixed(4);
}
