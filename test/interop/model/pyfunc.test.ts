import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMlflowServer, type MlflowServer } from '../helpers/mlflow-server.js';
import { runPipelineProject, type PipelineProject } from '../helpers/pipeline.js';
import { pythonOf, runPythonJson, type PythonEnv } from '../helpers/python.js';
import { findCachedOutput } from '../../../src/pipeline/step-cache-store.js';
import { STEP_CACHE_KEY_TAG } from '../../../src/pipeline/step-cache.js';
import { openRestTracking } from '../../../src/tracking/rest/open-rest.js';

// Our model in real MLflow: mlflow.pyfunc.load_model("models:/<name>@champion") (3.x and 2.12.2) gives
// the same labels as our scorer on every Iris row, probabilities within 1e-6; mlflow.pyfunc.spark_udf on
// a real local Spark (pyspark classic, local mode) gives the same labels. Our scorer's answers are the
// predictions table pipeline_job wrote; MLflow reads the model from the store the pipeline wrote.

const LOAD = String.raw`
import glob, json, sys
import mlflow, numpy as np, pandas as pd
predictions_path, model_uri = sys.argv[1], sys.argv[2]
ours = pd.concat([pd.read_parquet(p) for p in sorted(glob.glob(predictions_path + "/*.parquet"))], ignore_index=True)
features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
model = mlflow.pyfunc.load_model(model_uri)
theirs = model.predict(ours[features])
labels = sorted(c[len("probability_"):] for c in ours.columns if c.startswith("probability_"))
worst = max(float(np.max(np.abs(theirs["probability_" + l].to_numpy() - ours["probability_" + l].to_numpy()))) for l in labels)
print(json.dumps({"rows": len(ours), "mismatches": int((theirs["prediction"].astype(str).to_numpy() != ours["prediction"].astype(str).to_numpy()).sum()), "worst": worst, "labels": labels, "flavors": sorted(model.metadata.flavors.keys())}))
`;

const SPARK_UDF = String.raw`
import glob, json, sys
import mlflow, pandas as pd
from pyspark.sql import SparkSession
predictions_path, model_uri = sys.argv[1], sys.argv[2]
ours = pd.concat([pd.read_parquet(p) for p in sorted(glob.glob(predictions_path + "/*.parquet"))], ignore_index=True)
features = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
spark = SparkSession.builder.master("local[1]").appName("mlops-spark-udf").config("spark.ui.enabled", "false").getOrCreate()
try:
    df = spark.createDataFrame(ours[features + ["prediction"]].rename(columns={"prediction": "ours"}))
    predict = mlflow.pyfunc.spark_udf(spark, model_uri, result_type="string", env_manager="local")
    rows = df.withColumn("theirs", predict(*features)).select("ours", "theirs").toPandas()
    print(json.dumps({"rows": len(rows), "mismatches": int((rows["ours"] != rows["theirs"]).sum()), "sample": rows["theirs"].head(3).tolist()}))
finally:
    spark.stop()
`;

describe('our model loaded by real MLflow', () => {
  // MLflow 3 reads our default store, MLflow's SQL schema with artifacts under mlflow-artifacts:/, as
  // MLflow's own default serves it: through `mlflow server --artifacts-destination`. MLflow 2.12.2
  // cannot open a database at MLflow 3's schema revision (it refuses the unknown alembic revision), so
  // its users keep the file store: that project tracks to .mlops/mlruns, as MLFLOW_TRACKING_URI says.
  const projects: Partial<Record<PythonEnv, PipelineProject>> = {};
  const envs: Partial<Record<PythonEnv, Record<string, string>>> = {};
  let server: MlflowServer | undefined;
  beforeAll(async () => {
    const sql = await runPipelineProject();
    server = await startMlflowServer({ env: 'mlflow3', backendStoreUri: sql.trackingUri, serveArtifacts: true, artifactsDestination: path.join(sql.dir, '.mlops', 'mlartifacts') });
    projects.mlflow3 = sql;
    envs.mlflow3 = { MLFLOW_TRACKING_URI: server.url, MLFLOW_REGISTRY_URI: server.url };
    const files = await runPipelineProject({ env: { MLFLOW_TRACKING_URI: './.mlops/mlruns' } });
    expect(files.trackingUri).toMatch(/^file:.*\/\.mlops\/mlruns$/);
    projects.mlflow2 = files;
    // A file store needs MLFLOW_ALLOW_FILE_STORE on MLflow ≥ 3.13; 2.12.2 ignores it.
    envs.mlflow2 = { MLFLOW_TRACKING_URI: files.trackingUri, MLFLOW_REGISTRY_URI: files.trackingUri, MLFLOW_ALLOW_FILE_STORE: 'true' };
  });
  afterAll(async () => {
    await server?.stop();
    for (const project of Object.values(projects)) await rm(project.dir, { recursive: true, force: true });
  });

  for (const python of ['mlflow3', 'mlflow2'] as PythonEnv[]) {
    it(`${python}: mlflow.pyfunc.load_model("models:/<name>@champion") predicts every Iris row as our scorer did`, async () => {
      const project = projects[python]!;
      const result = await runPythonJson<{ rows: number; mismatches: number; worst: number; labels: string[]; flavors: string[] }>(python, LOAD, {
        args: [project.predictionsPath, `models:/${project.modelName}@champion`],
        env: envs[python]!,
        cwd: project.dir,
      });
      expect(result.rows).toBe(150);
      expect(result.labels).toEqual(['setosa', 'versicolor', 'virginica']);
      expect(result.flavors).toContain('python_function');
      expect(result.mismatches).toBe(0);
      expect(result.worst).toBeLessThanOrEqual(1e-6);
    });
  }

  it('mlflow3: mlflow.pyfunc.spark_udf on a local Spark gives our labels on every Iris row', async () => {
    const project = projects.mlflow3!;
    const result = await runPythonJson<{ rows: number; mismatches: number; sample: string[] }>('mlflow3', SPARK_UDF, {
      args: [project.predictionsPath, `models:/${project.modelName}@champion`],
      env: { ...envs.mlflow3!, PYSPARK_PYTHON: pythonOf('mlflow3'), SPARK_LOCAL_IP: '127.0.0.1' },
      cwd: project.dir,
    });
    expect(result.rows).toBe(150);
    expect(result.mismatches).toBe(0);
    expect(['setosa', 'versicolor', 'virginica']).toEqual(expect.arrayContaining(result.sample));
  });

  // The step cache's lookup is a tag search; the real server must answer it as our stores do.
  it('mlflow server (3.x) answers the step cache\'s tag search for the train run the pipeline tagged', async () => {
    const project = projects.mlflow3!;
    const training = (project.result as unknown as { training: { run_id: string; experiment_name: string } }).training;
    const { tracking } = openRestTracking({ uri: server!.url, retry: { maxRetries: 0 } });
    const key = (await tracking.getRun(training.run_id)).data.tags[STEP_CACHE_KEY_TAG]!;
    expect(key).toMatch(/^[0-9a-f]{64}$/);
    const found = await findCachedOutput(tracking, training.experiment_name, key);
    expect(found?.runId).toBe(training.run_id);
    expect((found?.output as { model: { name: string } }).model.name).toBe(project.modelName);
    expect(await findCachedOutput(tracking, training.experiment_name, 'f'.repeat(64))).toBeUndefined();
  });
});
