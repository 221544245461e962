import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteConnection } from '../../../src/tracking/sql-store/connection.js';
import { MLFLOW_RELEASE, MLFLOW_REVISION } from '../../../src/tracking/sql-store/mlflow-schema.js';
import { SqlModelRegistry } from '../../../src/tracking/sql-store/registry-sql-store.js';
import { SqlTrackingStore } from '../../../src/tracking/sql-store/tracking-sql-store.js';
import { runPythonJson } from '../helpers/python.js';

const DUMP = fileURLToPath(new URL('../../../interop/mlflow-schema/dump.py', import.meta.url));

interface SchemaDump {
  release?: string;
  revision: string[];
  objects: Array<{ type: string; name: string; table: string; sql: string }>;
  columns: Record<string, Array<{ name: string; type: string; notnull: number; default: string | null; pk: number }>>;
  indexes: Record<string, string[]>;
}

const dump = (args: string[]) => runPythonJson<SchemaDump>('mlflow3', `import runpy, sys; sys.argv = ${JSON.stringify([DUMP, ...args])}; runpy.run_path(sys.argv[0], run_name='__main__')`);
/**
 * A CREATE statement with whitespace collapsed and, for tables, its column and constraint clauses
 * sorted: SQLAlchemy's batch migrations emit constraints of a rebuilt table in no fixed order.
 */
function normaliseSql(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').replace(/\( /g, '(').replace(/ \)/g, ')').trim();
  if (!/^CREATE TABLE/i.test(text)) return text;
  const open = text.indexOf('(');
  const body = text.slice(open + 1, text.lastIndexOf(')'));
  const clauses: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < body.length; i += 1) {
    if (body[i] === '(') depth += 1;
    else if (body[i] === ')') depth -= 1;
    else if (body[i] === ',' && depth === 0) {
      clauses.push(body.slice(start, i).trim());
      start = i + 1;
    }
  }
  clauses.push(body.slice(start).trim());
  return `${text.slice(0, open)}(${clauses.sort().join(', ')})`;
}

