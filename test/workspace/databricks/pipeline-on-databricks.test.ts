import { cp, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

/**
 * `mlops run pipeline_job --target prod` against the fake workspace: the same mlops.yml whose dev
 * target runs locally drives ingest → train → evaluate → approve → deploy → score on Databricks
 * (Files API volume, MLflow runs and artifacts, UC model + champion alias, a UC predictions table).
 */
describe('pipeline_job on the prod target', () => {
  const startFake = useFakeDatabricks();
  const tempDir = useTempDirs();

  it('runs every stage on the Databricks workspace and never leaks the token', async () => {
    const fake = await startFake();
    fake.uc.storageMode = 'DEFAULT_STORAGE';
    const project = await tempDir();
    const yml = (await readFile(new URL('../../../mlops.yml', import.meta.url), 'utf8'))
      .replace(/host: https:\/\/adb-[^\s]+/, `host: ${fake.url}`)
      .replace(/\n\s*profile: hp-mlops/, '')
      .replace(/warehouse_id: "[^"]*"/, `warehouse_id: "${fake.warehouseId}"`);
    await writeFile(join(project, 'mlops.yml'), yml);
    await cp(new URL('../../../data/landing', import.meta.url), join(project, 'data', 'landing'), { recursive: true });

    let stdout = '';
    let stderr = '';
    const code = await runCli(['run', 'pipeline_job', '--target', 'prod', '-o', 'json'], {
      stdout: (text) => (stdout += text),
      stderr: (text) => (stderr += text),
      env: { DATABRICKS_TOKEN: fake.token, HOME: project },
      cwd: project,
    });
    expect(stderr).not.toContain(fake.token);
    if (code !== 0) console.log(stdout.slice(0, 3000));
    expect(code, stderr).toBe(0);
    const result = JSON.parse(stdout) as { status: string; stages: { stage: string; status: string }[] };
    expect(result.status).toBe('succeeded');

    // The stages' MLflow runs are nested under the job run, tagged when created.
    const jobRunId = (result as unknown as { run_id: string }).run_id;
    const stageRuns = [...fake.mlflow.runs.values()].map((r) => r.run).filter((run) => run.info.runId !== jobRunId);
    expect(stageRuns.map((run) => [run.data.tags['mlops.stage'], run.data.tags['mlflow.parentRunId']])).toEqual([
      ['ingest', jobRunId],
      ['train', jobRunId],
      ['evaluate', jobRunId],
    ]);
    expect(fake.mlflow.runs.get(jobRunId)?.run.data.tags).not.toHaveProperty('mlflow.parentRunId');
    const created = fake.requests.filter((r) => r.method === 'POST' && r.path === '/api/2.0/mlflow/runs/create').map((r) => JSON.parse(Buffer.from(r.body).toString('utf8')) as { tags: { key: string; value: string }[] });
    expect(created.filter((body) => body.tags.some((tag) => tag.key === 'mlflow.parentRunId' && tag.value === jobRunId))).toHaveLength(3);

    // Ingest wrote Parquet into the UC volume through the Files API.
    const ingested = await readdir(join(fake.files.root, 'Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol'), { recursive: true });
    expect(ingested.some((file) => file.endsWith('.parquet'))).toBe(true);
    // Its ledger too: one delta per commit, created only if absent (the Files API has no append), compacted into a snapshot at the end.
    expect(ingested.filter((file) => file.startsWith('checkpoints/'))).toEqual(expect.arrayContaining(['checkpoints/ingest_ledger/snapshot.json']));
    expect(ingested.filter((file) => file.includes('ingest_ledger/deltas/') || file.endsWith('ingest_ledger.json'))).toEqual([]);
    const deltaPuts = fake.requests.filter((r) => r.method === 'PUT' && r.path.includes('/ingest_ledger/deltas/'));
    expect(deltaPuts.length).toBeGreaterThan(0);
    expect(deltaPuts.map((r) => r.query.get('overwrite') ?? 'false')).toEqual(deltaPuts.map(() => 'false'));
    // Training logged to an experiment under the configured workspace path.
    const experiment = [...fake.mlflow.experiments.values()].find((e) => e.name === '/Shared/hp_mlops_e2e/prod/hp_iris_ml');
    expect(experiment).toBeDefined();
    // The model is a READY UC version with the champion alias.
    const model = fake.uc.models.get('hp_az_catalog.hp_iris_ml.irisclassifierdemo')!;
    expect(model.versions.map((v) => v.status)).toEqual(['READY']);
    expect(model.aliases.get('champion')).toBe(1);
    // Batch inference wrote the predictions table in the warehouse.
    const info = await fake.sql.tableInfo('hp_az_catalog.hp_iris_ml.iris_predictions');
    expect((info?.columns as { name: string }[]).map((c) => c.name)).toEqual([
      'sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'prediction',
      'probability_setosa', 'probability_versicolor', 'probability_virginica', 'model_name', 'model_version', 'scored_at',
    ]);
    // …scored inside the warehouse with the compiled model: one CREATE OR REPLACE TABLE … AS SELECT,
    // no predictions uploaded from this process.
    const statements = fake.requests
      .filter((r) => r.method === 'POST' && r.path === '/api/2.0/sql/statements')
      .map((r) => (JSON.parse(Buffer.from(r.body).toString('utf8')) as { statement: string }).statement);
    const scoring = statements.filter((sql) => /^CREATE OR REPLACE TABLE .*iris_predictions.* AS SELECT /s.test(sql));
    expect(scoring).toHaveLength(1);
    expect(scoring[0]).toContain('EXP(');
    expect((result as unknown as { predictions: { rows: number } }).predictions.rows).toBe(150);

    // The token went only to the workspace API: never to storage, never into MLflow or storage objects.
    expect(fake.cloudRequests().every((r) => r.headers.authorization === undefined)).toBe(true);
    const stored = [
      ...[...fake.mlflow.runs.values()].flatMap((r) => [...Object.values(r.run.data.params), ...Object.values(r.run.data.tags)]),
      ...[...fake.cloud.objects.values()].map((bytes) => Buffer.from(bytes).toString('latin1')),
    ].join('\n');
    expect(stored).not.toContain(fake.token);
  });
});
