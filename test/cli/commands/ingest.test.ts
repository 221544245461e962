import { cp, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { openTracking } from '../../../src/tracking/open.js';
import { uploadLanding, useAzurite } from '../../helpers/azurite.js';
import { SAMPLE_LANDING } from '../../helpers/ingest-workspace.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

const tempDir = useTempDirs();
const HEADER = 'sepal_length,sepal_width,petal_length,petal_width,species';

async function cli(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd });
  return { code, stdout, stderr };
}

/** A project folder whose landing is a copy of the bundled sample, ingested once. */
async function ingestedProject(): Promise<{ cwd: string; json: string }> {
  const cwd = await tempDir();
  await cp(SAMPLE_LANDING, join(cwd, 'landing'), { recursive: true });
  const json = JSON.stringify({ source_path: join(cwd, 'landing') });
  const run = await cli(['run', 'data_ingestion_job', '--json', json, '-q'], cwd);
  expect(run.code).toBe(0);
  return { cwd, json };
}

describe('mlops ingest', () => {
  it('status: lists the ledger and what the next run would do (new, changed, missing)', async () => {
    const { cwd, json } = await ingestedProject();
    await writeFile(join(cwd, 'landing', 'iris_part_004.csv'), `${HEADER}\n5,3,1,0.2,setosa\n`);
    await writeFile(join(cwd, 'landing', 'iris_part_002.csv'), `${HEADER}\n5,3,1,0.2,setosa\n`);
    const text = await cli(['ingest', 'status', '--json', json], cwd);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('output      /Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/ingested (150 rows from 3 file(s)');
    expect(text.stdout).toContain('next run    1 new, 1 changed file(s); 0 ingested file(s) no longer in the source');
    expect(text.stdout).toMatch(/changed\s+50\s+0\s+\S+\s+iris_part_002\.csv/);

    const { code, stdout } = await cli(['ingest', 'status', '-o', 'json', '--json', json], cwd);
    expect(code).toBe(0);
    const status = JSON.parse(stdout);
    expect(status.files.map((file: { path: string; status: string }) => [file.path, file.status])).toEqual([
      ['iris_part_001.csv', 'ingested'],
      ['iris_part_002.csv', 'changed'],
      ['iris_part_003.csv', 'ingested'],
      ['iris_part_004.csv', 'new'],
    ]);
    expect(status.totals).toMatchObject({ ingested: 3, new: 1, changed: 1, rows: 150 });
  });

  it('replay: ingests a file again, replacing its rows', async () => {
    const { cwd, json } = await ingestedProject();
    const { code, stdout } = await cli(['ingest', 'replay', 'iris_part_002.csv', '-o', 'json', '--json', json], cwd);
    expect(code).toBe(0);
    const replayed = JSON.parse(stdout);
    expect(replayed).toMatchObject({ files_ingested: 1, rows_written: 50, files: ['iris_part_002.csv'] });
    // A replay is no job run: its MLflow run is not nested under anything.
    const run = await openTracking(`sqlite:///${join(cwd, '.mlops', 'mlflow.db')}`, { baseDir: cwd }).tracking.getRun(replayed.run_id);
    expect(run.info.runName).toBe('ingest-replay');
    expect(run.data.tags).not.toHaveProperty('mlflow.parentRunId');
    const status = JSON.parse((await cli(['ingest', 'status', '-o', 'json', '--json', json], cwd)).stdout);
    expect(status.totals.rows).toBe(150);
  });

  it('forget: removes a file and its rows, so the next run ingests it again', async () => {
    const { cwd, json } = await ingestedProject();
    const forgot = await cli(['ingest', 'forget', join(cwd, 'landing', 'iris_part_003.csv'), '--json', json], cwd);
    expect(forgot.code).toBe(0);
    expect(forgot.stdout).toBe('forgot iris_part_003.csv: 50 row(s), 0 quarantined row(s), 1 file(s) deleted\n');
    const status = JSON.parse((await cli(['ingest', 'status', '-o', 'json', '--json', json], cwd)).stdout);
    expect(status.totals).toMatchObject({ ingested: 2, new: 1, rows: 100 });
    const again = await cli(['run', 'data_ingestion_job', '-o', 'json', '--json', json], cwd);
    expect(JSON.parse(again.stdout).ingestion).toMatchObject({ files_ingested: 1, files: ['iris_part_003.csv'] });
  });

  it('exits 1 naming a file the ledger does not know, and 2 for bad usage', async () => {
    const { cwd, json } = await ingestedProject();
    const unknown = await cli(['ingest', 'forget', 'nope.csv', '--json', json], cwd);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('Not in the ingest ledger /Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/checkpoints/ingest_ledger: nope.csv');
    expect((await cli(['ingest', 'replay'], cwd)).code).toBe(2);
    expect((await cli(['ingest', 'explode'], cwd)).code).toBe(2);
    expect((await cli(['ingest', 'status', 'x.csv'], cwd)).code).toBe(2);
    const help = await cli(['ingest', '--help'], cwd);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('mlops ingest replay iris_part_002.csv');
  });
});

describe('mlops run / ingest on an ADLS Gen2 landing (azurite)', () => {
  const azurite = useAzurite();

  it("take the storage credentials from the CLI's environment, not the process's", async () => {
    expect(process.env.AZURE_STORAGE_CONNECTION_STRING).toBeUndefined();
    const cwd = await tempDir();
    const json = JSON.stringify({ source_path: await uploadLanding(azurite(), 'cli', SAMPLE_LANDING) });
    const env = { AZURE_STORAGE_CONNECTION_STRING: azurite().connectionString };
    const run = await cli(['run', 'data_ingestion_job', '-o', 'json', '-q', '--json', json], cwd, env);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout).ingestion).toMatchObject({ files_ingested: 3, rows_written: 150 });
    const status = await cli(['ingest', 'status', '-o', 'json', '--json', json], cwd, env);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ totals: { ingested: 3, new: 0, rows: 150 } });
    expect(JSON.parse(status.stdout).listing_error).toBeUndefined();
  });
});
