import { mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it } from 'vitest';
import { applyJobOverrides, loadConfig, packageRoot, parseConfig, parseVarArgs } from '../../src/config/load.js';
import { rejectedMlopsError } from '../helpers/errors.js';
import { useTempDirs } from '../helpers/temp-dir.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

const TINY = `bundle: { name: tiny }
variables:
  catalog_name: { default: c }
targets:
  local:
    default: true
    workspace: { root: ./ws }
resources:
  jobs:
    data_ingestion_job:
      parameters:
        - { name: volume_path, default: "/Volumes/\${var.catalog_name}/s/v" }
    model_training_job: {}
    model_deployment_job: {}
    batch_inference_job: {}
    pipeline_job: {}
`;

const tempDir = useTempDirs();
let dir: string;
beforeEach(async () => {
  dir = await tempDir();
});

describe('loadConfig', () => {
  it('reads ./mlops.yml from cwd and resolves the workspace beside it', async () => {
    await writeFile(join(dir, 'mlops.yml'), TINY);
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(config.configPath).toBe(join(dir, 'mlops.yml'));
    expect(config.configDir).toBe(dir);
    expect(config.target).toBe('local');
    expect(config.workspace).toEqual({ type: 'local', root: join(dir, 'ws') });
    expect(config.jobs.data_ingestion_job.parameters.volume_path).toBe('/Volumes/c/s/v');
  });

  it('reads an explicit path relative to cwd, resolving the workspace against that file, not cwd', async () => {
    await mkdir(join(dir, 'conf'));
    await writeFile(join(dir, 'conf', 'other.yml'), TINY);
    const config = await loadConfig({ cwd: dir, path: 'conf/other.yml', env: {} });
    expect(config.configPath).toBe(join(dir, 'conf', 'other.yml'));
    expect(config.workspace).toEqual({ type: 'local', root: join(dir, 'conf', 'ws') });
    expect(config.trackingUri).toBe(`sqlite:///${join(dir, 'conf', 'ws', 'mlflow.db')}`);
  });

  it('accepts a folder as the path and finds mlops.yml in it', async () => {
    await writeFile(join(dir, 'mlops.yml'), TINY);
    const config = await loadConfig({ cwd: tmpdir(), path: dir, env: {} });
    expect(config.configPath).toBe(join(dir, 'mlops.yml'));
  });

  it('fails with CONFIG_INVALID naming a missing explicit file', async () => {
    const error = await rejectedMlopsError(() => loadConfig({ cwd: dir, path: 'nope.yml', env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(join(dir, 'nope.yml'));
    expect(error.message).toContain('not found');
  });

  it('fails for a folder without mlops.yml', async () => {
    const error = await rejectedMlopsError(() => loadConfig({ cwd: tmpdir(), path: dir, env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(dir);
  });

  it('uses the package defaults when cwd has no mlops.yml, keeping state in cwd', async () => {
    const config = await loadConfig({ cwd: dir, env: {} });
    expect(config.configPath).toBeUndefined();
    expect(config.configDir).toBe(packageRoot().replace(/\/$/, ''));
    expect(config.bundle.name).toBe('hp-mlops-e2e');
    expect(config.workspace).toEqual({ type: 'local', root: join(dir, '.mlops') });
    expect(config.trackingUri).toBe(`sqlite:///${join(dir, '.mlops', 'mlflow.db')}`);
    expect(config.jobs.data_ingestion_job.parameters.source_path).toBe('./data/landing');
  });

  it('locates the package root from its own module', () => {
    expect(packageRoot()).toBe(repoRoot);
  });

  it('applies --var, BUNDLE_VAR_ and --target from the options', async () => {
    const config = await loadConfig({
      cwd: dir,
      target: 'prod',
      vars: parseVarArgs(['schema_name=s_cli']),
      env: { BUNDLE_VAR_catalog_name: 'c_env', BUNDLE_VAR_schema_name: 's_env' },
    });
    expect(config.target).toBe('prod');
    expect(config.variables).toEqual({ catalog_name: 'c_env', schema_name: 's_cli', environment: 'prod', require_human_approval: 'false', ingested_table: '', training_data: '/Volumes/c_env/s_cli/hp_ml_vol/ingested' });
    expect(config.jobs.batch_inference_job.parameters).toMatchObject({ catalog_name: 'c_env', schema_name: 's_cli' });
  });

  it('reads process.env when no env is given', async () => {
    await writeFile(join(dir, 'mlops.yml'), TINY);
    process.env.BUNDLE_VAR_catalog_name = 'from_process';
    try {
      expect((await loadConfig({ cwd: dir })).variables.catalog_name).toBe('from_process');
    } finally {
      delete process.env.BUNDLE_VAR_catalog_name;
    }
  });

  it('names the file in validation errors', async () => {
    await writeFile(join(dir, 'mlops.yml'), TINY.replace('pipeline_job: {}', 'pipeline_jobs: {}'));
    const error = await rejectedMlopsError(() => loadConfig({ cwd: dir, env: {} }));
    expect(error.code).toBe('CONFIG_INVALID');
    expect(error.message).toContain(join(dir, 'mlops.yml'));
    expect(error.message).toContain('resources.jobs.pipeline_jobs (line 16)');
    expect(error.message).toContain('resources.jobs.pipeline_job (line 9): expected a definition of job pipeline_job, found nothing');
  });

  it('stops when the signal is already aborted', async () => {
    await writeFile(join(dir, 'mlops.yml'), TINY);
    const controller = new AbortController();
    controller.abort();
    const error = await rejectedMlopsError(() => loadConfig({ cwd: dir, env: {}, signal: controller.signal }));
    expect(error.code).toBe('ABORTED');
  });

  it('re-exports the pure parser and the override helpers', async () => {
    await writeFile(join(dir, 'mlops.yml'), TINY);
    const config = await loadConfig({ cwd: dir, env: {} });
    const job = applyJobOverrides(config.jobs.data_ingestion_job, '{"volume_path": "/Volumes/x/y/z"}');
    expect(job.parameters.volume_path).toBe('/Volumes/x/y/z');
    expect(parseConfig(TINY, { source: 'inline', configDir: dir }).bundle.name).toBe('tiny');
  });
});
