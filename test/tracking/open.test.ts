import { access, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runPipeline } from '../../src/run.js';
import { FileTrackingStore } from '../../src/tracking/file-store/tracking-file-store.js';
import { openTracking } from '../../src/tracking/open.js';
import { RestTrackingStore } from '../../src/tracking/rest/tracking-client.js';
import { openRestTracking } from '../../src/tracking/rest/open-rest.js';
import { startTrackingServer } from '../../src/tracking/server/server.js';
import { parseMLmodel } from '../../src/model/mlmodel.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const tempDir = useTempDirs();
const MODEL = 'hp_az_catalog.hp_iris_ml.irisclassifierdemo';

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

describe('openTracking', () => {
  it('opens a path or file: URI as the file store and http(s):// as the REST client', async () => {
    const dir = await tempDir();
    expect(openTracking('mlruns', { baseDir: dir }).tracking).toBeInstanceOf(FileTrackingStore);
    expect(openTracking(pathToFileURL(join(dir, 'mlruns')).href, { baseDir: '/' }).tracking.uri).toBe(pathToFileURL(join(dir, 'mlruns')).href);
    const rest = openTracking('https://user:secret-pw@mlflow.example.com/prefix/', { baseDir: dir });
    expect(rest.tracking).toBeInstanceOf(RestTrackingStore);
    expect(rest.tracking.uri).toBe('https://mlflow.example.com/prefix');
  });

  it('leaves databricks URIs to the Databricks backend with a clear error, and refuses other schemes', () => {
    expect(() => openTracking('databricks://prod', { baseDir: '/' })).toThrow(/names a Databricks workspace, whose tracking backend is not in this version yet/);
    expect(() => openTracking('s3://bucket/mlruns', { baseDir: '/' })).toThrow(/scheme of s3:\/\/bucket\/mlruns is not supported/);
  });
});

describe('MLFLOW_TRACKING_URI=http://… on the whole pipeline', () => {
  it('runs pipeline_job against our tracking server: the runs, the version and the champion alias are on the server, nothing in the local store', async () => {
    const cwd = await tempDir();
    const serverDir = await tempDir();
    const server = await startTrackingServer({ root: join(serverDir, 'mlruns') });
    try {
      const result = await runPipeline({ load: { cwd, env: { MLFLOW_TRACKING_URI: server.url } } });
      expect(result.status, JSON.stringify(result.failure)).toBe('succeeded');
      expect(result.tracking.uri).toBe(server.url);
      expect(result.model).toMatchObject({ name: MODEL, version: '1' });
      expect(await exists(join(cwd, '.mlops', 'mlruns'))).toBe(false);

      // Read back through the server, as any MLflow client would.
      const { tracking, registry } = openRestTracking({ uri: server.url });
      const experiment = await tracking.getExperimentByName(result.tracking.experiment_name!);
      expect(experiment?.artifactLocation).toBe(`mlflow-artifacts:/${experiment?.experimentId}`);
      const runs = (await tracking.searchRuns({ experimentIds: [experiment!.experimentId] })).items;
      const stages = runs.map((run) => run.data.tags['mlops.stage']).sort();
      expect(stages).toEqual(expect.arrayContaining(['evaluate', 'train']));
      const train = runs.find((run) => run.data.tags['mlops.stage'] === 'train')!;
      expect(train.info.status).toBe('FINISHED');
      expect(train.data.params['epochs']).toBeDefined();
      expect((await tracking.getMetricHistory(train.info.runId, 'loss')).length).toBeGreaterThan(1);
      expect(JSON.parse(train.data.tags['mlflow.log-model.history']!)).toHaveLength(1);

      const version = await registry.getModelVersion(MODEL, '1');
      expect(version.runId).toBe(train.info.runId);
      expect(version.source).toBe(`mlflow-artifacts:/${experiment!.experimentId}/${train.info.runId}/artifacts/model`);
      expect((await registry.getModelVersionByAlias(MODEL, 'champion')).version).toBe('1');
      expect((await registry.getRegisteredModel(MODEL)).aliases).toEqual({ champion: '1' });

      // The model went through the artifact proxy into the server's artifacts destination.
      const mlmodel = parseMLmodel(await readFile(join(serverDir, 'mlartifacts', experiment!.experimentId, train.info.runId, 'artifacts', 'model', 'MLmodel'), 'utf8'));
      expect(Object.keys(mlmodel.flavors).sort()).toEqual(['python_function', 'tfjs']);
      expect(result.predictions?.rows).toBe(150);
    } finally {
      await server.close();
    }
  });
});
