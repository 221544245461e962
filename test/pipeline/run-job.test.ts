import { cp, readFile, writeFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RecordingReporter } from '../../src/pipeline/reporter.js';
import { runJob, runPipeline } from '../../src/run.js';
import { openTracking } from '../../src/tracking/open.js';
import { startTrackingServer } from '../../src/tracking/server/server.js';
import { AZURITE_KEY, uploadLanding, useAzurite } from '../helpers/azurite.js';
import { SAMPLE_LANDING } from '../helpers/ingest-workspace.js';
import { callMlflowApi } from '../helpers/mlflow-api.js';
import { readParquetFolder } from '../helpers/read-parquet.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const tempDir = useTempDirs();

/** The local workspace's default tracking store: MLflow's schema in <cwd>/.mlops/mlflow.db. */
function localStores(cwd: string) {
  return openTracking(`sqlite:///${join(cwd, '.mlops', 'mlflow.db')}`, { baseDir: cwd });
}

/** Every run of every experiment in a store, with its parent run (the mlflow.parentRunId tag). */
async function allRuns(tracking: ReturnType<typeof localStores>['tracking']): Promise<{ experimentId: string; runId: string; parent: string | undefined }[]> {
  const experiments = (await tracking.searchExperiments({ maxResults: 1000 })).items;
  const runs = (await tracking.searchRuns({ experimentIds: experiments.map((experiment) => experiment.experimentId) })).items;
  return runs.map((run) => ({ experimentId: run.info.experimentId, runId: run.info.runId, parent: run.data.tags['mlflow.parentRunId'] }));
}

