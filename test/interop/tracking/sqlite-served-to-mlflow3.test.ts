import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTrackingServer } from '../../../src/tracking/server/server.js';
import { runPythonJson } from '../helpers/python.js';

// `mlops tracking serve` over the SQLite store, driven by MLflow 3's own Python client: it logs an
// sklearn model (a LoggedModel: create, artifacts through the proxy, finalize), registers it,
// searches logged models with filters and ordering, loads the model back by models:/m-<id>, sets and
// reads an alias, and searches runs (filter, order_by, a page token) and model versions.
describe('our tracking server over the SQLite store, driven by the MLflow 3 Python client', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('log_model, search_logged_models with filter and order_by, register, load_model("models:/m-…"), set_registered_model_alias, get_model_version_by_alias, search_runs and search_model_versions', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlops-served-mlflow3-'));
    dirs.push(dir);
    const server = await startTrackingServer({ root: `sqlite:///${path.join(dir, 'mlflow.db')}` });
    try {
      const seen = await runPythonJson<Record<string, unknown>>(
        'mlflow3',
        `
import json, sys, warnings
warnings.filterwarnings("ignore")
import mlflow, mlflow.sklearn
from mlflow.tracking import MlflowClient
from sklearn.datasets import load_iris
from sklearn.linear_model import LogisticRegression
mlflow.set_tracking_uri(sys.argv[1])
mlflow.set_registry_uri(sys.argv[1])
X, y = load_iris(return_X_y=True)
exp = mlflow.set_experiment("served")
ids = []
run_ids = []
for c in [0.01, 1.0, 100.0]:
    with mlflow.start_run() as run:
        run_ids.append(run.info.run_id)
        model = LogisticRegression(C=c, max_iter=500).fit(X, y)
        mlflow.log_param("C", c)
        info = mlflow.sklearn.log_model(model, name="clf", params={"C": str(c)})
        mlflow.log_metric("accuracy", model.score(X, y), model_id=info.model_id)
        ids.append(info.model_id)
client = MlflowClient()
best = client.search_logged_models(experiment_ids=[exp.experiment_id], filter_string="metrics.accuracy > 0.9", order_by=[{"field_name": "metrics.accuracy", "ascending": False}])
by_param = client.search_logged_models(experiment_ids=[exp.experiment_id], filter_string="params.C = '100.0'")
lm = client.get_logged_model(best[0].model_id)
mv = mlflow.register_model("models:/" + best[0].model_id, "served.model")
loaded = mlflow.sklearn.load_model("models:/" + best[0].model_id)
pyfunc = mlflow.pyfunc.load_model("models:/served.model/" + str(mv.version))
mv2 = mlflow.register_model("models:/" + ids[0], "served.model")
client.set_registered_model_alias("served.model", "champion", mv.version)
by_alias = client.get_model_version_by_alias("served.model", "champion")
champion = mlflow.pyfunc.load_model("models:/served.model@champion")
runs_by_param = client.search_runs([exp.experiment_id], filter_string="params.C != '0.01'", order_by=["params.C DESC"])
runs_by_metric = client.search_runs([exp.experiment_id], filter_string="metrics.accuracy > 0.5 and attributes.status = 'FINISHED'", order_by=["metrics.accuracy DESC", "attributes.start_time ASC"], max_results=2)
versions = client.search_model_versions("name = 'served.model'", order_by=["version_number ASC"])
print(json.dumps({
  "ids": ids,
  "best": [m.model_id for m in best],
  "accuracies": [m.metrics[0].value for m in best],
  "byParam": [m.model_id for m in by_param],
  "status": str(lm.status),
  "source_run": lm.source_run_id is not None,
  "artifact": lm.artifact_location,
  "version": [mv.version, mv.source, mv.model_id],
  "predict": int(loaded.predict(X[:1])[0]),
  "pyfunc": int(pyfunc.predict(X[100:101])[0]),
  "experiment": exp.experiment_id,
  "runIds": run_ids,
  "alias": [by_alias.version, list(by_alias.aliases), int(champion.predict(X[100:101])[0])],
  "runsByParam": [r.info.run_id for r in runs_by_param],
  "runsByMetric": [[r.info.run_id, r.data.metrics["accuracy"]] for r in runs_by_metric],
  "runsByMetricToken": runs_by_metric.token is not None,
  "versions": [[v.version, v.source, sorted(v.aliases)] for v in versions],
}))`,
        // Generous for a loaded machine: the script starts ~10 runs, models and registrations (about 60 s quiet).
        { args: [server.url], timeoutMs: 480_000 },
      );
      const ids = seen['ids'] as string[];
      const best = seen['best'] as string[];
      expect(ids).toHaveLength(3);
      expect(best.length).toBeGreaterThanOrEqual(2);
      const accuracies = seen['accuracies'] as number[];
      expect([...accuracies].sort((a, b) => b - a)).toEqual(accuracies);
      expect(seen['byParam']).toEqual([ids[2]]);
      expect(seen).toMatchObject({
        status: 'READY',
        source_run: true,
        artifact: `mlflow-artifacts:/${seen['experiment']}/models/${best[0]}/artifacts`,
        // MLflow 3.17's client reads no model_id back from a created version (its SQL registry keeps none); the link is the source.
        version: ['1', `models:/${best[0]}`, null],
        predict: 0,
        pyfunc: 2,
      });
      // The alias, searches of runs (filter and order_by in SQL, paged) and of model versions, as the client reads them back.
      const runIds = seen['runIds'] as string[];
      expect(seen['alias']).toEqual(['1', ['champion'], 2]);
      expect(seen['runsByParam']).toEqual([runIds[2], runIds[1]]);
      const byMetric = seen['runsByMetric'] as Array<[string, number]>;
      expect(byMetric).toHaveLength(2);
      expect(byMetric[0]![1]).toBeGreaterThanOrEqual(byMetric[1]![1]);
      expect(seen['runsByMetricToken']).toBe(true);
      // Search results carry no aliases, as MLflow 3's SQL registry answers them (its search_model_versions
      // loads none; a real mlflow server over mlflow.db does the same, see store-read-by-mlflow.test.ts).
      expect(seen['versions']).toEqual([
        ['1', `models:/${best[0]}`, []],
        ['2', `models:/${ids[0]}`, []],
      ]);
      // What the client sent is in our store, read without the server.
      const version = await server.registry.getModelVersion('served.model', '1');
      expect(version).toMatchObject({ source: `models:/${best[0]}`, modelId: best[0] });
    } finally {
      await server.close();
    }
  }, 540_000);
});
