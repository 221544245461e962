import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { tableToParquet } from '../../../src/io/parquet.js';
import { MlopsError } from '../../../src/errors.js';
import { CHAMPION_ALIAS } from '../../../src/stages/deploy/deploy.js';
import { EVALUATION_ARTIFACTS, runEvaluate } from '../../../src/stages/evaluate/evaluate.js';
import { EVAL_SET_ARTIFACT, EVAL_SET_DIGEST_TAG, evaluationSetTable } from '../../../src/stages/train/eval-set.js';
import { runTrain } from '../../../src/stages/train/train.js';
import { DATA_PATH, EXPERIMENT, MODEL_NAME, ingestIris, localStage, trainParams } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const ref = (version: string) => ({ name: MODEL_NAME, version, uri: `models:/${MODEL_NAME}/${version}` });

describe('runEvaluate', () => {
  it('logs mlflow.evaluate-style metrics and artifacts on the fixed set, and scores the champion on the same rows', async () => {
    const { ctx } = await localStage(await tempDir());
    await ingestIris(ctx);
    const v1 = await runTrain(ctx, trainParams({ epochs: '15' }));
    await ctx.workspace.registry.setAlias(MODEL_NAME, CHAMPION_ALIAS, '1');
    const v2 = await runTrain(ctx, trainParams({ epochs: '25', model_type: 'softmax' }));

    const result = await runEvaluate(ctx, { model: ref('2'), experimentPath: EXPERIMENT });
    expect(Object.keys(result.metrics)).toEqual([
      'accuracy', 'precision_micro', 'recall_micro', 'f1_micro', 'precision_macro', 'recall_macro', 'f1_macro',
      'precision_weighted', 'recall_weighted', 'f1_weighted', 'log_loss', 'roc_auc', 'roc_auc_weighted', 'example_count',
    ]);
    expect(result.metrics.example_count).toBe(30);
    expect(result.dataset_rows).toBe(30);
    expect(result.metrics.roc_auc).toBeGreaterThan(0.9);
    expect(result.metrics.f1_micro).toBe(result.metrics.accuracy);
    // The fixed set: the digest the training runs recorded, identical for both versions.
    const { tracking } = ctx.workspace;
    const [train1, train2] = await Promise.all([tracking.getRun(v1.run_id), tracking.getRun(v2.run_id)]);
    expect(result.dataset_digest).toBe(train2.data.tags[EVAL_SET_DIGEST_TAG]);
    expect(train1.data.tags[EVAL_SET_DIGEST_TAG]).toBe(result.dataset_digest);
    // The champion was scored on those rows too.
    expect(result.champion?.version).toBe('1');
    expect(result.champion?.metrics.example_count).toBe(30);

    const run = await tracking.getRun(result.run_id);
    expect(run.data.params).toMatchObject({ eval_dataset_digest: result.dataset_digest, eval_dataset_source: `runs:/${v2.run_id}/${EVAL_SET_ARTIFACT}`, eval_rows: '30', champion_version: '1' });
    expect(run.data.tags).toMatchObject({ 'mlops.stage': 'evaluate', [EVAL_SET_DIGEST_TAG]: result.dataset_digest });
    for (const key of ['accuracy', 'roc_auc', 'precision_setosa', 'recall_virginica', 'f1_versicolor', 'support_setosa', 'roc_auc_setosa', 'champion_accuracy']) {
      expect(run.data.metrics[key], key).toBeDefined();
    }
    expect(run.data.metrics['support_setosa']!.value).toBe(10);

    const text = async (path: string) => new TextDecoder().decode(await tracking.downloadArtifact(result.run_id, path));
    const confusion = JSON.parse(await text(EVALUATION_ARTIFACTS.confusionJson)) as { labels: string[]; matrix: number[][] };
    expect(confusion.labels).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(confusion.matrix.flat().reduce((a, b) => a + b, 0)).toBe(30);
    expect(confusion).toEqual(result.confusion_matrix);
    const svg = await text(EVALUATION_ARTIFACTS.confusionSvg);
    expect(svg).toContain('<svg');
    expect(svg.match(/<rect class="cell"/g)).toHaveLength(9);
    const csv = (await text(EVALUATION_ARTIFACTS.perClassCsv)).trim().split('\n');
    expect(csv[0]).toBe('label,precision,recall,f1,support,roc_auc');
    expect(csv.slice(1).map((line) => line.split(',')[0])).toEqual(['setosa', 'versicolor', 'virginica']);
    const perClass = JSON.parse(await text(EVALUATION_ARTIFACTS.perClassJson)) as { label: string; support: number }[];
    expect(perClass.map((c) => c.support)).toEqual([10, 10, 10]);
  });

  it('refuses an evaluation set that no longer matches the digest recorded at training', async () => {
    const { ctx } = await localStage(await tempDir());
    await ingestIris(ctx);
    const trained = await runTrain(ctx, trainParams({ epochs: '5' }));
    const tampered = evaluationSetTable({ features: new Float32Array(8).fill(5), labels: Int32Array.of(0, 1), rows: 2 }, ['setosa', 'versicolor', 'virginica']);
    await ctx.workspace.tracking.logArtifact(trained.run_id, EVAL_SET_ARTIFACT, tableToParquet(tampered));
    const error = await runEvaluate(ctx, { model: ref('1'), experimentPath: EXPERIMENT }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('CORRUPT');
    expect((error as MlopsError).message).toContain('the evaluation set was changed after training');
  });

  it('evaluates a model whose run stored no evaluation set on all of data_path', async () => {
    const { ctx, reporter } = await localStage(await tempDir());
    // Imported before anything was ingested: no held-out set in its run.
    await ctx.workspace.volumes.write('/Volumes/main/iris/vol/model.pkl', await readFile(new URL('../../fixtures/sklearn/iris_logreg.pkl', import.meta.url)));
    await runTrain(ctx, trainParams({ pkl_path: '/Volumes/main/iris/vol/model.pkl' }));
    await ingestIris(ctx);
    const result = await runEvaluate(ctx, { model: ref('1'), experimentPath: EXPERIMENT, dataPath: DATA_PATH });
    expect(result.dataset_rows).toBe(150);
    // scikit-learn's own training accuracy for this model is 0.97333.
    expect(result.metrics.accuracy).toBeCloseTo(0.97333, 4);
    expect(reporter.events.some((e) => e.type === 'log' && e.message.includes('stored no evaluation set'))).toBe(true);
    await expect(runEvaluate(ctx, { model: ref('1'), experimentPath: EXPERIMENT })).rejects.toThrow(/stored no eval\/evaluation_set\.parquet and no data_path/);
  });
});
