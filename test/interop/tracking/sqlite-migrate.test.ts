import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { fillFileStore } from '../../tracking/sql-store/fill-file-store.js';
import { runPythonJson, type PythonEnv } from '../helpers/python.js';

// What MLflow itself sees of a store: every experiment, run (info, params, tags, latest metrics),
// metric history, registered model, version and alias, as JSON with the same shape for both.
const READ_ALL = `
import json, math, sys
from mlflow.entities import ViewType
from mlflow.tracking import MlflowClient
client = MlflowClient(tracking_uri=sys.argv[1], registry_uri=sys.argv[1])
clean = lambda v: None if isinstance(v, float) and math.isnan(v) else v
out = {"experiments": [], "runs": [], "models": []}
for e in sorted(client.search_experiments(view_type=ViewType.ALL), key=lambda e: e.experiment_id):
    out["experiments"].append([e.experiment_id, e.name, e.lifecycle_stage, e.creation_time, e.tags])
    for r in sorted(client.search_runs([e.experiment_id], run_view_type=ViewType.ALL), key=lambda r: r.info.run_id):
        out["runs"].append({
            "info": [r.info.run_id, r.info.run_name, r.info.experiment_id, r.info.user_id, r.info.status, r.info.start_time, r.info.end_time, r.info.lifecycle_stage, r.info.artifact_uri],
            "params": r.data.params, "tags": r.data.tags, "metrics": {k: clean(v) for k, v in r.data.metrics.items()},
            "history": {k: [[m.step, m.timestamp, clean(m.value)] for m in client.get_metric_history(r.info.run_id, k)] for k in sorted(r.data.metrics)},
        })
for m in sorted(client.search_registered_models(), key=lambda m: m.name):
    versions = sorted(client.search_model_versions("name = '%s'" % m.name), key=lambda v: int(v.version))
    out["models"].append({
        # MLflow 2.12's file store reports alias versions as strings, MLflow 3's SQL store as ints.
        "model": [m.name, m.description, m.creation_timestamp, m.tags, {k: str(v) for k, v in m.aliases.items()}],
        "versions": [[str(v.version), v.source, v.run_id, v.description, v.status, v.tags, v.creation_timestamp] for v in versions],
    })
print(json.dumps(out, sort_keys=True))`;

describe('mlops tracking migrate, checked through real MLflow', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });

  it('MLflow 2.12 reading the file store and MLflow 3 reading the SQLite copy see the same', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlops-migrate-'));
    dirs.push(dir);
    const mlruns = path.join(dir, 'mlruns');
    await fillFileStore(mlruns);
    const code = await runCli(['tracking', 'migrate', mlruns, `sqlite:///${path.join(dir, 'mlflow.db')}`, '-q'], {
      stdout: () => undefined,
      stderr: () => undefined,
      env: {},
      cwd: dir,
    });
    expect(code).toBe(0);
    const read = (env: PythonEnv, uri: string) => runPythonJson<{ experiments: unknown[]; runs: unknown[]; models: unknown[] }>(env, READ_ALL, { args: [uri], env: { MLFLOW_ALLOW_FILE_STORE: 'true' } });
    const before = await read('mlflow2', mlruns);
    const after = await read('mlflow3', `sqlite:///${path.join(dir, 'mlflow.db')}`);
    expect(before.runs).toHaveLength(3);
    expect(before.models).toHaveLength(2);
    expect(after).toEqual(before);
  });
});
