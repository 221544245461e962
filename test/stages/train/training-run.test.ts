import { describe, expect, it } from 'vitest';
import { withTrainingRun } from '../../../src/stages/train/training-run.js';
import { EXPERIMENT, localStage } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();

describe('withTrainingRun', () => {
  it('creates the experiment, names and tags the run, and finishes it — or marks it failed', async () => {
    const { ctx } = await localStage(await tempDir());
    const runId = await withTrainingRun(ctx, { modelName: 'main.iris.model', experimentName: EXPERIMENT, verb: 'import', tags: { extra: 'yes' } }, async (run, experiment) => {
      expect(experiment.name).toBe(EXPERIMENT);
      return run.runId;
    });
    const run = await ctx.workspace.tracking.getRun(runId);
    expect(run.info).toMatchObject({ runName: 'import-model', status: 'FINISHED' });
    expect(run.data.tags).toMatchObject({ 'mlops.stage': 'train', 'mlops.target': 'dev', 'mlops.model_name': 'main.iris.model', extra: 'yes', 'mlflow.runName': 'import-model' });

    let failedId = '';
    await expect(
      withTrainingRun(ctx, { modelName: 'm', experimentName: EXPERIMENT, verb: 'train' }, async (run) => {
        failedId = run.runId;
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect((await ctx.workspace.tracking.getRun(failedId)).info.status).toBe('FAILED');
  });

  it('nests the run under the context\'s parentRunId (a job run); without one it is top-level', async () => {
    const { ctx } = await localStage(await tempDir());
    const alone = await withTrainingRun(ctx, { modelName: 'm', experimentName: EXPERIMENT, verb: 'train' }, async (run) => run.runId);
    expect((await ctx.workspace.tracking.getRun(alone)).data.tags).not.toHaveProperty('mlflow.parentRunId');
    const nested = await withTrainingRun({ ...ctx, parentRunId: alone }, { modelName: 'm', experimentName: EXPERIMENT, verb: 'train' }, async (run) => run.runId);
    expect((await ctx.workspace.tracking.getRun(nested)).data.tags['mlflow.parentRunId']).toBe(alone);
  });
});