describe('pipeline_job on the local workspace', () => {
  it('runs all six stages on the bundled data, then again (forced past the step cache) without re-ingesting, promoting version 2', async () => {
    const cwd = await tempDir();
    const reporter = new RecordingReporter();
    const first = await runPipeline({ load: { cwd, env: {} }, reporter });

    expect(first.status, JSON.stringify(first.failure)).toBe('succeeded');
    expect(first.stages.map((s) => [s.name, s.status])).toEqual([
      ['ingest', 'succeeded'],
      ['train', 'succeeded'],
      ['evaluate', 'succeeded'],
      ['approve', 'succeeded'],
      ['deploy', 'succeeded'],
      ['score', 'succeeded'],
    ]);
    expect(first.ingestion).toMatchObject({ files_ingested: 3, rows_written: 150, rows_quarantined: 0 });
    expect(first.model).toMatchObject({ name: 'hp_az_catalog.hp_iris_ml.irisclassifierdemo', version: '1' });
    expect(first.deployment).toMatchObject({ changed: true, previous_champion: undefined });
    expect(first.predictions?.rows).toBe(150);
    expect(first.workspace.location).toBe(join(cwd, '.mlops'));

    // Read the predictions with hyparquet, not the writer's own library, and check them against the labels.
    const predictions = await readParquetFolder(first.predictions!.path);
    expect(predictions).toHaveLength(150);
    const ingested = await readParquetFolder(join(cwd, '.mlops', 'Volumes', 'hp_az_catalog', 'hp_iris_ml', 'hp_ml_vol', 'ingested'));
    expect(ingested).toHaveLength(150);
    let correct = 0;
    predictions.forEach((row, i) => {
      expect(row.sepal_length).toBe(ingested[i]!.sepal_length);
      if (row.prediction === ingested[i]!.species) correct++;
      const p = Number(row.probability_setosa) + Number(row.probability_versicolor) + Number(row.probability_virginica);
      expect(p).toBeCloseTo(1, 5);
      expect(row.model_version).toBe('1');
      expect(row.model_name).toBe('hp_az_catalog.hp_iris_ml.irisclassifierdemo');
    });
    expect(correct / 150).toBeGreaterThanOrEqual(0.9);
    expect(Object.keys(predictions[0]!)).toEqual([
      'sepal_length', 'sepal_width', 'petal_length', 'petal_width', 'prediction',
      'probability_setosa', 'probability_versicolor', 'probability_virginica', 'model_name', 'model_version', 'scored_at',
    ]);

    // The tracking store is MLflow's SQL schema in .mlops/mlflow.db: the champion alias is version 1.
    const { tracking, registry } = localStores(cwd);
    expect((await registry.getRegisteredModel('hp_az_catalog.hp_iris_ml.irisclassifierdemo')).aliases).toEqual({ champion: '1' });
    expect(first.tracking.uri).toBe(`sqlite:///${join(cwd, '.mlops', 'mlflow.db')}`);
    expect(reporter.events.filter((e) => e.type === 'stage-start')).toHaveLength(6);

    // The run report is written beside the workspace and logged to the job run.
    expect(first.report?.path).toBe(join(cwd, '.mlops', 'reports', `${first.run_id}.html`));
    const html = await readFile(first.report!.path, 'utf8');
    expect(html).toContain('<svg');
    expect(html.replaceAll('<wbr>', '')).toContain('hp_az_catalog.hp_iris_ml.irisclassifierdemo'); // names wrap at their dots
    const logged = new TextDecoder().decode(await tracking.downloadArtifact(first.run_id, 'report/run_report.html'));
    expect(logged).toBe(html);

    // Unforced, train and evaluate would be reused (test/cli/commands/run-cache.test.ts).
    const second = await runPipeline({ load: { cwd, env: {} }, force: true });
    expect(second.status).toBe('succeeded');
    expect(second.ingestion).toMatchObject({ files_ingested: 0, rows_written: 0 });
    expect(second.model?.version).toBe('2');
    expect(second.deployment).toMatchObject({ changed: true, previous_champion: '1' });
    expect(second.predictions?.rows).toBe(150);
    const again = await readParquetFolder(second.predictions!.path);
    expect(again).toHaveLength(150);
    expect(new Set(again.map((r) => r.model_version))).toEqual(new Set(['2']));

    // Every stage run is nested under its job run (the mlflow.parentRunId tag); job runs are top-level.
    const onDisk = await allRuns(tracking);
    const stageRuns = (job: typeof first) => [job.ingestion!.run_id, job.training!.run_id, job.evaluation!.run_id].sort();
    const nestedUnder = new Map<string | undefined, string[]>();
    for (const run of onDisk) nestedUnder.set(run.parent, [...(nestedUnder.get(run.parent) ?? []), run.runId]);
    expect(nestedUnder.get(undefined)?.sort()).toEqual([first.run_id, second.run_id].sort());
    expect(nestedUnder.get(first.run_id)?.sort()).toEqual(stageRuns(first));
    expect(nestedUnder.get(second.run_id)?.sort()).toEqual(stageRuns(second));
    expect(nestedUnder.size).toBe(3);

    // MLflow's own query for child runs, through the tracking server over this store, finds exactly them.
    const server = await startTrackingServer({ root: first.tracking.uri! });
    try {
      const experimentIds = [...new Set(onDisk.map((run) => run.experimentId))];
      const search = await callMlflowApi(server.url, 'POST', 'runs/search', { experiment_ids: experimentIds, filter: `tags.mlflow.parentRunId = '${first.run_id}'` });
      expect(search.status).toBe(200);
      const found = (search.json.runs as { info: { run_id: string } }[]).map((run) => run.info.run_id).sort();
      expect(found).toEqual(stageRuns(first));
    } finally {
      await server.close();
    }
  });

  it('stops at approve when the thresholds reject the model: status rejected, nothing deployed', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'mlops.yml'), strictConfig(await readFile(join(repoRoot, 'mlops.yml'), 'utf8')));
    await cp(join(repoRoot, 'data'), join(cwd, 'data'), { recursive: true });
    const result = await runPipeline({ load: { cwd, env: {} } });
    expect(result.status).toBe('rejected');
    expect(result.stages.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded', 'rejected', 'skipped', 'skipped']);
    expect(result.approval?.reasons.join(' ')).toMatch(/accuracy = [0-9.]+ must be at least 1\.01/);
    const { registry } = localStores(cwd);
    expect((await registry.getRegisteredModel('hp_az_catalog.hp_iris_ml.irisclassifierdemo')).aliases).toEqual({});
    expect((await registry.getModelVersion('hp_az_catalog.hp_iris_ml.irisclassifierdemo', '1')).tags['mlops.approval_status']).toBe('rejected');
  });

  it('reports a failing stage with its error code and skips the rest', async () => {
    const cwd = await tempDir();
    const result = await runJob({ job: 'pipeline_job', load: { cwd, env: {} }, json: { source_path: join(cwd, 'no-such-folder') } });
    expect(result.status).toBe('failed');
    expect(result.failure).toMatchObject({ stage: 'ingest', code: 'NOT_FOUND' });
    expect(result.failure?.message).toContain('no-such-folder');
    expect(result.stages.slice(1).every((s) => s.status === 'skipped')).toBe(true);
  });

  it('rejects an unknown job before doing anything', async () => {
    const cwd = await tempDir();
    await expect(runJob({ job: 'nope' as never, load: { cwd, env: {} } })).rejects.toMatchObject({ code: 'USAGE' });
  });
});

