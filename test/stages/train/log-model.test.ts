import { describe, expect, it } from 'vitest';
import { Classifier } from '../../../src/model/classifier.js';
import { buildDenseNetwork } from '../../../src/model/network.js';
import { getTf } from '../../../src/model/tf.js';
import { inputExampleRows, logAndRegisterModel } from '../../../src/stages/train/log-model.js';
import { withTrainingRun } from '../../../src/stages/train/training-run.js';
import { EXPERIMENT, localStage } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const tf = await getTf();

describe('logAndRegisterModel', () => {
  it('logs the MLflow model files and history, and registers a tagged version pointing at them', async () => {
    const { ctx } = await localStage(await tempDir());
    const model = buildDenseNetwork({ inputUnits: 4, hiddenUnits: [], activation: 'relu', outputUnits: 3, seed: 3 });
    const classifier = new Classifier({ model, featureNames: ['a', 'b', 'c', 'd'], labels: ['x', 'y', 'z'], normalization: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } });
    const version = await withTrainingRun(ctx, { modelName: 'main.t.m', experimentName: EXPERIMENT, verb: 'train' }, (run) =>
      logAndRegisterModel(ctx, run, classifier, { modelName: 'main.t.m', inputExample: [[1, 2, 3, 4]], versionTags: { 'mlops.model_source': 'test' } }),
    );
    expect(version).toMatchObject({ name: 'main.t.m', version: '1', tags: { 'mlops.model_source': 'test' } });
    expect(version.source).toMatch(/\/artifacts\/model$/);
    const files = (await ctx.workspace.tracking.listArtifacts(version.runId, 'model')).map((a) => a.path);
    expect(files).toEqual(expect.arrayContaining(['model/MLmodel', 'model/model.json', 'model/weights.bin', 'model/preprocessing.json', 'model/input_example.json']));
    const history = JSON.parse((await ctx.workspace.tracking.getRun(version.runId)).data.tags['mlflow.log-model.history']!);
    expect(history).toHaveLength(1);
    expect(history[0]).toMatchObject({ run_id: version.runId, artifact_path: 'model' });
    classifier.dispose();
  });

  it('takes the first rows of a matrix as the input example', () => {
    expect(inputExampleRows(Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8), 4, 2, 3)).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(inputExampleRows(new Float32Array(0), 0, 2)).toEqual([]);
  });
});
