import { MlopsError } from '../../errors.js';
import { parquetToTable } from '../../io/parquet.js';
import type { EvaluationSummary, ModelRef } from '../../pipeline/state.js';
import { systemTags } from '../../tracking/system-tags.js';
import { getOrCreateExperiment, logMetrics, withRun } from '../../tracking/with-run.js';
import type { Table } from 'apache-arrow';
import type { StageContext } from '../context.js';
import { currentChampion } from '../deploy/deploy.js';
import { toFeatureMatrix, toLabelIndices } from '../features.js';
import { readIngested } from '../ingest/read.js';
import { loadModel } from '../load-model.js';
import { IRIS_FEATURES, IRIS_LABEL } from '../train/dataset.js';
import { EVAL_SET_ARTIFACT, datasetDigest } from '../train/train.js';
import { classificationMetrics } from './metrics.js';

export interface EvaluateInput {
  model: ModelRef;
  experimentPath: string;
  /** Used when the model's run stored no evaluation set (e.g. a model registered elsewhere). */
  dataPath?: string;
}

/**
 * Scores a model version on its fixed evaluation set (the rows held out when it was trained),
 * logs the metrics and confusion matrix to an evaluation run, and scores the current champion
 * on the very same rows so approval can compare like with like.
 */
export async function runEvaluate(ctx: StageContext, input: EvaluateInput): Promise<EvaluationSummary> {
  const { tracking } = ctx.workspace;
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  const { model } = input;
  const candidate = await loadModel(ctx.workspace, `models:/${model.name}/${model.version}`, signal);
  const evalTable = await evaluationSet(ctx, candidate.location.runId, input.dataPath);
  const where = `evaluation set of ${model.name} version ${model.version}`;
  const labelNames = candidate.classifier.labels;
  const { features, rows } = toFeatureMatrix(evalTable, IRIS_FEATURES, where);
  const labels = toLabelIndices(evalTable, IRIS_LABEL, labelNames, where);
  const digest = datasetDigest({ features, labels, rows });
  const proba = candidate.classifier.predictProba(features, rows);
  const full = classificationMetrics(labels, proba, labelNames.length, labelNames);
  const metrics = flatMetrics(full);

  let champion: EvaluationSummary['champion'];
  const championVersion = await currentChampion(ctx, model.name);
  if (championVersion !== undefined && championVersion !== model.version) {
    const loaded = await loadModel(ctx.workspace, `models:/${model.name}/${championVersion}`, signal);
    const champLabels = loaded.classifier.labels;
    if (champLabels.length === labelNames.length && champLabels.every((l) => labelNames.includes(l))) {
      const champTruth = toLabelIndices(evalTable, IRIS_LABEL, champLabels, where);
      const champProba = loaded.classifier.predictProba(features, rows);
      champion = { version: championVersion, metrics: flatMetrics(classificationMetrics(champTruth, champProba, champLabels.length, champLabels)) };
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
    'mlops.eval_set_digest': digest,
  };
  const runName = `evaluate-${model.name.split('.').pop()}-v${model.version}`;
  return withRun(tracking, { experimentId: experiment.experimentId, runName, tags, now: ctx.now, ...signal }, async (run) => {
    const now = ctx.now();
    const logged = Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: now, step: 0 }));
    if (champion) {
      for (const [key, value] of Object.entries(champion.metrics)) logged.push({ key: `champion_${key}`, value, timestamp: now, step: 0 });
    }
    await logMetrics(tracking, run.runId, logged, signal);
    await tracking.logBatch(run.runId, { params: { model_uri: model.uri, eval_rows: String(rows), champion_version: champion?.version ?? '' } }, signal);
    const confusion = { labels: labelNames, matrix: full.confusion_matrix };
    await tracking.logArtifact(run.runId, 'evaluation/confusion_matrix.json', JSON.stringify(confusion, null, 2), signal);
    await tracking.logArtifact(run.runId, 'evaluation/metrics.json', JSON.stringify({ metrics, per_class: full.per_class, champion }, null, 2), signal);
    ctx.reporter.report({
      type: 'log',
      stage: 'evaluate',
      message: `${model.name} v${model.version} on ${rows} rows: accuracy ${metrics.accuracy?.toFixed(4)}, f1_macro ${metrics.f1_macro?.toFixed(4)}` +
        (champion ? ` (champion v${champion.version}: accuracy ${champion.metrics.accuracy?.toFixed(4)})` : ''),
    });
    return {
      run_id: run.runId,
      model,
      metrics,
      confusion_matrix: confusion,
      dataset_digest: digest,
      dataset_rows: rows,
      ...(champion ? { champion } : {}),
    };
  });
}

async function evaluationSet(ctx: StageContext, runId: string, dataPath: string | undefined): Promise<Table> {
  const signal = ctx.signal ? { signal: ctx.signal } : {};
  try {
    return parquetToTable(await ctx.workspace.tracking.downloadArtifact(runId, EVAL_SET_ARTIFACT, signal));
  } catch (error) {
    if (!(error instanceof MlopsError && error.code === 'NOT_FOUND')) throw error;
  }
  if (!dataPath) {
    throw new MlopsError('NOT_FOUND', `Run ${runId} stored no ${EVAL_SET_ARTIFACT} and no data_path was given to evaluate on`, { details: { run_id: runId } });
  }
  ctx.reporter.report({ type: 'log', stage: 'evaluate', message: `run ${runId} stored no evaluation set; evaluating on all of ${dataPath}` });
  return readIngested(ctx.workspace.volumes, dataPath, signal);
}

function flatMetrics(m: ReturnType<typeof classificationMetrics>): Record<string, number> {
  return {
    accuracy: m.accuracy,
    precision_macro: m.precision_macro,
    recall_macro: m.recall_macro,
    f1_macro: m.f1_macro,
    f1_weighted: m.f1_weighted,
    log_loss: m.log_loss,
    example_count: m.example_count,
  };
}
