import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline } from '../../../src/run.js';
import { openRestTracking } from '../../../src/tracking/rest/open-rest.js';
import { startMlflowServer } from '../helpers/mlflow-server.js';
import { runPythonJson } from '../helpers/python.js';

const MODEL = 'hp_az_catalog.hp_iris_ml.irisclassifierdemo';

// The whole pipeline against real MLflow servers: on MLflow 3 the REST client uses the
// logged-models endpoints (training makes a LoggedModel, the version's source is models:/m-<id>);
// on MLflow 2.12 it falls back to the model in the run's artifacts. Scoring loads either.
describe('pipeline_job against real MLflow servers: logged models on 3.x, run artifacts on 2.x', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  for (const env of ['mlflow3', 'mlflow2'] as const) {
    it(`${env}`, async () => {
      const dir = await mkdtemp(path.join(tmpdir(), `mlops-rest-${env}-`));
      dirs.push(dir);
      const server = await startMlflowServer({ env, backendStoreUri: `sqlite:///${dir}/mlflow.db`, serveArtifacts: true, artifactsDestination: `${dir}/mlartifacts` });
      try {
        const cwd = path.join(dir, 'project');
        const result = await runPipeline({ load: { cwd, env: { MLFLOW_TRACKING_URI: server.url } } });
        expect(result.status, JSON.stringify(result.failure)).toBe('succeeded');
        expect(result.predictions?.rows).toBe(150);
        const { tracking, registry } = openRestTracking({ uri: server.url });
        const version = await registry.getModelVersion(MODEL, '1');
        const logged = await tracking.loggedModels?.();
        if (env === 'mlflow2') {
          expect(logged).toBeUndefined();
          expect(version.source).toMatch(/^mlflow-artifacts:\/\d+\/[0-9a-f]{32}\/artifacts\/model$/);
          expect(version.modelId).toBeUndefined();
          return;
        }
        expect(logged).toBeDefined();
        expect(version.source).toMatch(/^models:\/m-[0-9a-f]{32}$/);
        expect(version.modelId).toBe(version.source.slice('models:/'.length));
        const seen = await runPythonJson<{ status: string; run: string; files: string[]; params: Record<string, string>; metrics: string[] }>(
          'mlflow3',
          `
import json, sys
from mlflow.tracking import MlflowClient
client = MlflowClient(tracking_uri=sys.argv[1])
m = client.get_logged_model(sys.argv[2])
print(json.dumps({"status": str(m.status), "run": m.source_run_id, "params": m.params, "metrics": sorted({x.key for x in m.metrics}),
  "files": sorted(f.path for f in client.list_logged_model_artifacts(m.model_id))}))`,
          { args: [server.url, version.modelId!] },
        );
        expect(seen.status).toBe('READY');
        expect(seen.run).toBe(version.runId);
        expect(seen.files).toEqual(expect.arrayContaining(['MLmodel']));
        expect(seen.params['epochs']).toBeDefined();
        expect(seen.metrics).toEqual(expect.arrayContaining(['accuracy']));
      } finally {
        await server.stop();
      }
    });
  }
});