describe('pipeline_job reading its landing from ADLS Gen2 (azurite)', () => {
  const azurite = useAzurite();

  it('takes the storage credentials from load.env alone, and no secret reaches params, records, reports or errors', async () => {
    // The credentials must come from the env passed in, not from the process.
    expect(process.env.AZURE_STORAGE_CONNECTION_STRING).toBeUndefined();
    const { connectionString } = azurite();
    const url = await uploadLanding(azurite(), 'pipeline', SAMPLE_LANDING);
    const cwd = await tempDir();
    const reporter = new RecordingReporter();
    const result = await runPipeline({ load: { cwd, env: { AZURE_STORAGE_CONNECTION_STRING: connectionString } }, json: { source_path: url }, reporter });
    expect(result.status, JSON.stringify(result.failure)).toBe('succeeded');
    expect(result.ingestion).toMatchObject({ files_listed: 3, files_ingested: 3, rows_written: 150 });
    expect(result.predictions?.rows).toBe(150);
    const { tracking } = localStores(cwd);
    expect((await tracking.getRun(result.run_id)).data.params.source_path).toBe(url);

    // A wrong key in the passed env is what is used (and refused), named but never shown.
    const wrongKey = Buffer.from('a wrong key that looks like a real one').toString('base64');
    const wrongConnectionString = connectionString.replace(AZURITE_KEY, wrongKey);
    const failedCwd = await tempDir();
    const failed = await runJob({ job: 'data_ingestion_job', load: { cwd: failedCwd, env: { AZURE_STORAGE_CONNECTION_STRING: wrongConnectionString } }, json: { source_path: url } });
    expect(failed.status).toBe('failed');
    expect(failed.failure).toMatchObject({ stage: 'ingest', code: 'HTTP', message: expect.stringContaining('access denied') });
    expect(failed.failure?.message).toContain('AZURE_STORAGE_CONNECTION_STRING');

    const written = [...(await filesBelow(join(cwd, '.mlops'))), ...(await filesBelow(join(failedCwd, '.mlops')))];
    expect(written.length).toBeGreaterThan(10);
    const cause = failed.failure?.cause;
    const everything = [
      JSON.stringify(result.failure ?? null),
      JSON.stringify(result.ingestion),
      JSON.stringify(reporter.events),
      JSON.stringify(failed.stages),
      `${failed.failure?.message} ${cause instanceof Error ? `${cause.stack} ${JSON.stringify(cause)}` : String(cause)}`,
      ...(await Promise.all(written.map((file) => readFile(file, 'latin1')))),
    ].join('\n');
    for (const secret of [AZURITE_KEY, connectionString, wrongKey, wrongConnectionString]) expect(everything).not.toContain(secret);
  });
});

async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
}

/** The shipped config with an accuracy threshold no model can meet. */
function strictConfig(yaml: string): string {
  return yaml.replace(/accuracy:\s*\{[^}]*\}/, 'accuracy: { threshold: 1.01, greater_is_better: true }');
}
