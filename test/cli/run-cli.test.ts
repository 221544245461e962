import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run-cli.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const repoRoot = join(import.meta.dirname, '..', '..');
const tempDir = useTempDirs();

async function cli(args: string[], cwd: string, env: Record<string, string | undefined> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t), env, cwd });
  return { code, stdout, stderr };
}

describe('mlops CLI', () => {
  it('runs data_ingestion_job with -o json: one JSON object on stdout, progress on stderr', async () => {
    const cwd = await tempDir();
    const { code, stdout, stderr } = await cli(['run', 'data_ingestion_job', '-o', 'json'], cwd);
    expect(code).toBe(0);
    const result = JSON.parse(stdout);
    expect(result).toMatchObject({ status: 'succeeded', target: 'dev', stages: [{ name: 'ingest', status: 'succeeded' }] });
    expect(result.ingestion).toMatchObject({ files_ingested: 3, rows_written: 150, rows_quarantined: 0 });
    expect(result.ingestion.output_path).toBe('/Volumes/hp_az_catalog/hp_iris_ml/hp_ml_vol/ingested');
    expect(result.tracking.uri).toMatch(/^sqlite:\/\/\/\/.*\/\.mlops\/mlflow\.db$/);
    expect(stderr).toContain('▶ ingest');
  });

  it('applies --var to the volume path', async () => {
    const cwd = await tempDir();
    const { code, stdout } = await cli(['run', 'data_ingestion_job', '--var', 'catalog_name=main', '-o', 'json'], cwd);
    expect(code).toBe(0);
    expect(JSON.parse(stdout).ingestion.output_path).toBe('/Volumes/main/hp_iris_ml/hp_ml_vol/ingested');
    await expect(stat(join(cwd, '.mlops', 'Volumes', 'main', 'hp_iris_ml', 'hp_ml_vol', 'ingested'))).resolves.toBeTruthy();
  });

  it('MLFLOW_TRACKING_URI moves the tracking store, as in MLflow', async () => {
    const cwd = await tempDir();
    const elsewhere = join(await tempDir(), 'my-mlruns');
    const { code, stdout } = await cli(['run', 'model_training_job', '-o', 'json', '--json', '{"epochs":"5","data_path":"/Volumes/c/s/v/ingested"}'], cwd, {
      MLFLOW_TRACKING_URI: elsewhere,
    });
    // Training fails for lack of data, but the result already names the tracking store it would use.
    expect(code).toBe(1);
    expect(JSON.parse(stdout).tracking.uri).toBe(`file://${elsewhere}`);
    const ingest = await cli(['run', 'pipeline_job', '-o', 'json'], cwd, { MLFLOW_TRACKING_URI: elsewhere });
    expect(ingest.code).toBe(0);
    await expect(stat(join(elsewhere, 'models', 'hp_az_catalog.hp_iris_ml.irisclassifierdemo', 'aliases', 'champion'))).resolves.toBeTruthy();
    await expect(stat(join(cwd, '.mlops', 'mlruns'))).rejects.toThrow();
    await expect(stat(join(cwd, '.mlops', 'mlflow.db'))).rejects.toThrow();
  });

  it('never prints the password of a tracking URI', async () => {
    const cwd = await tempDir();
    const env = { MLFLOW_TRACKING_URI: 'http://ana:s3cr3t-pa55@127.0.0.1:9/' };
    const shown = await cli(['config', 'show'], cwd, env);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('"trackingUri": "http://***@127.0.0.1:9/"');
    const run = await cli(['run', 'model_deployment_job', '-o', 'json'], cwd, env);
    expect(run.code).not.toBe(0);
    expect(run.stdout + run.stderr).not.toContain('s3cr3t-pa55');
  });

  it('exits 2 for an unknown job and lists the jobs', async () => {
    const { code, stderr } = await cli(['run', 'train_everything'], await tempDir());
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown job "train_everything"');
    expect(stderr).toContain('pipeline_job');
  });

  it('exits 2 for an unknown target and names it', async () => {
    const { code, stderr } = await cli(['run', 'pipeline_job', '--target', 'staging'], await tempDir());
    expect(code).toBe(2);
    expect(stderr).toContain('staging');
  });

  it('exits 2 for an unknown option', async () => {
    const { code, stderr } = await cli(['run', 'pipeline_job', '--frobnicate'], await tempDir());
    expect(code).toBe(2);
    expect(stderr).toContain('--frobnicate');
  });

  it('exits 2 for a malformed mlops.yml, naming the file', async () => {
    const cwd = await tempDir();
    await writeFile(join(cwd, 'mlops.yml'), 'bundle:\n  name: [unclosed\n');
    const { code, stderr } = await cli(['run', 'pipeline_job'], cwd);
    expect(code).toBe(2);
    expect(stderr).toContain(join(cwd, 'mlops.yml'));
  });

  it('exits 1 for a missing source folder, naming it', async () => {
    const cwd = await tempDir();
    const { code, stderr, stdout } = await cli(['run', 'data_ingestion_job', '--json', JSON.stringify({ source_path: './landing-missing' })], cwd);
    expect(code).toBe(1);
    expect(stderr + stdout).toContain('landing-missing');
  });

  it('quarantines a CSV with the wrong header whole, ingests the other files and exits 0 (on_bad_file quarantine)', async () => {
    const cwd = await tempDir();
    await mkdir(join(cwd, 'landing'));
    await writeFile(join(cwd, 'landing', 'good.csv'), 'sepal_length,sepal_width,petal_length,petal_width,species\n5.1,3.5,1.4,0.2,setosa\n');
    await writeFile(join(cwd, 'landing', 'bad.csv'), 'a,b,c\n1,2,3\n');
    const { code, stderr, stdout } = await cli(['run', 'data_ingestion_job', '-o', 'json', '--json', JSON.stringify({ source_path: join(cwd, 'landing') })], cwd);
    expect(code).toBe(0);
    const ingestion = JSON.parse(stdout).ingestion;
    expect(ingestion).toMatchObject({ files_ingested: 1, rows_written: 1, files_quarantined: 1, rows_quarantined: 0, quarantined_files: [{ path: 'bad.csv', reason: expect.stringContaining('does not match the Iris schema') }] });
    expect(stderr).toContain('bad.csv: quarantined whole');
    // With on_bad_file fail, the same landing is an error naming the file (exit 1), and bad.csv gets no output.
    const failing = await cli(['run', 'data_ingestion_job', '--json', JSON.stringify({ source_path: join(cwd, 'landing'), checkpoint_path: '/Volumes/c/s/v/checkpoints', volume_path: '/Volumes/c/s/v', on_bad_file: 'fail' })], cwd);
    expect(failing.code).toBe(1);
    expect(failing.stderr + failing.stdout).toContain('bad.csv: the header does not match the Iris schema');
    await expect(stat(join(cwd, '.mlops', 'Volumes', 'c', 's', 'v', 'quarantine'))).rejects.toThrow();
  });

  it('exits 2 for --json keys that are not parameters of the job', async () => {
    const { code, stderr } = await cli(['run', 'data_ingestion_job', '--json', '{"epochs":"3"}'], await tempDir());
    expect(code).toBe(2);
    expect(stderr).toContain('epochs');
  });

  it('exits 2 listing every bad parameter of every stage before creating a run, a folder or a lock', async () => {
    const cwd = await tempDir();
    const json = JSON.stringify({ epochs: 'abc', hidden_units: '100000,100000', model_name: 'm'.repeat(300), batch_size: '0', on_change: 'maybe' });
    const { code, stderr } = await cli(['run', 'pipeline_job', '--json', json], cwd);
    expect(code, stderr).toBe(2);
    for (const key of ['epochs', 'hidden_units', 'model_name', 'batch_size', 'on_change']) expect(stderr).toContain(`parameter "${key}"`);
    expect(stderr).toContain('5 problems');
    expect(stderr).not.toContain('--resume');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('exits 2 for a --var that makes a parameter invalid', async () => {
    const cwd = await tempDir();
    const { code, stderr } = await cli(['run', 'model_training_job', '--var', `catalog_name=${'c'.repeat(300)}`], cwd);
    expect(code, stderr).toBe(2);
    expect(stderr).toContain('parameter "model_name"');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('prints help with examples', async () => {
    const { code, stdout } = await cli(['--help'], await tempDir());
    expect(code).toBe(0);
    expect(stdout).toContain('mlops run pipeline_job');
  });

  it('the built binary exits 3 when approval rejects the model', async () => {
    const cwd = await tempDir();
    const yaml = await readFile(join(repoRoot, 'mlops.yml'), 'utf8');
    await writeFile(join(cwd, 'mlops.yml'), yaml.replace(/accuracy:\s*\{[^}]*\}/, 'accuracy: { threshold: 1.01, greater_is_better: true }'));
    const landing = join(repoRoot, 'data', 'landing');
    const run = promisify(execFile);
    const error = await run(process.execPath, [join(repoRoot, 'dist', 'cli', 'main.js'), 'run', 'pipeline_job', '-o', 'json', '--json', JSON.stringify({ source_path: landing })], {
      cwd,
      env: { PATH: process.env.PATH ?? '' },
    }).then(
      () => undefined,
      (e: { code: number; stdout: string }) => e,
    );
    expect(error?.code).toBe(3);
    const result = JSON.parse(error!.stdout);
    expect(result.status).toBe('rejected');
    expect(result.stages.find((s: { name: string }) => s.name === 'deploy').status).toBe('skipped');
  });
});

describe('mlops <command> --help', () => {
  it('every command answers --help with usage and at least one example, exit 0', async () => {
    const { COMMANDS } = await import('../../src/cli/commands/index.js');
    expect(COMMANDS.length).toBeGreaterThanOrEqual(10);
    for (const command of COMMANDS) {
      expect((await command.load()).name, 'the entry loads its own command').toBe(command.name);
      const { code, stdout } = await cli([command.name, '--help'], await tempDir());
      expect(code, command.name).toBe(0);
      expect(stdout, command.name).toMatch(/Usage/i);
      expect(stdout, command.name).toMatch(/Examples?:?\n\s+mlops /);
    }
  });
});
