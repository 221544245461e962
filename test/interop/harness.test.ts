import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startMlflowServer } from './helpers/mlflow-server.js';
import { runPythonJson } from './helpers/python.js';
import { startSparkConnect } from './helpers/spark-connect.js';

// The peers themselves: each env has the pinned versions, and each server starts, answers and stops.
describe('interop harness', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });

  it('the mlflow3 env has MLflow 3, scikit-learn, pandas, pyarrow, PySpark 4 and databricks-sdk', async () => {
    const versions = await runPythonJson<Record<string, string>>(
      'mlflow3',
      `import json, mlflow, sklearn, pandas, pyarrow, pyspark, databricks.sdk.version as v
print(json.dumps({"mlflow": mlflow.__version__, "sklearn": sklearn.__version__, "pandas": pandas.__version__, "pyarrow": pyarrow.__version__, "pyspark": pyspark.__version__, "sdk": v.__version__}))`,
    );
    expect(versions.mlflow).toMatch(/^3\./);
    expect(versions.pyspark).toMatch(/^4\./);
    expect(versions.sdk).toMatch(/^0\.\d+\./);
    expect(versions.sklearn).toMatch(/^1\./);
  });

  it('the mlflow2 env has MLflow 2.12.2', async () => {
    const versions = await runPythonJson<{ mlflow: string }>('mlflow2', 'import json, mlflow; print(json.dumps({"mlflow": mlflow.__version__}))');
    expect(versions.mlflow).toBe('2.12.2');
  });

  for (const env of ['mlflow3', 'mlflow2'] as const) {
    it(`a real mlflow server (${env}) starts on a free port over SQLite and stops by PID`, async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'mlops-interop-'));
      dirs.push(dir);
      const server = await startMlflowServer({ env, backendStoreUri: `sqlite:///${dir}/mlflow.db`, serveArtifacts: true, artifactsDestination: `${dir}/mlartifacts` });
      try {
        const response = await fetch(`${server.url}/api/2.0/mlflow/experiments/get-by-name?experiment_name=Default`);
        expect(response.status).toBe(200);
        expect(((await response.json()) as { experiment: { experiment_id: string } }).experiment.experiment_id).toBe('0');
      } finally {
        await server.stop();
      }
      expect(() => process.kill(server.peer.pid, 0)).toThrow();
    });
  }

  it('a real Spark Connect server answers a PySpark Connect client', async () => {
    const spark = await startSparkConnect();
    try {
      const result = await runPythonJson<{ count: number; version: string }>(
        'mlflow3',
        `import json, sys
from pyspark.sql import SparkSession
s = SparkSession.builder.remote(sys.argv[1]).getOrCreate()
print(json.dumps({"count": s.range(1000).filter("id % 7 = 0").count(), "version": s.version}))
s.stop()`,
        { args: [spark.url] },
      );
      expect(result.count).toBe(143);
      expect(result.version).toMatch(/^4\./);
    } finally {
      await spark.stop();
    }
    expect(() => process.kill(spark.peer.pid, 0)).toThrow();
  });
});
