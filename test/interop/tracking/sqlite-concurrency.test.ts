import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/tracking/sql-store/connection.js';
import { SqlModelRegistry } from '../../../src/tracking/sql-store/registry-sql-store.js';
import { SqlTrackingStore } from '../../../src/tracking/sql-store/tracking-sql-store.js';
import { startMlflowServer } from '../helpers/mlflow-server.js';
import { runPythonJson } from '../helpers/python.js';

const DIST = fileURLToPath(new URL('../../../dist/', import.meta.url));
const WRITER = fileURLToPath(new URL('../../tracking/sql-store/concurrent-writer.mjs', import.meta.url));

function mlopsWriter(args: string[]): Promise<{ runId: string; versions: string[] }> {
  const child = spawn(process.execPath, [WRITER, DIST, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => child.once('close', (code) => (code === 0 ? resolve(JSON.parse(stdout.trim())) : reject(new Error(`writer exited ${code}: ${stderr}`)))));
}

describe('two mlops processes and a real mlflow server on one SQLite database at once', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('no error, no lost metric, no duplicate version', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlops-sqlite-concurrency-'));
    dirs.push(dir);
    const database = path.join(dir, 'mlflow.db');
    const connection = new SqliteConnection(database);
    const tracking = new SqlTrackingStore({ connection, uri: `sqlite:///${database}`, artifactsDestination: path.join(dir, 'mlartifacts') });
    const registry = new SqlModelRegistry({ connection });
    const experimentId = await tracking.createExperiment('concurrent');
    await registry.createRegisteredModel('shared');
    connection.close();

    const server = await startMlflowServer({ env: 'mlflow3', backendStoreUri: `sqlite:///${database}`, serveArtifacts: true, artifactsDestination: path.join(dir, 'mlartifacts') });
    try {
      const python = runPythonJson<{ runId: string; versions: string[] }>(
        'mlflow3',
        `
import json, sys
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient
client = MlflowClient(tracking_uri=sys.argv[1], registry_uri=sys.argv[1])
run = client.create_run(sys.argv[2], run_name="python")
versions = []
for batch in range(20):
    client.log_batch(run.info.run_id, metrics=[Metric("m", batch * 50 + i, 1000 + batch, batch * 50 + i) for i in range(50)])
    if batch < 8:
        versions.append(client.create_model_version("shared", run.info.artifact_uri + "/model", run_id=run.info.run_id, tags={"writer": "python"}).version)
print(json.dumps({"runId": run.info.run_id, "versions": [str(v) for v in versions]}))`,
        // A run of MLflow 3.17's client died in its telemetry hook (KeyError _MLFLOW_TELEMETRY_SESSION_ID); it has no part in this test.
        { args: [server.url, experimentId], env: { MLFLOW_DISABLE_TELEMETRY: 'true' } },
      );
      const [a, b, c] = await Promise.all([mlopsWriter([database, experimentId, 'a', '20', '8']), mlopsWriter([database, experimentId, 'b', '20', '8']), python]);

      const reopened = new SqliteConnection(database);
      const check = new SqlTrackingStore({ connection: reopened, uri: `sqlite:///${database}`, artifactsDestination: path.join(dir, 'mlartifacts') });
      const checkRegistry = new SqlModelRegistry({ connection: reopened });
      for (const result of [a, b, c]) {
        const history = await check.getMetricHistory(result.runId, 'm');
        expect(history).toHaveLength(1_000);
        expect(new Set(history.map((metric) => metric.step)).size).toBe(1_000);
        expect((await check.getRun(result.runId)).data.metrics['m']?.value).toBe(999);
      }
      const all = [...a.versions, ...b.versions, ...c.versions].map(Number).sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: 24 }, (_, i) => i + 1));
      expect((await checkRegistry.listModelVersions('shared')).map((version) => Number(version.version)).sort((x, y) => x - y)).toEqual(all);
      reopened.close();

      // And the server, reading the same file, agrees.
      const seen = await runPythonJson<{ versions: number; metrics: number[] }>(
        'mlflow3',
        `
import json, sys
from mlflow.tracking import MlflowClient
client = MlflowClient(tracking_uri=sys.argv[1], registry_uri=sys.argv[1])
versions = client.search_model_versions("name = 'shared'")
print(json.dumps({"versions": len(versions), "metrics": [len(client.get_metric_history(r, "m")) for r in sys.argv[2:]]}))`,
        { args: [server.url, a.runId, b.runId, c.runId] },
      );
      expect(seen).toEqual({ versions: 24, metrics: [1_000, 1_000, 1_000] });
    } finally {
      await server.stop();
    }
  });
});