describe('the SQLite store in MLflow 3\'s own schema', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
  });
  const tempDir = async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'mlops-sqlite-schema-'));
    dirs.push(dir);
    return dir;
  };

  it(`creates the tables, columns, types, indexes and alembic revision that MLflow ${MLFLOW_RELEASE} creates`, async () => {
    const dir = await tempDir();
    const theirs = await dump([path.join(dir, 'theirs.db')]);
    expect(theirs.release).toBe(MLFLOW_RELEASE);
    const connection = new SqliteConnection(path.join(dir, 'ours.db'));
    connection.db; // opening creates the schema
    connection.close();
    const ours = await dump(['--existing', path.join(dir, 'ours.db')]);

    expect(ours.revision).toEqual([MLFLOW_REVISION]);
    expect(theirs.revision).toEqual([MLFLOW_REVISION]);
    expect(Object.keys(ours.columns).sort()).toEqual(Object.keys(theirs.columns).sort());
    for (const table of Object.keys(theirs.columns)) expect(ours.columns[table], table).toEqual(theirs.columns[table]);
    expect(ours.indexes).toEqual(theirs.indexes);
    const statements = (d: SchemaDump) => Object.fromEntries(d.objects.map((object) => [`${object.type} ${object.name}`, normaliseSql(object.sql)]));
    expect(statements(ours)).toEqual(statements(theirs));
    expect(Object.keys(theirs.columns)).toEqual(expect.arrayContaining(['experiments', 'runs', 'metrics', 'latest_metrics', 'model_versions', 'logged_models', 'logged_model_metrics']));
  });

  it('real MLflow opens a database we wrote with no upgrade step and reads our runs, metrics, versions, aliases and logged models', async () => {
    const dir = await tempDir();
    const database = path.join(dir, 'mlflow.db');
    const connection = new SqliteConnection(database);
    const tracking = new SqlTrackingStore({ connection, uri: `sqlite:///${database}`, artifactsDestination: path.join(dir, 'mlartifacts') });
    const registry = new SqlModelRegistry({ connection });
    const experimentId = await tracking.createExperiment('interop', { tags: { team: 'ml' } });
    const run = await tracking.createRun({ experimentId, runName: 'ours', startTime: 1_000 });
    await tracking.logBatch(run.runId, {
      params: { lr: '0.1' },
      metrics: [
        { key: 'loss', value: 0.9, timestamp: 1_001, step: 0 },
        { key: 'loss', value: 0.4, timestamp: 1_002, step: 1 },
        { key: 'odd', value: Number.NaN, timestamp: 1_003, step: 0 },
      ],
      tags: { stage: 'train' },
    });
    await tracking.updateRun(run.runId, { status: 'FINISHED', endTime: 2_000 });
    const logged = tracking.logged;
    const model = await logged.createLoggedModel({ experimentId, name: 'model', sourceRunId: run.runId, params: { lr: '0.1' }, tags: { kind: 'tfjs' } });
    await logged.logLoggedModelArtifact(model.modelId, 'MLmodel', 'artifact_path: model\n');
    await logged.logLoggedModelMetrics(model.modelId, [{ key: 'accuracy', value: 0.95, timestamp: 1_500, step: 0 }]);
    await logged.finalizeLoggedModel(model.modelId, 'READY');
    await registry.createRegisteredModel('interop.model', { tags: { task: 'iris' } });
    await registry.createModelVersion({ name: 'interop.model', source: `models:/${model.modelId}`, runId: run.runId, modelId: model.modelId, tags: { approval: 'ok' } });
    await registry.setAlias('interop.model', 'champion', '1');
    connection.close();

    const seen = await runPythonJson<Record<string, unknown>>(
      'mlflow3',
      `
import json, math, sys
from mlflow.tracking import MlflowClient
client = MlflowClient(tracking_uri="sqlite:///" + sys.argv[1], registry_uri="sqlite:///" + sys.argv[1])
exp = client.get_experiment_by_name("interop")
run = client.get_run(sys.argv[2])
hist = client.get_metric_history(run.info.run_id, "loss")
mv = client.get_model_version_by_alias("interop.model", "champion")
lm = client.get_logged_model(sys.argv[3])
found = client.search_logged_models(experiment_ids=[exp.experiment_id], filter_string="metrics.accuracy > 0.9")
print(json.dumps({
  "experiment": [exp.name, exp.tags.get("team"), exp.artifact_location],
  "run": [run.info.run_name, run.info.status, run.info.start_time, run.info.end_time, run.info.artifact_uri],
  "params": run.data.params, "tags": {k: v for k, v in run.data.tags.items() if not k.startswith("mlflow.")},
  "latest": {k: (None if math.isnan(v) else v) for k, v in run.data.metrics.items()},
  "history": [[m.step, m.value] for m in hist],
  "version": [str(mv.version), mv.source, mv.run_id, mv.model_id, mv.tags, mv.aliases, mv.status],
  "logged": [lm.name, str(lm.status), lm.source_run_id, lm.params, lm.tags, lm.artifact_location, [[m.key, m.value] for m in lm.metrics]],
  "search": [m.model_id for m in found],
}))`,
      { args: [database, run.runId, model.modelId] },
    );
    expect(seen).toEqual({
      experiment: ['interop', 'ml', `mlflow-artifacts:/${experimentId}`],
      run: ['ours', 'FINISHED', 1_000, 2_000, `mlflow-artifacts:/${experimentId}/${run.runId}/artifacts`],
      params: { lr: '0.1' },
      tags: { stage: 'train' },
      latest: { loss: 0.4, odd: null },
      history: [
        [0, 0.9],
        [1, 0.4],
      ],
      // MLflow 3.17's SQL registry keeps no model_id column: the link is the models:/m-<id> source.
      version: ['1', `models:/${model.modelId}`, run.runId, null, { approval: 'ok' }, ['champion'], 'READY'],
      logged: ['model', 'READY', run.runId, { lr: '0.1' }, { kind: 'tfjs' }, `mlflow-artifacts:/${experimentId}/models/${model.modelId}/artifacts`, [['accuracy', 0.95]]],
      search: [model.modelId],
    });
  });

  it('a database MLflow wrote is read by our store, and a newer revision that keeps our columns still works', async () => {
    const dir = await tempDir();
    const database = path.join(dir, 'mlflow.db');
    const made = await runPythonJson<{ experimentId: string; runId: string }>(
      'mlflow3',
      `
import json, sys
from mlflow.tracking import MlflowClient
client = MlflowClient(tracking_uri="sqlite:///" + sys.argv[1], registry_uri="sqlite:///" + sys.argv[1])
exp = client.create_experiment("theirs")
run = client.create_run(exp, run_name="by-mlflow")
client.log_param(run.info.run_id, "alpha", "0.5")
for step in range(3): client.log_metric(run.info.run_id, "rmse", 1.0 / (step + 1), step=step)
client.create_registered_model("theirs.model")
client.create_model_version("theirs.model", run.info.artifact_uri + "/model", run_id=run.info.run_id)
client.set_registered_model_alias("theirs.model", "champion", "1")
print(json.dumps({"experimentId": exp, "runId": run.info.run_id}))`,
      { args: [database] },
    );
    const open = () => {
      const connection = new SqliteConnection(database);
      return { connection, tracking: new SqlTrackingStore({ connection, uri: `sqlite:///${database}`, artifactsDestination: path.join(dir, 'mlartifacts') }), registry: new SqlModelRegistry({ connection }) };
    };
    const first = open();
    const run = await first.tracking.getRun(made.runId);
    expect(run.info.runName).toBe('by-mlflow');
    expect(run.data.params).toEqual({ alpha: '0.5' });
    expect((await first.tracking.getMetricHistory(made.runId, 'rmse')).map((metric) => metric.step)).toEqual([0, 1, 2]);
    expect((await first.registry.getModelVersionByAlias('theirs.model', 'champion')).runId).toBe(made.runId);
    // What an MLflow newer than ours would do: record a revision we do not know, keeping the tables.
    first.connection.db.prepare('UPDATE alembic_version SET version_num = ?').run('fedcba987654');
    first.connection.close();
    const second = open();
    await second.tracking.logBatch(made.runId, { metrics: [{ key: 'rmse', value: 0.2, timestamp: Date.now(), step: 3 }] });
    expect((await second.tracking.getRun(made.runId)).data.metrics['rmse']?.value).toBe(0.2);
    second.connection.close();
  });
});
