import { cp, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as arrow from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli/run-cli.js';
import { openTracking } from '../../../src/tracking/open.js';
import { OUTPUT_MARKER } from '../../../src/stages/score/output-safety.js';
import { LocalTableStore } from '../../../src/workspace/local/tables.js';
import { useFakeDatabricks } from '../../fakes/databricks/helpers.js';
import { useTempDirs } from '../../helpers/temp-dir.js';

/**
 * The output guard end to end through `mlops run batch_inference_job`: every case of issue 17
 * that destroyed data is refused with exit 2 before any run starts, and the data is still there.
 */

const repo = new URL('../../../', import.meta.url);
const VOLUME = '/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol';
const ingestedDir = (project: string) => join(project, '.mlops', 'Volumes', 'hp_az_catalog', 'hp_iris_ml', 'hp_ml_vol', 'ingested');

/** Every run id in the project's tracking store (MLflow's SQL schema in .mlops/mlflow.db). */
async function runIds(project: string): Promise<string[]> {
  const { tracking } = openTracking(`sqlite:///${join(project, '.mlops', 'mlflow.db')}`, { baseDir: project });
  const experiments = (await tracking.searchExperiments({ maxResults: 1000 })).items.map((e) => e.experimentId);
  const runs = (await tracking.searchRuns({ experimentIds: experiments, maxResults: 1000 })).items;
  return runs.map((run) => run.info.runId).sort();
}

async function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd });
  return { code, stdout, stderr };
}

/**
 * Every file below a folder with its size: a snapshot to compare before and after. The SQLite
 * store is compared by what it holds (every row of every table), not by its files' sizes: its
 * -wal and -shm side files come and go as SQLite checkpoints, whenever a connection closes.
 */
async function snapshot(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = await Promise.all(
    entries
      .filter((e) => e.isFile() && !/mlflow\.db-(wal|shm)$/.test(e.name))
      .map(async (e) => {
        const file = join(e.parentPath, e.name);
        const what = e.name === 'mlflow.db' ? `rows ${storeDigest(file)}` : String((await stat(file)).size);
        return `${file.slice(dir.length)}:${what}`;
      }),
  );
  return files.sort();
}

