import { describe, expect, it } from 'vitest';
import { MODEL_FILES } from '../../../src/model/format.js';
import type { StageContext } from '../../../src/stages/context.js';
import { EVAL_SET_DIGEST_TAG, MODEL_ARTIFACT_PATH, runTrain } from '../../../src/stages/train/train.js';
import { DATA_PATH, MODEL_NAME, ingestIris, localStage, trainParams } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

async function freshTrainedWorkspace(params: Record<string, string>) {
  const stage = await localStage(await tempDir());
  await ingestIris(stage.ctx);
  const summary = await runTrain(stage.ctx, params);
  return { ...stage, summary };
}

async function modelFile(ctx: StageContext, runId: string, file: string): Promise<Uint8Array> {
  return ctx.workspace.tracking.downloadArtifact(runId, `${MODEL_ARTIFACT_PATH}/${file}`);
}

describe('runTrain', () => {
  it('is deterministic: the same seed and data on two fresh workspaces give identical weights and metrics', async () => {
    const params = trainParams({ epochs: '30', hidden_units: '8,4' });
    const a = await freshTrainedWorkspace(params);
    const b = await freshTrainedWorkspace(params);
    const ta = a.ctx.workspace.tracking;
    const tb = b.ctx.workspace.tracking;

    expect(b.summary.metrics).toEqual(a.summary.metrics);
    const [runA, runB] = await Promise.all([ta.getRun(a.summary.run_id), tb.getRun(b.summary.run_id)]);
    for (const key of ['loss', 'accuracy']) {
      const [historyA, historyB] = await Promise.all([ta.getMetricHistory(a.summary.run_id, key), tb.getMetricHistory(b.summary.run_id, key)]);
      expect(historyA).toHaveLength(30);
      expect(historyB.map((m) => [m.step, m.value])).toEqual(historyA.map((m) => [m.step, m.value]));
    }
    expect(runB.data.params).toEqual(runA.data.params);
    expect(runB.data.tags[EVAL_SET_DIGEST_TAG]).toBe(runA.data.tags[EVAL_SET_DIGEST_TAG]);
    for (const file of [MODEL_FILES.weights, MODEL_FILES.modelJson, MODEL_FILES.preprocessing]) {
      const [fileA, fileB] = await Promise.all([modelFile(a.ctx, a.summary.run_id, file), modelFile(b.ctx, b.summary.run_id, file)]);
      expect(Buffer.from(fileB).equals(Buffer.from(fileA)), file).toBe(true);
    }

    // A different seed really changes the weights (the comparison above could not pass vacuously).
    const c = await freshTrainedWorkspace({ ...params, seed: '8' });
    const [weightsA, weightsC] = await Promise.all([modelFile(a.ctx, a.summary.run_id, MODEL_FILES.weights), modelFile(c.ctx, c.summary.run_id, MODEL_FILES.weights)]);
    expect(Buffer.from(weightsC).equals(Buffer.from(weightsA))).toBe(false);
  });

  it('logs the options as params, per-epoch metrics, the normalisation with the model and a version tagged as trained', async () => {
    const { ctx, summary } = await freshTrainedWorkspace(trainParams({ model_type: 'mlp', hidden_units: '6', activation: 'tanh', train_batch_size: '16', epochs: '12' }));
    const run = await ctx.workspace.tracking.getRun(summary.run_id);
    expect(run.data.params).toMatchObject({
      model_type: 'mlp',
      hidden_units: '6',
      activation: 'tanh',
      train_batch_size: '16',
      epochs: '12',
      learning_rate: '0.05',
      seed: '7',
      model_source: 'trained',
      data_path: DATA_PATH,
      rows: '150',
      test_rows: '30',
      train_rows: '120',
      epochs_run: '12',
      stopped_early: 'false',
    });
    expect((await ctx.workspace.tracking.getMetricHistory(summary.run_id, 'loss')).map((m) => m.step)).toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(Object.keys(summary.metrics).sort()).toEqual(['test_accuracy', 'test_f1_macro', 'test_log_loss']);

    const preprocessing = JSON.parse(new TextDecoder().decode(await ctx.workspace.tracking.downloadArtifact(summary.run_id, `model/${MODEL_FILES.preprocessing}`)));
    expect(preprocessing.featureNames).toEqual(['sepal_length', 'sepal_width', 'petal_length', 'petal_width']);
    expect(preprocessing.mean).toHaveLength(4);
    // Fitted on the 120 training rows only: close to, but not exactly, the mean of all 150 (5.8433…).
    expect(preprocessing.mean[0]).toBeGreaterThan(5.7);
    expect(preprocessing.mean[0]).toBeLessThan(6.0);
    expect(preprocessing.std.every((s: number) => s > 0)).toBe(true);
    const topology = JSON.parse(new TextDecoder().decode(await modelFile(ctx, summary.run_id, MODEL_FILES.modelJson)));
    const layers = topology.modelTopology.config.layers.map((l: { config: { name: string; activation: string; units: number } }) => [l.config.name, l.config.activation, l.config.units]);
    expect(layers).toEqual([['hidden_1', 'tanh', 6], ['output', 'softmax', 3]]);

    const version = await ctx.workspace.registry.getModelVersion(MODEL_NAME, summary.model.version);
    expect(version.tags['mlops.model_source']).toBe('trained');
    expect(version.runId).toBe(summary.run_id);
  });

  it('trains softmax regression for model_type softmax whatever hidden_units says', async () => {
    const { ctx, summary } = await freshTrainedWorkspace(trainParams({ model_type: 'softmax', hidden_units: '16', epochs: '60', learning_rate: '0.1' }));
    const topology = JSON.parse(new TextDecoder().decode(await modelFile(ctx, summary.run_id, MODEL_FILES.modelJson)));
    expect(topology.modelTopology.config.layers.map((l: { config: { name: string } }) => l.config.name)).toEqual(['output']);
    expect((await ctx.workspace.tracking.getRun(summary.run_id)).data.params).toMatchObject({ model_type: 'softmax', hidden_units: '0' });
    expect(summary.metrics.test_accuracy).toBeGreaterThan(0.8);
  });

  it('stops early on validation loss, keeps the best epoch and never validates on the test rows', async () => {
    const { ctx, summary } = await freshTrainedWorkspace(trainParams({ epochs: '400', learning_rate: '0.1', early_stopping_patience: '5', validation_size: '0.25' }));
    const run = await ctx.workspace.tracking.getRun(summary.run_id);
    expect(summary.epochs_run).toBeLessThan(400);
    expect(run.data.params).toMatchObject({ stopped_early: 'true', early_stopping_patience: '5', validation_size: '0.25', validation_rows: '30', train_rows: '90', test_rows: '30' });
    const valLoss = await ctx.workspace.tracking.getMetricHistory(summary.run_id, 'val_loss');
    expect(valLoss).toHaveLength(summary.epochs_run);
    const best = run.data.metrics['best_epoch']!.value;
    const lowest = valLoss.reduce((min, m) => (m.value < min.value ? m : min));
    expect(best).toBe(lowest.step);
    expect(summary.epochs_run - 1 - best).toBe(5);
  });

  it('says which parameter is wrong before creating anything', async () => {
    const stage = await localStage(await tempDir());
    await expect(runTrain(stage.ctx, trainParams({ model_type: 'mlp', hidden_units: '0' }))).rejects.toThrow(/parameter "hidden_units": expected at least one hidden layer for model_type "mlp"/);
    await expect(runTrain(stage.ctx, trainParams({ model_name: '' }))).rejects.toThrow(/parameter "model_name": expected a registered model name, found ""/);
    await expect(runTrain(stage.ctx, trainParams())).rejects.toThrow(/No ingested data at \/Volumes\/main\/iris\/vol\/ingested/);
    expect((await stage.ctx.workspace.tracking.searchExperiments()).items.map((e) => e.name)).not.toContain('/Shared/test/iris');
  });
});
