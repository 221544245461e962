import { createHash } from 'node:crypto';
import { copyFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MlopsError } from '../../../src/errors.js';
import { MODEL_FILES } from '../../../src/model/format.js';
import { loadModel } from '../../../src/stages/load-model.js';
import { EVAL_SET_DIGEST_TAG, runTrain } from '../../../src/stages/train/train.js';
import { PickleBytes } from '../../helpers/pickle-bytes.js';
import { MODEL_NAME, VOLUME, ingestIris, localStage, trainParams } from '../../helpers/stage-context.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const fixtures = path.join(import.meta.dirname, '..', '..', 'fixtures', 'sklearn');

describe('runTrain with pkl_path (scikit-learn import)', () => {
  it('imports a pickle from a /Volumes path and logs and registers it exactly like a trained model', async () => {
    const { ctx, reporter } = await localStage(await tempDir());
    await ingestIris(ctx);
    const bytes = await readFile(path.join(fixtures, 'iris_pipeline_logreg_p5.pkl'));
    await ctx.workspace.volumes.write(`${VOLUME}/iris_model.pkl`, bytes);

    const trained = await runTrain(ctx, trainParams({ epochs: '10' }));
    const imported = await runTrain(ctx, trainParams({ pkl_path: `${VOLUME}/iris_model.pkl` }));
    expect(imported.model).toEqual({ name: MODEL_NAME, version: '2', uri: `models:/${MODEL_NAME}/2` });
    expect(imported.epochs_run).toBe(0);
    expect(imported.metrics.test_accuracy).toBeGreaterThan(0.9);

    const { tracking, registry } = ctx.workspace;
    const run = await tracking.getRun(imported.run_id);
    expect(run.data.params).toMatchObject({
      model_source: 'pkl_path',
      pkl_path: `${VOLUME}/iris_model.pkl`,
      pkl_sha256: createHash('sha256').update(bytes).digest('hex'),
      pkl_bytes: String(bytes.byteLength),
      sklearn_estimator: 'Pipeline(StandardScaler, LogisticRegression)',
      sklearn_version: '1.2.1',
      model_type: 'softmax',
      standardized: 'true',
      labels: 'setosa,versicolor,virginica',
    });
    expect(run.data.tags['mlops.model_source']).toBe('pkl_path');
    // The same model files as a trained model, and the same held-out rows (same digest).
    const names = async (runId: string) => (await tracking.listArtifacts(runId, 'model')).map((a) => a.path).sort();
    expect(await names(imported.run_id)).toEqual(await names(trained.run_id));
    const trainedRun = await tracking.getRun(trained.run_id);
    expect(run.data.tags[EVAL_SET_DIGEST_TAG]).toBe(trainedRun.data.tags[EVAL_SET_DIGEST_TAG]);
    const version = await registry.getModelVersion(MODEL_NAME, '2');
    expect(version.tags).toMatchObject({ 'mlops.model_source': 'pkl_path', 'mlops.pkl_sha256': run.data.params.pkl_sha256 });
    expect(reporter.events.some((e) => e.type === 'log' && /imported Pipeline\(StandardScaler, LogisticRegression\) \(scikit-learn 1\.2\.1\)/.test(e.message))).toBe(true);

    // Loaded back through the registry, it predicts what scikit-learn predicted.
    const expected = JSON.parse(await readFile(path.join(fixtures, 'iris_pipeline_logreg_p5.expected.json'), 'utf8')) as {
      rows: { features: number[]; predict: string; predict_proba: number[] }[];
    };
    const { classifier } = await loadModel(ctx.workspace, `models:/${MODEL_NAME}/2`);
    const proba = classifier.predictProba(Float32Array.from(expected.rows.flatMap((r) => r.features)), 150);
    const labels = classifier.predictLabels(proba, 150);
    expected.rows.forEach((row, r) => {
      expect(classifier.labels[labels[r]!]).toBe(row.predict);
      row.predict_proba.forEach((p, k) => expect(Math.abs(p - proba[r * 3 + k]!)).toBeLessThan(1e-6));
    });
    classifier.dispose();
  });

  it('reads a local pkl_path relative to the config folder, and registers it without test metrics when nothing is ingested', async () => {
    const dir = await tempDir();
    await copyFile(path.join(fixtures, 'iris_mlp.pkl'), path.join(dir, 'iris_mlp.pkl'));
    const { ctx, reporter } = await localStage(dir);
    const summary = await runTrain(ctx, trainParams({ pkl_path: 'iris_mlp.pkl' }));
    expect(summary.metrics).toEqual({});
    const run = await ctx.workspace.tracking.getRun(summary.run_id);
    expect(run.data.params).toMatchObject({ sklearn_estimator: 'MLPClassifier', model_type: 'mlp', hidden_units: '16', activation: 'relu', standardized: 'false' });
    expect(run.data.tags[EVAL_SET_DIGEST_TAG]).toBeUndefined();
    const files = (await ctx.workspace.tracking.listArtifacts(summary.run_id, 'model')).map((a) => a.path);
    expect(files).toContain(`model/${MODEL_FILES.weights}`);
    expect(reporter.events.some((e) => e.type === 'log' && e.message.includes('without test metrics'))).toBe(true);
  });

  it('refuses a pickle that calls os.system: nothing runs, no run or model version is created', async () => {
    const dir = await tempDir();
    const { ctx } = await localStage(dir);
    const witness = path.join(dir, 'pwned');
    const evil = new PickleBytes().proto(2).global('posix', 'system').str(`touch ${witness}`).op(0x85).reduce().stop().toBytes();
    await ctx.workspace.volumes.write(`${VOLUME}/evil.pkl`, evil);
    const error = await runTrain(ctx, trainParams({ pkl_path: `${VOLUME}/evil.pkl` })).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(MlopsError);
    expect((error as MlopsError).code).toBe('INVALID_ARGUMENT');
    expect((error as MlopsError).message).toContain('"posix system"');
    expect((error as MlopsError).message).toContain(`${VOLUME}/evil.pkl`);
    expect(await readdir(dir)).not.toContain('pwned');
    expect((await ctx.workspace.registry.searchRegisteredModels()).items).toEqual([]);
    expect((await ctx.workspace.tracking.searchExperiments()).items.map((e) => e.name)).not.toContain('/Shared/test/iris');
  });

  it('says when pkl_path does not exist, on a volume or on disk', async () => {
    const { ctx } = await localStage(await tempDir());
    await expect(runTrain(ctx, trainParams({ pkl_path: `${VOLUME}/missing.pkl` }))).rejects.toThrow(`pkl_path ${VOLUME}/missing.pkl: no such file on the volume`);
    await expect(runTrain(ctx, trainParams({ pkl_path: 'nowhere/model.pkl' }))).rejects.toThrow(/Cannot read pkl_path .*nowhere\/model\.pkl: no such file or directory/);
  });
});