/** A digest of every row of every table of an SQLite database, read through SQLite (WAL included). */
function storeDigest(file: string): string {
  const db = new Database(file, { readonly: true });
  try {
    const hash = createHash('sha256');
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all() as string[];
    for (const table of tables) {
      hash.update(table);
      for (const row of db.prepare(`SELECT * FROM "${table}"`).raw().iterate()) hash.update(JSON.stringify(row, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
    }
    return hash.digest('hex').slice(0, 16);
  } finally {
    db.close();
  }
}

async function project(dir: string): Promise<void> {
  await cp(new URL('mlops.yml', repo), join(dir, 'mlops.yml'));
  await cp(new URL('data/landing', repo), join(dir, 'data', 'landing'), { recursive: true });
  await writeFile(join(dir, 'notes.txt'), 'not ours\n');
}

describe('batch_inference_job output guard (local workspace)', () => {
  const tempDirs = useTempDirs();
  let dir: string;
  let before: string[];

  // One trained project, shared: the cases below are all refusals that must leave it as it was.
  beforeAll(async () => {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    dir = await mkdtemp(join(tmpdir(), 'mlops-e2e-guard-'));
    await project(dir);
    const run = await cli(['run', 'pipeline_job', '-o', 'json', '--json', '{"epochs":"30"}'], dir);
    expect(run.code, run.stderr).toBe(0);
    before = await snapshot(dir);
  }, 120_000);
  afterAll(async () => {
    const { rm } = await import('node:fs/promises');
    await rm(dir, { recursive: true, force: true });
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    ['the project folder (".")', { output_path: '.' }, /output_path "\." \(.*\) is the config's folder/],
    ['the landing folder\'s parent ("data")', { output_path: 'data' }, /output_path "data" \(.*\/data\) contains source_path of .*\(\.\/data\/landing\)/],
    ['the landing folder itself', { output_path: './data/landing' }, /is source_path of /],
    ['the ingested volume folder', { output_path: `${VOLUME}/ingested` }, /output_path ".*\/ingested" \(.*\) is input_path \(\/Volumes\/.*\/ingested\)/],
    ['the volume that holds the ingested data', { output_path: VOLUME }, /contains input_path/],
    ['a folder inside the ingested data', { output_path: `${VOLUME}/ingested/out` }, /is inside input_path/],
    ['the checkpoints', { output_path: `${VOLUME}/checkpoints` }, /is checkpoint_path of data_ingestion_job/],
    ['the local workspace', { output_path: '.mlops' }, /is the local workspace/],
    ['the MLflow store inside the workspace', { output_path: '.mlops/mlflow.db' }, /is the workspace's mlflow\.db/],
    ['the MLflow artifacts inside the workspace', { output_path: '.mlops/mlartifacts' }, /is the workspace's mlartifacts/],
    ['the project folder reached through ".."', { output_path: '.mlops/..' }, /output_path "\.mlops\/\.\." \(.*\) is the config's folder/],
    ['the same folder as input and output', { input_path: 'preds-in', output_path: 'preds-in/' }, /output_path "preds-in\/" \(.*\) is input_path \(preds-in\)/],
    ['the input table as the output table', { input_path: 'hp_az_catalog.hp_iris_ml.iris_predictions' }, /output_table "hp_az_catalog\.hp_iris_ml\.iris_predictions" is input_path/],
    ['the config file', { output_path: 'mlops.yml' }, /is the config file/],
    ['a partitioned workspace table (only Spark partitions tables)', { partition_by: 'prediction' }, /partition_by "prediction": expected output_path \(a folder\), or a target with a Spark engine/],
  ];

  it.each(refusals)('refuses %s with exit 2 before any run, and nothing changes', async (_, json, message) => {
    const runsBefore = await runIds(dir);
    const result = await cli(['run', 'batch_inference_job', '--json', JSON.stringify(json)], dir);
    expect(result.stderr).toMatch(message);
    expect(result.code).toBe(2);
    expect(await snapshot(dir)).toEqual(before);
    expect(await runIds(dir)).toEqual(runsBefore);
  });

  it('refuses "." with the bundled config too, where relative paths resolve in the package (no model exists, so nothing could be written)', async () => {
    const empty = await tempDirs();
    const result = await cli(['run', 'batch_inference_job', '--json', '{"output_path":"."}'], empty);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/output_path "\." \(.*\) is the config's folder/);
    await expect(stat(new URL('mlops.yml', repo))).resolves.toBeTruthy();
  });

  it('refuses a symbolic link to the landing folder', async () => {
    await symlink(join(dir, 'data', 'landing'), join(dir, 'link-to-landing'));
    const result = await cli(['run', 'batch_inference_job', '--json', '{"output_path":"link-to-landing"}'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/output_path "link-to-landing" \(.*\/data\/landing\) is source_path/);
    expect((await readdir(join(dir, 'data', 'landing'))).length).toBe(3);
  });

  it('refuses to replace a folder or a file it did not write, and to replace a foreign table', async () => {
    const other = await tempDirs();
    await writeFile(join(other, 'thesis.tex'), 'years of work');
    let result = await cli(['run', 'batch_inference_job', '--json', JSON.stringify({ output_path: other })], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`output_path "${other}" cannot be replaced: it is a folder that holds "thesis.tex" and no ${OUTPUT_MARKER}`);
    expect(await readFile(join(other, 'thesis.tex'), 'utf8')).toBe('years of work');

    // A Parquet file of another kind (an ingested part) as a single-file output.
    const ingestedPart = (await readdir(ingestedDir(dir), { recursive: true })).find((name) => name.endsWith('.parquet'))!;
    await cp(join(ingestedDir(dir), ingestedPart), join(other, 'rows.parquet'));
    result = await cli(['run', 'batch_inference_job', '--json', JSON.stringify({ output_path: join(other, 'rows.parquet') })], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/cannot be replaced: it is a Parquet file whose columns \(sepal_length.*\) are not those of predictions/);

    const tables = new LocalTableStore({ root: join(dir, '.mlops') });
    await tables.write('hp_az_catalog.hp_iris_ml.ledger', [arrow.tableFromArrays({ id: Int32Array.of(1, 2) }).batches[0]!]);
    result = await cli(['run', 'batch_inference_job', '--json', '{"output_table":"ledger"}'], dir);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('output_table "hp_az_catalog.hp_iris_ml.ledger" cannot be replaced: it is a table whose columns (id) are not those of predictions');
    expect((await tables.describe('hp_az_catalog.hp_iris_ml.ledger')).schema.fields.map((f) => f.name)).toEqual(['id']);
  });

  it('writes a new folder with its marker, and replaces its own output on the next run', async () => {
    const out = join(await tempDirs(), 'predictions');
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await cli(['run', 'batch_inference_job', '-o', 'json', '--json', JSON.stringify({ output_path: out })], dir);
      expect(result.code, result.stderr).toBe(0);
      const names = await readdir(out);
      expect(names).toContain(OUTPUT_MARKER);
      expect(names.filter((name) => name.endsWith('.parquet'))).toHaveLength(1);
    }
    expect(JSON.parse(await readFile(join(out, OUTPUT_MARKER), 'utf8'))).toMatchObject({ written_by: 'mlops-e2e batch_inference_job' });
    // An empty folder made by the user is fine too, and so is the job's own prediction table.
    const empty = await tempDirs();
    expect((await cli(['run', 'batch_inference_job', '--json', JSON.stringify({ output_path: empty })], dir)).code).toBe(0);
    expect((await cli(['run', 'batch_inference_job'], dir)).code).toBe(0);
    expect((await cli(['run', 'batch_inference_job'], dir)).code).toBe(0);
  });
});

describe('batch_inference_job output guard (Databricks workspace)', () => {
  const startFake = useFakeDatabricks();
  const tempDir = useTempDirs();

  it('refuses the ingested volume folder, the volume and a foreign folder; writes a new folder with its marker', async () => {
    const fake = await startFake();
    fake.uc.storageMode = 'DEFAULT_STORAGE';
    const dir = await tempDir();
    const yml = (await readFile(new URL('mlops.yml', repo), 'utf8'))
      .replace(/host: https:\/\/adb-[^\s]+/, `host: ${fake.url}`)
      .replace(/\n\s*profile: hp-mlops/, '')
      .replace(/warehouse_id: "[^"]*"/, `warehouse_id: "${fake.warehouseId}"`);
    await writeFile(join(dir, 'mlops.yml'), yml);
    await cp(new URL('data/landing', repo), join(dir, 'data', 'landing'), { recursive: true });
    const env = { DATABRICKS_TOKEN: fake.token, HOME: dir };
    const trained = await cli(['run', 'pipeline_job', '--target', 'prod', '--json', '{"epochs":"30"}'], dir, env);
    expect(trained.code, trained.stderr).toBe(0);
    const volumeDir = join(fake.files.root, 'Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol');
    const before = await snapshot(volumeDir);
    await mkdir(join(volumeDir, 'shared'), { recursive: true });
    await writeFile(join(volumeDir, 'shared', 'report.csv'), 'a,b\n');

    const cases: [Record<string, string>, RegExp][] = [
      [{ output_path: `${VOLUME}/ingested` }, /output_path "\/Volumes\/.*\/ingested" is input_path/],
      [{ output_path: VOLUME }, /output_path "\/Volumes\/hp_az_catalog\/hp_iris_ml\/hp_ml_vol" contains input_path/],
      [{ output_path: `${VOLUME}/shared` }, /cannot be replaced: it is a folder that holds "report.csv" and no _mlops_output.json/],
      [{ input_path: 'hp_az_catalog.hp_iris_ml.iris_predictions' }, /output_table "hp_az_catalog\.hp_iris_ml\.iris_predictions" is input_path/],
    ];
    for (const [json, message] of cases) {
      const result = await cli(['run', 'batch_inference_job', '--target', 'prod', '--json', JSON.stringify(json)], dir, env);
      expect(result.stderr).toMatch(message);
      expect(result.code).toBe(2);
    }
    expect((await snapshot(volumeDir)).filter((file) => !file.startsWith('/shared/'))).toEqual(before);
    expect(await readFile(join(volumeDir, 'shared', 'report.csv'), 'utf8')).toBe('a,b\n');

    for (let attempt = 0; attempt < 2; attempt++) {
      const written = await cli(['run', 'batch_inference_job', '--target', 'prod', '--json', JSON.stringify({ output_path: `${VOLUME}/predictions` })], dir, env);
      expect(written.code, written.stderr).toBe(0);
    }
    const names = await readdir(join(volumeDir, 'predictions'));
    expect(names).toContain(OUTPUT_MARKER);
    expect(names.filter((name) => name.endsWith('.parquet'))).toHaveLength(1);
  }, 120_000);
});
